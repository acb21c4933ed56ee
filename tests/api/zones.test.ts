import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startNode, type TestNode } from "../support/node.ts";

/** `q=` parameters, URL-encoded (spaces, `%`, `+` and `?` must not reach the server raw). */
const q = (...conditions: string[]) => conditions.map((c) => `q=${encodeURIComponent(c)}`).join("&");
const MISSING = "0123456789abcdef0123456789abcdef";

describe("zones API", () => {
  let t: TestNode;
  let admin: Client;
  before(async () => {
    t = await startNode();
    admin = t.admin;
  });
  after(async () => { await t.destroy(); });

  async function createZone(params: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const r = await admin.post("/v1/zones", { params, ...extra });
    assert.equal(r.status, 200, r.text);
    return r.body.inventory;
  }

  async function createCluster(zoneUuid: string, name: string) {
    const r = await admin.post("/v1/clusters", { params: { zoneUuid, name, hypervisorType: "KVM" } });
    assert.equal(r.status, 200, r.text);
    return r.body.inventory;
  }

  async function eventsOf(uuid: string) {
    const r = await admin.get(`/v1/events?${q(`resourceUuid=${uuid}`)}&sort=%2BcreateDate`);
    assert.equal(r.status, 200, r.text);
    return r.body.inventories as { type: string; oldState: string | null; newState: string | null; resourceType: string }[];
  }

  describe("POST /v1/zones", () => {
    it("creates a zone in state Enabled and returns its inventory", async () => {
      const r = await admin.post("/v1/zones", { params: { name: "zone-a", description: "first" } });
      assert.equal(r.status, 200);
      assert.equal(r.body.inventory.name, "zone-a");
      assert.equal(r.body.inventory.state, "Enabled");
      assert.equal(r.body.inventory.type, "zstack");
      assert.equal(r.body.inventory.isDefault, false);
      assert.match(r.body.inventory.uuid, /^[0-9a-f]{32}$/);
      const g = await admin.get(`/v1/zones/${r.body.inventory.uuid}`);
      assert.deepEqual(g.body.inventories, [r.body.inventory]);
    });

    it("rejects a zone without a name with SYS.1007 naming the field", async () => {
      const r = await admin.post("/v1/zones", { params: { description: "no name" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.params\.name/);
    });

    it("rejects an unknown parameter with SYS.1007 naming it", async () => {
      const r = await admin.post("/v1/zones", { params: { name: "zone-x", colour: "red" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /colour/);
    });

    it("attaches the systemTags and userTags given at creation", async () => {
      const zone = await createZone({ name: "zone-tagged" }, { systemTags: ["owner::ops", "ha"], userTags: ["web", "prod"] });
      const u = await admin.get(`/v1/user-tags?${q(`resourceUuid=${zone.uuid}`)}&sort=%2Btag`);
      assert.equal(u.status, 200);
      assert.deepEqual(u.body.inventories.map((x: { tag: string }) => x.tag), ["prod", "web"]);
      assert.ok(u.body.inventories.every((x: { resourceType: string }) => x.resourceType === "Zone"));
      const s = await admin.get(`/v1/system-tags?${q(`resourceUuid=${zone.uuid}`)}&sort=%2Btag`);
      assert.deepEqual(s.body.inventories.map((x: { tag: string }) => x.tag), ["ha", "owner::ops"]);
    });

    it("rejects a malformed system tag with SYS.1007 and creates nothing", async () => {
      const r = await admin.post("/v1/zones", { params: { name: "zone-badtag" }, systemTags: ["::bad"] });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /::bad/);
      const c = await admin.get(`/v1/zones?${q("name=zone-badtag")}&count=true`);
      assert.deepEqual(c.body, { total: 0 });
    });

    it("uses params.resourceUuid as the new zone's uuid", async () => {
      const uuid = "a1".repeat(16);
      const zone = await createZone({ name: "zone-chosen", resourceUuid: uuid });
      assert.equal(zone.uuid, uuid);
      const g = await admin.get(`/v1/zones/${uuid}`);
      assert.equal(g.body.inventories[0].name, "zone-chosen");
    });

    it("rejects a resourceUuid that is already taken with SYS.1002 and keeps the first zone", async () => {
      const uuid = "b2".repeat(16);
      await createZone({ name: "zone-first", resourceUuid: uuid });
      const r = await admin.post("/v1/zones", { params: { name: "zone-second", resourceUuid: uuid }, userTags: ["second"] });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1002");
      const g = await admin.get(`/v1/zones/${uuid}`);
      assert.equal(g.body.inventories[0].name, "zone-first");
      const tags = await admin.get(`/v1/user-tags?${q(`resourceUuid=${uuid}`)}`);
      assert.deepEqual(tags.body.inventories, [], "the failed create rolled back its tags");
    });

    it("rejects a malformed resourceUuid with SYS.1007", async () => {
      const r = await admin.post("/v1/zones", { params: { name: "zone-y", resourceUuid: "NOT-A-UUID" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.params\.resourceUuid/);
    });

    it("keeps at most one default zone", async () => {
      const a = await createZone({ name: "zone-default-a", isDefault: true });
      const b = await createZone({ name: "zone-default-b", isDefault: true });
      const r = await admin.get(`/v1/zones?${q("isDefault=true")}`);
      assert.deepEqual(r.body.inventories.map((z: { uuid: string }) => z.uuid), [b.uuid]);
      const u = await admin.put(`/v1/zones/${a.uuid}/actions`, { updateZone: { isDefault: true } });
      assert.equal(u.status, 200);
      const r2 = await admin.get(`/v1/zones?${q("isDefault=true")}`);
      assert.deepEqual(r2.body.inventories.map((z: { uuid: string }) => z.uuid), [a.uuid]);
    });

    it("records a ResourceCreated event", async () => {
      const zone = await createZone({ name: "zone-evented" });
      const ev = await eventsOf(zone.uuid);
      assert.deepEqual(ev.map((e) => [e.type, e.resourceType, e.newState]), [["ResourceCreated", "Zone", "Enabled"]]);
    });
  });

  describe("GET /v1/zones/{uuid}", () => {
    it("answers 404 SYS.1003 for a uuid that does not exist", async () => {
      const r = await admin.get(`/v1/zones/${MISSING}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
      assert.match(r.body.error.details, new RegExp(MISSING));
    });

    it("rejects a malformed uuid with 400 SYS.1007", async () => {
      const r = await admin.get("/v1/zones/not-a-uuid");
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /path\.uuid/);
    });

    it("finds a zone by name through the query API", async () => {
      const zone = await createZone({ name: "zone-findme" });
      const r = await admin.get(`/v1/zones?${q("name=zone-findme")}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.inventories, [zone]);
    });

    it("refuses an anonymous caller with 401 ID.1001", async () => {
      const r = await t.anonymous.get("/v1/zones");
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "ID.1001");
    });
  });

  describe("PUT /v1/zones/{uuid}/actions", () => {
    let zone: { uuid: string; lastOpDate: string };
    before(async () => { zone = await createZone({ name: "zone-act", description: "before" }); });

    it("updateZone changes name and description", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { updateZone: { name: "zone-act-2", description: "after" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inventory.name, "zone-act-2");
      assert.equal(r.body.inventory.description, "after");
      assert.ok(r.body.inventory.lastOpDate >= zone.lastOpDate);
      const g = await admin.get(`/v1/zones/${zone.uuid}`);
      assert.equal(g.body.inventories[0].name, "zone-act-2");
    });

    it("updateZone rejects an empty name with SYS.1007 naming body.updateZone.name", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { updateZone: { name: "   " } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.updateZone\.name/);
    });

    it("changeZoneState disable sets state Disabled and records ResourceStateChanged", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inventory.state, "Disabled");
      const g = await admin.get(`/v1/zones/${zone.uuid}`);
      assert.equal(g.body.inventories[0].state, "Disabled");
      const changes = (await eventsOf(zone.uuid)).filter((e) => e.type === "ResourceStateChanged");
      assert.deepEqual(changes.map((e) => [e.oldState, e.newState]), [["Enabled", "Disabled"]]);
    });

    it("changeZoneState to the current state records no second event", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } });
      assert.equal(r.body.inventory.state, "Disabled");
      const changes = (await eventsOf(zone.uuid)).filter((e) => e.type === "ResourceStateChanged");
      assert.equal(changes.length, 1);
    });

    it("changeZoneState enable sets state Enabled again", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { changeZoneState: { stateEvent: "enable" } });
      assert.equal(r.body.inventory.state, "Enabled");
      const changes = (await eventsOf(zone.uuid)).filter((e) => e.type === "ResourceStateChanged");
      assert.deepEqual(changes.map((e) => [e.oldState, e.newState]), [["Enabled", "Disabled"], ["Disabled", "Enabled"]]);
    });

    it("rejects an unknown stateEvent with SYS.1007 naming body.changeZoneState.stateEvent", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { changeZoneState: { stateEvent: "off" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.changeZoneState\.stateEvent/);
    });

    it("rejects an unknown action with SYS.1008 listing the known actions", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, { renameZone: { name: "x" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1008");
      assert.match(r.body.error.details, /renameZone/);
      assert.match(r.body.error.details, /updateZone/);
      assert.match(r.body.error.details, /changeZoneState/);
    });

    it("rejects two action keys with 400 SYS.1007 and changes nothing", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, {
        updateZone: { name: "both" }, changeZoneState: { stateEvent: "disable" },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /got 2 keys/);
      const g = await admin.get(`/v1/zones/${zone.uuid}`);
      assert.equal(g.body.inventories[0].name, "zone-act-2");
      assert.equal(g.body.inventories[0].state, "Enabled");
    });

    it("rejects an empty body with 400 SYS.1007", async () => {
      const r = await admin.put(`/v1/zones/${zone.uuid}/actions`, {});
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
    });

    it("answers 404 SYS.1003 for an unknown zone", async () => {
      const r = await admin.put(`/v1/zones/${MISSING}/actions`, { changeZoneState: { stateEvent: "disable" } });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
    });

    it("rejects a malformed uuid with 400 SYS.1007", async () => {
      const r = await admin.put("/v1/zones/not-a-uuid/actions", { changeZoneState: { stateEvent: "disable" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /path\.uuid/);
    });

    it("refuses an anonymous caller with 401 ID.1001 before reading the body", async () => {
      const r = await t.anonymous.put(`/v1/zones/${zone.uuid}/actions`, { noSuchAction: {} });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "ID.1001");
    });
  });

  describe("DELETE /v1/zones/{uuid}", () => {
    it("refuses a Permissive delete while clusters remain with 409 SYS.1004 naming the cluster", async () => {
      const zone = await createZone({ name: "zone-busy" });
      const cluster = await createCluster(zone.uuid, "cluster-in-busy");
      const r = await admin.delete(`/v1/zones/${zone.uuid}`);
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1004");
      assert.match(r.body.error.details, /cluster-in-busy/);
      assert.match(r.body.error.details, new RegExp(cluster.uuid));
      assert.equal((await admin.get(`/v1/zones/${zone.uuid}`)).status, 200);
      assert.equal((await admin.get(`/v1/clusters/${cluster.uuid}`)).status, 200);
      const explicit = await admin.delete(`/v1/zones/${zone.uuid}?deleteMode=Permissive`);
      assert.equal(explicit.status, 409);
    });

    it("deletes the zone, its clusters and their tags with deleteMode=Enforcing", async () => {
      const zone = await createZone({ name: "zone-doomed" }, { userTags: ["doomed"] });
      const cluster = await createCluster(zone.uuid, "cluster-doomed");
      const tag = await admin.post("/v1/user-tags", { params: { resourceType: "Cluster", resourceUuid: cluster.uuid, tag: "c-doomed" } });
      assert.equal(tag.status, 200);
      const r = await admin.delete(`/v1/zones/${zone.uuid}?deleteMode=Enforcing`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, {});
      assert.equal((await admin.get(`/v1/zones/${zone.uuid}`)).status, 404);
      assert.equal((await admin.get(`/v1/clusters/${cluster.uuid}`)).status, 404);
      const tags = await admin.get(`/v1/user-tags?${q(`resourceUuid?=${zone.uuid},${cluster.uuid}`)}`);
      assert.deepEqual(tags.body.inventories, []);
      assert.ok((await eventsOf(zone.uuid)).some((e) => e.type === "ResourceDeleted" && e.resourceType === "Zone"));
      assert.ok((await eventsOf(cluster.uuid)).some((e) => e.type === "ResourceDeleted" && e.resourceType === "Cluster"));
    });

    it("deletes an empty zone in the default Permissive mode", async () => {
      const zone = await createZone({ name: "zone-empty" });
      const r = await admin.delete(`/v1/zones/${zone.uuid}`);
      assert.equal(r.status, 200);
      assert.equal((await admin.get(`/v1/zones/${zone.uuid}`)).status, 404);
    });

    it("answers 404 SYS.1003 for an unknown zone", async () => {
      const r = await admin.delete(`/v1/zones/${MISSING}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
    });

    it("rejects a malformed uuid and an unknown deleteMode with 400 SYS.1007", async () => {
      const a = await admin.delete("/v1/zones/xyz");
      assert.equal(a.status, 400);
      assert.equal(a.body.error.code, "SYS.1007");
      const zone = await createZone({ name: "zone-mode" });
      const b = await admin.delete(`/v1/zones/${zone.uuid}?deleteMode=Force`);
      assert.equal(b.status, 400);
      assert.equal(b.body.error.code, "SYS.1007");
      assert.match(b.body.error.details, /deleteMode/);
      assert.equal((await admin.get(`/v1/zones/${zone.uuid}`)).status, 200);
    });
  });

  describe("a Normal account", () => {
    let normal: Client;
    let adminZone: { uuid: string };
    before(async () => {
      const a = await admin.post("/v1/accounts", { params: { name: "tenant-zones", password: "tenant-password-1", type: "Normal" } });
      assert.equal(a.status, 200, a.text);
      normal = await t.anonymous.login("tenant-zones", "tenant-password-1");
      adminZone = await createZone({ name: "zone-admins-only" });
    });

    it("cannot create a zone (403 ID.1002)", async () => {
      const r = await normal.post("/v1/zones", { params: { name: "zone-tenant" } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, "ID.1002");
      const c = await admin.get(`/v1/zones?${q("name=zone-tenant")}&count=true`);
      assert.equal(c.body.total, 0);
    });

    it("sees none of the admin's zones in queries", async () => {
      const r = await normal.get("/v1/zones?replyWithCount=true");
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { inventories: [], total: 0 });
      const j = await normal.get(`/v1/zones?${q("name=zone-admins-only")}`);
      assert.deepEqual(j.body.inventories, []);
    });

    it("gets 404 SYS.1003 for the admin's zone", async () => {
      const r = await normal.get(`/v1/zones/${adminZone.uuid}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
    });

    it("cannot change, disable or delete the admin's zone (403 ID.1002)", async () => {
      const u = await normal.put(`/v1/zones/${adminZone.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } });
      assert.equal(u.status, 403);
      assert.equal(u.body.error.code, "ID.1002");
      const d = await normal.delete(`/v1/zones/${adminZone.uuid}`);
      assert.equal(d.status, 403);
      const g = await admin.get(`/v1/zones/${adminZone.uuid}`);
      assert.equal(g.body.inventories[0].state, "Enabled");
    });
  });

  describe("after a restart", () => {
    it("keeps zones, their state and their tags", async () => {
      const zone = await createZone({ name: "zone-durable", description: "survives" }, { userTags: ["durable"], systemTags: ["k::v"] });
      await admin.put(`/v1/zones/${zone.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } });
      t = await t.restart();
      admin = t.admin;
      const g = await admin.get(`/v1/zones/${zone.uuid}`);
      assert.equal(g.status, 200);
      assert.equal(g.body.inventories[0].name, "zone-durable");
      assert.equal(g.body.inventories[0].description, "survives");
      assert.equal(g.body.inventories[0].state, "Disabled");
      const byTag = await admin.get(`/v1/zones?${q("__userTag__=durable")}`);
      assert.deepEqual(byTag.body.inventories.map((z: { uuid: string }) => z.uuid), [zone.uuid]);
      const bySys = await admin.get(`/v1/zones?${q("__systemTag__=k::v")}`);
      assert.deepEqual(bySys.body.inventories.map((z: { uuid: string }) => z.uuid), [zone.uuid]);
    });
  });
});
