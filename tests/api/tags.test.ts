import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { newUuid } from "../../server/ids.ts";
import { type Client, startNode, type TestNode } from "../support/node.ts";

const q = (...conditions: string[]) => conditions.map((c) => `q=${encodeURIComponent(c)}`).join("&");
const MISSING = "0123456789abcdef0123456789abcdef";
const tagsOf = (r: { body: { inventories: { tag: string }[] } }) => r.body.inventories.map((x) => x.tag).sort();

describe("tags API", () => {
  let t: TestNode;
  let admin: Client;
  let zone: { uuid: string; accountUuid: string };
  let other: { uuid: string };
  let cluster: { uuid: string };

  before(async () => {
    t = await startNode();
    admin = t.admin;
    zone = (await admin.post("/v1/zones", { params: { name: "zone-tags" } })).body.inventory;
    other = (await admin.post("/v1/zones", { params: { name: "zone-other" } })).body.inventory;
    cluster = (await admin.post("/v1/clusters", { params: { zoneUuid: zone.uuid, name: "c-tags", hypervisorType: "KVM" } })).body.inventory;
  });
  after(async () => { await t.destroy(); });

  const userTag = (resourceUuid: string, tag: string, resourceType = "Zone", c = admin) =>
    c.post("/v1/user-tags", { params: { resourceType, resourceUuid, tag } });
  const systemTag = (resourceUuid: string, tag: string, resourceType = "Zone", c = admin) =>
    c.post("/v1/system-tags", { params: { resourceType, resourceUuid, tag } });

  describe("user tags", () => {
    it("attaches a user tag to a zone and returns its inventory", async () => {
      const r = await userTag(zone.uuid, "frontend");
      assert.equal(r.status, 200, r.text);
      const inv = r.body.inventory;
      assert.match(inv.uuid, /^[0-9a-f]{32}$/);
      assert.equal(inv.resourceType, "Zone");
      assert.equal(inv.resourceUuid, zone.uuid);
      assert.equal(inv.tag, "frontend");
      assert.equal(inv.accountUuid, zone.accountUuid);
      const found = await admin.get(`/v1/user-tags?${q("tag=frontend")}`);
      assert.deepEqual(found.body.inventories, [inv]);
      const zones = await admin.get(`/v1/zones?${q("__userTag__=frontend")}`);
      assert.deepEqual(zones.body.inventories.map((x: { uuid: string }) => x.uuid), [zone.uuid]);
    });

    it("attaches a user tag to a cluster", async () => {
      const r = await userTag(cluster.uuid, "gpu", "Cluster");
      assert.equal(r.status, 200, r.text);
      const c = await admin.get(`/v1/clusters?${q("__userTag__=gpu")}`);
      assert.deepEqual(c.body.inventories.map((x: { uuid: string }) => x.uuid), [cluster.uuid]);
      const z = await admin.get(`/v1/zones?${q("__userTag__=gpu")}`);
      assert.deepEqual(z.body.inventories, [], "a cluster's tag does not tag its zone");
    });

    it("rejects the same tag on the same resource with 409 SYS.1002", async () => {
      assert.equal((await userTag(zone.uuid, "dup")).status, 200);
      const r = await userTag(zone.uuid, "dup");
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1002");
      const n = await admin.get(`/v1/user-tags?${q("tag=dup")}&count=true`);
      assert.equal(n.body.total, 1);
    });

    it("allows the same tag on another resource", async () => {
      assert.equal((await userTag(zone.uuid, "shared")).status, 200);
      assert.equal((await userTag(other.uuid, "shared")).status, 200);
      const zones = await admin.get(`/v1/zones?${q("__userTag__=shared")}&count=true`);
      assert.equal(zones.body.total, 2);
    });

    it("answers 404 SYS.1003 for a resource that does not exist", async () => {
      const r = await userTag(MISSING, "ghost");
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
      assert.match(r.body.error.details, new RegExp(MISSING));
    });

    it("answers 404 SYS.1003 when the uuid is of another resource type", async () => {
      const r = await userTag(cluster.uuid, "wrong-type", "Zone");
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
    });

    it("rejects an unknown resourceType with SYS.1007 listing the types", async () => {
      const r = await userTag(zone.uuid, "x", "Planet");
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /Zone/);
      assert.match(r.body.error.details, /Cluster/);
    });

    it("rejects an empty or blank tag and a malformed resourceUuid with SYS.1007", async () => {
      for (const [uuid, tag, field] of [[zone.uuid, "", /tag/], [zone.uuid, "   ", /user tag/], ["abc", "x", /resourceUuid/]] as const) {
        const r = await userTag(uuid, tag);
        assert.equal(r.status, 400, `${uuid} ${JSON.stringify(tag)}`);
        assert.equal(r.body.error.code, "SYS.1007");
        assert.match(`${r.body.error.description} ${r.body.error.details}`, field);
      }
    });

    it("deletes a user tag so that queries no longer find it", async () => {
      const created = (await userTag(zone.uuid, "temporary")).body.inventory;
      const r = await admin.delete(`/v1/user-tags/${created.uuid}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {});
      assert.deepEqual((await admin.get(`/v1/user-tags?${q("tag=temporary")}`)).body.inventories, []);
      assert.deepEqual((await admin.get(`/v1/zones?${q("__userTag__=temporary")}`)).body.inventories, []);
      const again = await admin.delete(`/v1/user-tags/${created.uuid}`);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, "SYS.1003");
      assert.equal((await userTag(zone.uuid, "temporary")).status, 200, "the tag can be attached again");
    });

    it("queries tags with the query conventions and exports them as CSV", async () => {
      const r = await admin.get(`/v1/user-tags?${q(`resourceUuid=${zone.uuid}`, "tag~=%end")}`);
      assert.deepEqual(tagsOf(r), ["frontend"]);
      const fields = await admin.get(`/v1/user-tags?fields=tag&sort=-tag&limit=1&${q(`resourceUuid=${zone.uuid}`)}`);
      assert.deepEqual(fields.body.inventories, [{ tag: "temporary" }]);
      const csv = await admin.get(`/v1/user-tags?format=csv&fields=resourceType,tag&sort=%2Btag&${q(`resourceUuid=${zone.uuid}`)}`);
      assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
      assert.deepEqual(csv.text.trimEnd().split("\n"), ["resourceType,tag", "Zone,dup", "Zone,frontend", "Zone,shared", "Zone,temporary"]);
      const bad = await admin.get(`/v1/user-tags?${q("colour=red")}`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.details, /resourceUuid/);
    });
  });

  describe("system tags", () => {
    it("accepts key::value and bare key tags", async () => {
      const a = await systemTag(zone.uuid, "owner::ops-team");
      assert.equal(a.status, 200, a.text);
      assert.equal(a.body.inventory.tag, "owner::ops-team");
      assert.equal(a.body.inventory.inherent, false);
      const b = await systemTag(zone.uuid, "ha");
      assert.equal(b.status, 200, b.text);
      const c = await systemTag(zone.uuid, "note::a::b c");
      assert.equal(c.status, 200, "the value may hold '::' and spaces");
      const r = await admin.get(`/v1/system-tags?${q(`resourceUuid=${zone.uuid}`)}`);
      assert.deepEqual(tagsOf(r), ["ha", "note::a::b c", "owner::ops-team"]);
    });

    it("rejects malformed system tags with SYS.1007", async () => {
      for (const tag of ["::bad", "1key::v", "bad key::v", "-x"]) {
        const r = await systemTag(zone.uuid, tag);
        assert.equal(r.status, 400, tag);
        assert.equal(r.body.error.code, "SYS.1007");
        assert.match(r.body.error.description, /key::value/);
      }
      const r = await admin.get(`/v1/system-tags?${q(`resourceUuid=${zone.uuid}`, "tag~=%bad%")}`);
      assert.deepEqual(r.body.inventories, []);
    });

    it("rejects a duplicate system tag with 409 SYS.1002 and a missing resource with 404", async () => {
      const d = await systemTag(zone.uuid, "ha");
      assert.equal(d.status, 409);
      assert.equal(d.body.error.code, "SYS.1002");
      const m = await systemTag(MISSING, "ha", "Cluster");
      assert.equal(m.status, 404);
      assert.equal(m.body.error.code, "SYS.1003");
    });

    it("updateSystemTag changes the tag", async () => {
      const created = (await systemTag(other.uuid, "tier::bronze")).body.inventory;
      const r = await admin.put(`/v1/system-tags/${created.uuid}/actions`, { updateSystemTag: { tag: "tier::gold" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inventory.uuid, created.uuid);
      assert.equal(r.body.inventory.tag, "tier::gold");
      assert.deepEqual(tagsOf(await admin.get(`/v1/system-tags?${q(`resourceUuid=${other.uuid}`)}`)), ["tier::gold"]);
      const zones = await admin.get(`/v1/zones?${q("__systemTag__=tier::gold")}`);
      assert.deepEqual(zones.body.inventories.map((x: { uuid: string }) => x.uuid), [other.uuid]);
    });

    it("updateSystemTag rejects a malformed tag, an unknown uuid and a tag the resource already has", async () => {
      const created = (await systemTag(other.uuid, "rack::r1")).body.inventory;
      const bad = await admin.put(`/v1/system-tags/${created.uuid}/actions`, { updateSystemTag: { tag: "::bad" } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, "SYS.1007");
      const missing = await admin.put(`/v1/system-tags/${MISSING}/actions`, { updateSystemTag: { tag: "rack::r2" } });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "SYS.1003");
      const dup = await admin.put(`/v1/system-tags/${created.uuid}/actions`, { updateSystemTag: { tag: "tier::gold" } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, "SYS.1002");
      assert.deepEqual(tagsOf(await admin.get(`/v1/system-tags?${q(`resourceUuid=${other.uuid}`)}`)), ["rack::r1", "tier::gold"]);
      const unknown = await admin.put(`/v1/system-tags/${created.uuid}/actions`, { updateUserTag: { tag: "x" } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "SYS.1008");
      assert.match(unknown.body.error.details, /updateSystemTag/);
    });

    it("updateSystemTag does not reach user tags", async () => {
      const u = (await userTag(other.uuid, "plain")).body.inventory;
      const r = await admin.put(`/v1/system-tags/${u.uuid}/actions`, { updateSystemTag: { tag: "plain::x" } });
      assert.equal(r.status, 404);
    });

    it("deletes a system tag", async () => {
      const created = (await systemTag(other.uuid, "temp::1")).body.inventory;
      const r = await admin.delete(`/v1/system-tags/${created.uuid}`);
      assert.equal(r.status, 200);
      assert.equal((await admin.get(`/v1/system-tags?${q("tag=temp::1")}&count=true`)).body.total, 0);
      assert.equal((await admin.delete("/v1/system-tags/nope")).status, 400);
    });

    it("refuses to change or delete an inherent system tag with 409 SYS.1006", async () => {
      // Inherent tags are written by Strata itself, never through this API.
      const uuid = newUuid();
      await t.node.services.db.prisma.systemTag.create({
        data: { uuid, resourceUuid: other.uuid, resourceType: "Zone", tag: "managed::yes", inherent: true, accountUuid: zone.accountUuid },
      });
      const u = await admin.put(`/v1/system-tags/${uuid}/actions`, { updateSystemTag: { tag: "managed::no" } });
      assert.equal(u.status, 409);
      assert.equal(u.body.error.code, "SYS.1006");
      const d = await admin.delete(`/v1/system-tags/${uuid}`);
      assert.equal(d.status, 409);
      assert.equal(d.body.error.code, "SYS.1006");
      assert.deepEqual(tagsOf(await admin.get(`/v1/system-tags?${q(`uuid=${uuid}`)}`)), ["managed::yes"]);
    });
  });

  describe("a Normal account", () => {
    let normal: Client;
    before(async () => {
      const a = await admin.post("/v1/accounts", { params: { name: "tenant-tags", password: "tenant-password-2", type: "Normal" } });
      assert.equal(a.status, 200, a.text);
      normal = await t.anonymous.login("tenant-tags", "tenant-password-2");
    });

    it("cannot tag the admin's zone (404 SYS.1003)", async () => {
      const u = await userTag(zone.uuid, "mine", "Zone", normal);
      assert.equal(u.status, 404);
      assert.equal(u.body.error.code, "SYS.1003");
      const s = await systemTag(zone.uuid, "mine::yes", "Zone", normal);
      assert.equal(s.status, 404);
      assert.deepEqual((await admin.get(`/v1/user-tags?${q("tag=mine")}`)).body.inventories, []);
    });

    it("sees none of the admin's tags", async () => {
      const u = await normal.get("/v1/user-tags?count=true");
      assert.deepEqual(u.body, { total: 0 });
      const s = await normal.get("/v1/system-tags");
      assert.deepEqual(s.body.inventories, []);
      const admins = await admin.get("/v1/user-tags?count=true");
      assert.ok(admins.body.total > 0);
    });

    it("cannot delete or change the admin's tags (404 SYS.1003)", async () => {
      const ut = (await admin.get(`/v1/user-tags?${q("tag=frontend")}`)).body.inventories[0];
      const d = await normal.delete(`/v1/user-tags/${ut.uuid}`);
      assert.equal(d.status, 404);
      assert.equal(d.body.error.code, "SYS.1003");
      const st = (await admin.get(`/v1/system-tags?${q("tag=ha")}`)).body.inventories[0];
      const u = await normal.put(`/v1/system-tags/${st.uuid}/actions`, { updateSystemTag: { tag: "ha::no" } });
      assert.equal(u.status, 404);
      const ds = await normal.delete(`/v1/system-tags/${st.uuid}`);
      assert.equal(ds.status, 404);
      assert.equal((await admin.get(`/v1/user-tags?${q(`uuid=${ut.uuid}`)}&count=true`)).body.total, 1);
      assert.equal((await admin.get(`/v1/system-tags?${q("tag=ha")}&count=true`)).body.total, 1);
    });
  });
});
