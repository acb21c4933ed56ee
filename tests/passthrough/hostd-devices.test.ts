/**
 * hostd's side of pass-through: device discovery from the recorded sysfs tree of a host with
 * an NVIDIA and an AMD GPU and three USB devices (tests/fixtures/sysfs/gpu-host), the IOMMU
 * boot switch, `<hostdev>` XML, the commands on a sim agent, and — on the real libvirt of this
 * machine — a defined (not started: there are no such devices here) domain whose
 * `virsh dumpxml` carries the GPU and USB `<hostdev>` elements.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseHostdevs, hostDevicesXml } from "../../hostd/devices/hostdev-xml.ts";
import { VirshHostdevHotplug } from "../../hostd/devices/hotplug.ts";
import { editGrubDefault, IommuConfigurator } from "../../hostd/devices/iommu-config.ts";
import { parsePciIds } from "../../hostd/devices/pci-ids.ts";
import { SysfsDeviceScanner, usbGeneration } from "../../hostd/devices/sysfs.ts";
import { buildDomainXml } from "../../hostd/domain-xml.ts";
import type { SimDriver } from "../../hostd/drivers/sim.ts";
import type { RunningHostd } from "../../hostd/main.ts";
import { post, removeDir, SECRET, startSimHostd, tempDir, zsUuid } from "../hostd/helpers.ts";

const exec = promisify(execFile);
const GPU_HOST = resolve(import.meta.dirname, "../fixtures/sysfs/gpu-host");
const virsh = async (...args: string[]) => (await exec("virsh", ["-c", "qemu:///system", ...args], { timeout: 30_000 })).stdout;

describe("hostd device discovery from a recorded sysfs tree", () => {
  it("reports the GPUs with ids, names, IOMMU group, driver and NUMA node, and types from the class", async () => {
    const pci = await new SysfsDeviceScanner({ root: GPU_HOST }).scanPci();
    const by = (addr: string) => pci.find((d) => d.pciDeviceAddress === addr)!;
    assert.equal(pci.length, 9);
    assert.deepEqual(by("0000:01:00.0"), {
      pciDeviceAddress: "0000:01:00.0", classCode: "0300", type: "GPU_Video_Controller", vendorId: "10de", deviceId: "1e07",
      subvendorId: "10de", subdeviceId: "12a4", rev: "a1", vendor: "NVIDIA Corporation", device: "TU102 [GeForce RTX 2080 Ti Rev. A]",
      iommuGroup: "13", driver: "vfio-pci", numaNode: 0,
    });
    // The GPU's HDMI audio function shares its slot and IOMMU group.
    assert.equal(by("0000:01:00.1").type, "GPU_Audio_Controller");
    assert.equal(by("0000:01:00.1").iommuGroup, "13");
    assert.equal(by("0000:01:00.1").device, "TU102 High Definition Audio Controller");
    assert.equal(by("0000:02:00.0").type, "GPU_Video_Controller");
    assert.equal(by("0000:02:00.0").vendor, "Advanced Micro Devices, Inc. [AMD/ATI]");
    assert.equal(by("0000:02:00.0").driver, "amdgpu");
    assert.equal(by("0000:03:00.0").type, "GPU_3D_Controller");
    assert.equal(by("0000:03:00.0").device, "TU104GL [Tesla T4]");
    assert.equal(by("0000:03:00.0").numaNode, 1);
    assert.equal(by("0000:00:14.0").type, "USB_Controller");
    assert.equal(by("0000:00:1f.6").type, "Ethernet_Controller");
    assert.equal(by("0000:00:17.0").type, "SATA_Controller");
    assert.equal(by("0000:00:00.0").type, "Host_Bridge");
    assert.equal(by("0000:00:00.0").driver, undefined);
  });

  it("reports USB devices with bus/device numbers, ids, strings and generation, leaving hubs and interfaces out", async () => {
    const usb = await new SysfsDeviceScanner({ root: GPU_HOST }).scanUsb();
    assert.deepEqual(usb.map((u) => [u.sysfsName, u.busNum, u.devNum, u.idVendor, u.idProduct, u.usbVersion]), [
      ["1-1", "001", "002", "046d", "c31c", "1.1"],
      ["1-2", "001", "003", "0781", "5567", "2.0"],
      ["2-1", "002", "002", "0bc2", "ab38", "3.0"],
    ]);
    const stick = usb.find((u) => u.sysfsName === "1-2")!;
    assert.equal(stick.iManufacturer, "SanDisk");
    assert.equal(stick.iProduct, "Cruzer Blade");
    assert.equal(stick.iSerial, "4C530001230705117351");
    assert.equal(stick.speed, "480");
    assert.equal(usb.find((u) => u.sysfsName === "1-1")!.iSerial, undefined);
    assert.deepEqual(["1.10", " 2.00", "2.10", "3.00", "3.20", undefined].map(usbGeneration), ["1.1", "2.0", "2.0", "3.0", "3.0", "2.0"]);
  });

  it("reads IOMMU enabled from the kernel command line and ready from the iommu groups", async () => {
    assert.deepEqual(await new SysfsDeviceScanner({ root: GPU_HOST }).iommu(), { enabled: true, ready: true });
    const tmp = await tempDir("strata-iommu-");
    try {
      await writeFile(join(tmp, "cmdline"), "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n");
      assert.deepEqual(await new SysfsDeviceScanner({ root: tmp, cmdlinePath: join(tmp, "cmdline") }).iommu(), { enabled: false, ready: false });
      // No tree at all: no devices, no IOMMU, no error.
      assert.deepEqual(await new SysfsDeviceScanner({ root: join(tmp, "absent") }).scan(),
        { pciDevices: [], usbDevices: [], iommu: { enabled: false, ready: false } });
    } finally {
      await removeDir(tmp);
    }
  });

  it("leaves names out when there is no PCI ID database, and parses the database format", async () => {
    const pci = await new SysfsDeviceScanner({ root: GPU_HOST, pciIdsPath: "/nonexistent/pci.ids" }).scanPci();
    assert.equal(pci.find((d) => d.pciDeviceAddress === "0000:01:00.0")!.vendor, undefined);
    const db = parsePciIds("# c\n10de  NVIDIA Corporation\n\t1eb8  TU104GL [Tesla T4]\n\t\t10de 12a2  Tesla T4 board\nC 03  Display controller\n\t00  VGA\n");
    assert.equal(db.vendors.get("10de"), "NVIDIA Corporation");
    assert.equal(db.devices.get("10de:1eb8"), "TU104GL [Tesla T4]");
    assert.equal(db.subsystems.get("10de:1eb8:10de:12a2"), "Tesla T4 board");
    assert.equal(db.vendors.size, 1, "the class list is not read as vendors");
  });
});

describe("hostd IOMMU boot switch", () => {
  it("edits GRUB_CMDLINE_LINUX: adds the arguments once, removes every IOMMU argument on disable", () => {
    const text = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="console=ttyS0"\n';
    const on = editGrubDefault(text, ["intel_iommu=on", "iommu=pt"], true);
    assert.equal(on.changed, true);
    assert.match(on.text, /^GRUB_CMDLINE_LINUX="console=ttyS0 intel_iommu=on iommu=pt"$/m);
    assert.match(on.text, /^GRUB_CMDLINE_LINUX_DEFAULT="quiet"$/m);
    assert.deepEqual(editGrubDefault(on.text, ["intel_iommu=on", "iommu=pt"], true), { text: on.text, changed: false });
    const off = editGrubDefault(on.text, ["intel_iommu=on", "iommu=pt"], false);
    assert.match(off.text, /^GRUB_CMDLINE_LINUX="console=ttyS0"$/m);
    assert.match(editGrubDefault("GRUB_DEFAULT=0\n", ["amd_iommu=on", "iommu=pt"], true).text, /GRUB_CMDLINE_LINUX="amd_iommu=on iommu=pt"/);
  });

  it("enables through the GRUB defaults file of the host root and says a reboot is needed", async () => {
    const root = await tempDir("strata-grub-");
    try {
      await cp(GPU_HOST, root, { recursive: true, verbatimSymlinks: true });
      await writeFile(join(root, "proc/cmdline"), "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n");
      await writeFile(join(root, "etc/default/grub"), 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=""\n');
      await writeFile(join(root, "proc/cpuinfo"), "processor\t: 0\nvendor_id\t: AuthenticAMD\n");
      const r = await new IommuConfigurator({ root }).set(true, false);
      assert.deepEqual(r, { method: "grub-default", kernelArgs: ["amd_iommu=on", "iommu=pt"], changed: true, rebootNeeded: true, grubConfigRegenerated: false });
      assert.match(await readFile(join(root, "etc/default/grub"), "utf8"), /^GRUB_CMDLINE_LINUX="amd_iommu=on iommu=pt"$/m);
      // grubby wins where it exists (a stand-in that records its arguments).
      await writeFile(join(root, "grubby"), `#!/bin/sh\necho "$@" > "${join(root, "grubby.args")}"\n`, { mode: 0o755 });
      const g = await new IommuConfigurator({ root, grubbyPath: join(root, "grubby") }).set(true, true);
      assert.equal(g.method, "grubby");
      assert.equal(g.rebootNeeded, false, "the running kernel already has it");
      assert.equal((await readFile(join(root, "grubby.args"), "utf8")).trim(), "--update-kernel=ALL --args=amd_iommu=on iommu=pt");
      await rm(join(root, "etc/default/grub"));
      await assert.rejects(new IommuConfigurator({ root }).set(true, false), /no grubby and no GRUB defaults file/);
    } finally {
      await removeDir(root);
    }
  });
});

describe("hostd device commands on a sim agent with a recorded tree", () => {
  let dir: string;
  let hostd: RunningHostd;
  const call = (path: string, body: unknown) => post(hostd.url, path, body, SECRET);

  before(async () => {
    dir = await tempDir("strata-hostd-dev-");
    const root = join(dir, "root");
    await cp(GPU_HOST, root, { recursive: true, verbatimSymlinks: true });
    hostd = await startSimHostd(join(dir, "data"), { deviceRoot: root });
  });
  after(async () => {
    await hostd.close();
    await removeDir(dir);
  });

  it("answers /host/devices/scan with PCI devices, USB devices and IOMMU state", async () => {
    const r = await call("/host/devices/scan", {});
    assert.equal(r.status, 200);
    assert.equal(r.body.success, true);
    assert.equal((r.body.pciDevices as unknown[]).length, 9);
    assert.equal((r.body.usbDevices as unknown[]).length, 3);
    assert.deepEqual(r.body.iommu, { enabled: true, ready: true });
  });

  it("writes the IOMMU setting with /host/iommu/set and refuses a malformed body", async () => {
    const r = await call("/host/iommu/set", { enabled: true });
    assert.equal(r.body.success, true, JSON.stringify(r.body));
    assert.equal(r.body.rebootNeeded, false);
    assert.equal((await call("/host/iommu/set", { enabled: "yes" })).status, 400);
  });

  it("starts a VM with pass-through devices, hot-plugs and hot-unplugs more, and lists them", async () => {
    const vm = zsUuid();
    const started = await call("/vm/start", {
      vmInstanceUuid: vm, cpuNum: 1, memorySize: 64 * 1024 ** 2, rootVolume: { installPath: "/sim/root.qcow2" },
      hostDevices: { pci: [{ pciDeviceAddress: "0000:01:00.0" }], usb: [{ idVendor: "0781", idProduct: "5567", busNum: "001", devNum: "003", usbVersion: "2.0" }] },
    });
    assert.equal(started.body.success, true, JSON.stringify(started.body));
    const sim = hostd.driver as SimDriver;
    assert.deepEqual(sim.domainSpec(vm)!.hostDevices!.pci, [{ pciDeviceAddress: "0000:01:00.0" }]);
    const plug = await call("/vm/hostdev/attach", { vmInstanceUuid: vm, hostDevices: { pci: [{ pciDeviceAddress: "0000:03:00.0" }] } });
    assert.deepEqual(plug.body, { success: true, attached: true });
    const unplug = await call("/vm/hostdev/detach", { vmInstanceUuid: vm, hostDevices: { pci: [{ pciDeviceAddress: "0000:01:00.0" }] } });
    assert.deepEqual(unplug.body, { success: true, detached: true });
    const list = await call("/vm/hostdev/list", { vmInstanceUuid: vm });
    assert.deepEqual(list.body.hostDevices, [
      { type: "pci", pciDeviceAddress: "0000:03:00.0" },
      { type: "usb", idVendor: "0781", idProduct: "5567", busNum: "1", devNum: "3" },
    ]);
    // A stopped VM is not hot-plugged: its next /vm/start carries the devices.
    await call("/vm/stop", { vmInstanceUuid: vm, type: "cold" });
    assert.deepEqual((await call("/vm/hostdev/attach", { vmInstanceUuid: vm, hostDevices: { pci: [{ pciDeviceAddress: "0000:02:00.0" }] } })).body,
      { success: true, attached: false });
    const bad = await call("/vm/hostdev/attach", { vmInstanceUuid: vm, hostDevices: { pci: [{ pciDeviceAddress: "01:00.0" }] } });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /pciDeviceAddress/);
  });

  it("has no devices on a sim agent without a tree", async () => {
    const other = await startSimHostd(join(dir, "data2"));
    try {
      const r = await post(other.url, "/host/devices/scan", {}, SECRET);
      assert.deepEqual(r.body, { success: true, pciDevices: [], usbDevices: [], iommu: { enabled: false, ready: false } });
    } finally {
      await other.close();
    }
  });
});

describe("<hostdev> XML", () => {
  it("puts USB devices on one controller per generation and refuses more than the ports", () => {
    const xml = hostDevicesXml({ usb: [
      { idVendor: "046d", idProduct: "c31c", busNum: "001", devNum: "002", usbVersion: "1.1" },
      { idVendor: "0bc2", idProduct: "ab38", busNum: "002", devNum: "002", usbVersion: "3.0" },
    ] }).join("\n");
    assert.match(xml, /<controller type='usb' index='1' model='piix3-uhci'\/>/);
    assert.match(xml, /<controller type='usb' index='3' model='qemu-xhci' ports='4'\/>/);
    assert.doesNotMatch(xml, /ehci/);
    assert.match(xml, /<address type='usb' bus='3' port='1'\/>/);
    const two11 = Array.from({ length: 2 }, (_, i) => ({ idVendor: "046d", idProduct: "c31c", busNum: "1", devNum: String(i + 2), usbVersion: "1.1" as const }));
    assert.throws(() => hostDevicesXml({ usb: two11 }), /too many USB 1.1 devices: at most 1/);
    assert.throws(() => hostDevicesXml({ pci: [{ pciDeviceAddress: "0000:01:00" }] }), /invalid PCI address/);
  });
});

describe("a VM with a GPU and a USB device on the real libvirt (defined, not started)", () => {
  const uuid = zsUuid();
  let dir: string;
  before(async () => {
    try {
      await virsh("version");
    } catch (err) {
      throw new Error(`libvirt is not reachable at qemu:///system; run .ci/setup-libvirt.sh as root first (${(err as Error).message})`);
    }
    dir = await tempDir("strata-hostdev-libvirt-");
  });
  after(async () => {
    await virsh("undefine", uuid).catch(() => undefined);
    await removeDir(dir);
  });

  it("has the PCI <hostdev> with the host address and the USB <hostdev> with vendor/product and bus/device in virsh dumpxml", async () => {
    const [nvidia] = (await new SysfsDeviceScanner({ root: GPU_HOST }).scanPci()).filter((d) => d.type === "GPU_Video_Controller");
    const stick = (await new SysfsDeviceScanner({ root: GPU_HOST }).scanUsb()).find((u) => u.usbVersion === "2.0")!;
    const xml = buildDomainXml({
      vmInstanceUuid: uuid, cpuNum: 1, memorySize: 128 * 1024 ** 2, domainType: "qemu",
      rootDisk: { path: join(dir, "root.qcow2") }, consoleLogPath: join(dir, "console.log"),
      hostDevices: {
        pci: [{ pciDeviceAddress: nvidia!.pciDeviceAddress }],
        usb: [{ idVendor: stick.idVendor, idProduct: stick.idProduct, busNum: stick.busNum, devNum: stick.devNum, usbVersion: stick.usbVersion }],
      },
    });
    await writeFile(join(dir, "domain.xml"), xml);
    await virsh("define", join(dir, "domain.xml"));
    const dumped = await virsh("dumpxml", uuid);
    assert.match(dumped, /<hostdev mode='subsystem' type='pci' managed='yes'>\s*<source>\s*<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'\/>/);
    assert.match(dumped, /<hostdev mode='subsystem' type='usb' managed='yes'>\s*<source>\s*<vendor id='0x0781'\/>\s*<product id='0x5567'\/>\s*<address bus='1' device='3'\/>/);
    assert.match(dumped, /<controller type='usb' index='2' model='ehci'/);
    assert.deepEqual(parseHostdevs(dumped), [
      { type: "pci", pciDeviceAddress: "0000:01:00.0" },
      { type: "usb", idVendor: "0781", idProduct: "5567", busNum: "1", devNum: "3" },
    ]);
    assert.deepEqual(await new VirshHostdevHotplug().list(uuid), parseHostdevs(dumped));

    // Detaching = the next definition without the device: no <hostdev> is left.
    const without = buildDomainXml({
      vmInstanceUuid: uuid, cpuNum: 1, memorySize: 128 * 1024 ** 2, domainType: "qemu",
      rootDisk: { path: join(dir, "root.qcow2") }, consoleLogPath: join(dir, "console.log"), hostDevices: { pci: [], usb: [] },
    });
    await writeFile(join(dir, "domain.xml"), without);
    await virsh("define", join(dir, "domain.xml"));
    assert.doesNotMatch(await virsh("dumpxml", uuid), /<hostdev/);
  });
});
