import { Errors } from "./errors.ts";
import type { RpcCall } from "./rpc.ts";

/** A string param. @throws MissingParameter when `required` and absent or empty. */
export function str(call: RpcCall, name: string, opts: { required: true }): string;
export function str(call: RpcCall, name: string, opts?: { required?: false; default?: string }): string | undefined;
export function str(call: RpcCall, name: string, opts: { required?: boolean; default?: string } = {}): string | undefined {
  const v = call.params[name];
  if (v === undefined || v === "") {
    if (opts.required) throw Errors.missingParameter(name);
    return opts.default;
  }
  return v;
}

/** A string param that must be one of `values` (case-sensitive, as Alibaba checks). */
export function oneOf<T extends string>(call: RpcCall, name: string, values: readonly T[], dflt?: T): T | undefined {
  const v = str(call, name);
  if (v === undefined) return dflt;
  if (!values.includes(v as T)) throw Errors.invalidParameter(name, `must be one of ${values.join(", ")}`);
  return v as T;
}

/** An integer param within [min, max]. @throws InvalidParameter / MissingParameter. */
export function int(call: RpcCall, name: string, opts: { required?: boolean; default?: number; min?: number; max?: number } = {}): number | undefined {
  const v = str(call, name, { required: opts.required as false });
  if (v === undefined) return opts.default;
  if (!/^-?\d+$/.test(v)) throw Errors.invalidParameter(name, "must be an integer");
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) throw Errors.invalidParameter(name, `must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw Errors.invalidParameter(name, `must be at most ${opts.max}`);
  return n;
}

/** A boolean param ("true"/"false"). */
export function bool(call: RpcCall, name: string, dflt = false): boolean {
  const v = str(call, name);
  if (v === undefined) return dflt;
  if (v !== "true" && v !== "false") throw Errors.invalidParameter(name, "must be true or false");
  return v === "true";
}

/**
 * A list param in either wire form: a JSON array string (`InstanceIds='["i-1","i-2"]'`,
 * used by ECS's *Ids params) or repeat-numbered keys (`SecurityGroupIds.1=sg-1`).
 */
export function list(call: RpcCall, name: string): string[] {
  const json = call.params[name];
  if (json !== undefined && json !== "") {
    try {
      const parsed: unknown = JSON.parse(json);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // a single plain value
    }
    return json.split(",").map((s) => s.trim()).filter(Boolean);
  }
  const out: string[] = [];
  for (let i = 1; call.params[`${name}.${i}`] !== undefined; i++) out.push(call.params[`${name}.${i}`]!);
  return out;
}

/** Repeat-numbered objects, e.g. `Tag.1.Key=a&Tag.1.Value=b` → `[{Key:"a",Value:"b"}]`. */
export function objects(call: RpcCall, name: string): Record<string, string>[] {
  const byIndex = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${name.replace(/\./g, "\\.")}\\.(\\d+)\\.(.+)$`);
  for (const [k, v] of Object.entries(call.params)) {
    const m = re.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const o = byIndex.get(i) ?? {};
    o[m[2]!] = v;
    byIndex.set(i, o);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, o]) => o);
}

/**
 * PageNumber/PageSize paging (ECS/VPC Describe* default 10, max 50 or 100).
 * Returns the page and the fields to put in the response.
 */
export function page<T>(call: RpcCall, items: T[], opts: { defaultSize?: number; maxSize?: number } = {}) {
  const pageSize = int(call, "PageSize", { default: opts.defaultSize ?? 10, min: 1, max: opts.maxSize ?? 100 })!;
  const pageNumber = int(call, "PageNumber", { default: 1, min: 1 })!;
  const start = (pageNumber - 1) * pageSize;
  return { items: items.slice(start, start + pageSize), fields: { TotalCount: items.length, PageNumber: pageNumber, PageSize: pageSize } };
}

/**
 * NextToken/MaxResults paging (e.g. VPC DescribeRouteEntryList, ECS DescribeInstances with
 * MaxResults). The token is the offset, opaque to clients. `NextToken` is "" on the last page.
 */
export function tokenPage<T>(call: RpcCall, items: T[], opts: { defaultMax?: number; maxMax?: number } = {}) {
  const max = int(call, "MaxResults", { default: opts.defaultMax ?? 10, min: 1, max: opts.maxMax ?? 100 })!;
  const token = str(call, "NextToken");
  let offset = 0;
  if (token) {
    const m = /^o(\d+)$/.exec(Buffer.from(token, "base64url").toString());
    if (!m) throw Errors.invalidParameter("NextToken", "is not a token this API returned");
    offset = Number(m[1]);
  }
  const next = offset + max < items.length ? Buffer.from(`o${offset + max}`).toString("base64url") : "";
  return { items: items.slice(offset, offset + max), fields: { NextToken: next, MaxResults: max, TotalCount: items.length } };
}
