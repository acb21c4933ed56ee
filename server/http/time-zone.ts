/**
 * Time zone of the gateway (seed: 时区配置): timestamps are stored and computed in UTC, and
 * API responses show them in the zone set by global config `system/timezone` (an IANA name such
 * as Asia/Shanghai; default UTC), e.g. `2026-11-23T14:33:00.000+08:00` for
 * `2026-11-23T06:33:00.000Z` — the same instant, so clients parsing ISO 8601 see no change.
 */

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True when `name` is a time zone this runtime knows (IANA database). */
export function isValidTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** An ISO 8601 UTC timestamp rewritten with the zone's offset at that instant. */
export function formatInZone(isoUtc: string, timeZone: string): string {
  const instant = new Date(isoUtc);
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value])) as Record<string, string>;
  const ms = instant.getUTCMilliseconds();
  const localAsUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second), ms);
  const offsetMin = Math.round((localAsUtc - instant.getTime()) / 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${String(ms).padStart(3, "0")}${offset}`;
}

/** Every ISO 8601 UTC timestamp string inside `value`, shown in `timeZone` (UTC: unchanged). */
export function localizeTimestamps<T>(value: T, timeZone: string): T {
  if (timeZone === "UTC") return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return ISO_UTC.test(v) ? formatInZone(v, timeZone) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
