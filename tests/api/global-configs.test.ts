import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startNode, type TestNode } from "../support/node.ts";

const update = (t: TestNode, category: string, name: string, value: unknown, client = t.admin) =>
  client.put(`/v1/global-configurations/${category}/${name}/actions`, { updateGlobalConfig: { value } });

describe("global configs", () => {
  let t: TestNode;
  before(async () => { t = await startNode(); });
  after(async () => { await t?.destroy(); });

  it("lists a category's configs with value, default, type and description", async () => {
    const r = await t.admin.get("/v1/global-configurations?q=category=identity");
    assert.equal(r.status, 200, r.text);
    const names = r.body.inventories.map((g: { name: string }) => g.name).sort();
    assert.deepEqual(names, ["login.lockSeconds", "login.maxFailures", "session.maxConcurrent", "session.timeout"]);
    const timeout = r.body.inventories.find((g: { name: string }) => g.name === "session.timeout");
    assert.equal(timeout.category, "identity");
    assert.equal(timeout.value, "7200");
    assert.equal(timeout.defaultValue, "7200");
    assert.equal(timeout.type, "Integer");
    assert.match(timeout.description, /Seconds/);
  });

  it("lets a Normal account read configs but not change them (403 ID.1002)", async () => {
    await t.admin.post("/v1/accounts", { params: { name: "reader", password: "reader-password" } });
    const c = await t.anonymous.login("reader", "reader-password");
    const q = await c.get("/v1/global-configurations?q=category=quota");
    assert.equal(q.status, 200);
    assert.ok(q.body.inventories.some((g: { name: string }) => g.name === "vm.num"));
    const r = await update(t, "identity", "session.timeout", "60", c);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, "ID.1002");
    const after = await t.admin.get("/v1/global-configurations?q=category=identity&q=name=session.timeout");
    assert.equal(after.body.inventories[0].value, "7200");
  });

  it("refuses an anonymous update with 401 ID.1001", async () => {
    const r = await update(t, "identity", "session.timeout", "60", t.anonymous);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, "ID.1001");
  });

  for (const [name, value, why] of [
    ["session.timeout", "abc", "not a number"],
    ["session.timeout", "59", "below the minimum of 60"],
    ["session.timeout", "120.5", "not an integer"],
    ["session.maxConcurrent", "0", "below the minimum of 1"],
    ["login.maxFailures", "", "empty"],
  ] as const) {
    it(`refuses identity/${name}=${JSON.stringify(value)} (${why}) with 400 SYS.1007 and keeps the old value`, async () => {
      const before = (await t.admin.get(`/v1/global-configurations?q=category=identity&q=name=${name}`)).body.inventories[0].value;
      const r = await update(t, "identity", name, value);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.description, new RegExp(`identity/${name.replace(".", "\\.")}`));
      const after = (await t.admin.get(`/v1/global-configurations?q=category=identity&q=name=${name}`)).body.inventories[0].value;
      assert.equal(after, before);
    });
  }

  for (const value of ["abc", "1.5", "-1"]) {
    it(`refuses the Long quota/vm.num=${value} with 400 SYS.1007`, async () => {
      const r = await update(t, "quota", "vm.num", value);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.code, "SYS.1007");
    });
  }

  it("refuses an unknown config with 404 SYS.1003", async () => {
    for (const [category, name] of [["identity", "no.such"], ["nocategory", "session.timeout"]]) {
      const r = await update(t, category!, name!, "1");
      assert.equal(r.status, 404, r.text);
      assert.equal(r.body.error.code, "SYS.1003");
    }
  });

  it("refuses a body without updateGlobalConfig.value with 400", async () => {
    const r = await t.admin.put("/v1/global-configurations/identity/session.timeout/actions", { updateGlobalConfig: {} });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "SYS.1007");
  });

  it("accepts a JSON number, stores it normalised and changes quota defaults at once", async () => {
    const r = await update(t, "quota", "vm.num", 7);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.value, "7");
    assert.equal(r.body.inventory.defaultValue, "20");
    const quotas = await t.admin.get("/v1/accounts/quotas");
    const q = quotas.body.inventories.find((x: { name: string; overridden: boolean }) => x.name === "vm.num" && !x.overridden);
    assert.equal(q.value, "7");
    assert.equal(t.node.services.configs.getBigInt("quota", "vm.num"), 7n);
  });

  it("keeps a change across a restart", async () => {
    assert.equal((await update(t, "identity", "session.timeout", "3600")).status, 200);
    assert.equal((await update(t, "audit", "retentionDays", "30")).status, 200);
    t = await t.restart();
    const r = await t.admin.get("/v1/global-configurations?q=category=identity&q=name=session.timeout");
    assert.equal(r.body.inventories[0].value, "3600");
    assert.equal(t.node.services.configs.getNumber("audit", "retentionDays"), 30);
    // and the restarted node uses it: a login's session lasts 3600 s
    const before = Date.now();
    const login = await t.anonymous.put("/v1/accounts/login", { logIn: { accountName: "admin", password: "admin-password-for-tests" } });
    assert.ok(Math.abs(Date.parse(login.body.inventory.expiredDate) - (before + 3600_000)) < 3000, login.body.inventory.expiredDate);
    // the earlier quota change survived too
    assert.equal(t.node.services.configs.getBigInt("quota", "vm.num"), 7n);
  });
});

describe("system/timezone", () => {
  let t: Awaited<ReturnType<typeof import("../support/node.ts").startNode>>;
  before(async () => { t = await (await import("../support/node.ts")).startNode(); });
  after(async () => { await t.destroy(); });

  it("shows timestamps of API responses in the configured zone and refuses unknown zones", async () => {
    const bad = await t.admin.put("/v1/global-configurations/system/timezone/actions", { updateGlobalConfig: { value: "Mars/Olympus" } });
    assert.equal(bad.status, 400, bad.text);
    const utc = (await t.admin.post("/v1/zones", { params: { name: "tz-utc" } })).body.inventory;
    assert.match(utc.createDate, /Z$/);
    const ok = await t.admin.put("/v1/global-configurations/system/timezone/actions", { updateGlobalConfig: { value: "Asia/Shanghai" } });
    assert.equal(ok.status, 200, ok.text);
    const shown = (await t.admin.get(`/v1/zones/${utc.uuid}`)).body.inventories[0];
    assert.match(shown.createDate, /\+08:00$/);
    assert.equal(new Date(shown.createDate).getTime(), new Date(utc.createDate).getTime(), "same instant");
    await t.admin.put("/v1/global-configurations/system/timezone/actions", { updateGlobalConfig: { value: "UTC" } });
  });
});
