/**
 * The metric-alarm state machine of one series (AlarmEvaluator's `decide`), driven directly:
 * the period damps flapping, repeats follow repeatInterval/repeatCount, recovery follows
 * enableRecovery, a missing sample is InsufficientData.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conditionHolds, decide } from "../../monitoring/zwatch/evaluator.ts";
import { labelsMatch, METRICS, promMatchers } from "../../monitoring/zwatch/catalog.ts";
import { parseLabelParams } from "../../monitoring/zwatch/alarms.ts";

const alarm = { comparisonOperator: "GreaterThan", threshold: 80, period: 60, repeatInterval: 300, repeatCount: 1, enableRecovery: true };
const t0 = new Date("2026-11-23T00:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);
type Prev = Parameters<typeof decide>[1];

describe("AlarmEvaluator.decide", () => {
  it("compares with each operator", () => {
    assert.ok(conditionHolds("GreaterThan", 2, 1) && !conditionHolds("GreaterThan", 1, 1));
    assert.ok(conditionHolds("GreaterThanOrEqualTo", 1, 1));
    assert.ok(conditionHolds("LessThan", 0, 1) && !conditionHolds("LessThan", 1, 1));
    assert.ok(conditionHolds("LessThanOrEqualTo", 1, 1));
  });

  it("stays OK until the condition has held for the period, then goes Alarm and notifies", () => {
    const first = decide(alarm, undefined, 90, at(0));
    assert.deepEqual(first, { status: "OK", conditionSince: at(0), changed: true });
    const prev: Prev = { status: "OK", conditionSince: at(0), notifyCount: 0, lastNotifyDate: null };
    assert.equal(decide(alarm, prev, 95, at(59)).status, "OK");
    assert.equal(decide(alarm, prev, 95, at(59)).changed, false);
    const fired = decide(alarm, prev, 95, at(60));
    assert.equal(fired.status, "Alarm");
    assert.equal(fired.notify, "alarm");
  });

  it("damps flapping: one sample below the threshold restarts the period", () => {
    const prev: Prev = { status: "OK", conditionSince: at(0), notifyCount: 0, lastNotifyDate: null };
    const dip = decide(alarm, prev, 70, at(30));
    assert.equal(dip.status, "OK");
    assert.equal(dip.conditionSince, null);
    const again = decide(alarm, { ...prev, conditionSince: null }, 90, at(40));
    assert.deepEqual(again.conditionSince, at(40));
    assert.equal(decide(alarm, { ...prev, conditionSince: at(40) }, 90, at(90)).status, "OK");
  });

  it("repeats after repeatInterval, repeatCount times only", () => {
    const inAlarm: Prev = { status: "Alarm", conditionSince: at(0), notifyCount: 1, lastNotifyDate: at(60) };
    assert.equal(decide(alarm, inAlarm, 90, at(200)).notify, undefined);
    assert.equal(decide(alarm, inAlarm, 90, at(360)).notify, "repeat");
    const repeated: Prev = { ...inAlarm, notifyCount: 2, lastNotifyDate: at(360) };
    assert.equal(decide(alarm, repeated, 90, at(1000)).notify, undefined, "repeatCount 1 reached");
    assert.equal(decide({ ...alarm, repeatCount: -1 }, repeated, 90, at(1000)).notify, "repeat", "-1: without end");
  });

  it("sends a recovery only when enableRecovery is on", () => {
    const inAlarm: Prev = { status: "Alarm", conditionSince: at(0), notifyCount: 1, lastNotifyDate: at(60) };
    assert.equal(decide(alarm, inAlarm, 10, at(100)).notify, "recovery");
    assert.equal(decide({ ...alarm, enableRecovery: false }, inAlarm, 10, at(100)).notify, undefined);
    assert.equal(decide(alarm, inAlarm, 10, at(100)).status, "OK");
  });

  it("goes InsufficientData without a sample, without notifying", () => {
    const inAlarm: Prev = { status: "Alarm", conditionSince: at(0), notifyCount: 1, lastNotifyDate: at(60) };
    assert.deepEqual(decide(alarm, inAlarm, undefined, at(100)), { status: "InsufficientData", conditionSince: null, changed: true });
    assert.equal(decide(alarm, inAlarm, Number.NaN, at(100)).status, "InsufficientData");
  });
});

describe("ZWatch label filters", () => {
  it("turn into PromQL matchers on the metric's Prometheus labels", () => {
    const cpu = METRICS.find((m) => m.namespace === "ZStack/VM" && m.name === "CPUAverageUsedUtilization")!;
    const sel = promMatchers(cpu, [{ key: "VMUuid", op: "Equal", value: "a\"b" }, { key: "HostUuid", op: "RegexAgainst", value: "h.*" }]);
    assert.equal(sel, 'vmUuid="a\\"b",hostUuid!~"h.*"');
    assert.match(cpu.promql(sel, "60s"), /vm_cpu_seconds_total\{vmUuid="a\\"b",hostUuid!~"h\.\*"\}\[60s\]/);
  });

  it("parse GetMetricData's labels=Key=value forms", () => {
    assert.deepEqual(parseLabelParams(["VMUuid=x", "HostUuid!=y", "A=~b.*", "B!~c"]), [
      { key: "VMUuid", op: "Equal", value: "x" }, { key: "HostUuid", op: "NotEqual", value: "y" },
      { key: "A", op: "Regex", value: "b.*" }, { key: "B", op: "RegexAgainst", value: "c" },
    ]);
    assert.throws(() => parseLabelParams("no-operator"), /labels must look like/);
  });

  it("match event labels, anchoring regular expressions", () => {
    const l = { HostUuid: "abc", NewStatus: "Disconnected" };
    assert.ok(labelsMatch(l, [{ key: "NewStatus", op: "Equal", value: "Disconnected" }]));
    assert.ok(!labelsMatch(l, [{ key: "HostUuid", op: "Regex", value: "ab" }]));
    assert.ok(labelsMatch(l, [{ key: "HostUuid", op: "Regex", value: "ab." }]));
    assert.ok(labelsMatch(l, [{ key: "HostUuid", op: "RegexAgainst", value: "x.*" }]));
  });
});
