import type { PrismaClient, ZwatchAlarm, ZwatchAlarmHistory } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../server/auth/context.ts";
import { isUniqueViolation } from "../../server/db/errors.ts";
import { Errors } from "../../server/errors/catalogue.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import type { ApiReply } from "../../server/http/api.ts";
import { newUuid } from "../../server/ids.ts";
import { queryReply } from "../../server/query/run.ts";
import { MAX_POINTS_PER_SERIES, type PrometheusClient } from "../prometheus/client.ts";
import type { SnsService } from "../sns/service.ts";
import { findMetric, promMatchers, zstackLabels, type LabelFilter, type MetricDefinition } from "./catalog.ts";
import { alarmHistoryQuerySpec, alarmQuerySpec, type CreateAlarmInput, type UpdateAlarmInput } from "./schema.ts";

/** ZStack AlarmInventory as sent on the wire. */
export function alarmInventory(a: ZwatchAlarm) {
  return {
    uuid: a.uuid, name: a.name, description: a.description, namespace: a.namespace, metricName: a.metricName,
    comparisonOperator: a.comparisonOperator as "GreaterThan", threshold: a.threshold, period: a.period,
    repeatInterval: a.repeatInterval, repeatCount: a.repeatCount, emergencyLevel: a.emergencyLevel as "Important",
    enableRecovery: a.enableRecovery, labels: a.labels as unknown as LabelFilter[], actions: a.actions as unknown as { actionUuid: string; actionType: "sns" }[],
    state: a.state as "Enabled", status: a.status as "OK", lastEvaluateDate: a.lastEvaluateDate?.toISOString() ?? null,
    accountUuid: a.accountUuid, createDate: a.createDate.toISOString(), lastOpDate: a.lastOpDate.toISOString(),
  };
}

/** An alarm history row as sent on the wire. */
export function alarmHistoryInventory(h: ZwatchAlarmHistory) {
  return {
    uuid: h.uuid, alarmUuid: h.alarmUuid, labels: h.labels as Record<string, string>, oldStatus: h.oldStatus, newStatus: h.newStatus,
    value: h.value, repeat: h.repeat, accountUuid: h.accountUuid, createDate: h.createDate.toISOString(),
  };
}

/**
 * Checks a metric and its label filters against the catalog.
 * @throws ZWATCH.UNKNOWN_METRIC, ZWATCH.UNKNOWN_LABEL, SYS.1007 (bad regex).
 */
export function resolveMetric(namespace: string, metricName: string, labels: LabelFilter[]): MetricDefinition {
  const def = findMetric(namespace, metricName);
  if (!def) throw Errors.zwatchUnknownMetric(namespace, metricName);
  for (const l of labels) {
    if (!def.labels.some((d) => d.name === l.key)) throw Errors.zwatchUnknownLabel(l.key, def.labels.map((d) => d.name));
    if (l.op === "Regex" || l.op === "RegexAgainst") {
      try {
        new RegExp(l.value);
      } catch {
        throw Errors.invalidArgument("A Regex label value must be a regular expression", l.value);
      }
    }
  }
  return def;
}

/** Parses GetMetricData's `labels=Key=value` (also `!=`, `=~`, `!~`) into filters. */
export function parseLabelParams(raw: string | string[] | undefined): LabelFilter[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((s) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(!=|=~|!~|=)(.*)$/.exec(s);
    if (!m) throw Errors.invalidArgument("labels must look like Key=value, Key!=value, Key=~regex or Key!~regex", s);
    const op = ({ "=": "Equal", "!=": "NotEqual", "=~": "Regex", "!~": "RegexAgainst" } as const)[m[2] as "="];
    return { key: m[1]!, op, value: m[3]! };
  });
}

