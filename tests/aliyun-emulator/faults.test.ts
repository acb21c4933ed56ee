// Fault injection as clients see it: throttling, server errors, one-shot failures and latency,
// configured at start, at runtime through the admin endpoint, or from the environment.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FaultInjector } from "../../connectors/aliyun/emulator/faults.ts";
import type { RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { $Ecs, ecs, failure, IMAGE, launchTarget, pop, REGION, start, type Body } from "./harness.ts";

async function putFaults(url: string, config: unknown): Promise<Response> {
  return fetch(`${url}/__emulator/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(config) });
}

async function instanceCount(url: string): Promise<number> {
  const r = await pop(url).request("DescribeInstances", { RegionId: REGION }) as { TotalCount: number };
  return r.TotalCount;
}

describe("Aliyun emulator: fault injection", () => {
  let emu: RunningEmulator;
  let target: Awaited<ReturnType<typeof launchTarget>>;
  before(async () => {
    emu = await start();
    target = await launchTarget(emu.url);
  });
  after(() => emu.close());
  beforeEach(async () => {
    assert.equal((await putFaults(emu.url, {})).status, 200);
  });

  const runParams = () => ({
    RegionId: REGION, ImageId: IMAGE, InstanceType: "ecs.t5-lc1m1.small", SecurityGroupId: target.securityGroupId, VSwitchId: target.vswitchId,
  });

  it("throttles an action: pop-core throws Code Throttling and nothing is created", async () => {
    const res = await putFaults(emu.url, { actions: { RunInstances: { throttlingRate: 1 } } });
    assert.deepEqual((await res.json() as Body).actions, { RunInstances: { throttlingRate: 1 } });
    const before = await instanceCount(emu.url);
    const err = await failure(pop(emu.url).request("RunInstances", runParams()));
    assert.equal(err.code, "Throttling");
    assert.equal(await instanceCount(emu.url), before, "a throttled RunInstances creates nothing");
    // Other actions are untouched by a per-action override.
    await pop(emu.url).request("DescribeRegions", {});
  });

  it("sends the generated SDK a 400 Throttling.User with an x-acs-retry-after hint", async () => {
    await putFaults(emu.url, { throttlingRate: 1, throttlingCode: "Throttling.User" });
    const err = await failure(ecs(emu.url).describeRegions(new $Ecs.DescribeRegionsRequest({})));
    assert.equal(err.code, "Throttling.User");
    assert.equal(err.statusCode, 400);
    assert.equal(err.retryAfter, 1000);
  });

  it("still authenticates first: a bad signature is refused as such even while throttling everything", async () => {
    await putFaults(emu.url, { throttlingRate: 1 });
    const err = await failure(pop(emu.url, { secret: "wrong" }).request("DescribeRegions", {}));
    assert.equal(err.code, "SignatureDoesNotMatch");
  });

  it("fails with ServiceUnavailable 503 or InternalError 500 at serverErrorRate 1", async () => {
    await putFaults(emu.url, { serverErrorRate: 1 });
    const codes = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const err = await failure(ecs(emu.url).describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION })));
      codes.add(`${err.code} ${err.statusCode}`);
    }
    for (const c of codes) assert.ok(["ServiceUnavailable 503", "InternalError 500"].includes(c), c);
  });

  it("fails exactly the next N calls of an action (fail-next), then lets them through", async () => {
    const res = await fetch(`${emu.url}/__emulator/faults/fail-next`, { method: "POST", body: JSON.stringify({ action: "DescribeZones", count: 2, code: "OperationConflict", status: 409 }) });
    assert.equal(res.status, 200);
    for (let i = 0; i < 2; i++) {
      const err = await failure(ecs(emu.url).describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION })));
      assert.equal(err.code, "OperationConflict");
      assert.equal(err.statusCode, 409);
    }
    const ok = await ecs(emu.url).describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION }));
    assert.equal(ok.statusCode, 200);
    assert.deepEqual((await (await fetch(`${emu.url}/__emulator/faults`)).json() as Body).failNext, []);
  });

  it("delays calls by latencyMs", async () => {
    emu.faults.configure({ actions: { DescribeRegions: { latencyMs: 150 } } });
    const t0 = Date.now();
    await pop(emu.url).request("DescribeRegions", {});
    assert.ok(Date.now() - t0 >= 140, `took ${Date.now() - t0} ms`);
  });

  it("rejects out-of-range knobs with 400 and keeps the previous configuration", async () => {
    await putFaults(emu.url, { latencyMs: 1 });
    const res = await putFaults(emu.url, { throttlingRate: 2 });
    assert.equal(res.status, 400);
    assert.match(String((await res.json() as Body).error), /throttlingRate/);
    assert.equal((await (await fetch(`${emu.url}/__emulator/faults`)).json() as Body).latencyMs, 1);
  });

  it("lets `skip` matching calls through before a fail-next rule fails one", async () => {
    const f = new FaultInjector();
    f.failNext({ action: "CreateRouteEntry", skip: 1, count: 1, code: "Forbidden.RAM", status: 403 });
    await f.apply("Vpc", "CreateRouteEntry");
    await assert.rejects(f.apply("Vpc", "CreateRouteEntry"), /Forbidden\.RAM|Injected/);
    await f.apply("Vpc", "CreateRouteEntry");
    assert.deepEqual(f.config().failNext, []);
    assert.throws(() => f.failNext({ action: "X", count: 1, skip: -1 }), /skip/);
  });

  it("reads ALIYUN_EMULATOR_FAULTS JSON", () => {
    const f = FaultInjector.fromEnv('{"serverErrorRate":0.5,"actions":{"RunInstances":{"throttlingRate":0.3}}}');
    assert.deepEqual(f.config(), { serverErrorRate: 0.5, actions: { RunInstances: { throttlingRate: 0.3 } }, failNext: [] });
    assert.deepEqual(FaultInjector.fromEnv(undefined).config(), { failNext: [] });
    assert.throws(() => FaultInjector.fromEnv('{"latencyMs":-1}'), /latencyMs/);
  });
});

describe("Aliyun emulator: admin endpoints", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await start();
  });
  after(() => emu.close());

  it("generates an AccessKey on POST /__emulator/access-keys that signs calls for a new account", async () => {
    const res = await fetch(`${emu.url}/__emulator/access-keys`, { method: "POST" });
    assert.equal(res.status, 201);
    const key = await res.json() as { accessKeyId: string; accessKeySecret: string; accountId: string };
    assert.match(key.accessKeyId, /^LTAI/);
    assert.match(key.accountId, /^\d{16}$/);
    const r = await pop(emu.url, { id: key.accessKeyId, secret: key.accessKeySecret }).request("DescribeInstances", { RegionId: REGION }) as Body;
    assert.equal(r.TotalCount, 0);
    const listed = await (await fetch(`${emu.url}/__emulator/access-keys`)).json() as Body[];
    assert.ok(listed.some((k) => k.accessKeyId === key.accessKeyId && !("accessKeySecret" in k)));
  });

  it("adds a given key for a given account", async () => {
    const res = await fetch(`${emu.url}/__emulator/access-keys`, { method: "POST", body: JSON.stringify({ accessKeyId: "LTAI5tGivenKey", accessKeySecret: "given-secret", accountId: "5555666677778888" }) });
    assert.equal(res.status, 201);
    await pop(emu.url, { id: "LTAI5tGivenKey", secret: "given-secret" }).request("DescribeRegions", {});
    const half = await fetch(`${emu.url}/__emulator/access-keys`, { method: "POST", body: JSON.stringify({ accessKeyId: "LTAI5tOnlyId" }) });
    assert.equal(half.status, 400);
  });

  it("shows the state on GET /__emulator/state and products on GET /__emulator/health", async () => {
    await pop(emu.url, { apiVersion: "2016-04-28" }).request("CreateVpc", { RegionId: REGION, CidrBlock: "10.0.0.0/8" });
    const state = await (await fetch(`${emu.url}/__emulator/state`)).json() as { accounts: Record<string, Record<string, Record<string, Record<string, Body>>>> };
    const vpcs = Object.values(state.accounts["1111222233334444"]![REGION]!.Vpc!);
    assert.equal(vpcs.length, 1);
    const health = await (await fetch(`${emu.url}/__emulator/health`)).json() as { products: Body[] };
    assert.deepEqual(health.products.map((p) => p.version).sort(), ["2014-05-26", "2016-04-28", "2017-06-26", "2019-01-01"]);
  });
});
