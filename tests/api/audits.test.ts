import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ResourceEvent } from "../../server/events/service.ts";
import { ADMIN_PASSWORD, Client, eventually, startNode, type TestNode } from "../support/node.ts";

/** Audits matching the query conditions, waiting until at least `min` are there (they are written after the response). */
async function audits(c: Client, conditions: string[], min = 1): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const qs = conditions.map((q) => `q=${encodeURIComponent(q)}`).join("&");
  let last: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  await eventually(async () => {
    const r = await c.get(`/v1/audits?${qs}`);
    assert.equal(r.status, 200, r.text);
    last = r.body.inventories;
    return last.length >= min;
  });
  return last;
}

describe("audits", () => {
  let t: TestNode;
  let adminUuid: string;
  before(async () => {
    t = await startNode();
    adminUuid = (await t.admin.get("/v1/accounts?q=name=admin")).body.inventories[0].uuid;
  });
  after(async () => { await t?.destroy(); });

  it("records a successful CreateZone with operator, source IP, status, duration and the zone", async () => {
    const started = Date.now();
    const z = await t.admin.post("/v1/zones", { params: { name: "audited-zone" } }, { "x-request-id": "audit-req-1" });
    assert.equal(z.status, 200);
    const [a] = await audits(t.admin, ["apiName=CreateZone", `resourceUuid=${z.body.inventory.uuid}`]);
    assert.ok(a);
    assert.equal(a.apiName, "CreateZone");
    assert.equal(a.requestMethod, "POST");
    assert.equal(a.requestPath, "/v1/zones");
    assert.equal(a.accountUuid, adminUuid);
    assert.equal(a.userUuid, null);
    assert.match(a.sourceIp, /127\.0\.0\.1/);
    assert.equal(a.requestId, "audit-req-1");
    assert.equal(a.result, "Success");
    assert.equal(a.httpStatus, 200);
    assert.equal(a.errorCode, null);
    assert.ok(Number.isInteger(a.duration) && a.duration >= 0, String(a.duration));
    assert.ok(Date.parse(a.startDate) >= started - 1000 && Date.parse(a.finishDate) >= Date.parse(a.startDate));
    assert.deepEqual(a.requestSummary, { params: { name: "audited-zone" } });
  });

  it("records a refused call as Failure with its HTTP status and error code", async () => {
    const r = await t.admin.post("/v1/zones", { params: { description: "no name" } }, { "x-request-id": "audit-req-bad" });
    assert.equal(r.status, 400);
    const [a] = await audits(t.admin, ["requestId=audit-req-bad"]);
    assert.ok(a);
    assert.equal(a.apiName, "CreateZone");
    assert.equal(a.result, "Failure");
    assert.equal(a.httpStatus, 400);
    assert.equal(a.errorCode, "SYS.1007");
    assert.equal(a.accountUuid, adminUuid);
  });

  it("records a failed login with the password redacted and no account", async () => {
    const r = await t.anonymous.put("/v1/accounts/login", { logInByAccount: { accountName: "admin", password: "wrong-guess-123" } },
      { "x-request-id": "audit-login-bad" });
    assert.equal(r.status, 401);
    const [a] = await audits(t.admin, ["requestId=audit-login-bad"]);
    assert.ok(a);
    assert.equal(a.apiName, "LogInByAccount");
    assert.equal(a.result, "Failure");
    assert.equal(a.httpStatus, 401);
    assert.equal(a.errorCode, "ID.1000");
    assert.deepEqual(a.requestSummary, { logInByAccount: { accountName: "admin", password: "*****" } });
    assert.doesNotMatch(JSON.stringify(a), /wrong-guess-123/);
  });

  it("records a successful login with the password redacted and without the new session's uuid", async () => {
    const r = await t.anonymous.put("/v1/accounts/login", { logIn: { accountName: "admin", password: ADMIN_PASSWORD } },
      { "x-request-id": "audit-login-ok" });
    assert.equal(r.status, 200);
    const [a] = await audits(t.admin, ["requestId=audit-login-ok"]);
    assert.ok(a);
    assert.equal(a.result, "Success");
    assert.equal(a.requestSummary.logIn.password, "*****");
    const text = JSON.stringify(a);
    assert.ok(!text.includes(ADMIN_PASSWORD), "password in audit");
    // the session uuid is a bearer credential: whoever reads the audit log must not be able to reuse it
    assert.ok(!text.includes(r.body.inventory.uuid), `session uuid in audit: ${text}`);
    const csv = await t.admin.get("/v1/audits?format=csv");
    assert.ok(!csv.text.includes(r.body.inventory.uuid), "session uuid in audit CSV");
  });

  it("records a user login without the new session's uuid", async () => {
    await t.admin.post("/v1/accounts/users", { params: { name: "audited-user", password: "audited-password" } });
    const r = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: "admin", userName: "audited-user", password: "audited-password" } },
      { "x-request-id": "audit-user-login" });
    assert.equal(r.status, 200, r.text);
    const [a] = await audits(t.admin, ["requestId=audit-user-login"]);
    assert.equal(a?.apiName, "LogInByUser");
    assert.equal(a?.requestSummary.logInByUser.password, "*****");
    assert.ok(!JSON.stringify(a).includes(r.body.inventory.uuid));
  });

  it("redacts passwords of account and user updates", async () => {
    const a = await t.admin.post("/v1/accounts", { params: { name: "pw-change", password: "first-password" } }, { "x-request-id": "audit-create-acct" });
    await t.admin.put(`/v1/accounts/${a.body.inventory.uuid}/actions`, { updateAccount: { password: "second-password" } }, { "x-request-id": "audit-update-acct" });
    const [created] = await audits(t.admin, ["requestId=audit-create-acct"]);
    const [updated] = await audits(t.admin, ["requestId=audit-update-acct"]);
    assert.equal(created?.requestSummary.params.password, "*****");
    assert.equal(updated?.apiName, "UpdateAccount");
    assert.equal(updated?.requestSummary.updateAccount.password, "*****");
    assert.doesNotMatch(JSON.stringify([created, updated]), /first-password|second-password/);
  });

  it("does not record reads", async () => {
    await t.admin.get("/v1/zones", { "x-request-id": "audit-read" });
    await t.admin.post("/v1/zones", { params: { name: "marker" } }, { "x-request-id": "audit-after-read" });
    await audits(t.admin, ["requestId=audit-after-read"]);
    const r = await t.admin.get("/v1/audits?q=requestId=audit-read");
    assert.deepEqual(r.body.inventories, []);
  });

  it("exports CSV with a header row naming the columns", async () => {
    await audits(t.admin, ["apiName=CreateZone"]);
    const r = await t.admin.get("/v1/audits?format=csv");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/csv/);
    assert.match(r.headers.get("content-disposition") ?? "", /audits\.csv/);
    const [header, ...rows] = r.text.trim().split("\n");
    const columns = header!.split(",");
    for (const c of ["apiName", "accountUuid", "sourceIp", "result", "httpStatus", "duration"]) assert.ok(columns.includes(c), header);
    assert.ok(rows.some((l) => l.includes("CreateZone")));
  });

  it("shows a Normal account only its own audits", async () => {
    await t.admin.post("/v1/accounts", { params: { name: "auditee", password: "auditee-password" } });
    const c = await t.anonymous.login("auditee", "auditee-password");
    const u = await c.post("/v1/accounts/users", { params: { name: "someone", password: "someone-password" } });
    assert.equal(u.status, 200);
    const mine = await audits(c, ["apiName=CreateUser"]);
    const me = (await c.get("/v1/accounts")).body.inventories[0].uuid;
    assert.ok(mine.length >= 1);
    const all = (await c.get("/v1/audits")).body.inventories;
    assert.ok(all.length >= 1);
    assert.ok(all.every((a: { accountUuid: string }) => a.accountUuid === me), JSON.stringify(all.map((a: { apiName: string }) => a.apiName)));
    assert.ok(!all.some((a: { apiName: string }) => a.apiName === "CreateZone"));
    const csv = await c.get("/v1/audits?format=csv");
    assert.ok(!csv.text.includes("CreateZone"));
  });

  it("answers 'is null' and 'not null' on columns that are never null instead of failing", async () => {
    const none = await t.admin.get(`/v1/audits?q=${encodeURIComponent("apiName is null")}&count=true`);
    assert.equal(none.status, 200);
    assert.equal(none.body.total, 0);
    const all = await t.admin.get(`/v1/audits?q=${encodeURIComponent("apiName not null")}&count=true`);
    const total = await t.admin.get("/v1/audits?count=true");
    assert.equal(all.body.total, total.body.total);
    const accounts = await t.admin.get(`/v1/accounts?q=${encodeURIComponent("name is null")}`);
    assert.deepEqual([accounts.status, accounts.body.inventories], [200, []]);
    const events = await t.admin.get(`/v1/events?q=${encodeURIComponent("type is null")}`);
    assert.deepEqual([events.status, events.body.inventories], [200, []]);
  });

  it("refuses the audit log to an anonymous caller", async () => {
    const r = await t.anonymous.get("/v1/audits");
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, "ID.1001");
  });
});