/** Metric alarms (ZStack ZWatch AlarmVO) and metric data (GetMetricData). Evaluation is in evaluator.ts. */
export class AlarmService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sns: SnsService,
    private readonly prometheus: PrometheusClient,
    private readonly configs: GlobalConfigService,
  ) {}

  /** Creates an alarm in state Enabled, status InsufficientData (CreateAlarm). @throws ZWATCH.*, SYS.1003 (topic), SYS.1002. */
  async create(caller: Caller, input: CreateAlarmInput) {
    const p = input.params;
    const labels = p.labels ?? [];
    const actions = p.actions ?? [];
    resolveMetric(p.namespace, p.metricName, labels);
    await this.sns.assertTopics(caller, actions.map((a) => a.actionUuid));
    const row = await this.prisma.zwatchAlarm.create({
      data: {
        uuid: p.resourceUuid ?? newUuid(), name: p.name, description: p.description ?? null, namespace: p.namespace, metricName: p.metricName,
        comparisonOperator: p.comparisonOperator, threshold: p.threshold, period: p.period, repeatInterval: p.repeatInterval ?? 1800,
        repeatCount: p.repeatCount ?? -1, emergencyLevel: p.emergencyLevel ?? "Important", enableRecovery: p.enableRecovery ?? false,
        labels: labels as never, actions: actions as never, accountUuid: caller.accountUuid,
      },
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw Errors.duplicate("An alarm with that uuid");
      throw err;
    });
    return alarmInventory(row);
  }

  /** The alarm if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<ZwatchAlarm> {
    const a = await this.prisma.zwatchAlarm.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!a) throw Errors.resourceNotFound("Alarm", uuid);
    return a;
  }

  /** Queries alarms (QueryAlarm). */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: alarmQuerySpec, delegate: this.prisma.zwatchAlarm as never, caller, raw,
      scope: ownedBy(caller), toInventory: alarmInventory, csvName: "alarms",
    });
  }

  /** Queries status changes (alarm history). */
  queryHistory(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: alarmHistoryQuerySpec, delegate: this.prisma.zwatchAlarmHistory as never, caller, raw,
      scope: ownedBy(caller), toInventory: alarmHistoryInventory, csvName: "alarm-histories",
    });
  }

  /**
   * Updates an alarm (UpdateAlarm). A changed condition (operator, threshold, labels) restarts
   * the evaluation of its series: held-since times are cleared, statuses are kept.
   */
  async update(caller: Caller, uuid: string, p: UpdateAlarmInput) {
    const a = await this.get(caller, uuid);
    if (p.labels) resolveMetric(a.namespace, a.metricName, p.labels);
    if (p.actions) await this.sns.assertTopics(caller, p.actions.map((x) => x.actionUuid));
    const row = await this.prisma.$transaction(async (tx) => {
      if (p.labels || p.comparisonOperator || p.threshold !== undefined) {
        await tx.zwatchAlarmSeries.updateMany({ where: { alarmUuid: uuid }, data: { conditionSince: null } });
      }
      return tx.zwatchAlarm.update({ where: { uuid }, data: { ...p, labels: p.labels as never, actions: p.actions as never } });
    });
    return alarmInventory(row);
  }

  /** Enables or disables an alarm (ChangeAlarmState). Disabling forgets its series: re-enabling starts from InsufficientData. */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    await this.get(caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    const row = await this.prisma.$transaction(async (tx) => {
      if (state === "Disabled") await tx.zwatchAlarmSeries.deleteMany({ where: { alarmUuid: uuid } });
      return tx.zwatchAlarm.update({ where: { uuid }, data: { state, ...(state === "Disabled" ? { status: "InsufficientData" } : {}) } });
    });
    return alarmInventory(row);
  }

  /** Deletes an alarm, its series state and its history (DeleteAlarm). */
  async delete(caller: Caller, uuid: string): Promise<void> {
    await this.get(caller, uuid);
    await this.prisma.$transaction([
      this.prisma.zwatchAlarmSeries.deleteMany({ where: { alarmUuid: uuid } }),
      this.prisma.zwatchAlarmHistory.deleteMany({ where: { alarmUuid: uuid } }),
      this.prisma.zwatchAlarm.delete({ where: { uuid } }),
    ]);
  }

  /**
   * Metric data (ZStack GetMetricData) through Prometheus's query_range. `period` (step, s) is
   * raised so no series exceeds Prometheus's 11,000 points. Labels in the reply use ZStack names.
   * @throws ZWATCH.UNKNOWN_METRIC/UNKNOWN_LABEL, ZWATCH.PROMETHEUS_UNAVAILABLE, SYS.1007 (startTime after endTime).
   */
  async metricData(q: { namespace: string; metricName: string; labels?: string | string[]; startTime?: number; endTime?: number; period?: number }) {
    const filters = parseLabelParams(q.labels);
    const def = resolveMetric(q.namespace, q.metricName, filters);
    const end = q.endTime ?? Math.floor(Date.now() / 1000);
    const start = q.startTime ?? end - 600;
    if (start > end) throw Errors.invalidArgument("startTime must not be after endTime", `${start} > ${end}`);
    const period = Math.max(q.period ?? 10, Math.ceil((end - start) / (MAX_POINTS_PER_SERIES - 1)), 1);
    const expr = def.promql(promMatchers(def, filters), `${this.configs.getNumber("zwatch", "rate.window")}s`);
    const series = await this.prometheus.queryRange(expr, start, end, period);
    const data = series.flatMap((s) => {
      const labels = zstackLabels(def, s.labels);
      return s.points.filter((p) => Number.isFinite(p.value)).map((p) => ({ value: p.value, time: p.time, labels }));
    });
    return { data, period };
  }
}
