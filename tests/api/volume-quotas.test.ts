import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("volume quotas of a Normal account", () => {
  let t: TestNode;
  let tenant: Client;
  before(async () => {
    t = await startNode();
    const a = await t.admin.post("/v1/accounts", { params: { name: "vol-tenant", password: "vol-tenant-pw" } });
    assert.equal(a.status, 200, a.text);
    const uuid = a.body.inventory.uuid;
    for (const [name, value] of [["volume.data.num", 2], ["volume.capacity", 3 * GiB]] as const) {
      const q = await t.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: uuid, name, value } });
      assert.equal(q.status, 200, q.text);
    }
    tenant = await t.anonymous.login("vol-tenant", "vol-tenant-pw");
  });
  after(async () => { await t.destroy(); });

  it("refuses a data volume beyond volume.capacity with ID.1003, and creates nothing", async () => {
    assert.equal((await tenant.post("/v1/volumes/data", { params: { name: "a", size: 2 * GiB } })).status, 200);
    const over = await tenant.post("/v1/volumes/data", { params: { name: "too-big", size: 2 * GiB } });
    assert.equal(over.status, 400, over.text);
    assert.equal(over.body.error.code, "ID.1003");
    assert.match(over.body.error.description, /volume\.capacity/);
    const mine = await tenant.get("/v1/volumes?q=type=Data");
    assert.deepEqual(mine.body.inventories.map((v: { name: string }) => v.name), ["a"]);
  });

  it("refuses a data volume beyond volume.data.num", async () => {
    assert.equal((await tenant.post("/v1/volumes/data", { params: { name: "b", size: GiB / 2 } })).status, 200);
    const over = await tenant.post("/v1/volumes/data", { params: { name: "c", size: 1024 * 1024 } });
    assert.equal(over.status, 400, over.text);
    assert.match(over.body.error.description, /volume\.data\.num/);
  });

  it("does not limit the admin", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await t.admin.post("/v1/volumes/data", { params: { name: `admin-${i}`, size: 2 * GiB } })).status, 200);
  });
});
