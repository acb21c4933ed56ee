import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Caller } from "../../server/auth/context.ts";
import { ApiError } from "../../server/errors/catalogue.ts";
import { startNode, type Client, type TestNode } from "../support/node.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe("instance and disk offerings API", () => {
  let t: TestNode;
  let tenant: Client;
  let tenantCaller: Caller;

  before(async () => {
    t = await startNode();
    const acc = await t.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password", type: "Normal" } });
    await t.admin.post("/v1/accounts", { params: { name: "other", password: "other-password", type: "Normal" } });
    tenant = await t.anonymous.login("tenant", "tenant-password");
    tenantCaller = { kind: "system", accountUuid: acc.body.inventory.uuid, accountName: "tenant", accountType: "Normal", isAdmin: false };
  });
  after(async () => { await t.destroy(); });

  const createInstanceOffering = (params: Record<string, unknown>) =>
    t.admin.post("/v1/instance-offerings", { params: { name: "small", cpuNum: 2, memorySize: 2 * GiB, ...params } });

  it("creates an instance offering with ZStack's defaults and an event", async () => {
    const r = await createInstanceOffering({ name: "small", description: "2 vCPU, 2 GiB" });
    assert.equal(r.status, 200, r.text);
    const o = r.body.inventory;
    assert.equal(o.cpuNum, 2);
    assert.equal(o.memorySize, 2 * GiB);
    assert.equal(o.allocatorStrategy, "DefaultHostAllocatorStrategy");
    assert.equal(o.type, "UserVm");
    assert.equal(o.state, "Enabled");
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${o.uuid}`);
    assert.equal(ev.body.inventories[0].type, "ResourceCreated");
    const got = await t.admin.get(`/v1/instance-offerings/${o.uuid}`);
    assert.deepEqual(got.body.inventories[0], o);
  });

  it("refuses out-of-range sizes and unknown strategies with SYS.1007 naming the field", async () => {
    for (const [params, field] of [
      [{ cpuNum: 0 }, "cpuNum"], [{ cpuNum: 1025 }, "cpuNum"], [{ memorySize: 16 * MiB - 1 }, "memorySize"],
      [{ memorySize: 1.5 }, "memorySize"], [{ allocatorStrategy: "Random" }, "allocatorStrategy"], [{ name: "" }, "name"],
    ] as const) {
      const r = await createInstanceOffering(params);
      assert.equal(r.status, 400, `${JSON.stringify(params)}: ${r.text}`);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, new RegExp(field));
    }
    const ok = await createInstanceOffering({ name: "min", cpuNum: 1, memorySize: 16 * MiB, allocatorStrategy: "LeastVmPreferredHostAllocatorStrategy" });
    assert.equal(ok.status, 200, ok.text);
  });

  it("queries with conditions on bigint sizes and exports CSV", async () => {
    await createInstanceOffering({ name: "large", cpuNum: 8, memorySize: 16 * GiB });
    const big = await t.admin.get(`/v1/instance-offerings?q=memorySize>=${4 * GiB}`);
    assert.deepEqual(big.body.inventories.map((o: { name: string }) => o.name), ["large"]);
    const csv = await t.admin.get("/v1/instance-offerings?format=csv&fields=name,cpuNum&sort=%2Bname");
    assert.equal(csv.status, 200);
    assert.equal(csv.text.trim().split("\n")[0], "name,cpuNum");
    assert.match(csv.text, /large,8/);
  });

  it("updates, disables and re-enables an offering; a Disabled one cannot be used (SYS.1006)", async () => {
    const [o] = (await t.admin.get("/v1/instance-offerings?q=name=large")).body.inventories;
    const u = await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { updateInstanceOffering: { name: "xl", allocatorStrategy: "LastHostPreferredAllocatorStrategy" } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.inventory.name, "xl");
    assert.equal(u.body.inventory.allocatorStrategy, "LastHostPreferredAllocatorStrategy");
    const bad = await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { updateInstanceOffering: { cpuNum: 4 } });
    assert.equal(bad.status, 400);

    const d = await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { changeInstanceOfferingState: { stateEvent: "disable" } });
    assert.equal(d.body.inventory.state, "Disabled");
    const offerings = t.node.services.offerings;
    const admin: Caller = { kind: "system", accountUuid: o.accountUuid, accountName: "admin", accountType: "SystemAdmin", isAdmin: true };
    await assert.rejects(offerings.getInstanceOfferingForUse(admin, o.uuid), (e: ApiError) => e.code === "SYS.1006" && e.httpStatus === 409);
    await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { changeInstanceOfferingState: { stateEvent: "enable" } });
    assert.equal((await offerings.getInstanceOfferingForUse(admin, o.uuid)).cpuNum, 8);
    await assert.rejects(offerings.getInstanceOfferingForUse(admin, "0".repeat(32)), (e: ApiError) => e.code === "SYS.1003");
  });

  it("lets only admins create, and hides unshared offerings from a Normal account", async () => {
    const denied = await tenant.post("/v1/instance-offerings", { params: { name: "mine", cpuNum: 1, memorySize: GiB } });
    assert.equal(denied.status, 403);
    assert.deepEqual((await tenant.get("/v1/instance-offerings")).body.inventories, []);
    const [o] = (await t.admin.get("/v1/instance-offerings?q=name=small")).body.inventories;
    assert.equal((await tenant.get(`/v1/instance-offerings/${o.uuid}`)).status, 404);
    await assert.rejects(t.node.services.offerings.getInstanceOfferingForUse(tenantCaller, o.uuid), (e: ApiError) => e.code === "SYS.1003");
  });

  it("shares an offering with one account, publicly, and revokes it (ZStack ShareResource semantics)", async () => {
    const [o] = (await t.admin.get("/v1/instance-offerings?q=name=small")).body.inventories;
    const shared = await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { shareResource: { accountUuids: [tenantCaller.accountUuid] } });
    assert.equal(shared.status, 200, shared.text);
    // sharing twice is a no-op
    assert.equal((await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { shareResource: { accountUuids: [tenantCaller.accountUuid] } })).status, 200);
    assert.deepEqual((await tenant.get("/v1/instance-offerings")).body.inventories.map((x: { uuid: string }) => x.uuid), [o.uuid]);
    assert.equal((await tenant.get(`/v1/instance-offerings/${o.uuid}`)).status, 200);
    assert.equal((await t.node.services.offerings.getInstanceOfferingForUse(tenantCaller, o.uuid)).uuid, o.uuid);
    const other = await t.anonymous.login("other", "other-password");
    assert.deepEqual((await other.get("/v1/instance-offerings")).body.inventories, []);
    // receivers use, they do not change
    const change = await tenant.put(`/v1/instance-offerings/${o.uuid}/actions`, { changeInstanceOfferingState: { stateEvent: "disable" } });
    assert.equal(change.status, 403);

    await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { revokeResourceSharing: { accountUuids: [tenantCaller.accountUuid] } });
    assert.deepEqual((await tenant.get("/v1/instance-offerings")).body.inventories, []);

    await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { shareResource: { toPublic: true } });
    assert.equal((await other.get("/v1/instance-offerings")).body.inventories.length, 1);
    assert.equal((await tenant.get(`/v1/instance-offerings?q=uuid=${o.uuid}`)).body.inventories.length, 1);
    await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { revokeResourceSharing: { all: true } });
    assert.deepEqual((await other.get("/v1/instance-offerings")).body.inventories, []);

    const empty = await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { shareResource: {} });
    assert.equal(empty.status, 400);
    const unknown = await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { shareResource: { accountUuids: ["f".repeat(32)] } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "SYS.1003");
  });

  it("creates, validates, shares and deletes disk offerings", async () => {
    const small = await t.admin.post("/v1/disk-offerings", { params: { name: "tiny", diskSize: MiB - 1 } });
    assert.equal(small.status, 400);
    assert.match(small.body.error.details, /diskSize/);
    const r = await t.admin.post("/v1/disk-offerings", { params: { name: "data-10g", diskSize: 10 * GiB } });
    assert.equal(r.status, 200, r.text);
    const d = r.body.inventory;
    assert.equal(d.diskSize, 10 * GiB);
    assert.equal(d.allocatorStrategy, "DefaultPrimaryStorageAllocationStrategy");
    assert.equal(d.type, "DefaultDiskOfferingType");
    const u = await t.admin.put(`/v1/disk-offerings/${d.uuid}/actions`, { updateDiskOffering: { description: "ten" } });
    assert.equal(u.body.inventory.description, "ten");
    await t.admin.put(`/v1/disk-offerings/${d.uuid}/actions`, { changeDiskOfferingState: { stateEvent: "disable" } });
    await t.admin.put(`/v1/disk-offerings/${d.uuid}/actions`, { shareResource: { accountUuids: [tenantCaller.accountUuid] } });
    assert.equal((await tenant.get("/v1/disk-offerings")).body.inventories.length, 1);
    await assert.rejects(t.node.services.offerings.getDiskOfferingForUse(tenantCaller, d.uuid), (e: ApiError) => e.code === "SYS.1006");
    await t.admin.put(`/v1/disk-offerings/${d.uuid}/actions`, { changeDiskOfferingState: { stateEvent: "enable" } });
    assert.equal((await t.node.services.offerings.getDiskOfferingForUse(tenantCaller, d.uuid)).diskSize, BigInt(10 * GiB));

    assert.equal((await tenant.delete(`/v1/disk-offerings/${d.uuid}`)).status, 403);
    assert.equal((await t.admin.delete(`/v1/disk-offerings/${d.uuid}`)).status, 200);
    assert.equal((await t.admin.get(`/v1/disk-offerings/${d.uuid}`)).status, 404);
    assert.deepEqual((await tenant.get("/v1/disk-offerings")).body.inventories, []);
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${d.uuid}&q=type=ResourceDeleted`);
    assert.equal(ev.body.inventories.length, 1);
  });

  it("deletes an instance offering and its sharing", async () => {
    const [o] = (await t.admin.get("/v1/instance-offerings?q=name=small")).body.inventories;
    await t.admin.put(`/v1/instance-offerings/${o.uuid}/actions`, { shareResource: { toPublic: true } });
    assert.equal((await t.admin.delete(`/v1/instance-offerings/${o.uuid}`)).status, 200);
    assert.equal(await t.node.services.db.prisma.sharedResource.count({ where: { resourceUuid: o.uuid } }), 0);
    assert.equal((await t.admin.delete(`/v1/instance-offerings/${o.uuid}`)).status, 404);
  });
});
