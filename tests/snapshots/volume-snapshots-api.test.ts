/**
 * Volume snapshots, root-volume resize and templates from volumes through the REST API, on a
 * simulator host (no disk I/O): validation, the VM-state rules and the snapshot tree.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode, type Reply } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("volume snapshots, root volume resize and templates on a simulator host", () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-snap-sim-"));
  const ids: Record<string, string> = {};
  let vm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let rootUuid = "";
  let rootSize = 0;

  const ok = async (r: Promise<Reply>) => {
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status === 202) {
      const s = await settle(t.admin, x, 60_000);
      assert.equal(s.status, 200, s.text);
      return s.body;
    }
    return x.body;
  };
  const snapshots = async () => (await t.admin.get(`/v1/volume-snapshots?q=volumeUuid=${rootUuid}&sort=%2BcreateDate`)).body.inventories;
  const vmAction = (action: string, body: object = {}) => ok(t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { [action]: body }));

  before(async () => {
    t = await startNode();
    const a = t.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name: "sim", cpuCapacity: 8, memoryCapacity: 16 * GiB } }));
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.251.0.10", endIp: "10.251.0.50", netmask: "255.255.255.0", gateway: "10.251.0.1" } }));
    vm = (await ok(a.post("/v1/vm-instances", {
      params: { name: "vm", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] },
    }))).inventory;
    const root = vm.allVolumes.find((v: { type: string }) => v.type === "Root");
    rootUuid = root.uuid;
    rootSize = root.size;
  });
  after(async () => {
    await t?.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses a snapshot without a name (400) and of an unknown volume (404)", async () => {
    const noName = await t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: {} });
    assert.equal(noName.status, 400, noName.text);
    assert.equal(noName.body.error.code, "SYS.1007");
    const unknown = await t.admin.post(`/v1/volumes/${"0".repeat(32)}/volume-snapshots`, { params: { name: "s" } });
    assert.equal(unknown.status, 404, unknown.text);
  });

  it("takes snapshots of a running VM's root volume, each the latest, chained to the previous one", async () => {
    const s1 = (await ok(t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "s1", description: "first" } }))).inventory;
    assert.equal(s1.status, "Ready");
    assert.equal(s1.latest, true);
    assert.equal(s1.parentUuid, null);
    assert.equal(s1.volumeType, "Root");
    assert.equal(s1.type, "Hypervisor");
    const s2 = (await ok(t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "s2" } }))).inventory;
    assert.equal(s2.parentUuid, s1.uuid);
    const list = await snapshots();
    assert.deepEqual(list.map((s: { name: string; latest: boolean }) => [s.name, s.latest]), [["s1", false], ["s2", true]]);
    const got = await t.admin.get(`/v1/volume-snapshots/${s1.uuid}`);
    assert.equal(got.body.inventories[0].description, "first");
    const renamed = await ok(t.admin.put(`/v1/volume-snapshots/${s2.uuid}/actions`, { updateVolumeSnapshot: { name: "second" } }));
    assert.equal(renamed.inventory.name, "second");
  });

  it("refuses to revert while the VM is Running (409 naming Running), and reverts once it is Stopped", async () => {
    const [s1] = await snapshots();
    const refused = await t.admin.put(`/v1/volume-snapshots/${s1.uuid}/actions`, { revertVolumeFromSnapshot: {} });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, "SYS.1006");
    assert.match(refused.body.error.details, /Running/);
    await vmAction("stopVmInstance", { type: "cold" });
    const reverted = await ok(t.admin.put(`/v1/volume-snapshots/${s1.uuid}/actions`, { revertVolumeFromSnapshot: {} }));
    assert.equal(reverted.inventory.uuid, rootUuid);
    assert.deepEqual((await snapshots()).map((s: { latest: boolean }) => s.latest), [true, false], "the reverted-to snapshot is latest");
  });

  it("grows the root volume but refuses to shrink it (400) or to resize a data volume as root (409)", async () => {
    const shrink = await t.admin.put(`/v1/volumes/${rootUuid}/actions`, { resizeRootVolume: { size: rootSize - 1024 * 1024 } });
    assert.equal(shrink.status, 400, shrink.text);
    assert.equal(shrink.body.error.code, "SYS.1007");
    const bad = await t.admin.put(`/v1/volumes/${rootUuid}/actions`, { resizeRootVolume: { size: -1 } });
    assert.equal(bad.status, 400);
    const grown = await ok(t.admin.put(`/v1/volumes/${rootUuid}/actions`, { resizeRootVolume: { size: rootSize + GiB } }));
    assert.equal(grown.inventory.size, rootSize + GiB);
    const data = (await ok(t.admin.post("/v1/volumes/data", { params: { name: "d", size: GiB } }))).inventory;
    const notRoot = await t.admin.put(`/v1/volumes/${data.uuid}/actions`, { resizeRootVolume: { size: 2 * GiB } });
    assert.equal(notRoot.status, 409, notRoot.text);
  });

  it("deletes a snapshot: its child hangs off its parent", async () => {
    await vmAction("startVmInstance");
    const s3 = (await ok(t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "s3" } }))).inventory;
    const [s1] = await snapshots();
    assert.equal(s3.parentUuid, s1.uuid, "taken after reverting to s1");
    await ok(t.admin.delete(`/v1/volume-snapshots/${s1.uuid}`));
    assert.equal((await t.admin.get(`/v1/volume-snapshots/${s1.uuid}`)).status, 404);
    const left = await snapshots();
    assert.deepEqual(left.map((s: { name: string }) => s.name), ["second", "s3"]);
    assert.equal(left.find((s: { name: string }) => s.name === "s3").parentUuid, null);
    assert.equal((await t.admin.delete(`/v1/volume-snapshots/${s1.uuid}`)).status, 404);
  });

  it("refuses a template of a running VM's root volume (409), and removes the image when the job fails", async () => {
    const body = { params: { name: "tpl", backupStorageUuids: [ids.bs] } };
    const running = await t.admin.post(`/v1/images/root-volume-templates/from/volumes/${rootUuid}`, body);
    assert.equal(running.status, 409, running.text);
    assert.match(running.body.error.details, /Running/);
    const noBs = await t.admin.post(`/v1/images/root-volume-templates/from/volumes/${rootUuid}`, { params: { name: "tpl" } });
    assert.equal(noBs.status, 400);
    await vmAction("stopVmInstance", { type: "cold" });
    // A simulator host keeps no volume data: the export fails, and nothing is left behind.
    const accepted = await t.admin.post(`/v1/images/root-volume-templates/from/volumes/${rootUuid}`, body);
    assert.equal(accepted.status, 202, accepted.text);
    const failed = await settle(t.admin, accepted, 60_000);
    assert.equal(failed.status, 503, failed.text);
    assert.equal((await t.admin.get("/v1/images?q=name=tpl&count=true")).body.total, 0);
    assert.deepEqual(readdirSync(join(tmp, "bs")).filter((f) => !f.startsWith(ids.image!)), []);
    const [snap] = await snapshots();
    const fromSnap = await t.admin.post(`/v1/images/root-volume-templates/from/volume-snapshots/${snap.uuid}`, body);
    assert.equal(fromSnap.status, 202, fromSnap.text);
    assert.equal((await settle(t.admin, fromSnap, 60_000)).status, 503);
  });

  it("reserves a snapshot's size on its storage and host, gives it back on delete, and leaks nothing when the create fails", async () => {
    const prisma = t.node.services.db.prisma;
    const host = (await prisma.host.findFirstOrThrow()).uuid;
    const caps = async () => ({
      ps: (await t.admin.get(`/v1/primary-storage/${ids.ps}/capacity`)).body.availableCapacity as number,
      host: (await t.admin.get(`/v1/primary-storage/local-storage/${ids.ps}/host-capacities?hostUuid=${host}`)).body.inventories[0].availableCapacity as number,
    });
    const size = (await t.admin.get(`/v1/volumes/${rootUuid}`)).body.inventories[0].size as number;
    const before = await caps();

    const snap = (await ok(t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "counted" } }))).inventory;
    assert.equal(snap.size, size);
    assert.deepEqual(await caps(), { ps: before.ps - size, host: before.host - size }, "the snapshot's size is reserved (ratio 1)");
    await ok(t.admin.delete(`/v1/volume-snapshots/${snap.uuid}`));
    assert.deepEqual(await caps(), before, "deleting it gives the capacity back");

    // No room: refused synchronously, nothing created or reserved.
    const threshold = (value: string) => t.admin.put("/v1/global-configurations/primaryStorage/usageThreshold/actions", { updateGlobalConfig: { value } });
    assert.equal((await threshold("0.00001")).status, 200);
    const full = await t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "no-room" } });
    assert.equal(full.status, 409, full.text);
    assert.equal(full.body.error.code, "PS.CAPACITY_EXCEEDED");
    assert.equal((await threshold("0.9")).status, 200);
    assert.deepEqual(await caps(), before);

    // The job fails (the host holding the volume is unreachable): the row and its reservation go.
    await prisma.host.update({ where: { uuid: host }, data: { status: "Disconnected" } });
    try {
      const failed = await settle(t.admin, await t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "failing" } }));
      assert.equal(failed.status, 503, failed.text);
    } finally {
      await prisma.host.update({ where: { uuid: host }, data: { status: "Connected" } });
    }
    assert.equal((await t.admin.get("/v1/volume-snapshots?q=name=failing&count=true")).body.total, 0);
    assert.deepEqual(await caps(), before, "a failed create reserves nothing");

    // What is left reserved is what a recalculation from the rows finds.
    await ok(t.admin.post(`/v1/volumes/${rootUuid}/volume-snapshots`, { params: { name: "kept" } }));
    const taken = await caps();
    await t.node.services.primaryStorage.recalculate(ids.ps!);
    assert.deepEqual(await caps(), taken);
  });

  it("removes a volume's snapshots when the volume is expunged with its VM, with their capacity", async () => {
    assert.ok((await snapshots()).length > 0);
    await ok(t.admin.delete(`/v1/vm-instances/${vm.uuid}`));
    await ok(t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { expungeVmInstance: {} }));
    assert.deepEqual(await snapshots(), []);
    const capacity = async () => (await t.admin.get(`/v1/primary-storage/${ids.ps}/capacity`)).body.availableCapacity as number;
    const left = await capacity();
    await t.node.services.primaryStorage.recalculate(ids.ps!);
    assert.equal(await capacity(), left, "nothing is left reserved for the expunged volume's snapshots");
  });
});
