import { AliyunError, Errors } from "../../core/errors.ts";
import type { RpcAction, RpcCall, RpcProduct } from "../../core/rpc.ts";
import { REGIONS } from "../vpc/regions.ts";
import type { InstanceRow } from "../ecs/instance-row.ts";

/*
 * CloudMonitor (CMS) API `2019-01-01`, DescribeMetricList for ECS instances (namespace
 * acs_ecs_dashboard) — enough for the monitoring module's ECS metrics (monitoring/aliyun).
 *
 * Values are synthetic and steady for a Running instance (none for others): CPUUtilization is
 * the instance row's `EmulatorCpuUtilization` (tests set it in the emulator's state) or 10 %;
 * disk and network rates are fixed. Datapoints are one per `Period` seconds (60 by default)
 * between StartTime and EndTime (epoch ms or "YYYY-MM-DD hh:mm:ss" UTC), at most `Length`
 * (default 1000) per page with NextToken, as CloudMonitor pages them.
 */

/** Metrics of acs_ecs_dashboard the emulator answers, with their steady values. */
const ECS_METRICS: Record<string, (row: InstanceRow) => number> = {
  CPUUtilization: (row) => Number((row as Record<string, unknown>).EmulatorCpuUtilization ?? 10),
  DiskReadBPS: () => 4096,
  DiskWriteBPS: () => 8192,
  DiskReadIOPS: () => 1,
  DiskWriteIOPS: () => 2,
  IntranetInRate: () => 8000,
  IntranetOutRate: () => 16_000,
};

function time(call: RpcCall, name: string, fallback: number): number {
  const v = call.params[name];
  if (v === undefined || v === "") return fallback;
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(`${v.replace(" ", "T")}Z`);
  if (Number.isNaN(t)) throw Errors.invalidParameter(name, "must be epoch milliseconds or YYYY-MM-DD hh:mm:ss");
  return t;
}

/**
 * DescribeMetricList (Namespace, MetricName, Period, StartTime, EndTime, Dimensions, NextToken,
 * Length) → `{ Code: "200", Success: true, Period, Datapoints: "<JSON array of { timestamp,
 * userId, instanceId, Average, Minimum, Maximum }>", NextToken? }`.
 * @throws MissingParameter, InvalidParameter; Code 400 "metric not found" for other metrics.
 */
export const describeMetricList: RpcAction = (call) => {
  const ns = call.params.Namespace;
  const metric = call.params.MetricName;
  if (!ns) throw Errors.missingParameter("Namespace");
  if (!metric) throw Errors.missingParameter("MetricName");
  const value = ECS_METRICS[metric];
  if (ns !== "acs_ecs_dashboard" || !value) throw new AliyunError("ResourceNotFound", `metric ${ns}/${metric} is not found`, 400);
  const period = Number(call.params.Period ?? "60");
  if (!Number.isInteger(period) || period < 1) throw Errors.invalidParameter("Period");
  const end = time(call, "EndTime", call.now);
  const start = time(call, "StartTime", end - 3600_000);
  let wanted: string[] | undefined;
  if (call.params.Dimensions) {
    try {
      const dims = JSON.parse(call.params.Dimensions) as unknown;
      wanted = (Array.isArray(dims) ? dims : [dims]).map((d) => String((d as { instanceId?: string }).instanceId ?? ""));
    } catch {
      throw Errors.invalidParameter("Dimensions", "must be JSON such as [{\"instanceId\":\"i-...\"}]");
    }
  }
  const regionIds = call.regionId ? [call.regionId] : REGIONS.map((r) => r.RegionId);
  const rows = regionIds.flatMap((regionId) => Object.values(call.state.table(call.accountId, regionId, "Instance", call.now) as Record<string, InstanceRow>))
    .filter((r) => r.Status === "Running" && (!wanted || wanted.includes(r.InstanceId)))
    .sort((a, b) => a.InstanceId.localeCompare(b.InstanceId));
  const points: Record<string, unknown>[] = [];
  const first = Math.ceil(start / (period * 1000)) * period * 1000;
  for (let t = first; t <= end; t += period * 1000) {
    for (const r of rows) {
      const v = value(r);
      points.push({ timestamp: t, userId: call.accountId, instanceId: r.InstanceId, Average: v, Minimum: v, Maximum: v });
    }
  }
  const offset = Number(call.params.NextToken ?? "0") || 0;
  const length = Math.min(Number(call.params.Length ?? "1000") || 1000, 1440);
  const page = points.slice(offset, offset + length);
  return {
    Code: "200", Success: true, Message: "", Period: String(period), Datapoints: JSON.stringify(page),
    ...(offset + length < points.length ? { NextToken: String(offset + length) } : {}),
  };
};

/** CloudMonitor `2019-01-01` as the emulator serves it (metric data of ECS instances). */
export const cmsProduct: RpcProduct = {
  product: "Cms",
  version: "2019-01-01",
  actions: { DescribeMetricList: describeMetricList },
};
