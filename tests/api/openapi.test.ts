import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startNode, type TestNode } from "../support/node.ts";

describe("OpenAPI document", () => {
  let t: TestNode;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let doc: any;
  before(async () => {
    t = await startNode();
    const r = await t.anonymous.get("/v1/openapi.json");
    assert.equal(r.status, 200, r.text);
    doc = r.body;
  });
  after(async () => { await t?.destroy(); });

  it("is an OpenAPI 3 document served without a session", () => {
    assert.match(doc.openapi, /^3\./);
    assert.equal(typeof doc.info.title, "string");
    assert.equal(typeof doc.info.version, "string");
  });

  it("has the zone, login, account, access-key, config, audit and event paths", () => {
    for (const [path, method] of [
      ["/v1/zones", "post"], ["/v1/zones", "get"], ["/v1/zones/{uuid}", "delete"], ["/v1/accounts/login", "put"],
      ["/v1/accounts/users/login", "put"], ["/v1/accounts", "post"], ["/v1/accesskeys", "post"],
      ["/v1/global-configurations/{category}/{name}/actions", "put"], ["/v1/audits", "get"], ["/v1/events", "get"],
      ["/v1/accounts/quotas", "get"],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} missing`);
    }
    assert.equal(doc.paths["/v1/zones"].post.operationId, "CreateZone");
    assert.equal(doc.paths["/v1/accounts/login"].put.operationId, "LogInByAccount");
  });

  it("documents CreateZone's request body requiring params.name", () => {
    const schema = doc.paths["/v1/zones"].post.requestBody.content["application/json"].schema;
    assert.ok(schema.required.includes("params"), JSON.stringify(schema));
    const params = schema.properties.params;
    assert.ok(params.required.includes("name"), JSON.stringify(params));
    assert.equal(params.properties.name.type, "string");
    assert.ok(!params.required.includes("description"));
  });

  it("marks login public and zone creation as needing a session", () => {
    assert.deepEqual(doc.paths["/v1/accounts/login"].put.security, []);
    assert.deepEqual(doc.paths["/v1/zones"].post.security, [{ session: [] }]);
    assert.equal(doc.components.securitySchemes.session.name, "Authorization");
  });

  it("documents the login body with both logInByAccount and logIn", () => {
    const text = JSON.stringify(doc.paths["/v1/accounts/login"].put.requestBody);
    assert.match(text, /logInByAccount/);
    assert.match(text, /"logIn"/);
  });
});

describe("error responses", () => {
  let t: TestNode;
  before(async () => { t = await startNode(); });
  after(async () => { await t?.destroy(); });

  /** No error body may carry a stack trace or internal file paths. */
  function assertNoInternals(text: string) {
    assert.doesNotMatch(text, /\bat \S+ \(|node_modules|\.ts:\d+|stack/i);
  }

  it("answers an unknown path with 404 SYS.1003", async () => {
    for (const [method, path] of [["GET", "/v1/no-such-thing"], ["POST", "/v1/no-such-thing"], ["GET", "/nowhere"], ["DELETE", "/v1/zones"]] as const) {
      const r = await t.admin.request(method, path, method === "POST" ? {} : undefined);
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.error.code, "SYS.1003");
      assertNoInternals(r.text);
    }
  });

  it("answers malformed JSON with 400 SYS.1007, never 500, with or without a session", async () => {
    for (const [client, path] of [[t.admin, "/v1/zones"], [t.anonymous, "/v1/accounts/login"], [t.admin, "/v1/global-configurations/identity/session.timeout/actions"]] as const) {
      const r = await client.request(path.endsWith("zones") ? "POST" : "PUT", path, "{\"params\": {\"name\": ");
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.equal(r.body.error.code, "SYS.1007");
      assertNoInternals(r.text);
    }
  });

  it("answers non-object JSON bodies with 400 SYS.1007", async () => {
    for (const body of ["null", "[]", "\"text\"", "42", "[{\"logIn\":{}}]"]) {
      const r = await t.anonymous.request("PUT", "/v1/accounts/login", body);
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.equal(r.body.error.code, "SYS.1007");
      const a = await t.admin.request("PUT", "/v1/accounts/0123456789abcdef0123456789abcdef/actions", body);
      assert.equal(a.status, 400, `action ${body}: ${r.text}`);
      assertNoInternals(a.text);
    }
  });

  it("answers an unknown action with 400 SYS.1008 listing the known ones", async () => {
    const r = await t.admin.put("/v1/accesskeys/0123456789abcdef0123456789abcdef/actions", { explode: {} });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "SYS.1008");
    assert.match(r.body.error.details, /changeAccessKeyState/);
  });

  it("answers a too-large body with 413 and no internals", async () => {
    const r = await t.admin.post("/v1/zones", { params: { name: "big", description: "x".repeat(2 * 1024 * 1024) } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, "SYS.1007");
    assertNoInternals(r.text);
  });

  it("shows no internals in 401, 403, 404 and 409 bodies", async () => {
    await t.admin.post("/v1/accounts", { params: { name: "plain", password: "plain-password" } });
    const c = await t.anonymous.login("plain", "plain-password");
    const replies = [
      await t.anonymous.get("/v1/zones"),
      await c.post("/v1/accounts", { params: { name: "x", password: "password-x" } }),
      await t.admin.get("/v1/accounts/0123456789abcdef0123456789abcdef"),
      await t.admin.post("/v1/accounts", { params: { name: "plain", password: "plain-password" } }),
    ];
    assert.deepEqual(replies.map((r) => r.status), [401, 403, 404, 409]);
    for (const r of replies) {
      assert.deepEqual(Object.keys(r.body), ["error"]);
      assert.equal(typeof r.body.error.description, "string");
      assertNoInternals(r.text);
    }
  });

  it("answers every response with an X-Request-Id, echoing the caller's", async () => {
    const r = await t.admin.get("/v1/no-such-thing", { "x-request-id": "trace-me" });
    assert.equal(r.headers.get("x-request-id"), "trace-me");
    const g = await t.anonymous.get("/v1/zones");
    assert.match(g.headers.get("x-request-id") ?? "", /.+/);
  });
});
