import { Errors } from "../../core/errors.ts";
import type { RpcCall } from "../../core/rpc.ts";

/**
 * The `Filter.N.Key` / `Filter.N.Value.M` conditions of Express Connect's Describe* actions
 * (DescribeVirtualBorderRouters, DescribeRouterInterfaces), as key → accepted values. A row
 * matches when, for every key, its field equals one of the values.
 * @throws InvalidParameter for a key outside `keys` or a key without values.
 */
export function filters(call: RpcCall, keys: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (let n = 1; call.params[`Filter.${n}.Key`] !== undefined; n++) {
    const key = call.params[`Filter.${n}.Key`]!;
    if (!keys.includes(key)) throw Errors.invalidParameter(`Filter.${n}.Key`, `must be one of ${keys.join(", ")}`);
    const values = new Set<string>();
    for (let m = 1; call.params[`Filter.${n}.Value.${m}`] !== undefined; m++) values.add(call.params[`Filter.${n}.Value.${m}`]!);
    if (!values.size) throw Errors.missingParameter(`Filter.${n}.Value.1`);
    out.set(key, values);
  }
  return out;
}

/** True when `row` satisfies every condition (fields compared as strings). */
export function matches(row: Record<string, unknown>, conditions: Map<string, Set<string>>): boolean {
  for (const [key, values] of conditions) if (!values.has(String(row[key] ?? ""))) return false;
  return true;
}
