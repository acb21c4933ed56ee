/**
 * The metric-alarm evaluator: every zwatch/evaluation.interval seconds it runs one PromQL
 * instant query per Enabled alarm and moves each series (one label set: a VM, a host) between
 * OK, Alarm and InsufficientData.
 *
 * - A series goes Alarm only after its condition has held for the alarm's `period` (the time
 *   it first held is stored), which damps flapping; it goes OK as soon as the condition stops
 *   holding, and InsufficientData when Prometheus no longer returns it.
 * - Going Alarm notifies; while in Alarm it re-notifies every `repeatInterval` seconds,
 *   `repeatCount` more times (-1: without end); leaving Alarm for OK sends a resolved message
 *   when `enableRecovery` is on.
 * - Alarms on the same metric share one query per round: the metric is queried once without
 *   label filters and each alarm's filters are applied to the result (same semantics as the
 *   PromQL matchers); only filters on labels the result does not carry (e.g. ClusterUuid of a
 *   per-host metric) get their own filtered query. 1,000 alarms cost a handful of queries.
 * - All of it lives in PostgreSQL: each alarm's changes (series rows, history rows, the alarm's
 *   status and its SNS deliveries) commit in one transaction, so a restart neither loses nor
 *   repeats a notification — the next round starts from the stored state.
 */
import type { Logger } from "pino";
import type { PrismaClient, ZwatchAlarm, ZwatchAlarmSeries } from "../../generated/prisma/client.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import { newUuid } from "../../server/ids.ts";
import type { NodeMetrics } from "../metrics/node-metrics.ts";
import type { InstantSample, PrometheusClient } from "../prometheus/client.ts";
import type { SnsService } from "../sns/service.ts";
import { alarmMessage, type AlarmFacts } from "../sns/templates.ts";
import { findMetric, labelsMatch, promMatchers, zstackLabels, type LabelFilter, type MetricDefinition } from "./catalog.ts";

type Status = "OK" | "Alarm" | "InsufficientData";

/** Whether `value op threshold` holds. */
export function conditionHolds(op: string, value: number, threshold: number): boolean {
  switch (op) {
    case "GreaterThan": return value > threshold;
    case "GreaterThanOrEqualTo": return value >= threshold;
    case "LessThan": return value < threshold;
    case "LessThanOrEqualTo": return value <= threshold;
    default: return false;
  }
}

/** One series' next state, decided from its stored state and the current sample. */
export interface SeriesDecision {
  status: Status;
  conditionSince: Date | null;
  /** "alarm" first notification, "repeat", "recovery", or none. */
  notify?: "alarm" | "repeat" | "recovery";
  changed: boolean;
}

/**
 * The state machine of one series (pure: tests drive it directly). `value` undefined means
 * Prometheus returned no sample for the series.
 */
export function decide(alarm: Pick<ZwatchAlarm, "comparisonOperator" | "threshold" | "period" | "repeatInterval" | "repeatCount" | "enableRecovery">,
  prev: Pick<ZwatchAlarmSeries, "status" | "conditionSince" | "notifyCount" | "lastNotifyDate"> | undefined, value: number | undefined, now: Date): SeriesDecision {
  const before = (prev?.status ?? "InsufficientData") as Status;
  if (value === undefined || !Number.isFinite(value)) {
    return { status: "InsufficientData", conditionSince: null, changed: before !== "InsufficientData" };
  }
  if (!conditionHolds(alarm.comparisonOperator, value, alarm.threshold)) {
    const notify = before === "Alarm" && alarm.enableRecovery ? "recovery" : undefined;
    return { status: "OK", conditionSince: null, notify, changed: before !== "OK" || prev?.conditionSince != null };
  }
  const since = prev?.conditionSince ?? now;
  const held = now.getTime() - since.getTime() >= alarm.period * 1000;
  if (!held) {
    // Pending: the condition holds but not for long enough; a series with data is OK meanwhile.
    const status: Status = before === "Alarm" ? "Alarm" : "OK";
    return { status, conditionSince: since, changed: status !== before || prev?.conditionSince == null };
  }
  if (before !== "Alarm") return { status: "Alarm", conditionSince: since, notify: "alarm", changed: true };
  const count = prev?.notifyCount ?? 0;
  const due = prev?.lastNotifyDate == null || now.getTime() - prev.lastNotifyDate.getTime() >= alarm.repeatInterval * 1000;
  const more = alarm.repeatCount < 0 || count - 1 < alarm.repeatCount;
  return { status: "Alarm", conditionSince: since, notify: due && more ? "repeat" : undefined, changed: due && more };
}

const seriesKey = (labels: Record<string, string>) => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",").slice(0, 1000);

