/**
 * GPU and USB pass-through through the REST API on simulator hosts whose agents read recorded
 * sysfs trees (tests/fixtures/sysfs/gpu-host, copied per host so a test can change it): device
 * discovery and rescan on reconnect, the host IOMMU switch, and every attach rule with the error
 * a user sees; what reaches the (simulated) hypervisor is checked in the domain spec.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { SimDriver } from "../../hostd/drivers/sim.ts";
import { settle } from "../support/jobs.ts";
import { Client, eventually, startNode, type Reply, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;
const GPU_HOST = resolve(import.meta.dirname, "../fixtures/sysfs/gpu-host");
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Writes one USB device into a sysfs tree (as the kernel lays it out). */
async function addUsb(root: string, name: string, bus: number, dev: number, idProduct: string, version: string): Promise<void> {
  const d = join(root, "sys/bus/usb/devices", name);
  await mkdir(d, { recursive: true });
  const files: Record<string, string> = {
    busnum: String(bus), devnum: String(dev), idVendor: "abcd", idProduct, version: ` ${version}`, speed: "480",
    bDeviceClass: "00", product: `Test device ${name}`, serial: `SN-${name}`,
  };
  for (const [f, v] of Object.entries(files)) await writeFile(join(d, f), `${v}\n`);
}

