import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiError } from "../../server/errors/catalogue.ts";
import { commandHostd } from "../../server/hosts/hostd-client.ts";
import type { Caller } from "../../server/auth/context.ts";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
/** Disk of every simulator host (hostd SimStorage default). */
const SIM_DISK = 4 * TiB;

describe("primary storage API with simulator hosts", () => {
  let t: TestNode;
  let zoneUuid: string;
  let clusterUuid: string;
  let caller: Caller;
  const hostUuids: string[] = [];

  const addSim = async (name: string) => {
    const r = await settle(t.admin, await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }));
    assert.equal(r.status, 200, r.text);
    return r.body.inventory.uuid as string;
  };
  const setConfig = (name: string, value: string) =>
    t.admin.put(`/v1/global-configurations/primaryStorage/${name}/actions`, { updateGlobalConfig: { value } });

  before(async () => {
    t = await startNode();
    zoneUuid = (await t.admin.post("/v1/zones", { params: { name: "z" } })).body.inventory.uuid;
    clusterUuid = (await t.admin.post("/v1/clusters", { params: { zoneUuid, name: "sim", hypervisorType: "Simulator" } })).body.inventory.uuid;
    hostUuids.push(await addSim("h1"), await addSim("h2"));
    const admin = await t.node.services.db.prisma.account.findFirstOrThrow({ where: { name: "admin" } });
    caller = { kind: "system", accountUuid: admin.uuid, accountName: "admin", accountType: "SystemAdmin", isAdmin: true };
  });
  after(async () => { await t.destroy(); });

  it("validates add requests synchronously", async () => {
    const rel = await t.admin.post("/v1/primary-storage/local-storage", { params: { name: "x", url: "relative", zoneUuid } });
    assert.equal(rel.status, 400);
    assert.match(rel.body.error.details, /url/);
    const dots = await t.admin.post("/v1/primary-storage/smp", { params: { name: "x", url: "/mnt/../etc", zoneUuid } });
    assert.equal(dots.status, 400);
    const nfs = await t.admin.post("/v1/primary-storage/nfs", { params: { name: "x", url: "/not/an/export", zoneUuid } });
    assert.equal(nfs.status, 400);
    assert.match(nfs.body.error.details, /server:\/export/);
    const zone = await t.admin.post("/v1/primary-storage/local-storage", { params: { name: "x", url: "/data", zoneUuid: "0".repeat(32) } });
    assert.equal(zone.status, 404);
    const nfsOk = await t.admin.post("/v1/primary-storage/nfs", { params: { name: "nfs", url: "10.0.0.9:/export", zoneUuid, mountOptions: "vers=4.1,nolock" } });
    assert.equal(nfsOk.status, 200, nfsOk.text);
    assert.match(nfsOk.body.inventory.mountPath, /^\/opt\/strata\/nfsprimarystorage\/prim-[0-9a-f]{32}$/);
  });

  it("attaches LocalStorage to a cluster of simulator hosts: one capacity row per host, totals summed", async () => {
    const add = await t.admin.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata/local", zoneUuid } });
    assert.equal(add.status, 200, add.text);
    const ps = add.body.inventory;
    assert.equal(ps.totalCapacity, 0);
    const dup = await t.admin.post("/v1/primary-storage/local-storage", { params: { name: "again", url: "/var/lib/strata/local", zoneUuid } });
    assert.equal(dup.status, 409);

    const job = await settle(t.admin, await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${ps.uuid}`, {}));
    assert.equal(job.status, 200, job.text);
    assert.deepEqual(job.body.inventory.attachedClusterUuids, [clusterUuid]);
    assert.equal(job.body.inventory.totalCapacity, 2 * SIM_DISK);
    assert.equal(job.body.inventory.availableCapacity, 2 * SIM_DISK);

    const caps = await t.admin.get(`/v1/primary-storage/local-storage/${ps.uuid}/host-capacities`);
    assert.equal(caps.status, 200, caps.text);
    assert.deepEqual(caps.body.inventories.map((r: { hostUuid: string }) => r.hostUuid).sort(), [...hostUuids].sort());
    for (const r of caps.body.inventories) assert.equal(r.totalCapacity, SIM_DISK);
    const cap = await t.admin.get(`/v1/primary-storage/${ps.uuid}/capacity`);
    assert.deepEqual(cap.body, { totalCapacity: 2 * SIM_DISK, availableCapacity: 2 * SIM_DISK, totalPhysicalCapacity: 2 * SIM_DISK, availablePhysicalCapacity: 2 * SIM_DISK });

    const again = await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${ps.uuid}`, {});
    assert.equal(again.status, 409);
    const q = await t.admin.get(`/v1/primary-storage?q=clusters.clusterUuid=${clusterUuid}&fields=name,attachedClusterUuids`);
    assert.deepEqual(q.body.inventories, [{ name: "local", attachedClusterUuids: [clusterUuid] }]);
  });

  it("prepares a host that joins the cluster later", async () => {
    const h3 = await addSim("h3");
    hostUuids.push(h3);
    const [ps] = (await t.admin.get("/v1/primary-storage?q=name=local")).body.inventories;
    const caps = await t.admin.get(`/v1/primary-storage/local-storage/${ps.uuid}/host-capacities?hostUuid=${h3}`);
    assert.equal(caps.body.inventories.length, 1);
    assert.equal(ps.totalCapacity, 3 * SIM_DISK);
  });

  it("never over-commits a host under 50 concurrent reservations, and refuses past the usage threshold", async () => {
    const [ps] = (await t.admin.get("/v1/primary-storage?q=name=local")).body.inventories;
    const host = hostUuids[0]!;
    const size = 100n * BigInt(GiB);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
      t.node.services.volumes.createDataVolume({ caller, hostUuid: host, size, name: `burst-${i}` })));
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    // 0.9 × 4 TiB = 3686.4 GiB: 36 volumes of 100 GiB fit under the default threshold.
    assert.equal(ok.length, 36, refused.map((r) => String(r.reason)).slice(0, 2).join("\n"));
    for (const r of refused) {
      assert.ok(r.reason instanceof ApiError);
      assert.equal(r.reason.code, "PS.CAPACITY_EXCEEDED");
      assert.equal(r.reason.httpStatus, 409);
    }
    const [row] = (await t.admin.get(`/v1/primary-storage/local-storage/${ps.uuid}/host-capacities?hostUuid=${host}`)).body.inventories;
    assert.equal(row.availableCapacity, SIM_DISK - 36 * 100 * GiB);
    assert.ok(row.availableCapacity >= 0);
    const vols = await t.admin.get(`/v1/volumes?q=name~=burst-%25&q=status=Ready&count=true`);
    assert.equal(vols.body.total, 36);
    const cap = await t.admin.get(`/v1/primary-storage/${ps.uuid}/capacity`);
    assert.equal(cap.body.availableCapacity, 3 * SIM_DISK - 36 * 100 * GiB);

    // Another host has room; a lower threshold refuses there too, naming the storage and figures.
    assert.equal((await setConfig("usageThreshold", "0.25")).status, 200);
    const err = await t.node.services.volumes.createDataVolume({ caller, hostUuid: hostUuids[1]!, size: 2n * BigInt(TiB), name: "big" })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, "PS.CAPACITY_EXCEEDED");
    assert.match(err.description, /local/);
    assert.match(err.details!, /requested 2199023255552 bytes.*usage threshold 0.25/);
    await setConfig("usageThreshold", "0.9");
  });

  it("reserves size / over-provisioning ratio", async () => {
    await setConfig("overProvisioning.ratio", "2");
    const host = hostUuids[2]!;
    const v = await t.node.services.volumes.createDataVolume({ caller, hostUuid: host, size: 100n * BigInt(GiB), name: "thin" });
    const [ps] = (await t.admin.get("/v1/primary-storage?q=name=local")).body.inventories;
    const [row] = (await t.admin.get(`/v1/primary-storage/local-storage/${ps.uuid}/host-capacities?hostUuid=${host}`)).body.inventories;
    assert.equal(row.availableCapacity, SIM_DISK - 50 * GiB);
    await t.node.services.volumes.expungeVolume(v.uuid);
    const [after] = (await t.admin.get(`/v1/primary-storage/local-storage/${ps.uuid}/host-capacities?hostUuid=${host}`)).body.inventories;
    assert.equal(after.availableCapacity, SIM_DISK);
    await setConfig("overProvisioning.ratio", "1.0");
  });

  it("gives back exactly what a volume reserved when the over-provisioning ratio changed in between", async () => {
    const host = hostUuids[2]!;
    const [ps] = (await t.admin.get("/v1/primary-storage?q=name=local")).body.inventories;
    const hostAvailable = async () =>
      (await t.admin.get(`/v1/primary-storage/local-storage/${ps.uuid}/host-capacities?hostUuid=${host}`)).body.inventories[0].availableCapacity as number;
    const psAvailable = async () => (await t.admin.get(`/v1/primary-storage/${ps.uuid}/capacity`)).body.availableCapacity as number;
    const start = { host: await hostAvailable(), ps: await psAvailable() };

    // 100 GiB at ratio 1, grown by 100 GiB at ratio 2: 150 GiB reserved.
    const v = await t.node.services.volumes.createDataVolume({ caller, hostUuid: host, size: 100n * BigInt(GiB), name: "ratio-drift" });
    assert.equal(await hostAvailable(), start.host - 100 * GiB);
    assert.equal((await setConfig("overProvisioning.ratio", "2")).status, 200);
    const grow = await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { resizeVolume: { size: 200 * GiB } }));
    assert.equal(grow.status, 200, grow.text);
    assert.equal(await hostAvailable(), start.host - 150 * GiB);
    assert.equal(await psAvailable(), start.ps - 150 * GiB);
    // At ratio 4 the volume would reserve 50 GiB today; it still holds 150, and a recalculation agrees.
    assert.equal((await setConfig("overProvisioning.ratio", "4")).status, 200);
    await t.node.services.primaryStorage.recalculate(ps.uuid);
    assert.equal(await hostAvailable(), start.host - 150 * GiB);
    assert.equal(await psAvailable(), start.ps - 150 * GiB);

    assert.equal((await t.admin.delete(`/v1/volumes/${v.uuid}`)).status, 200);
    const ex = await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { expungeVolume: {} }));
    assert.equal(ex.status, 200, ex.text);
    assert.equal(await hostAvailable(), start.host, "the host's availableCapacity is back where it started");
    assert.equal(await psAvailable(), start.ps, "the storage's availableCapacity is back where it started");
    await setConfig("overProvisioning.ratio", "1.0");
  });

  it("refuses deleting or detaching storage whose volumes are in use, and states changes", async () => {
    const [ps] = (await t.admin.get("/v1/primary-storage?q=name=local")).body.inventories;
    const del = await t.admin.delete(`/v1/primary-storage/${ps.uuid}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.error.code, "SYS.1004");
    const dis = await t.admin.put(`/v1/primary-storage/${ps.uuid}/actions`, { changePrimaryStorageState: { stateEvent: "disable" } });
    assert.equal(dis.body.inventory.state, "Disabled");
    const none = await t.node.services.volumes.createDataVolume({ caller, hostUuid: hostUuids[1]!, size: BigInt(GiB), name: "x" }).catch((e: unknown) => e);
    assert.equal((none as ApiError).code, "PS.NO_AVAILABLE_STORAGE");
    await t.admin.put(`/v1/primary-storage/${ps.uuid}/actions`, { changePrimaryStorageState: { stateEvent: "enable" } });
    const bad = await t.admin.put(`/v1/primary-storage/${ps.uuid}/actions`, { changePrimaryStorageState: { stateEvent: "explode" } });
    assert.equal(bad.status, 400);
    const upd = await t.admin.put(`/v1/primary-storage/${ps.uuid}/actions`, { updatePrimaryStorage: { name: "local-1" } });
    assert.equal(upd.body.inventory.name, "local-1");
  });

  it("detaching NFS unmounts the export from every host of the cluster; attaching mounts it again", async () => {
    const mountsOn = async (hostUuid: string) => {
      const host = await t.node.services.db.prisma.host.findUniqueOrThrow({ where: { uuid: hostUuid } });
      return (await commandHostd<{ mounts: { url: string; mountPath: string }[] }>(t.node.services.hosts.endpoint(host), "/storage/mounts", {})).mounts;
    };
    const nfs = (await t.admin.post("/v1/primary-storage/nfs", { params: { name: "nfs-detach", url: "10.0.0.9:/detach", zoneUuid } })).body.inventory;
    const mounted = [{ url: "10.0.0.9:/detach", mountPath: nfs.mountPath }];
    for (let round = 0; round < 2; round++) {
      const att = await settle(t.admin, await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${nfs.uuid}`, {}));
      assert.equal(att.status, 200, att.text);
      assert.equal(att.body.inventory.totalCapacity, SIM_DISK);
      for (const h of hostUuids) assert.deepEqual(await mountsOn(h), mounted, `mounted on ${h}`);

      const det = await t.admin.delete(`/v1/clusters/${clusterUuid}/primary-storage/${nfs.uuid}`);
      assert.equal(det.status, 200, det.text);
      assert.deepEqual(det.body.inventory.attachedClusterUuids, []);
      for (const h of hostUuids) assert.deepEqual(await mountsOn(h), [], `unmounted from ${h}`);
      // Attached nowhere, it has no capacity any more, as when it was added.
      assert.equal(det.body.inventory.totalCapacity, 0);
      assert.equal(det.body.inventory.availableCapacity, 0);
    }
    const again = await t.admin.delete(`/v1/clusters/${clusterUuid}/primary-storage/${nfs.uuid}`);
    assert.equal(again.status, 404, again.text);
    assert.equal((await t.admin.delete(`/v1/primary-storage/${nfs.uuid}`)).status, 200);
  });

  it("detaching a SharedMountPoint leaves the user's mount alone and no attachment state behind", async () => {
    const smp = (await t.admin.post("/v1/primary-storage/smp", { params: { name: "smp-detach", url: "/mnt/smp-detach", zoneUuid } })).body.inventory;
    assert.equal((await settle(t.admin, await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${smp.uuid}`, {}))).status, 200);
    const det = await t.admin.delete(`/v1/clusters/${clusterUuid}/primary-storage/${smp.uuid}`);
    assert.equal(det.status, 200, det.text);
    assert.deepEqual(det.body.inventory.attachedClusterUuids, []);
    assert.equal(det.body.inventory.totalCapacity, 0);
    const prisma = t.node.services.db.prisma;
    assert.equal(await prisma.primaryStorageClusterRef.count({ where: { primaryStorageUuid: smp.uuid } }), 0);
    assert.equal(await prisma.localStorageHostRef.count({ where: { primaryStorageUuid: smp.uuid } }), 0);
    const q = await t.admin.get(`/v1/primary-storage?q=clusters.clusterUuid=${clusterUuid}&q=uuid=${smp.uuid}`);
    assert.equal(q.body.inventories.length, 0);
    // Attaching again works as the first time.
    const att = await settle(t.admin, await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${smp.uuid}`, {}));
    assert.equal(att.status, 200, att.text);
    assert.equal(att.body.inventory.totalCapacity, SIM_DISK);
    assert.equal((await t.admin.delete(`/v1/clusters/${clusterUuid}/primary-storage/${smp.uuid}`)).status, 200);
    assert.equal((await t.admin.delete(`/v1/primary-storage/${smp.uuid}`)).status, 200);
  });

  it("detaches and deletes a storage without volumes", async () => {
    const smp = (await t.admin.post("/v1/primary-storage/smp", { params: { name: "smp", url: "/mnt/shared", zoneUuid } })).body.inventory;
    const job = await settle(t.admin, await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${smp.uuid}`, {}));
    assert.equal(job.status, 200, job.text);
    assert.equal(job.body.inventory.totalCapacity, SIM_DISK, "shared storage counts the filesystem once");
    const perHost = await t.admin.get(`/v1/primary-storage/local-storage/${smp.uuid}/host-capacities`);
    assert.equal(perHost.status, 400);
    const det = await t.admin.delete(`/v1/clusters/${clusterUuid}/primary-storage/${smp.uuid}`);
    assert.equal(det.status, 200, det.text);
    assert.deepEqual(det.body.inventory.attachedClusterUuids, []);
    assert.equal((await t.admin.delete(`/v1/primary-storage/${smp.uuid}`)).status, 200);
    assert.equal((await t.admin.get(`/v1/primary-storage/${smp.uuid}`)).status, 404);
  });
});
