/**
 * SNS message templates per topic locale (en_US, zh_CN). Times are shown in the sns/timeZone
 * global config's zone. Each template fills subject, plain text, markdown and structured data.
 */
import type { SnsMessage } from "./channels/types.ts";

/** Topic locales. */
export type Locale = "en_US" | "zh_CN";

/** Facts of an alarm status change. */
export interface AlarmFacts {
  alarmUuid: string;
  alarmName: string;
  namespace: string;
  metricName: string;
  comparisonOperator: string;
  threshold: number;
  unit: string;
  emergencyLevel: string;
  /** ZStack labels of the series, e.g. { VMUuid }. */
  labels: Record<string, string>;
  /** Name of the resource the series is about, when known. */
  resourceName?: string;
  resourceUuid?: string;
  oldStatus: string;
  newStatus: string;
  value: number | null;
  /** Seconds the series has been in Alarm (recovery and repeats). */
  durationSeconds?: number;
  repeat: boolean;
  time: Date;
}

/** Facts of a fired event. */
export interface EventFacts {
  recordUuid: string;
  namespace: string;
  eventName: string;
  emergencyLevel: string;
  labels: Record<string, string>;
  resourceUuid?: string;
  resourceType?: string;
  resourceName?: string;
  time: Date;
}

const OPS: Record<Locale, Record<string, string>> = {
  en_US: { GreaterThan: ">", GreaterThanOrEqualTo: ">=", LessThan: "<", LessThanOrEqualTo: "<=" },
  zh_CN: { GreaterThan: "大于", GreaterThanOrEqualTo: "大于等于", LessThan: "小于", LessThanOrEqualTo: "小于等于" },
};

/** `2026-11-23 14:50:04 Asia/Shanghai`. */
export function formatTime(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).formatToParts(d);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? "";
  return `${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")}:${p("second")} ${timeZone}`;
}

const fmt = (v: number | null) => (v === null ? "-" : Number.isInteger(v) ? String(v) : v.toFixed(2));
const labelText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(", ") || "-";

function build(subject: string, lines: [string, string][], data: Record<string, unknown>): SnsMessage {
  return {
    subject,
    text: `${subject}\n\n${lines.map(([k, v]) => `${k}: ${v}`).join("\n")}\n`,
    markdown: `### ${subject}\n\n${lines.map(([k, v]) => `- **${k}**: ${v}`).join("\n")}\n`,
    data,
  };
}

/** An alarm's message: firing, repeated, resolved, or another status change. */
export function alarmMessage(f: AlarmFacts, locale: Locale, timeZone: string): SnsMessage {
  const resolved = f.newStatus === "OK" && f.oldStatus === "Alarm";
  const zh = locale === "zh_CN";
  const what = resolved ? (zh ? "已恢复" : "RESOLVED") : f.newStatus === "Alarm" ? (zh ? "告警" : "ALARM") : f.newStatus;
  const resource = f.resourceName ? `${f.resourceName} (${f.resourceUuid})` : (f.resourceUuid ?? labelText(f.labels));
  const condition = `${f.metricName} ${OPS[locale][f.comparisonOperator] ?? f.comparisonOperator} ${f.threshold}${f.unit}`;
  const subject = zh ? `[${what}] ${f.alarmName}: ${resource}` : `[${what}] ${f.alarmName}: ${resource}`;
  const lines: [string, string][] = zh
    ? [["告警", `${f.alarmName} (${f.alarmUuid})`], ["资源", resource], ["指标", `${f.namespace} ${condition}`],
      ["当前值", `${fmt(f.value)}${f.unit}`], ["状态", `${f.oldStatus} → ${f.newStatus}${f.repeat ? "（重复通知）" : ""}`],
      ["级别", f.emergencyLevel], ...(f.durationSeconds !== undefined ? [["持续", `${Math.round(f.durationSeconds)} 秒`] as [string, string]] : []),
      ["时间", formatTime(f.time, timeZone)]]
    : [["Alarm", `${f.alarmName} (${f.alarmUuid})`], ["Resource", resource], ["Metric", `${f.namespace} ${condition}`],
      ["Current value", `${fmt(f.value)}${f.unit}`], ["Status", `${f.oldStatus} → ${f.newStatus}${f.repeat ? " (repeat)" : ""}`],
      ["Level", f.emergencyLevel], ...(f.durationSeconds !== undefined ? [["Duration", `${Math.round(f.durationSeconds)} s`] as [string, string]] : []),
      ["Time", formatTime(f.time, timeZone)]];
  return build(subject, lines, { kind: "alarm", resolved, ...f, time: f.time.toISOString() });
}

/** A fired event's message. */
export function eventMessage(f: EventFacts, locale: Locale, timeZone: string): SnsMessage {
  const zh = locale === "zh_CN";
  const resource = f.resourceName ? `${f.resourceName} (${f.resourceUuid})` : (f.resourceUuid ?? "-");
  const subject = `[${zh ? "事件" : "EVENT"}] ${f.eventName}: ${resource}`;
  const lines: [string, string][] = zh
    ? [["事件", `${f.namespace} ${f.eventName}`], ["资源", `${f.resourceType ?? ""} ${resource}`], ["标签", labelText(f.labels)],
      ["级别", f.emergencyLevel], ["时间", formatTime(f.time, timeZone)]]
    : [["Event", `${f.namespace} ${f.eventName}`], ["Resource", `${f.resourceType ?? ""} ${resource}`], ["Labels", labelText(f.labels)],
      ["Level", f.emergencyLevel], ["Time", formatTime(f.time, timeZone)]];
  return build(subject, lines, { kind: "event", ...f, time: f.time.toISOString() });
}

/** The message of "send a test message" to an endpoint. */
export function testMessage(endpointName: string, time: Date, timeZone: string): SnsMessage {
  return build(`[TEST] Strata SNS test message to ${endpointName}`, [["Endpoint", endpointName], ["Time", formatTime(time, timeZone)]],
    { kind: "test", time: time.toISOString() });
}
