import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, type HybridRig, startHybridRig } from "../support/aliyun.ts";

describe("Alibaba AccessKeys, data centers and identity zones through the REST API", () => {
  let rig: HybridRig;
  before(async () => { rig = await startHybridRig(); });
  after(async () => { await rig.destroy(); });

  it("refuses a key whose secret is wrong with Alibaba's code, and stores nothing", async () => {
    const r = await rig.admin.post("/v1/hybrid/aliyun/key", { params: { name: "bad", key: ALIYUN_KEY_ID, secret: "wrong-secret" } });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error.code, "ALIYUN.SignatureDoesNotMatch");
    const list = await rig.admin.get("/v1/hybrid/hybrid/key");
    assert.equal(list.body.inventories.length, 0);
  });

  it("refuses an AccessKeyId Alibaba does not know", async () => {
    const r = await rig.admin.post("/v1/hybrid/aliyun/key", { params: { name: "unknown", key: "LTAI5tNoSuchKey", secret: "x" } });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error.code, "ALIYUN.InvalidAccessKeyId.NotFound");
  });

  it("asks for a key before a region can be added", async () => {
    const r = await rig.admin.post("/v1/hybrid/data-center", { params: { regionId: "cn-hangzhou", type: "aliyun" } });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.error.code, "HYBRID.NO_KEY");
  });

  let keyUuid: string;
  it("adds a key, makes the first one current and never returns its secret", async () => {
    const r = await rig.admin.post("/v1/hybrid/aliyun/key", { params: { name: "main", key: ALIYUN_KEY_ID, secret: ALIYUN_KEY_SECRET } });
    assert.equal(r.status, 200, r.text);
    keyUuid = r.body.inventory.uuid;
    assert.equal(r.body.inventory.akey, ALIYUN_KEY_ID);
    assert.equal(r.body.inventory.current, true);
    const list = await rig.admin.get("/v1/hybrid/hybrid/key");
    assert.equal(list.body.inventories.length, 1);
    assert.ok(!list.text.includes(ALIYUN_KEY_SECRET), "the secret must not appear in any response");
    const dup = await rig.admin.post("/v1/hybrid/aliyun/key", { params: { name: "again", key: ALIYUN_KEY_ID, secret: ALIYUN_KEY_SECRET } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, "SYS.1002");
  });

  it("stores the secret encrypted", async () => {
    const row = await rig.t.node.services.db.prisma.aliyunKey.findUniqueOrThrow({ where: { uuid: keyUuid } });
    assert.ok(!row.secretEncrypted.includes(ALIYUN_KEY_SECRET));
    assert.match(row.secretEncrypted, /^v1:/);
  });

  it("detaches and attaches the current key", async () => {
    const d = await rig.admin.put(`/v1/hybrid/aliyun/key/${keyUuid}/detach`, { detachAliyunKey: {} });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.inventory.current, false);
    const a = await rig.admin.put(`/v1/hybrid/aliyun/key/${keyUuid}/attach`, {});
    assert.equal(a.body.inventory.current, true);
  });

  it("lists the regions Alibaba offers", async () => {
    const r = await rig.admin.get("/v1/hybrid/data-center/remote?type=aliyun");
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.inventories.some((x: { regionId: string }) => x.regionId === "cn-hangzhou"));
  });

  it("refuses a region Alibaba does not have", async () => {
    const r = await rig.admin.post("/v1/hybrid/data-center", { params: { regionId: "xx-nowhere-1", type: "aliyun" } });
    assert.equal(r.status, 404, r.text);
    assert.equal(r.body.error.code, "HYBRID.REMOTE_NOT_FOUND");
  });

  let dcUuid: string;
  it("adds region cn-hangzhou with its zones", async () => {
    const r = await rig.admin.post("/v1/hybrid/data-center", { params: { regionId: "cn-hangzhou", type: "aliyun", syncZones: true } });
    assert.equal(r.status, 200, r.text);
    dcUuid = r.body.inventory.uuid;
    assert.equal(r.body.inventory.regionId, "cn-hangzhou");
    assert.ok(r.body.inventory.regionName);
    const zones = await rig.admin.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}`);
    assert.ok(zones.body.inventories.length >= 2, zones.text);
    const again = await rig.admin.post("/v1/hybrid/data-center", { params: { regionId: "cn-hangzhou", type: "aliyun" } });
    assert.equal(again.status, 409);
  });

  it("deletes a zone locally and brings it back with a one-click zone sync", async () => {
    const zones = (await rig.admin.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}`)).body.inventories as { uuid: string; zoneId: string }[];
    const victim = zones[0]!;
    assert.equal((await rig.admin.delete(`/v1/hybrid/identity-zone/${victim.uuid}`)).status, 200);
    const after1 = (await rig.admin.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}`)).body.inventories as { zoneId: string }[];
    assert.equal(after1.length, zones.length - 1);
    const { settle } = await import("../support/jobs.ts");
    const done = await settle(rig.admin, await rig.admin.get(`/v1/hybrid/identity-zone/${dcUuid}/sync`));
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.body.results.IdentityZone, { created: 1, updated: 0, deleted: 0 });
    const after2 = (await rig.admin.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}`)).body.inventories as { zoneId: string }[];
    assert.deepEqual(after2.map((z) => z.zoneId).sort(), zones.map((z) => z.zoneId).sort());
  });

  it("adds a single zone and refuses one the region does not have", async () => {
    const bad = await rig.admin.post("/v1/hybrid/identity-zone", { params: { dataCenterUuid: dcUuid, zoneId: "cn-hangzhou-zz" } });
    assert.equal(bad.status, 404, bad.text);
    const remoteZones = await rig.admin.get(`/v1/hybrid/identity-zone/remote?dataCenterUuid=${dcUuid}`);
    assert.equal(remoteZones.status, 200, remoteZones.text);
    assert.ok(remoteZones.body.inventories.length >= 2);
  });

  it("a second full sync changes nothing", async () => {
    await rig.sync(dcUuid);
    const results = await rig.sync(dcUuid);
    for (const [type, r] of Object.entries(results)) assert.deepEqual(r, { created: 0, updated: 0, deleted: 0 }, type);
    const dc = await rig.admin.get(`/v1/hybrid/data-center/${dcUuid}`);
    assert.ok(dc.body.inventories[0].lastSyncDate);
  });

  it("deletes the data center locally, leaving Alibaba untouched", async () => {
    assert.equal((await rig.admin.delete(`/v1/hybrid/data-center/${dcUuid}`)).status, 200);
    assert.equal((await rig.admin.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}`)).body.inventories.length, 0);
    const remote = await rig.admin.get("/v1/hybrid/data-center/remote?type=aliyun");
    assert.ok(remote.body.inventories.length > 0);
  });

  it("deleting the current key leaves the account without one", async () => {
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/key/${keyUuid}`)).status, 200);
    const r = await rig.admin.get("/v1/hybrid/data-center/remote?type=aliyun");
    assert.equal(r.body.error.code, "HYBRID.NO_KEY");
  });
});

describe("periodic Alibaba sync", () => {
  let rig: HybridRig;
  before(async () => { rig = await startHybridRig(); });
  after(async () => { await rig.destroy(); });

  it("syncs every data center on its own once aliyun/sync.interval is set", async () => {
    const dc = await rig.addRegion();
    const before = (await rig.admin.get(`/v1/hybrid/data-center/${dc.uuid}`)).body.inventories[0];
    assert.equal(before.lastSyncDate, null);
    const r = await rig.admin.put("/v1/global-configurations/aliyun/sync.interval/actions", { updateGlobalConfig: { value: "1" } });
    assert.equal(r.status, 200, r.text);
    const { eventually } = await import("../support/node.ts");
    const synced = await eventually(async () => (await rig.admin.get(`/v1/hybrid/data-center/${dc.uuid}`)).body.inventories[0].lastSyncDate, 15_000, 200);
    assert.ok(synced, "lastSyncDate set by a periodic sync");
    await rig.admin.put("/v1/global-configurations/aliyun/sync.interval/actions", { updateGlobalConfig: { value: "0" } });
  });
});