/** Runs alarm evaluation rounds. */
export class AlarmEvaluator {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  /** Not scheduling rounds (before start, after stop). */
  private stopped = true;
  /** stop() was called: a round in progress ends early. A never-started instance still runs rounds called directly. */
  private halted = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly prometheus: PrometheusClient,
    private readonly sns: SnsService,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
    private readonly metrics?: NodeMetrics,
    /** Prometheus queries in flight at once. */
    private readonly concurrency = 16,
  ) {}

  /** Starts a round every zwatch/evaluation.interval seconds (the first one after one interval). */
  start(): void {
    this.stopped = false;
    this.halted = false;
    this.schedule();
  }

  /** Stops and waits for the round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.evaluateAll().then(() => undefined, (err: unknown) => this.log.warn({ err }, "alarm evaluation round failed"))
        .finally(() => {
          this.round = undefined;
          this.schedule();
        });
    }, this.configs.getNumber("zwatch", "evaluation.interval") * 1000);
    this.timer.unref();
  }

  /** Evaluates every Enabled alarm once; returns how many were evaluated and how many failed. */
  async evaluateAll(now = new Date()): Promise<{ evaluated: number; errors: number }> {
    const end = this.metrics?.evaluationRound.startTimer();
    const alarms = await this.prisma.zwatchAlarm.findMany({ where: { state: "Enabled" }, orderBy: { uuid: "asc" } });
    const window = `${this.configs.getNumber("zwatch", "rate.window")}s`;
    let next = 0;
    let errors = 0;
    let published = false;
    const shared = new Map<string, Promise<InstantSample[]>>();
    const unfiltered = (def: MetricDefinition) => {
      const key = `${def.namespace}/${def.name}`;
      let p = shared.get(key);
      if (!p) {
        p = this.prometheus.query(def.promql("", window), now.getTime() / 1000);
        shared.set(key, p);
      }
      return p;
    };
    const worker = async () => {
      while (next < alarms.length && !this.halted) {
        const a = alarms[next++]!;
        try {
          published = (await this.evaluate(a, window, now, unfiltered)) || published;
          this.metrics?.alarmEvaluations.inc({ result: "ok" });
        } catch (err) {
          errors++;
          this.metrics?.alarmEvaluations.inc({ result: "error" });
          this.log.warn({ err, alarmUuid: a.uuid }, "alarm evaluation failed");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, alarms.length) }, worker));
    // One statement for the round's timestamp instead of one write per alarm.
    if (alarms.length) await this.prisma.zwatchAlarm.updateMany({ where: { uuid: { in: alarms.map((x) => x.uuid) } }, data: { lastEvaluateDate: now } });
    if (published) this.sns.poke();
    end?.();
    return { evaluated: alarms.length, errors };
  }

  /** Evaluates one alarm; true when it stored deliveries. A Prometheus failure leaves its state untouched. */
  private async evaluate(a: ZwatchAlarm, window: string, now: Date, unfiltered: (def: MetricDefinition) => Promise<InstantSample[]>): Promise<boolean> {
    const def = findMetric(a.namespace, a.metricName);
    if (!def) throw new Error(`alarm ${a.uuid}: metric ${a.namespace}/${a.metricName} left the catalog`);
    const filters = a.labels as unknown as LabelFilter[];
    const promKeys = filters.map((f) => def.labels.find((l) => l.name === f.key)?.promLabel ?? f.key);
    const all = await unfiltered(def);
    // Filtering only narrows: an empty fleet-wide result means no data for this alarm either.
    const samples: InstantSample[] = all.every((x) => promKeys.every((k) => k in x.labels))
      ? all.filter((x) => labelsMatch(zstackLabels(def, x.labels), filters))
      : await this.prometheus.query(def.promql(promMatchers(def, filters), window), now.getTime() / 1000);
    const stored = await this.prisma.zwatchAlarmSeries.findMany({ where: { alarmUuid: a.uuid } });
    const current = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const s of samples) {
      const labels = zstackLabels(def, s.labels);
      current.set(seriesKey(labels), { labels, value: s.value });
    }
    const keys = new Set([...current.keys(), ...stored.map((s) => s.seriesKey)]);
    const changes: { key: string; labels: Record<string, string>; value: number | undefined; prev?: ZwatchAlarmSeries; d: SeriesDecision }[] = [];
    const statuses: Status[] = [];
    for (const key of keys) {
      const prev = stored.find((s) => s.seriesKey === key);
      const cur = current.get(key);
      const d = decide(a, prev, cur?.value, now);
      if (d.status !== "InsufficientData" || prev) statuses.push(d.status);
      if (d.changed || !prev) {
        changes.push({ key, labels: cur?.labels ?? (prev?.labels as Record<string, string>), value: cur?.value, prev, d });
      }
    }
    const status: Status = statuses.includes("Alarm") ? "Alarm" : statuses.includes("OK") ? "OK" : "InsufficientData";
    if (!changes.length && status === a.status) return false;
    const notifying = changes.filter((c) => c.d.notify);
    const names = notifying.length ? await this.resourceNames(notifying.map((c) => c.labels)) : new Map<string, string>();
    let published = 0;
    await this.prisma.$transaction(async (tx) => {
      for (const c of changes) {
        const statusChanged = (c.prev?.status ?? "InsufficientData") !== c.d.status;
        const notifyCount = c.d.notify === "alarm" ? 1 : c.d.notify === "repeat" ? (c.prev?.notifyCount ?? 0) + 1 : c.d.status === "Alarm" ? (c.prev?.notifyCount ?? 0) : 0;
        const data = {
          labels: c.labels as never, status: c.d.status, conditionSince: c.d.conditionSince, lastValue: c.value ?? null, notifyCount,
          lastNotifyDate: c.d.notify === "alarm" || c.d.notify === "repeat" ? now : c.d.status === "Alarm" ? (c.prev?.lastNotifyDate ?? null) : null,
          alarmSince: c.d.status === "Alarm" ? (c.prev?.alarmSince ?? now) : null,
        };
        if (c.prev) {
          // Conditional on lastOpDate: a concurrent evaluator on another node loses instead of notifying twice.
          const n = await tx.zwatchAlarmSeries.updateMany({ where: { alarmUuid: a.uuid, seriesKey: c.key, lastOpDate: c.prev.lastOpDate }, data });
          if (n.count === 0) throw new Error(`alarm ${a.uuid} series ${c.key} changed meanwhile`);
        } else {
          await tx.zwatchAlarmSeries.create({ data: { alarmUuid: a.uuid, seriesKey: c.key, ...data } });
        }
        if (!statusChanged && c.d.notify !== "repeat") continue;
        const historyUuid = newUuid();
        await tx.zwatchAlarmHistory.create({
          data: {
            uuid: historyUuid, alarmUuid: a.uuid, labels: c.labels as never, oldStatus: c.prev?.status ?? "InsufficientData",
            newStatus: c.d.status, value: c.value ?? null, repeat: c.d.notify === "repeat", accountUuid: a.accountUuid, createDate: now,
          },
        });
        if (!c.d.notify) continue;
        const topics = (a.actions as unknown as { actionUuid: string }[]).map((x) => x.actionUuid);
        const resourceUuid = c.labels.VMUuid ?? c.labels.HostUuid;
        const facts: AlarmFacts = {
          alarmUuid: a.uuid, alarmName: a.name, namespace: a.namespace, metricName: a.metricName, comparisonOperator: a.comparisonOperator,
          threshold: a.threshold, unit: def.unit, emergencyLevel: a.emergencyLevel, labels: c.labels,
          resourceUuid, resourceName: resourceUuid ? names.get(resourceUuid) : undefined,
          oldStatus: c.prev?.status ?? "InsufficientData", newStatus: c.d.status, value: c.value ?? null,
          durationSeconds: c.prev?.alarmSince ? (now.getTime() - c.prev.alarmSince.getTime()) / 1000 : undefined,
          repeat: c.d.notify === "repeat", time: now,
        };
        const tz = this.configs.get("sns", "timeZone");
        published += await this.sns.publish(tx, topics, `alarm:${historyUuid}`, (locale) => alarmMessage(facts, locale, tz));
      }
      const gone = [...keys].filter((k) => !current.has(k) && stored.find((s) => s.seriesKey === k)?.status === "InsufficientData");
      if (gone.length) await tx.zwatchAlarmSeries.deleteMany({ where: { alarmUuid: a.uuid, seriesKey: { in: gone } } });
      if (status !== a.status) await tx.zwatchAlarm.update({ where: { uuid: a.uuid }, data: { status } });
    });
    return published > 0;
  }

  private async resourceNames(labels: Record<string, string>[]): Promise<Map<string, string>> {
    const vmUuids = labels.map((l) => l.VMUuid).filter((u): u is string => !!u);
    const hostUuids = labels.map((l) => l.HostUuid).filter((u): u is string => !!u);
    const [vms, hosts] = await Promise.all([
      vmUuids.length ? this.prisma.vmInstance.findMany({ where: { uuid: { in: vmUuids } }, select: { uuid: true, name: true } }) : [],
      hostUuids.length ? this.prisma.host.findMany({ where: { uuid: { in: hostUuids } }, select: { uuid: true, name: true } }) : [],
    ]);
    return new Map([...vms, ...hosts].map((r) => [r.uuid, r.name]));
  }
}
