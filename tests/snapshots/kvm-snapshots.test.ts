/**
 * Snapshots and templates on a real KVM host (this machine, added over SSH): a qcow2 internal
 * snapshot of a VM's root volume, revert refused while it runs and done once it is stopped,
 * and a root-volume template uploaded to the backup storage that boots a new VM.
 * Needs ../shared/guest-image/build.sh output at $STRATA_GUEST_IMAGE (default
 * /tmp/guest-image/strata-tiny.qcow2); .ci/run builds it.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setupKvmCloud, sh, virsh, type KvmCloud } from "../support/kvm-cloud.ts";
import { eventually, type Reply, type TestNode } from "../support/node.ts";

const MiB = 1024 ** 2;

describe("volume snapshots and templates on a real KVM host", () => {
  let cloud: KvmCloud;
  let t: TestNode;
  let hostdPort: number;
  let tmp: string;
  const vms: string[] = [];
  let ids: Record<string, string>;
  let vm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let root: { uuid: string; installPath: string };
  let snapUuid = "";

  const job = (r: Promise<Reply>, timeout = 180_000) => cloud.ok(r, timeout);
  const vmAction = (uuid: string, action: string, body: object = {}) => job(t.admin.put(`/v1/vm-instances/${uuid}/actions`, { [action]: body }));
  const guestUp = (uuid: string) => eventually(async () => {
    const log = `/var/lib/strata-hostd-${hostdPort}/data/console/${uuid}.log`;
    return existsSync(log) && /STRATA-GUEST-UP/.test(readFileSync(log, "utf8"));
  }, 180_000, 1000);
  const snapshotNames = (path: string) => sh("qemu-img", ["snapshot", "-U", "-l", path]);

  before(async () => {
    cloud = await setupKvmCloud("strata-phy8");
    ({ t, hostdPort, tmp, ids } = cloud);
    ids.l3 = await cloud.addFlatL3("flat", { startIp: "10.252.8.10", endIp: "10.252.8.50", netmask: "255.255.255.0", gateway: "10.252.8.1" });
  });

  after(async () => {
    await cloud?.teardown(vms);
  });

  it("snapshots the root volume of a stopped VM into its qcow2 file", async () => {
    vm = (await job(t.admin.post("/v1/vm-instances", {
      params: { name: "src", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] },
    }), 300_000)).inventory;
    vms.push(vm.uuid);
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
