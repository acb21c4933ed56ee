import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signRequest } from "../../server/access-keys/signature.ts";
import { Client, startNode, type TestNode } from "../support/node.ts";

/** Headers of a request signed as ZStack's SDKs do; `date` defaults to now. */
function signed(id: string, secret: string, method: string, path: string, date = new Date()): Record<string, string> {
  const d = date.toUTCString();
  return { date: d, authorization: `ZStack ${id}:${signRequest(secret, method, d, path)}` };
}

describe("access keys", () => {
  let t: TestNode;
  let key: { uuid: string; AccessKeyID: string; AccessKeySecret: string };
  let normal: Client;
  let normalUuid: string;

  before(async () => {
    t = await startNode();
    const r = await t.admin.post("/v1/accesskeys", { params: {} });
    assert.equal(r.status, 200, r.text);
    key = r.body.inventory;
    const a = await t.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password" } });
    normalUuid = a.body.inventory.uuid;
    normal = await t.anonymous.login("tenant", "tenant-password");
    assert.equal((await t.admin.post("/v1/zones", { params: { name: "signed-zone" } })).status, 200);
  });
  after(async () => { await t?.destroy(); });

  it("returns AccessKeyID and AccessKeySecret once on create", async () => {
    assert.match(key.uuid, /^[0-9a-f]{32}$/);
    assert.match(key.AccessKeyID, /^[A-Z0-9]{20}$/);
    assert.equal(typeof key.AccessKeySecret, "string");
    assert.ok(key.AccessKeySecret.length >= 30);
    const inv = key as unknown as Record<string, unknown>;
    assert.equal(inv.state, "Enabled");
    assert.equal(inv.userUuid, null);
  });

  it("never shows the secret again in query or get", async () => {
    const q = await t.admin.get("/v1/accesskeys");
    assert.equal(q.status, 200);
    assert.ok(q.body.inventories.some((k: { uuid: string }) => k.uuid === key.uuid));
    assert.ok(!q.text.includes(key.AccessKeySecret));
    assert.doesNotMatch(q.text, /secret/i);
    const g = await t.admin.get(`/v1/accesskeys/${key.uuid}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.inventories[0].AccessKeyID, key.AccessKeyID);
    assert.doesNotMatch(g.text, /secret/i);
    const csv = await t.admin.get("/v1/accesskeys?format=csv");
    assert.ok(!csv.text.includes(key.AccessKeySecret));
  });

  it("authenticates a signed GET /v1/zones as the key's account", async () => {
    const r = await t.anonymous.get("/v1/zones", signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/zones"));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.inventories.some((z: { name: string }) => z.name === "signed-zone"));
  });

  it("signs the path without the query string", async () => {
    const r = await t.anonymous.get("/v1/zones?q=name=signed-zone", signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/zones"));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventories.length, 1);
  });

  it("authenticates a signed mutating call (POST /v1/zones)", async () => {
    const r = await t.anonymous.post("/v1/zones", { params: { name: "made-with-key" } }, signed(key.AccessKeyID, key.AccessKeySecret, "POST", "/v1/zones"));
    assert.equal(r.status, 200, r.text);
  });

  const refusals: [string, () => Record<string, string>][] = [
    ["a wrong signature", () => signed(key.AccessKeyID, "not-the-secret", "GET", "/v1/zones")],
    ["a signature for another path", () => signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/clusters")],
    ["a signature for another method", () => signed(key.AccessKeyID, key.AccessKeySecret, "POST", "/v1/zones")],
    ["a Date 20 minutes in the past", () => signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/zones", new Date(Date.now() - 20 * 60_000))],
    ["a Date 20 minutes in the future", () => signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/zones", new Date(Date.now() + 20 * 60_000))],
    ["a missing Date", () => ({ authorization: signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/zones").authorization! })],
    ["an unparseable Date", () => {
      const date = "yesterday-ish";
      return { date, authorization: `ZStack ${key.AccessKeyID}:${signRequest(key.AccessKeySecret, "GET", date, "/v1/zones")}` };
    }],
    ["an unknown AccessKeyID", () => signed("NOSUCHKEY00000000000", key.AccessKeySecret, "GET", "/v1/zones")],
    ["a very long AccessKeyID", () => signed("K".repeat(300), key.AccessKeySecret, "GET", "/v1/zones")],
  ];
  for (const [what, headers] of refusals) {
    it(`refuses ${what} with 401 ID.1001`, async () => {
      const r = await t.anonymous.get("/v1/zones", headers());
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error.code, "ID.1001");
    });
  }

  it("refuses a disabled key with 401 ID.1001 and accepts it again once enabled", async () => {
    const k = (await t.admin.post("/v1/accesskeys", { params: { description: "toggle" } })).body.inventory;
    const off = await t.admin.put(`/v1/accesskeys/${k.uuid}/actions`, { changeAccessKeyState: { stateEvent: "disable" } });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.inventory.state, "Disabled");
    const refused = await t.anonymous.get("/v1/zones", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/zones"));
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, "ID.1001");
    assert.match(refused.body.error.details, /disabled/);
    await t.admin.put(`/v1/accesskeys/${k.uuid}/actions`, { changeAccessKeyState: { stateEvent: "enable" } });
    assert.equal((await t.anonymous.get("/v1/zones", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/zones"))).status, 200);
  });

  it("refuses a deleted key", async () => {
    const k = (await t.admin.post("/v1/accesskeys", { params: {} })).body.inventory;
    assert.equal((await t.anonymous.get("/v1/zones", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/zones"))).status, 200);
    assert.equal((await t.admin.delete(`/v1/accesskeys/${k.uuid}`)).status, 200);
    const r = await t.anonymous.get("/v1/zones", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/zones"));
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, "ID.1001");
    assert.equal((await t.admin.get(`/v1/accesskeys/${k.uuid}`)).status, 404);
  });

  it("gives a Normal account's key only that account's rights and view", async () => {
    const k = (await normal.post("/v1/accesskeys", { params: {} })).body.inventory;
    assert.equal(k.accountUuid, normalUuid);
    const zones = await t.anonymous.get("/v1/zones", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/zones"));
    assert.equal(zones.status, 200);
    assert.deepEqual(zones.body.inventories, []);
    const create = await t.anonymous.post("/v1/accounts", { params: { name: "via-key", password: "via-key-password" } },
      signed(k.AccessKeyID, k.AccessKeySecret, "POST", "/v1/accounts"));
    assert.equal(create.status, 403);
    assert.equal(create.body.error.code, "ID.1002");
  });

  it("does not show admin's keys to a Normal account, nor let it change or delete them", async () => {
    const q = await normal.get("/v1/accesskeys");
    assert.equal(q.status, 200);
    assert.ok(q.body.inventories.every((k: { accountUuid: string }) => k.accountUuid === normalUuid), q.text);
    assert.ok(!q.body.inventories.some((k: { uuid: string }) => k.uuid === key.uuid));
    assert.equal((await normal.get(`/v1/accesskeys/${key.uuid}`)).status, 404);
    const disable = await normal.put(`/v1/accesskeys/${key.uuid}/actions`, { changeAccessKeyState: { stateEvent: "disable" } });
    assert.equal(disable.status, 404);
    assert.equal((await normal.delete(`/v1/accesskeys/${key.uuid}`)).status, 404);
    // admin's key still works
    assert.equal((await t.anonymous.get("/v1/zones", signed(key.AccessKeyID, key.AccessKeySecret, "GET", "/v1/zones"))).status, 200);
  });

  it("refuses a Normal account creating a key for another account with 403", async () => {
    const adminUuid = (await t.admin.get("/v1/accounts?q=name=admin")).body.inventories[0].uuid;
    const r = await normal.post("/v1/accesskeys", { params: { accountUuid: adminUuid } });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, "ID.1002");
  });

  it("lets admin create a key for another account, which acts as that account", async () => {
    const r = await t.admin.post("/v1/accesskeys", { params: { accountUuid: normalUuid } });
    assert.equal(r.status, 200, r.text);
    const k = r.body.inventory;
    assert.equal(k.accountUuid, normalUuid);
    const accounts = await t.anonymous.get("/v1/accounts", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/accounts"));
    assert.deepEqual(accounts.body.inventories.map((a: { uuid: string }) => a.uuid), [normalUuid]);
  });

  it("stops a key working once its account is deleted", async () => {
    await t.admin.post("/v1/accounts", { params: { name: "doomed", password: "doomed-password" } });
    const c = await t.anonymous.login("doomed", "doomed-password");
    const k = (await c.post("/v1/accesskeys", { params: {} })).body.inventory;
    const me = (await c.get("/v1/accounts")).body.inventories[0].uuid;
    assert.equal((await t.admin.delete(`/v1/accounts/${me}`)).status, 200);
    const r = await t.anonymous.get("/v1/accounts", signed(k.AccessKeyID, k.AccessKeySecret, "GET", "/v1/accounts"));
    assert.equal(r.status, 401);
  });
});
