/**
 * Metric alarms across management-node restarts, with Prometheus replaced by a scripted fake
 * (the real one is in zwatch-e2e.test.ts): a series in Alarm stays in Alarm after a restart and
 * is not notified again; its recovery is notified once; a Prometheus outage changes nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { InstantSample, PrometheusClient } from "../../monitoring/prometheus/client.ts";
import { AlarmEvaluator } from "../../monitoring/zwatch/evaluator.ts";
import { Errors } from "../../server/errors/catalogue.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { startHttpReceiver, type HttpReceiver } from "../support/receivers.ts";

const HOST = "1".repeat(32);

/** A Prometheus whose answer the test sets: samples, or an outage. */
class FakePrometheus {
  value: number | undefined = undefined;
  down = false;
  queries = 0;
  async query(): Promise<InstantSample[]> {
    this.queries++;
    if (this.down) throw Errors.prometheusUnavailable("connection refused");
    return this.value === undefined ? [] : [{ labels: { hostUuid: HOST }, time: Date.now() / 1000, value: this.value }];
  }
}

describe("AlarmEvaluator across restarts", () => {
  let t: TestNode;
  let http: HttpReceiver;
  const prom = new FakePrometheus();
  const ids: Record<string, string> = {};
  const evaluator = () => {
    const s = t.node.services;
    return new AlarmEvaluator(s.db.prisma, prom as unknown as PrometheusClient, s.monitoring.sns, s.configs, s.log);
  };
  const status = async () => (await t.admin.get(`/v1/zwatch/alarms/${ids.alarm}`)).body.inventories[0].status;

  before(async () => {
    http = await startHttpReceiver();
    t = await startNode();
    ids.topic = (await t.admin.post("/v1/sns/topics", { params: { name: "t" } })).body.inventory.uuid;
    const ep = (await t.admin.post("/v1/sns/application-endpoints/http", { params: { name: "h", url: `${http.url}/a` } })).body.inventory.uuid;
    await t.admin.post(`/v1/sns/topics/${ids.topic}/endpoints/${ep}`, {});
    const a = await t.admin.post("/v1/zwatch/alarms", {
      params: {
        name: "mem", namespace: "ZStack/Host", metricName: "MemoryUsedInPercent", comparisonOperator: "GreaterThanOrEqualTo", threshold: 80,
        period: 0, repeatInterval: 3600, enableRecovery: true, actions: [{ actionUuid: ids.topic, actionType: "sns" }],
      },
    });
    assert.equal(a.status, 200, a.text);
    ids.alarm = a.body.inventory.uuid;
  });
  after(async () => {
    await t?.destroy();
    await http?.close();
  });

  it("stays InsufficientData without samples", async () => {
    await evaluator().evaluateAll();
    assert.equal(await status(), "InsufficientData");
  });

  it("goes Alarm and notifies once", async () => {
    prom.value = 95;
    assert.deepEqual(await evaluator().evaluateAll(), { evaluated: 1, errors: 0 });
    assert.equal(await status(), "Alarm");
    assert.ok(await eventually(async () => http.received.length === 1));
  });

  it("after a restart, is still Alarm and sends nothing again", async () => {
    t = await t.restart();
    const r = await evaluator().evaluateAll();
    assert.deepEqual(r, { evaluated: 1, errors: 0 });
    assert.equal(await status(), "Alarm");
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(http.received.length, 1);
  });

  it("keeps its state through a Prometheus outage", async () => {
    prom.down = true;
    const r = await evaluator().evaluateAll();
    assert.deepEqual(r, { evaluated: 1, errors: 1 });
    assert.equal(await status(), "Alarm");
    prom.down = false;
  });

  it("recovers once, with a resolved message, and records the history", async () => {
    prom.value = 40;
    await evaluator().evaluateAll();
    await evaluator().evaluateAll();
    assert.equal(await status(), "OK");
    assert.ok(await eventually(async () => http.received.length === 2));
    assert.equal(http.received[1]!.json.data.resolved, true);
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal(http.received.length, 2);
    const h = await t.admin.get(`/v1/zwatch/alarms/histories?q=alarmUuid=${ids.alarm}&sort=createDate`);
    assert.deepEqual(h.body.inventories.map((x: { newStatus: string }) => x.newStatus), ["Alarm", "OK"]);
  });

  it("forgets its series when disabled and starts from InsufficientData when enabled again", async () => {
    const off = await t.admin.put(`/v1/zwatch/alarms/${ids.alarm}/actions`, { changeAlarmState: { stateEvent: "disable" } });
    assert.equal(off.body.inventory.state, "Disabled");
    assert.equal(off.body.inventory.status, "InsufficientData");
    const before = prom.queries;
    await evaluator().evaluateAll();
    assert.equal(prom.queries, before, "a Disabled alarm is not evaluated");
    const up = await t.admin.put(`/v1/zwatch/alarms/${ids.alarm}/actions`, { updateAlarm: { threshold: 30 } });
    assert.equal(up.body.inventory.threshold, 30);
    assert.equal((await t.admin.delete(`/v1/zwatch/alarms/${ids.alarm}`)).status, 200);
    assert.equal((await t.admin.get(`/v1/zwatch/alarms/${ids.alarm}`)).status, 404);
  });
});
