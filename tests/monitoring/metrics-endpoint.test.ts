/**
 * GET /metrics behind STRATA_METRICS_TOKEN, ZWatch without Prometheus (503 with a code), and
 * SNS message templates in both locales and the configured time zone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { alarmMessage, eventMessage, formatTime } from "../../monitoring/sns/templates.ts";
import { shorten } from "../../monitoring/sns/channels/types.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { startHttpReceiver, type HttpReceiver } from "../support/receivers.ts";

const TOKEN = "metrics-token-for-tests";

describe("GET /metrics and ZWatch without Prometheus", () => {
  let t: TestNode;
  let http: HttpReceiver;
  before(async () => {
    http = await startHttpReceiver();
    t = await startNode({
      env: { STRATA_METRICS_TOKEN: TOKEN },
      jobTypes: [{ name: "test.fails", resumable: false, perform: async () => { throw new Error("boom"); } }],
    });
  });
  after(async () => {
    await t?.destroy();
    await http?.close();
  });

  it("requires the bearer token when STRATA_METRICS_TOKEN is set", async () => {
    const anon = await fetch(`${t.url}/metrics`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get("www-authenticate"), "Bearer");
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /text\/plain/);
    const text = await ok.text();
    assert.match(text, /strata_api_requests_total\{apiName="LogInByAccount",method="PUT",code="200"\} 1/);
    assert.match(text, /strata_resources\{resourceType="Zone"|# TYPE strata_resources gauge/);
    assert.match(text, /strata_aliyun_sync_runs_total 0/);
  });

  it("answers ZWATCH.PROMETHEUS_UNAVAILABLE (503) for metric data when PROMETHEUS_URL is unset", async () => {
    const r = await t.admin.get("/v1/zwatch/metrics?namespace=ZStack/Host&metricName=MemoryUsedInPercent");
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, "ZWATCH.PROMETHEUS_UNAVAILABLE");
  });

  it("refuses an event subscription to an unknown event or label", async () => {
    const r1 = await t.admin.post("/v1/zwatch/events/subscriptions", { params: { namespace: "ZStack/Host", eventName: "HostExploded" } });
    assert.equal(r1.body.error.code, "ZWATCH.UNKNOWN_EVENT");
    const r2 = await t.admin.post("/v1/zwatch/events/subscriptions", {
      params: { namespace: "ZStack/Host", eventName: "HostDisconnected", labels: [{ key: "VMUuid", op: "Equal", value: "x" }] },
    });
    assert.equal(r2.body.error.code, "ZWATCH.UNKNOWN_LABEL");
    const events = await t.admin.get("/v1/zwatch/all/events");
    assert.ok(events.body.events.some((e: { name: string }) => e.name === "VMStateChangedOnHost"));
  });

  it("publishes a failed API job to an ApiJobFailed subscription once", async () => {
    const topic = (await t.admin.post("/v1/sns/topics", { params: { name: "jobs" } })).body.inventory.uuid;
    const ep = (await t.admin.post("/v1/sns/application-endpoints/http", { params: { name: "h", url: `${http.url}/jobs` } })).body.inventory.uuid;
    await t.admin.post(`/v1/sns/topics/${topic}/endpoints/${ep}`, {});
    const sub = await t.admin.post("/v1/zwatch/events/subscriptions", {
      params: { namespace: "ZStack/Job", eventName: "ApiJobFailed", labels: [{ key: "JobType", op: "Equal", value: "test.fails" }], actions: [{ actionUuid: topic, actionType: "sns" }] },
    });
    assert.equal(sub.status, 200, sub.text);
    const caller = { kind: "system" as const, accountUuid: sub.body.inventory.accountUuid, accountName: "admin", accountType: "SystemAdmin", isAdmin: true };
    const jobs = t.node.services.jobs;
    const reply = await jobs.submit(caller, { apiName: "TestFail", baseUrl: t.url }, "test.fails", {});
    const jobUuid = String((reply.body as { location: string }).location).split("/").pop()!;
    await jobs.settled(jobUuid);
    const events = t.node.services.monitoring.eventSubscriptions;
    await events.pollFailedJobs(new Date(Date.now() - 60_000));
    await events.pollFailedJobs(new Date(Date.now() - 60_000)); // a second poll over the same window changes nothing
    assert.ok(await eventually(async () => http.received.length === 1, 5000));
    assert.equal(http.received[0]!.json.data.labels.JobUuid, jobUuid);
    const records = await t.admin.get("/v1/zwatch/events?q=eventName=ApiJobFailed");
    assert.equal(records.body.inventories.length, 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(http.received.length, 1);
  });
});

describe("SNS message templates", () => {
  const facts = {
    alarmUuid: "a".repeat(32), alarmName: "cpu", namespace: "ZStack/VM", metricName: "CPUAverageUsedUtilization", comparisonOperator: "GreaterThan",
    threshold: 80, unit: "%", emergencyLevel: "Emergent", labels: { VMUuid: "v".repeat(32) }, resourceUuid: "v".repeat(32), resourceName: "web-1",
    oldStatus: "OK", newStatus: "Alarm", value: 93.456, repeat: false, time: new Date("2026-11-23T06:00:00Z"),
  };

  it("render an alarm in en_US and zh_CN with the value, condition and local time", () => {
    const en = alarmMessage(facts, "en_US", "Asia/Shanghai");
    assert.equal(en.subject, `[ALARM] cpu: web-1 (${"v".repeat(32)})`);
    assert.match(en.text, /Current value: 93\.46%/);
    assert.match(en.text, /CPUAverageUsedUtilization > 80%/);
    assert.match(en.text, /2026-11-23 14:00:00 Asia\/Shanghai/);
    const zh = alarmMessage({ ...facts, oldStatus: "Alarm", newStatus: "OK", durationSeconds: 120 }, "zh_CN", "UTC");
    assert.match(zh.subject, /^\[已恢复\] cpu/);
    assert.match(zh.text, /大于 80%/);
    assert.match(zh.markdown, /\*\*持续\*\*: 120 秒/);
  });

  it("render an event, and shorten a long message instead of dropping it", () => {
    const m = eventMessage({ recordUuid: "r", namespace: "ZStack/Host", eventName: "HostDisconnected", emergencyLevel: "Emergent", labels: { HostUuid: "h" }, time: new Date(0) }, "en_US", "UTC");
    assert.match(m.subject, /\[EVENT\] HostDisconnected/);
    assert.equal(formatTime(new Date(0), "UTC"), "1970-01-01 00:00:00 UTC");
    const long = shorten("x".repeat(10_000), 4000);
    assert.equal(long.length, 4000);
    assert.match(long, /truncated\)$/);
  });
});
