import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNode, type TestNode } from "../support/node.ts";

describe("ImageStore backup storage API", () => {
  let t: TestNode;
  let dir: string;
  let zoneUuid: string;

  before(async () => {
    t = await startNode();
    dir = mkdtempSync(join(tmpdir(), "strata-bs-test-"));
    zoneUuid = (await t.admin.post("/v1/zones", { params: { name: "zone-1" } })).body.inventory.uuid;
  });
  after(async () => {
    await t.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("adds an image store on a new directory, with capacity from statfs and hostname from the request", async () => {
    const url = join(dir, "store-1", "images");
    const r = await t.admin.post("/v1/backup-storage/image-store", { params: { name: "bs-1", url } });
    assert.equal(r.status, 200, r.text);
    const bs = r.body.inventory;
    assert.ok(existsSync(url), "directory created");
    assert.equal(bs.type, "ImageStore");
    assert.equal(bs.state, "Enabled");
    assert.equal(bs.status, "Connected");
    assert.equal(bs.url, url);
    assert.equal(bs.hostname, new URL(t.url).host);
    assert.ok(bs.totalCapacity > 0 && bs.availableCapacity > 0 && bs.availableCapacity <= bs.totalCapacity);
    assert.deepEqual(bs.attachedZoneUuids, []);
    const got = await t.admin.get(`/v1/backup-storage/${bs.uuid}`);
    assert.equal(got.body.inventories[0].uuid, bs.uuid);
  });

  it("refuses a relative, root, reused or unusable directory", async () => {
    for (const url of ["relative/path", "/", join(dir, "store-1", "images"), join(dir, "a-file", "sub")]) {
      if (url.includes("a-file")) writeFileSync(join(dir, "a-file"), "x");
      const r = await t.admin.post("/v1/backup-storage/image-store", { params: { name: "bad", url } });
      assert.ok(r.status === 400 || r.status === 409, `${url}: ${r.status} ${r.text}`);
    }
    const dup = await t.admin.post("/v1/backup-storage/image-store", { params: { name: "dup", url: join(dir, "store-1", "images") } });
    assert.equal(dup.body.error.code, "SYS.1002");
  });

  it("attaches to and detaches from a zone (ZStack AttachBackupStorageToZone)", async () => {
    const [bs] = (await t.admin.get("/v1/backup-storage?q=name=bs-1")).body.inventories;
    const a = await t.admin.post(`/v1/zones/${zoneUuid}/backup-storage/${bs.uuid}`, {});
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.body.inventory.attachedZoneUuids, [zoneUuid]);
    const again = await t.admin.post(`/v1/zones/${zoneUuid}/backup-storage/${bs.uuid}`, {});
    assert.equal(again.status, 409);
    const noZone = await t.admin.post(`/v1/zones/${"0".repeat(32)}/backup-storage/${bs.uuid}`, {});
    assert.equal(noZone.status, 404);
    const byZone = await t.admin.get(`/v1/backup-storage?q=zones.zoneUuid=${zoneUuid}`);
    assert.equal(byZone.body.inventories.length, 1);

    const d = await t.admin.delete(`/v1/zones/${zoneUuid}/backup-storage/${bs.uuid}`);
    assert.equal(d.status, 200, d.text);
    assert.deepEqual(d.body.inventory.attachedZoneUuids, []);
    assert.equal((await t.admin.delete(`/v1/zones/${zoneUuid}/backup-storage/${bs.uuid}`)).status, 409);
    await t.admin.post(`/v1/zones/${zoneUuid}/backup-storage/${bs.uuid}`, {});
  });

  it("deleting a zone detaches its backup storage, which survives with its other zones", async () => {
    const bs = (await t.admin.post("/v1/backup-storage/image-store", { params: { name: "bs-zones", url: join(dir, "store-zones") } })).body.inventory;
    const doomed = (await t.admin.post("/v1/zones", { params: { name: "zone-doomed" } })).body.inventory.uuid;
    const kept = (await t.admin.post("/v1/zones", { params: { name: "zone-kept" } })).body.inventory.uuid;
    for (const z of [doomed, kept]) assert.equal((await t.admin.post(`/v1/zones/${z}/backup-storage/${bs.uuid}`, {})).status, 200);
    assert.equal((await t.admin.post("/v1/clusters", { params: { zoneUuid: doomed, name: "c", hypervisorType: "KVM" } })).status, 200);

    const del = await t.admin.delete(`/v1/zones/${doomed}?deleteMode=Enforcing`);
    assert.equal(del.status, 200, del.text);
    const [after] = (await t.admin.get(`/v1/backup-storage/${bs.uuid}`)).body.inventories;
    assert.deepEqual(after.attachedZoneUuids, [kept], "only the deleted zone's attachment went");
    assert.equal(after.state, "Enabled");
    assert.equal((await t.admin.get(`/v1/backup-storage?q=zones.zoneUuid=${doomed}`)).body.inventories.length, 0);

    // Permissive delete of an empty zone detaches too; the backup storage stays, unattached.
    assert.equal((await t.admin.delete(`/v1/zones/${kept}`)).status, 200);
    const [last] = (await t.admin.get(`/v1/backup-storage/${bs.uuid}`)).body.inventories;
    assert.deepEqual(last.attachedZoneUuids, []);
    assert.equal(await t.node.services.db.prisma.backupStorageZoneRef.count({ where: { zoneUuid: { in: [doomed, kept] } } }), 0);
    assert.equal((await t.admin.delete(`/v1/backup-storage/${bs.uuid}`)).status, 200);
  });

  it("updates, disables and lists backup storages; Normal accounts may list but not change them", async () => {
    const [bs] = (await t.admin.get("/v1/backup-storage?q=name=bs-1")).body.inventories;
    const u = await t.admin.put(`/v1/backup-storage/${bs.uuid}/actions`, { updateBackupStorage: { description: "main", hostname: "192.0.2.1:8080" } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.inventory.hostname, "192.0.2.1:8080");
    const s = await t.admin.put(`/v1/backup-storage/${bs.uuid}/actions`, { changeBackupStorageState: { stateEvent: "disable" } });
    assert.equal(s.body.inventory.state, "Disabled");
    await t.admin.put(`/v1/backup-storage/${bs.uuid}/actions`, { changeBackupStorageState: { stateEvent: "enable" } });
    const csv = await t.admin.get("/v1/backup-storage?format=csv");
    assert.match(csv.text.split("\n")[0]!, /availableCapacity/);

    await t.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password", type: "Normal" } });
    const tenant = await t.anonymous.login("tenant", "tenant-password");
    assert.equal((await tenant.get("/v1/backup-storage")).body.inventories.length, 1);
    assert.equal((await tenant.post("/v1/backup-storage/image-store", { params: { name: "x", url: join(dir, "x") } })).status, 403);
    assert.equal((await tenant.delete(`/v1/backup-storage/${bs.uuid}`)).status, 403);
  });

  it("turns Disconnected when its directory disappears, Connected when it is back", async () => {
    const url = join(dir, "store-2");
    const bs = (await t.admin.post("/v1/backup-storage/image-store", { params: { name: "bs-2", url } })).body.inventory;
    rmSync(url, { recursive: true });
    assert.equal((await t.admin.get(`/v1/backup-storage/${bs.uuid}`)).body.inventories[0].status, "Disconnected");
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${bs.uuid}&q=type=ResourceStatusChanged`);
    assert.equal(ev.body.inventories[0].newState, "Disconnected");
    await import("node:fs/promises").then((fs) => fs.mkdir(url));
    assert.equal((await t.admin.get(`/v1/backup-storage/${bs.uuid}`)).body.inventories[0].status, "Connected");
    assert.equal((await t.admin.delete(`/v1/backup-storage/${bs.uuid}`)).status, 200);
    assert.equal((await t.admin.get(`/v1/backup-storage/${bs.uuid}`)).status, 404);
    assert.ok(existsSync(url), "the directory itself stays");
  });
});
