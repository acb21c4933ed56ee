import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startNode, type TestNode } from "../support/node.ts";

const q = (...conditions: string[]) => conditions.map((c) => `q=${encodeURIComponent(c)}`).join("&");
const MISSING = "0123456789abcdef0123456789abcdef";
const names = (r: { body: { inventories: { name: string }[] } }) => r.body.inventories.map((x) => x.name);

describe("clusters API", () => {
  let t: TestNode;
  let admin: Client;
  let east: { uuid: string };
  let west: { uuid: string };

  before(async () => {
    t = await startNode();
    admin = t.admin;
    east = (await admin.post("/v1/zones", { params: { name: "zone-east" } })).body.inventory;
    west = (await admin.post("/v1/zones", { params: { name: "zone-west" } })).body.inventory;
  });
  after(async () => { await t.destroy(); });

  async function createCluster(params: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const r = await admin.post("/v1/clusters", { params: { hypervisorType: "KVM", ...params }, ...extra });
    assert.equal(r.status, 200, r.text);
    return r.body.inventory;
  }

  describe("POST /v1/clusters", () => {
    it("creates a KVM cluster in a zone, Enabled, x86_64 by default", async () => {
      const r = await admin.post("/v1/clusters", { params: { zoneUuid: east.uuid, name: "c-east-1", hypervisorType: "KVM" } });
      assert.equal(r.status, 200, r.text);
      const c = r.body.inventory;
      assert.equal(c.zoneUuid, east.uuid);
      assert.equal(c.name, "c-east-1");
      assert.equal(c.state, "Enabled");
      assert.equal(c.hypervisorType, "KVM");
      assert.equal(c.architecture, "x86_64");
      assert.equal(c.type, "zstack");
      assert.equal(c.description, null);
      const g = await admin.get(`/v1/clusters/${c.uuid}`);
      assert.deepEqual(g.body.inventories, [c]);
    });

    it("creates an aarch64 cluster with tags and a chosen uuid", async () => {
      const uuid = "c0".repeat(16);
      const c = await createCluster({ zoneUuid: west.uuid, name: "c-west-arm", architecture: "aarch64", resourceUuid: uuid },
        { userTags: ["arm"] });
      assert.equal(c.uuid, uuid);
      assert.equal(c.architecture, "aarch64");
      const byTag = await admin.get(`/v1/clusters?${q("__userTag__=arm")}`);
      assert.deepEqual(names(byTag), ["c-west-arm"]);
    });

    it("rejects hypervisorType VMware with SYS.1007 naming the field", async () => {
      const r = await admin.post("/v1/clusters", { params: { zoneUuid: east.uuid, name: "c-vmw", hypervisorType: "VMware" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.params\.hypervisorType/);
    });

    it("rejects a missing hypervisorType and an unknown architecture with SYS.1007 naming each", async () => {
      const r = await admin.post("/v1/clusters", { params: { zoneUuid: east.uuid, name: "c-bad", architecture: "mips64" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.params\.hypervisorType/);
      assert.match(r.body.error.details, /body\.params\.architecture/);
      const c = await admin.get(`/v1/clusters?${q("name=c-bad")}&count=true`);
      assert.equal(c.body.total, 0);
    });

    it("answers 404 SYS.1003 for a zone that does not exist", async () => {
      const r = await admin.post("/v1/clusters", { params: { zoneUuid: MISSING, name: "c-orphan", hypervisorType: "KVM" } });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
      assert.match(r.body.error.details, /Zone/);
      assert.match(r.body.error.details, new RegExp(MISSING));
    });

    it("rejects a malformed zoneUuid with SYS.1007", async () => {
      const r = await admin.post("/v1/clusters", { params: { zoneUuid: "zone-east", name: "c-x", hypervisorType: "KVM" } });
      assert.equal(r.status, 400);
      assert.match(r.body.error.details, /body\.params\.zoneUuid/);
    });

    it("rejects a resourceUuid that is already taken with SYS.1002", async () => {
      const uuid = "c1".repeat(16);
      await createCluster({ zoneUuid: east.uuid, name: "c-uuid-1", resourceUuid: uuid });
      const r = await admin.post("/v1/clusters", { params: { zoneUuid: east.uuid, name: "c-uuid-2", resourceUuid: uuid, hypervisorType: "KVM" } });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1002");
      assert.equal((await admin.get(`/v1/clusters/${uuid}`)).body.inventories[0].name, "c-uuid-1");
    });
  });

  describe("PUT /v1/clusters/{uuid}/actions", () => {
    let c: { uuid: string };
    before(async () => { c = await createCluster({ zoneUuid: east.uuid, name: "c-act" }); });

    it("updateCluster changes name and description", async () => {
      const r = await admin.put(`/v1/clusters/${c.uuid}/actions`, { updateCluster: { name: "c-act-2", description: "renamed" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inventory.name, "c-act-2");
      assert.equal(r.body.inventory.description, "renamed");
      assert.equal((await admin.get(`/v1/clusters/${c.uuid}`)).body.inventories[0].name, "c-act-2");
    });

    it("updateCluster refuses fields it cannot change with SYS.1007", async () => {
      const r = await admin.put(`/v1/clusters/${c.uuid}/actions`, { updateCluster: { architecture: "aarch64" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /architecture/);
    });

    it("changeClusterState disable sets Disabled and records ResourceStateChanged", async () => {
      const r = await admin.put(`/v1/clusters/${c.uuid}/actions`, { changeClusterState: { stateEvent: "disable" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inventory.state, "Disabled");
      const ev = await admin.get(`/v1/events?${q(`resourceUuid=${c.uuid}`, "type=ResourceStateChanged")}`);
      assert.deepEqual(ev.body.inventories.map((e: { resourceType: string; oldState: string; newState: string }) =>
        [e.resourceType, e.oldState, e.newState]), [["Cluster", "Enabled", "Disabled"]]);
      const en = await admin.put(`/v1/clusters/${c.uuid}/actions`, { changeClusterState: { stateEvent: "enable" } });
      assert.equal(en.body.inventory.state, "Enabled");
    });

    it("rejects an unknown action with SYS.1008 listing the cluster actions", async () => {
      const r = await admin.put(`/v1/clusters/${c.uuid}/actions`, { updateZone: { name: "x" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1008");
      assert.match(r.body.error.details, /updateCluster, changeClusterState/);
    });

    it("answers 404 SYS.1003 for an unknown cluster", async () => {
      const r = await admin.put(`/v1/clusters/${MISSING}/actions`, { updateCluster: { name: "x" } });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
    });
  });

  describe("DELETE /v1/clusters/{uuid}", () => {
    it("deletes a cluster and its tags, leaving the zone", async () => {
      const c = await createCluster({ zoneUuid: west.uuid, name: "c-gone" }, { systemTags: ["role::db"] });
      const r = await admin.delete(`/v1/clusters/${c.uuid}`);
      assert.equal(r.status, 200, r.text);
      assert.equal((await admin.get(`/v1/clusters/${c.uuid}`)).status, 404);
      assert.equal((await admin.get(`/v1/zones/${west.uuid}`)).status, 200);
      const tags = await admin.get(`/v1/system-tags?${q(`resourceUuid=${c.uuid}`)}`);
      assert.deepEqual(tags.body.inventories, []);
      const ev = await admin.get(`/v1/events?${q(`resourceUuid=${c.uuid}`, "type=ResourceDeleted")}&count=true`);
      assert.equal(ev.body.total, 1);
    });

    it("answers 404 SYS.1003 for an unknown cluster and 400 for a malformed uuid", async () => {
      const a = await admin.delete(`/v1/clusters/${MISSING}`);
      assert.equal(a.status, 404);
      assert.equal(a.body.error.code, "SYS.1003");
      const b = await admin.delete("/v1/clusters/1234");
      assert.equal(b.status, 400);
      assert.equal(b.body.error.code, "SYS.1007");
    });
  });

  describe("joined queries", () => {
    before(async () => {
      await createCluster({ zoneUuid: east.uuid, name: "j-east-a" });
      await createCluster({ zoneUuid: east.uuid, name: "j-east-b", architecture: "aarch64" });
      await createCluster({ zoneUuid: west.uuid, name: "j-west-a" });
    });

    it("finds clusters by their zone's name with q=zone.name=...", async () => {
      const r = await admin.get(`/v1/clusters?${q("zone.name=zone-east", "name~=j-%")}&sort=%2Bname`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(names(r), ["j-east-a", "j-east-b"]);
      const w = await admin.get(`/v1/clusters?${q("zone.name=zone-west", "name~=j-%")}`);
      assert.deepEqual(names(w), ["j-west-a"]);
    });

    it("combines a joined condition with other operators", async () => {
      const r = await admin.get(`/v1/clusters?${q("zone.name?=zone-east,zone-west", "architecture=aarch64", "name~=j-%")}`);
      assert.deepEqual(names(r), ["j-east-b"]);
      const n = await admin.get(`/v1/clusters?${q("zone.name!=zone-east", "name~=j-%")}`);
      assert.deepEqual(names(n), ["j-west-a"]);
    });

    it("finds zones by their clusters' name with q=clusters.name=...", async () => {
      const r = await admin.get(`/v1/zones?${q("clusters.name=j-west-a")}`);
      assert.deepEqual(names(r), ["zone-west"]);
      const any = await admin.get(`/v1/zones?${q("clusters.name~=j-east%")}`);
      assert.deepEqual(names(any), ["zone-east"]);
      const none = await admin.get(`/v1/zones?${q("clusters.name=no-such-cluster")}`);
      assert.deepEqual(none.body.inventories, []);
    });

    it("finds zones that have clusters with q=clusters.uuid not null", async () => {
      const empty = (await admin.post("/v1/zones", { params: { name: "zone-empty" } })).body.inventory;
      const r = await admin.get(`/v1/zones?${q("clusters.uuid not null")}&sort=%2Bname`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(names(r), ["zone-east", "zone-west"]);
      const all = await admin.get("/v1/zones?count=true");
      assert.equal(all.body.total, 3);
      assert.ok(!r.body.inventories.some((z: { uuid: string }) => z.uuid === empty.uuid));
    });

    it("rejects an unknown joined field with SYS.1007 listing the related fields", async () => {
      const r = await admin.get(`/v1/clusters?${q("zone.colour=red")}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.description, /zone\.colour/);
      assert.match(r.body.error.details, /isDefault/);
    });

    it("rejects a join through a relation that does not exist with SYS.1007", async () => {
      const r = await admin.get(`/v1/clusters?${q("hosts.name=h1")}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /zone\.\*/);
    });
  });
});