describe("GPU and USB pass-through on simulator hosts", () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-passthrough-"));
  const ids = {} as Record<"bs" | "cluster" | "cluster2" | "hostA" | "hostB" | "hostC" | "image" | "l2" | "l3" | "otherVm" | "plain" | "ps" | "small" | "usbVm" | "vm" | "zone", string>;
  const a = () => t.admin;
  const deviceRoot = (hostUuid: string) => join(t.dataDir, "simulators", hostUuid, "device-root");
  const sim = (hostUuid: string): SimDriver =>
    (t.node.services.simulators as unknown as { running: Map<string, { driver: SimDriver }> }).running.get(hostUuid)!.driver;

  const ok = async (r: Promise<Reply> | Reply, timeoutMs = 60_000): Promise<Any> => {
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status !== 202) return x.body;
    const s = await settle(t.admin, x, timeoutMs);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };
  /** The call is refused synchronously with `status`, `code` and details matching `details`. */
  const refused = async (r: Promise<Reply>, status: number, code: string, details?: RegExp) => {
    const x = await r;
    assert.equal(x.status, status, x.text);
    assert.equal(x.body.error.code, code, x.text);
    if (details) assert.match(`${x.body.error.description} ${x.body.error.details}`, details);
    return x.body.error;
  };
  const pciOf = async (hostUuid: string, address: string): Promise<Any> =>
    (await ok(a().get(`/v1/pci-device/pci-devices?q=hostUuid=${hostUuid}&q=pciDeviceAddress=${address}`))).inventories[0];
  const usbOf = async (hostUuid: string, q: string): Promise<Any[]> =>
    (await ok(a().get(`/v1/usb-device/usb-devices?q=hostUuid=${hostUuid}&${q}`))).inventories;
  const attachPci = (dev: string, vm: string, c: Client = a()) => c.post(`/v1/pci-device/pci-devices/${dev}/attach`, { params: { vmInstanceUuid: vm } });
  const detachPci = (dev: string) => a().post(`/v1/pci-device/pci-devices/${dev}/detach`, { params: {} });
  const attachUsb = (dev: string, vm: string) => a().post(`/v1/usb-device/usb-devices/${dev}/attach`, { params: { vmInstanceUuid: vm } });
  const vmAction = (vm: string, action: string, body: object = {}) => a().put(`/v1/vm-instances/${vm}/actions`, { [action]: body });
  const getVm = async (vm: string): Promise<Any> => (await a().get(`/v1/vm-instances/${vm}`)).body.inventories[0];
  const createVm = async (name: string, params: object = {}, systemTags?: string[]) =>
    a().post("/v1/vm-instances", { params: { name, instanceOfferingUuid: ids.small, imageUuid: ids.image, l3NetworkUuids: [ids.l3], ...params }, systemTags });
  const addSim = async (name: string, clusterUuid: string, prepare?: (root: string) => Promise<void>) => {
    const uuid = randomUUID().replace(/-/g, "");
    if (prepare) {
      await cp(GPU_HOST, deviceRoot(uuid), { recursive: true, verbatimSymlinks: true });
      await prepare(deviceRoot(uuid));
    }
    await ok(a().post("/v1/hosts/simulators", { params: { resourceUuid: uuid, clusterUuid, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }));
    return uuid;
  };

  before(async () => {
    t = await startNode();
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a().post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a().post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "gpu", hypervisorType: "Simulator" } }))).inventory.uuid;
    ids.cluster2 = (await ok(a().post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "other", hypervisorType: "Simulator" } }))).inventory.uuid;
    ids.hostA = await addSim("gpu-a", ids.cluster, async () => undefined);
    // Host B: many USB devices, for the per-VM limits (two 1.1, seven 2.0, five 3.0 in all).
    ids.hostB = await addSim("gpu-b", ids.cluster, async (root) => {
      await addUsb(root, "1-5", 1, 10, "0001", "1.10");
      for (let i = 0; i < 6; i++) await addUsb(root, `1-6.${i}`, 1, 20 + i, `02${i}0`, "2.00");
      for (let i = 0; i < 4; i++) await addUsb(root, `2-2.${i}`, 2, 30 + i, `03${i}0`, "3.00");
    });
    ids.hostC = await addSim("gpu-c", ids.cluster2, async () => undefined);
    ids.plain = await addSim("plain", ids.cluster2);
    await mkdir(join(tmp, "smp"), { recursive: true });
    ids.ps = (await ok(a().post("/v1/primary-storage/smp", { params: { name: "smp", url: join(tmp, "smp"), zoneUuid: ids.zone } }))).inventory.uuid;
    for (const c of [ids.cluster, ids.cluster2]) await ok(a().post(`/v1/clusters/${c}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a().post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a().post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a().post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.small = (await ok(a().post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a().post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    for (const c of [ids.cluster, ids.cluster2]) await ok(a().post(`/v1/l2-networks/${ids.l2}/clusters/${c}`, {}));
    const flat = (await ok(a().get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    ids.l3 = (await ok(a().post("/v1/l3-networks", { params: { name: "l3", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a().post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.252.9.10", endIp: "10.252.9.99", netmask: "255.255.255.0", gateway: "10.252.9.1" } }));
    await ok(a().post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
  });
  after(async () => {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("lists a host's GPUs and USB devices with the recorded fields, per host and per cluster", async () => {
    const pci = (await ok(a().get(`/v1/pci-device/pci-devices?q=hostUuid=${ids.hostA}&sort=%2BpciDeviceAddress`))).inventories;
    assert.equal(pci.length, 9);
    const gpu = pci.find((d: Any) => d.pciDeviceAddress === "0000:01:00.0");
    assert.equal(gpu.type, "GPU_Video_Controller");
    assert.equal(gpu.vendorId, "10de");
    assert.equal(gpu.deviceId, "1e07");
    assert.equal(gpu.subvendorId, "10de");
    assert.equal(gpu.subdeviceId, "12a4");
    assert.equal(gpu.vendor, "NVIDIA Corporation");
    assert.equal(gpu.name, "TU102 [GeForce RTX 2080 Ti Rev. A]");
    assert.equal(gpu.iommuGroup, "13");
    assert.equal(gpu.state, "Enabled");
    assert.equal(gpu.status, "Ready");
    assert.equal(pci.find((d: Any) => d.pciDeviceAddress === "0000:01:00.1").type, "GPU_Audio_Controller");
    assert.equal(pci.find((d: Any) => d.pciDeviceAddress === "0000:03:00.0").type, "GPU_3D_Controller");
    const gpus = await ok(a().get(`/v1/pci-device/pci-devices?q=hostUuid=${ids.hostA}&q=type?=GPU_Video_Controller,GPU_3D_Controller&count=true`));
    assert.equal(gpus.total, 3);
    const usb = await usbOf(ids.hostA, "sort=%2BdevNum");
    assert.deepEqual(usb.map((u) => [u.busNum, u.devNum, u.idVendor, u.idProduct, u.usbVersion, u.iManufacturer, u.iProduct, u.iSerial]).sort(), [
      ["001", "002", "046d", "c31c", "1.1", "Logitech", "USB Keyboard", null],
      ["001", "003", "0781", "5567", "2.0", "SanDisk", "Cruzer Blade", "4C530001230705117351"],
      ["002", "002", "0bc2", "ab38", "3.0", "Seagate", "Backup+ Hub BK", "NA8ABCDE"],
    ]);
    const inCluster = await ok(a().get(`/v1/pci-device/pci-devices?q=host.clusterUuid=${ids.cluster}&count=true`));
    assert.equal(inCluster.total, 18, "two GPU hosts in the cluster");
    const usbInCluster2 = await ok(a().get(`/v1/usb-device/usb-devices?q=host.clusterUuid=${ids.cluster2}&count=true`));
    assert.equal(usbInCluster2.total, 3, "the plain host has no devices");
  });

  it("takes the IOMMU switch from the kernel command line at the first scan and shows it as ready", async () => {
    assert.deepEqual((await ok(a().get(`/v1/pci-device/hosts/${ids.hostA}/state`))), { state: "Enabled" });
    assert.deepEqual((await ok(a().get(`/v1/pci-device/hosts/${ids.hostA}/status`))), { status: "Active" });
    assert.deepEqual((await ok(a().get(`/v1/pci-device/hosts/${ids.plain}/state`))), { state: "Disabled" });
    assert.deepEqual((await ok(a().get(`/v1/pci-device/hosts/${ids.plain}/status`))), { status: "Inactive" });
  });

  it("renames and disables a device; a disabled device cannot be attached (PCI.DEVICE_DISABLED)", async () => {
    const vm = (await ok(createVm("gpu-vm", { hostUuid: ids.hostA }))).inventory;
    ids.vm = vm.uuid;
    const amd = await pciOf(ids.hostA, "0000:02:00.0");
    const r = await ok(a().put(`/v1/pci-device/pci-devices/${amd.uuid}/actions`, { updatePciDevice: { name: "rx580", state: "Disabled" } }));
    assert.equal(r.inventory.name, "rx580");
    assert.equal(r.inventory.state, "Disabled");
    await refused(attachPci(amd.uuid, ids.vm), 409, "PCI.DEVICE_DISABLED", /Disabled; enable it.*rx580/);
    await ok(a().put(`/v1/pci-device/pci-devices/${amd.uuid}/actions`, { updatePciDevice: { state: "Enabled" } }));
    await refused(a().put(`/v1/pci-device/pci-devices/${amd.uuid}/actions`, { updatePciDevice: { state: "Off" } }), 400, "SYS.1007");
  });

  it("hot-plugs GPUs of different kinds into a running VM; a device is exclusive (PCI.DEVICE_IN_USE)", async () => {
    const nvidia = await pciOf(ids.hostA, "0000:01:00.0");
    const amd = await pciOf(ids.hostA, "0000:02:00.0");
    const tesla = await pciOf(ids.hostA, "0000:03:00.0");
    for (const d of [nvidia, amd, tesla]) {
      const r = await ok(attachPci(d.uuid, ids.vm));
      assert.equal(r.inventory.status, "Attached");
      assert.equal(r.inventory.vmInstanceUuid, ids.vm);
    }
    assert.deepEqual(sim(ids.hostA).domainSpec(ids.vm)!.hostDevices!.pci!.map((p) => p.pciDeviceAddress),
      ["0000:01:00.0", "0000:02:00.0", "0000:03:00.0"]);
    const other = (await ok(createVm("other-vm", { hostUuid: ids.hostA }))).inventory;
    ids.otherVm = other.uuid;
    await refused(attachPci(nvidia.uuid, other.uuid), 409, "PCI.DEVICE_IN_USE", new RegExp(`attached to VM ${ids.vm}`));
  });

  it("gives only devices of the VM's host (PCI.HOST_MISMATCH)", async () => {
    const onB = await pciOf(ids.hostB, "0000:01:00.0");
    await refused(attachPci(onB.uuid, ids.otherVm), 409, "PCI.HOST_MISMATCH", new RegExp(`on host ${ids.hostB}.*VM is on host ${ids.hostA}`));
  });

  it("refuses new attaches with the IOMMU switched off while attached GPUs keep working across a restart", async () => {
    const off = await ok(a().put(`/v1/pci-device/hosts/${ids.hostA}/actions`, { updateHostIommuState: { state: "Disabled" } }));
    assert.deepEqual(off.inventory, { hostUuid: ids.hostA, state: "Disabled", status: "Active", rebootNeeded: false });
    const audio = await pciOf(ids.hostA, "0000:01:00.1");
    await refused(attachPci(audio.uuid, ids.otherVm), 409, "PCI.IOMMU_DISABLED", /enable it \(updateHostIommuState Enabled\)/);
    await ok(vmAction(ids.vm, "stopVmInstance", { type: "cold" }));
    await ok(vmAction(ids.vm, "startVmInstance"));
    assert.equal(sim(ids.hostA).domainSpec(ids.vm)!.hostDevices!.pci!.length, 3, "the VM started with its GPUs");
    const on = await ok(a().put(`/v1/pci-device/hosts/${ids.hostA}/actions`, { updateHostIommuState: { state: "Enabled" } }));
    assert.deepEqual(on.inventory, { hostUuid: ids.hostA, state: "Enabled", status: "Active", rebootNeeded: false });
    assert.match(readFileSync(join(deviceRoot(ids.hostA), "etc/default/grub"), "utf8"), /^GRUB_CMDLINE_LINUX="intel_iommu=on iommu=pt"$/m,
      "enabling wrote the kernel arguments through the host's agent");
    await ok(attachPci(audio.uuid, ids.otherVm));
  });

  it("hot-unplugs a GPU from a running VM; detaching a free device is PCI.NOT_ATTACHED", async () => {
    const amd = await pciOf(ids.hostA, "0000:02:00.0");
    const r = await ok(detachPci(amd.uuid));
    assert.equal(r.inventory.status, "Ready");
    assert.equal(r.inventory.vmInstanceUuid, null);
    assert.deepEqual(sim(ids.hostA).domainSpec(ids.vm)!.hostDevices!.pci!.map((p) => p.pciDeviceAddress), ["0000:01:00.0", "0000:03:00.0"]);
    await refused(detachPci(amd.uuid), 409, "PCI.NOT_ATTACHED");
  });

  it("attaches a GPU at VM creation with a pciDevice:: system tag, placing the VM on the GPU's host", async () => {
    const amd = await pciOf(ids.hostB, "0000:02:00.0");
    const vm = (await ok(createVm("created-with-gpu", {}, [`pciDevice::${amd.uuid}`]))).inventory;
    assert.equal(vm.hostUuid, ids.hostB);
    assert.deepEqual(sim(ids.hostB).domainSpec(vm.uuid)!.hostDevices!.pci, [{ pciDeviceAddress: "0000:02:00.0" }]);
    assert.equal((await pciOf(ids.hostB, "0000:02:00.0")).vmInstanceUuid, vm.uuid);
    // The same GPU again: the create job fails with the rule's error and leaves no VM behind.
    const r = await settle(a(), await createVm("second-with-gpu", {}, [`pciDevice::${amd.uuid}`]));
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, "PCI.DEVICE_IN_USE", r.text);
    assert.equal((await ok(a().get("/v1/vm-instances?q=name=second-with-gpu&count=true"))).total, 0);
    // A GPU of host B with hostUuid A asked for: refused, and the GPU is given back.
    const tesla = await pciOf(ids.hostB, "0000:03:00.0");
    const wrong = await settle(a(), await createVm("wrong-host", { hostUuid: ids.hostA }, [`pciDevice::${tesla.uuid}`]));
    assert.equal(wrong.body.error?.code, "VM.NO_AVAILABLE_HOST", wrong.text);
    assert.match(wrong.body.error.details, new RegExp(`must run on host ${ids.hostB} \\(its pass-through devices are there\\)`));
    assert.ok(await eventually(async () => (await pciOf(ids.hostB, "0000:03:00.0")).status === "Ready"));
    // Destroying the VM gives the GPU back.
    await ok(a().delete(`/v1/vm-instances/${vm.uuid}`));
    assert.ok(await eventually(async () => (await pciOf(ids.hostB, "0000:02:00.0")).status === "Ready"));
  });

  it("shares a device with every normal account and recalls it", async () => {
    await ok(a().post("/v1/accounts", { params: { name: "tenant", password: "tenant-password-1" } }));
    const tenant = await a().login("tenant", "tenant-password-1");
    const tesla = await pciOf(ids.hostB, "0000:03:00.0");
    assert.equal((await ok(tenant.get("/v1/pci-device/pci-devices?count=true"))).total, 0);
    await refused(tenant.get(`/v1/pci-device/pci-devices/${tesla.uuid}`), 404, "SYS.1003");
    await ok(a().put(`/v1/pci-device/pci-devices/${tesla.uuid}/actions`, { shareResource: { toPublic: true } }));
    const seen = await ok(tenant.get("/v1/pci-device/pci-devices"));
    assert.deepEqual(seen.inventories.map((d: Any) => d.uuid), [tesla.uuid]);
    await refused(tenant.put(`/v1/pci-device/pci-devices/${tesla.uuid}/actions`, { updatePciDevice: { name: "mine" } }), 403, "ID.1002");
    await ok(a().put(`/v1/pci-device/pci-devices/${tesla.uuid}/actions`, { revokeResourceSharing: { all: true } }));
    assert.equal((await ok(tenant.get("/v1/pci-device/pci-devices?count=true"))).total, 0);
  });

  it("a running VM takes USB devices of its current host only (USB.HOST_MISMATCH)", async () => {
    const [kbdA] = await usbOf(ids.hostA, "q=usbVersion=1.1");
    const r = await ok(attachUsb(kbdA.uuid, ids.otherVm));
    assert.equal(r.inventory.attachType, "PassThrough");
    assert.deepEqual(sim(ids.hostA).domainSpec(ids.otherVm)!.hostDevices!.usb,
      [{ idVendor: "046d", idProduct: "c31c", busNum: "001", devNum: "002", usbVersion: "1.1" }]);
    const [stickB] = await usbOf(ids.hostB, "q=idProduct=5567");
    await refused(attachUsb(stickB.uuid, ids.otherVm), 409, "USB.HOST_MISMATCH", /running VM takes only devices of its current host/);
    await refused(attachUsb(kbdA.uuid, ids.vm), 409, "USB.DEVICE_IN_USE");
  });

  it("a stopped VM without devices takes a USB device of another host of its cluster, then starts there", async () => {
    const vm = (await ok(createVm("usb-vm", { hostUuid: ids.hostA }))).inventory;
    ids.usbVm = vm.uuid;
    await ok(vmAction(vm.uuid, "stopVmInstance", { type: "cold" }));
    const [stickB] = await usbOf(ids.hostB, "q=idProduct=5567");
    await ok(attachUsb(stickB.uuid, vm.uuid));
    // All of a VM's devices on one host; and the cluster bounds where a stopped VM may look.
    const [diskA] = await usbOf(ids.hostA, "q=usbVersion=3.0");
    await refused(attachUsb(diskA.uuid, vm.uuid), 409, "USB.HOSTS_DIFFER", new RegExp(`devices are on host ${ids.hostB}`));
    // Its devices tie the stopped VM to host B now, for PCI devices too (it last ran on A).
    const nicA = await pciOf(ids.hostA, "0000:00:1f.6");
    await refused(attachPci(nicA.uuid, vm.uuid), 409, "PCI.HOST_MISMATCH", new RegExp(`VM is on host ${ids.hostB}`));
    const audioB = await pciOf(ids.hostB, "0000:01:00.1");
    await ok(attachPci(audioB.uuid, vm.uuid));
    await ok(detachPci(audioB.uuid));
    const other = (await ok(createVm("usb-vm-2", { hostUuid: ids.hostA }))).inventory;
    await ok(vmAction(other.uuid, "stopVmInstance", { type: "cold" }));
    const [diskC] = await usbOf(ids.hostC, "q=usbVersion=3.0");
    await refused(attachUsb(diskC.uuid, other.uuid), 409, "USB.CLUSTER_MISMATCH", /outside the VM's cluster/);
    const started = await ok(vmAction(vm.uuid, "startVmInstance"));
    assert.equal(started.inventory.hostUuid, ids.hostB, "attaching pinned the VM to the device's host");
    assert.equal(sim(ids.hostB).domainSpec(vm.uuid)!.hostDevices!.usb!.length, 1);
  });

  it("limits a VM to 1 USB 1.x, 6 USB 2.0 and 4 USB 3.0 devices (USB.TOO_MANY_DEVICES)", async () => {
    const vm = ids.usbVm; // running on host B with one USB 2.0 stick
    for (const [version, limit, already] of [["1.1", 1, 0], ["2.0", 6, 1], ["3.0", 4, 0]] as const) {
      const free = (await usbOf(ids.hostB, `q=usbVersion=${version}&q=status=Ready`));
      assert.ok(free.length > limit - already, `host B has more ${version} devices than the limit`);
      for (let i = already; i < limit; i++) await ok(attachUsb(free[i - already].uuid, vm));
      await refused(attachUsb(free[limit - already].uuid, vm), 409, "USB.TOO_MANY_DEVICES", new RegExp(`at most ${limit} USB ${version}`));
    }
    await ok(vmAction(vm, "rebootVmInstance"));
    await ok(vmAction(vm, "stopVmInstance", { type: "cold" }));
    await ok(vmAction(vm, "startVmInstance"));
    assert.equal(sim(ids.hostB).domainSpec(vm)!.hostDevices!.usb!.length, 11, "1 + 6 + 4 devices in the domain");
  });

  it("fails to start a VM pinned to a full host with VM.NO_AVAILABLE_HOST naming the host and why", async () => {
    await ok(vmAction(ids.usbVm, "stopVmInstance", { type: "cold" }));
    await refused(vmAction(ids.usbVm, "migrateVm", {}), 409, "SYS.1006", /11 pass-through device\(s\) of its host; detach them first/);
    // Another VM takes all the memory host B has left.
    const free = (await ok(a().get(`/v1/hosts/${ids.hostB}`))).inventories[0].availableMemoryCapacity;
    const offering = (await ok(a().post("/v1/instance-offerings", { params: { name: "rest-of-b", cpuNum: 1, memorySize: free } }))).inventory.uuid;
    const hog = (await ok(createVm("hog", { hostUuid: ids.hostB, instanceOfferingUuid: offering }))).inventory;
    assert.equal(hog.hostUuid, ids.hostB);
    const r = await settle(a(), await vmAction(ids.usbVm, "startVmInstance"));
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, "VM.NO_AVAILABLE_HOST", r.text);
    assert.match(r.body.error.details, new RegExp(`on host ${ids.hostB} \\(its pass-through devices are there\\)`));
    assert.equal((await getVm(ids.usbVm)).state, "Stopped");
    await ok(a().delete(`/v1/vm-instances/${hog.uuid}`));
    await ok(vmAction(ids.usbVm, "startVmInstance"));
  });

  it("rescans on reconnect: a vanished device and one at a new address become Unavailable; only those can be deleted", async () => {
    const root = deviceRoot(ids.hostC);
    // The Tesla moves to another slot, the USB 3.0 disk is unplugged.
    await rename(join(root, "sys/bus/pci/devices/0000:03:00.0"), join(root, "sys/bus/pci/devices/0000:04:00.0"));
    await rm(join(root, "sys/bus/usb/devices/2-1"), { recursive: true });
    const before = await pciOf(ids.hostC, "0000:03:00.0");
    const ready = await pciOf(ids.hostC, "0000:01:00.0");
    await refused(a().delete(`/v1/pci-device/pci-devices/${ready.uuid}`), 409, "PCI.DELETE_REFUSED", /Only Unavailable.*is Ready/);
    await ok(a().put(`/v1/hosts/${ids.hostC}/actions`, { reconnectHost: {} }));
    assert.equal((await ok(a().get(`/v1/pci-device/pci-devices/${before.uuid}`))).inventories[0].status, "Unavailable");
    const moved = await pciOf(ids.hostC, "0000:04:00.0");
    assert.equal(moved.status, "Ready");
    assert.equal(moved.type, "GPU_3D_Controller");
    const [disk] = await usbOf(ids.hostC, "q=usbVersion=3.0");
    assert.equal(disk.status, "Unavailable");
    await refused(attachUsb(disk.uuid, ids.otherVm), 409, "USB.DEVICE_UNAVAILABLE");
    await ok(a().delete(`/v1/pci-device/pci-devices/${before.uuid}`));
    await ok(a().delete(`/v1/usb-device/usb-devices/${disk.uuid}`));
    assert.equal((await ok(a().get(`/v1/pci-device/pci-devices?q=hostUuid=${ids.hostC}&count=true`))).total, 9);
    // Plugged back in (same bus/device): the next scan brings a new Ready row.
    await cp(join(GPU_HOST, "sys/bus/usb/devices/2-1"), join(root, "sys/bus/usb/devices/2-1"), { recursive: true });
    await ok(a().put(`/v1/hosts/${ids.hostC}/actions`, { reconnectHost: {} }));
    assert.equal((await usbOf(ids.hostC, "q=usbVersion=3.0"))[0].status, "Ready");
  });

  it("gives back, at the next scan, devices a VM held when that VM went without releasing them", async () => {
    const prisma = t.node.services.db.prisma;
    const [kbd] = await usbOf(ids.hostC, "q=usbVersion=1.1");
    await prisma.usbDevice.update({ where: { uuid: kbd.uuid }, data: { status: "Attached", vmInstanceUuid: "f".repeat(32), attachType: "PassThrough" } });
    await ok(a().put(`/v1/hosts/${ids.hostC}/actions`, { reconnectHost: {} }));
    const [back] = await usbOf(ids.hostC, "q=usbVersion=1.1");
    assert.deepEqual([back.status, back.vmInstanceUuid, back.attachType], ["Ready", null, null]);
  });

  it("deletes a host's devices and their sharing with the host", async () => {
    const [kbd] = await usbOf(ids.hostC, "q=usbVersion=1.1");
    await ok(a().put(`/v1/usb-device/usb-devices/${kbd.uuid}/actions`, { shareResource: { toPublic: true } }));
    await ok(a().delete(`/v1/hosts/${ids.hostC}`));
    assert.equal((await ok(a().get(`/v1/usb-device/usb-devices?q=hostUuid=${ids.hostC}&count=true`))).total, 0);
    const prisma = t.node.services.db.prisma;
    assert.ok(await eventually(async () => (await prisma.sharedResource.count({ where: { resourceUuid: kbd.uuid } })) === 0));
  });

  it("refuses malformed requests with 400 naming the field", async () => {
    const [d] = (await ok(a().get(`/v1/pci-device/pci-devices?q=hostUuid=${ids.hostA}&limit=1`))).inventories;
    await refused(a().post(`/v1/pci-device/pci-devices/${d.uuid}/attach`, { params: {} }), 400, "SYS.1007", /vmInstanceUuid/);
    await refused(a().put(`/v1/pci-device/hosts/${ids.hostA}/actions`, { updateHostIommuState: { state: "On" } }), 400, "SYS.1007", /state/);
    await refused(a().post(`/v1/usb-device/usb-devices/${"0".repeat(32)}/attach`, { params: { vmInstanceUuid: ids.vm } }), 404, "SYS.1003");
  });
});
