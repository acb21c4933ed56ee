import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import type { Caller } from "../../server/auth/context.ts";
import { ApiError } from "../../server/errors/catalogue.ts";
import type { JobType } from "../../server/jobs/service.ts";
import { eventually, startNode, testStore, type TestNode } from "../support/node.ts";

/** Job types a test drives: each waits for its gate and then does what its input says. */
function testJobTypes(log: string[]) {
  const gates = new Map<string, () => void>();
  const gate = (name: string) => new Promise<void>((r) => gates.set(name, r));
  const perform = async (input: { name: string; fail?: boolean; wait?: boolean }, ctx: { attempt: number }) => {
    log.push(`perform ${input.name} attempt ${ctx.attempt}`);
    if (input.wait) await gate(input.name);
    if (input.fail) throw new ApiError("SYS.1006", 409, "The test job was told to fail", input.name);
    return { inventory: { name: input.name, attempt: ctx.attempt } };
  };
  const types: JobType<never>[] = [
    { name: "TestResumable", resumable: true, perform } as JobType<never>,
    {
      name: "TestOneShot", resumable: false, perform,
      onInterrupted: async (input: { name: string }) => void log.push(`cleanup ${input.name}`),
    } as JobType<never>,
  ];
  return { types, open: (name: string) => gates.get(name)?.() };
}

async function adminCaller(t: TestNode): Promise<Caller> {
  const s = (await t.admin.get(`/v1/accounts/sessions/${t.admin.session}/valid`)).body;
  assert.equal(s.valid, true);
  return (await t.node.services.accounts.resolveSession(t.admin.session!))!;
}

describe(`durable API jobs on the ${testStore()} store`, () => {
  const nodes: TestNode[] = [];
  after(async () => {
    for (const n of nodes) await n.destroy().catch(() => undefined);
  });

  it("reports 202 while running, 200 with the result when done, 503 with the error when failed", async () => {
    const log: string[] = [];
    const jt = testJobTypes(log);
    const t = await startNode({ jobTypes: jt.types });
    nodes.push(t);
    const caller = await adminCaller(t);
    const reply = await t.node.services.jobs.submit(caller, { apiName: "TestJob", baseUrl: t.url }, "TestOneShot", { name: "ok", wait: true });
    assert.equal(reply.status, 202);
    const location = (reply.body as { location: string }).location;
    assert.equal(reply.headers?.Location, location);
    const path = new URL(location).pathname;
    assert.equal((await t.admin.get(path)).status, 202);
    jt.open("ok");
    const done = await eventually(async () => { const r = await t.admin.get(path); return r.status === 200 ? r : undefined; });
    assert.deepEqual(done!.body, { inventory: { name: "ok", attempt: 1 } });

    const failing = await t.node.services.jobs.submit(caller, { apiName: "TestJob", baseUrl: t.url }, "TestOneShot", { name: "bad", fail: true });
    const failPath = new URL((failing.body as { location: string }).location).pathname;
    const failed = await eventually(async () => { const r = await t.admin.get(failPath); return r.status === 503 ? r : undefined; });
    assert.equal(failed!.body.error.code, "SYS.1006");
    assert.equal(failed!.body.error.details, "bad");
  });

  it("uses the uuid from X-Job-UUID and refuses a duplicate with SYS.1002", async () => {
    const t = nodes[0]!;
    const caller = await adminCaller(t);
    const uuid = "0123456789abcdef0123456789abcdef";
    await t.node.services.jobs.submit(caller, { apiName: "TestJob", jobUuid: uuid, baseUrl: t.url }, "TestOneShot", { name: "picked" });
    await t.node.services.jobs.settled(uuid);
    assert.equal((await t.admin.get(`/v1/api-jobs/${uuid}`)).body.inventory.name, "picked");
    await assert.rejects(
      t.node.services.jobs.submit(caller, { apiName: "TestJob", jobUuid: uuid, baseUrl: t.url }, "TestOneShot", { name: "again" }),
      (e: ApiError) => e.code === "SYS.1002" && e.httpStatus === 409,
    );
  });

  it("POSTs the result to the X-Web-Hook URL", async () => {
    const t = nodes[0]!;
    const received: unknown[] = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => { received.push(JSON.parse(body)); res.end(); });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const caller = await adminCaller(t);
    await t.node.services.jobs.submit(caller, { apiName: "TestJob", webHook: url, baseUrl: t.url }, "TestOneShot", { name: "hooked" });
    const got = await eventually(async () => received[0]);
    hook.close();
    assert.equal((got as { state: string }).state, "Succeeded");
    assert.deepEqual((got as { result: unknown }).result, { inventory: { name: "hooked", attempt: 1 } });
  });

  it("after a management-node restart, resumes resumable jobs and fails the others with SYS.1012 after cleanup", async () => {
    const log: string[] = [];
    const jt = testJobTypes(log);
    const t = await startNode({ jobTypes: jt.types });
    nodes.push(t);
    const caller = await adminCaller(t);
    const resumable = await t.node.services.jobs.submit(caller, { apiName: "TestJob", baseUrl: t.url }, "TestResumable", { name: "r", wait: true });
    const oneShot = await t.node.services.jobs.submit(caller, { apiName: "TestJob", baseUrl: t.url }, "TestOneShot", { name: "o", wait: true });
    const rPath = new URL((resumable.body as { location: string }).location).pathname;
    const oPath = new URL((oneShot.body as { location: string }).location).pathname;
    await eventually(async () => log.length === 2);

    // The node stops while both jobs wait; their rows stay Running.
    const log2: string[] = [];
    const jt2 = testJobTypes(log2);
    await t.stop();
    const t2 = await startNode({ dataDir: t.dataDir, db: { url: t.databaseUrl, drop: async () => undefined }, jobTypes: jt2.types });
    nodes.push(t2);

    const failed = await eventually(async () => { const r = await t2.admin.get(oPath); return r.status === 503 ? r : undefined; });
    assert.equal(failed!.body.error.code, "SYS.1012");
    assert.ok(log2.includes("cleanup o"), `cleanup ran: ${log2.join(", ")}`);

    await eventually(async () => log2.includes("perform r attempt 2"));
    assert.equal((await t2.admin.get(rPath)).status, 202);
    jt2.open("r");
    const resumed = await eventually(async () => { const r = await t2.admin.get(rPath); return r.status === 200 ? r : undefined; });
    assert.deepEqual(resumed!.body, { inventory: { name: "r", attempt: 2 } });
    // The first node's runs stay parked on their gates: that process "died" mid-job.
  });

  it("shows a normal account only its own jobs", async () => {
    const t = nodes[nodes.length - 1]!;
    await t.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password", type: "Normal" } });
    const tenant = await t.anonymous.login("tenant", "tenant-password");
    const caller = await adminCaller(t);
    const r = await t.node.services.jobs.submit(caller, { apiName: "TestJob", baseUrl: t.url }, "TestOneShot", { name: "mine" });
    const path = new URL((r.body as { location: string }).location).pathname;
    const seen = await tenant.get(path);
    assert.equal(seen.status, 404);
    assert.equal(seen.body.error.code, "SYS.1003");
  });
});
