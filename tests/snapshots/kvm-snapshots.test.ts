/**
 * Snapshots and templates on a real KVM host (this machine, added over SSH): a qcow2 internal
 * snapshot of a VM's root volume, revert refused while it runs and done once it is stopped,
 * and a root-volume template uploaded to the backup storage that boots a new VM.
 * Needs ../shared/guest-image/build.sh output at $STRATA_GUEST_IMAGE (default
 * /tmp/guest-image/strata-tiny.qcow2); .ci/run builds it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type Reply, type TestNode } from "../support/node.ts";
import { sparePort, startSshd, type TestSshd } from "../support/sshd.ts";

const GUEST_IMAGE = process.env.STRATA_GUEST_IMAGE ?? "/tmp/guest-image/strata-tiny.qcow2";
const MiB = 1024 ** 2;
const PHY = "strata-phy8";
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
const virsh = (...args: string[]) => sh("virsh", ["-c", "qemu:///system", ...args]);

describe("volume snapshots and templates on a real KVM host", () => {
  let t: TestNode;
  let sshd: TestSshd;
  let hostdPort: number;
  const vms: string[] = [];
  let bridge = "";
  const tmp = mkdtempSync(join(tmpdir(), "strata-snap-"));
  const ids: Record<string, string> = {};
  let vm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let root: { uuid: string; installPath: string };
  let snapUuid = "";

  const job = async (r: Promise<Reply>, timeout = 180_000) => {
    const s = await settle(t.admin, await r, timeout);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };
  const ok = async (r: Promise<Reply>) => {
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    return x.status === 202 ? job(Promise.resolve(x)) : x.body;
  };
  const vmAction = (uuid: string, action: string, body: object = {}) => job(t.admin.put(`/v1/vm-instances/${uuid}/actions`, { [action]: body }));
  const guestUp = (uuid: string) => eventually(async () => {
    const log = `/var/lib/strata-hostd-${hostdPort}/data/console/${uuid}.log`;
    return existsSync(log) && /STRATA-GUEST-UP/.test(readFileSync(log, "utf8"));
  }, 180_000, 1000);
  const snapshotNames = (path: string) => sh("qemu-img", ["snapshot", "-U", "-l", path]);

  before(async () => {
    assert.ok(existsSync(GUEST_IMAGE), `guest image ${GUEST_IMAGE} (build it with ../shared/guest-image/build.sh)`);
    try { sh("ip", ["link", "del", PHY]); } catch { /* absent */ }
    sh("ip", ["link", "add", PHY, "type", "veth", "peer", "name", `${PHY}p`]);
    sh("ip", ["link", "set", PHY, "up"]);
    t = await startNode();
    sshd = await startSshd();
    hostdPort = await sparePort();
    const a = t.admin;
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "c", hypervisorType: "KVM" } }))).inventory.uuid;
    ids.host = (await ok(a.post("/v1/hosts/kvm", {
      params: { clusterUuid: ids.cluster, name: "h", managementIp: "127.0.0.1", sshPort: sshd.port, privateKey: sshd.privateKey, hostdPort },
    }))).inventory.uuid;
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: join(tmp, "ps"), zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${GUEST_IMAGE}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "small", cpuNum: 1, memorySize: 256 * MiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: PHY } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.252.8.10", endIp: "10.252.8.50", netmask: "255.255.255.0", gateway: "10.252.8.1" } }));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    await ok(a.post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
  });

  after(async () => {
    // Deleting the host through the API stops what hostd started on it (DHCP servers) too.
    if (t && ids.host) {
      await settle(t.admin, await t.admin.delete(`/v1/hosts/${ids.host}?deleteMode=Enforcing`), 60_000).catch(() => undefined);
    }
    for (const uuid of vms) {
      try { virsh("destroy", uuid); } catch { /* not running */ }
      try { virsh("undefine", uuid); } catch { /* not defined */ }
    }
    try { sh("kill", ["-KILL", "--", `-${readFileSync(`/var/lib/strata-hostd-${hostdPort}/supervisor.pid`, "utf8").trim()}`]); } catch { /* gone */ }
    rmSync(`/var/lib/strata-hostd-${hostdPort}`, { recursive: true, force: true });
    await sshd?.stop();
    await t?.destroy();
    try { sh("ip", ["link", "del", PHY]); } catch { /* gone */ }
    if (bridge) try { sh("ip", ["link", "del", bridge]); } catch { /* gone */ }
    rmSync(tmp, { recursive: true, force: true });
  });

  it("snapshots the root volume of a stopped VM into its qcow2 file", async () => {
    vm = (await job(t.admin.post("/v1/vm-instances", {
      params: { name: "src", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] },
    }), 300_000)).inventory;
    vms.push(vm.uuid);
    bridge = /bridge\s+(\S+)/.exec(virsh("domiflist", vm.uuid))?.[1] ?? "";
    root = vm.allVolumes.find((v: { type: string }) => v.type === "Root");
    assert.ok(await guestUp(vm.uuid), "the source VM boots");
    await vmAction(vm.uuid, "stopVmInstance", { type: "cold" });
    const snap = (await job(t.admin.post(`/v1/volumes/${root.uuid}/volume-snapshots`, { params: { name: "before" } }))).inventory;
    snapUuid = snap.uuid;
    assert.equal(snap.status, "Ready");
    assert.equal(snap.primaryStorageInstallPath, root.installPath);
    assert.equal(snap.hostUuid, ids.host);
    await vmAction(vm.uuid, "startVmInstance");
    assert.match(snapshotNames(root.installPath), new RegExp(snapUuid));
  });

  it("takes and deletes a live snapshot, and grows the root disk, while the VM runs", async () => {
    const live = (await job(t.admin.post(`/v1/volumes/${root.uuid}/volume-snapshots`, { params: { name: "live" } }))).inventory;
    assert.equal(live.parentUuid, snapUuid);
    assert.match(snapshotNames(root.installPath), new RegExp(live.uuid));
    assert.match(virsh("domstate", vm.uuid), /running/);
    await job(t.admin.delete(`/v1/volume-snapshots/${live.uuid}`));
    assert.doesNotMatch(snapshotNames(root.installPath), new RegExp(live.uuid));
    assert.equal((await t.admin.get(`/v1/volume-snapshots/${snapUuid}`)).body.inventories[0].latest, true);

    const size = JSON.parse(sh("qemu-img", ["info", "-U", "--output=json", root.installPath]))["virtual-size"] as number;
    const grown = (await job(t.admin.put(`/v1/volumes/${root.uuid}/actions`, { resizeRootVolume: { size: size + 64 * MiB } }))).inventory;
    assert.equal(grown.size, size + 64 * MiB);
    assert.equal(JSON.parse(sh("qemu-img", ["info", "-U", "--output=json", root.installPath]))["virtual-size"], size + 64 * MiB);
    assert.match(virsh("domstate", vm.uuid), /running/);
  });

  it("refuses to revert while the VM is Running (409), reverts once it is Stopped", async () => {
    const refused = await t.admin.put(`/v1/volume-snapshots/${snapUuid}/actions`, { revertVolumeFromSnapshot: {} });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.body.error.details, /Running/);
    await vmAction(vm.uuid, "stopVmInstance", { type: "cold" });
    const reverted = await job(t.admin.put(`/v1/volume-snapshots/${snapUuid}/actions`, { revertVolumeFromSnapshot: {} }));
    assert.equal(reverted.inventory.uuid, root.uuid);
    assert.match(snapshotNames(root.installPath), new RegExp(snapUuid), "a revert keeps the snapshot");
  });

  it("makes a standalone root-volume template from the root volume, and a new VM boots from it", async () => {
    const image = (await job(t.admin.post(`/v1/images/root-volume-templates/from/volumes/${root.uuid}`, {
      params: { name: "from-root", backupStorageUuids: [ids.bs] },
    }), 300_000)).inventory;
    assert.equal(image.status, "Ready");
    assert.equal(image.mediaType, "RootVolumeTemplate");
    assert.ok(image.size > 0 && image.actualSize > 0);
    assert.match(image.sha256, /^[0-9a-f]{64}$/);
    const file = image.backupStorageRefs[0].installPath;
    assert.equal(file, join(tmp, "bs", `${image.uuid}.qcow2`));
    assert.equal(sh("sha256sum", [file]).split(" ")[0], image.sha256);
    const info = JSON.parse(sh("qemu-img", ["info", "--output=json", file]));
    assert.equal(info.format, "qcow2");
    assert.equal(info["backing-filename"], undefined, "flattened: no backing file");

    const copy = (await job(t.admin.post("/v1/vm-instances", {
      params: { name: "copy", instanceOfferingUuid: ids.offering, imageUuid: image.uuid, l3NetworkUuids: [ids.l3] },
    }), 300_000)).inventory;
    vms.push(copy.uuid);
    assert.equal(copy.state, "Running");
    assert.ok(await guestUp(copy.uuid), "the VM made from the template boots");
  });

  it("makes a template from the snapshot", async () => {
    const image = (await job(t.admin.post(`/v1/images/root-volume-templates/from/volume-snapshots/${snapUuid}`, {
      params: { name: "from-snap", backupStorageUuids: [ids.bs] },
    }), 300_000)).inventory;
    assert.equal(image.status, "Ready");
    const info = JSON.parse(sh("qemu-img", ["info", "--output=json", image.backupStorageRefs[0].installPath]));
    assert.equal(info["backing-filename"], undefined);
    assert.equal(info.snapshots, undefined, "the template carries no snapshots");
  });

  it("deletes the snapshot from the file and expunges both VMs, leaving nothing in libvirt", async () => {
    await job(t.admin.delete(`/v1/volume-snapshots/${snapUuid}`));
    assert.doesNotMatch(snapshotNames(root.installPath), new RegExp(snapUuid));
    for (const uuid of vms) {
      await job(t.admin.delete(`/v1/vm-instances/${uuid}`));
      await vmAction(uuid, "expungeVmInstance");
    }
    const left = virsh("list", "--all", "--name");
    for (const uuid of vms) assert.doesNotMatch(left, new RegExp(uuid));
  });
});