describe("events", () => {
  let t: TestNode;
  before(async () => { t = await startNode(); });
  after(async () => { await t?.destroy(); });

  it("stores ResourceCreated, ResourceStateChanged and ResourceDeleted for a zone and publishes them in-process", async () => {
    const seen: ResourceEvent[] = [];
    const unsubscribe = t.node.services.events.subscribe((e) => seen.push(e));
    const z = (await t.admin.post("/v1/zones", { params: { name: "evented" } })).body.inventory;
    assert.equal((await t.admin.put(`/v1/zones/${z.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } })).status, 200);
    // disabling again changes nothing and emits nothing
    assert.equal((await t.admin.put(`/v1/zones/${z.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } })).status, 200);
    assert.equal((await t.admin.delete(`/v1/zones/${z.uuid}`)).status, 200);
    unsubscribe();
    await t.admin.post("/v1/zones", { params: { name: "after-unsubscribe" } });

    const r = await t.admin.get(`/v1/events?q=resourceUuid=${z.uuid}&sort=+createDate`);
    assert.equal(r.status, 200, r.text);
    const stored = r.body.inventories.map((e: ResourceEvent) => ({ type: e.type, resourceType: e.resourceType, oldState: e.oldState, newState: e.newState }));
    assert.deepEqual(stored, [
      { type: "ResourceCreated", resourceType: "Zone", oldState: null, newState: "Enabled" },
      { type: "ResourceStateChanged", resourceType: "Zone", oldState: "Enabled", newState: "Disabled" },
      { type: "ResourceDeleted", resourceType: "Zone", oldState: "Disabled", newState: null },
    ]);
    assert.ok(r.body.inventories.every((e: { accountUuid: string; createDate: string }) => /^[0-9a-f]{32}$/.test(e.accountUuid) && !Number.isNaN(Date.parse(e.createDate))));

    assert.deepEqual(seen.map((e) => [e.type, e.resourceUuid]), [
      ["ResourceCreated", z.uuid], ["ResourceStateChanged", z.uuid], ["ResourceDeleted", z.uuid],
    ]);
    assert.deepEqual(seen.map((e) => e.uuid), r.body.inventories.map((e: { uuid: string }) => e.uuid));
  });

  it("keeps publishing to other subscribers when one throws", async () => {
    const seen: string[] = [];
    const off1 = t.node.services.events.subscribe(() => { throw new Error("broken subscriber"); });
    const off2 = t.node.services.events.subscribe((e) => seen.push(e.resourceUuid));
    const z = await t.admin.post("/v1/zones", { params: { name: "robust" } });
    off1();
    off2();
    assert.equal(z.status, 200);
    assert.deepEqual(seen, [z.body.inventory.uuid]);
  });

  it("records account creation and deletion", async () => {
    const a = (await t.admin.post("/v1/accounts", { params: { name: "evt-acct", password: "evt-password" } })).body.inventory;
    await t.admin.delete(`/v1/accounts/${a.uuid}`);
    const r = await t.admin.get(`/v1/events?q=resourceUuid=${a.uuid}&sort=+createDate`);
    assert.deepEqual(r.body.inventories.map((e: ResourceEvent) => [e.type, e.resourceType]), [["ResourceCreated", "Account"], ["ResourceDeleted", "Account"]]);
  });

  it("shows a Normal account no events of admin's resources", async () => {
    await t.admin.post("/v1/accounts", { params: { name: "evt-viewer", password: "evt-viewer-password" } });
    const c = await t.anonymous.login("evt-viewer", "evt-viewer-password");
    const r = await c.get("/v1/events?q=resourceType=Zone");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.inventories, []);
    const admin = await t.admin.get("/v1/events?q=resourceType=Zone&count=true");
    assert.ok(admin.body.total >= 1);
  });
});
