import type { AliyunConnection } from "../remote.ts";
import { AliyunApiError } from "../client/errors.ts";
import { HybridErrors } from "../errors.ts";

/** A VPC as VPC DescribeVpcs lists it (Alibaba VPC API 2016-04-28). */
export interface AliyunVpc {
  VpcId: string;
  VpcName: string;
  Description?: string;
  Status: string;
  CidrBlock: string;
  VRouterId?: string;
}

/** A VSwitch as VPC DescribeVSwitches lists it. */
export interface AliyunVSwitch {
  VSwitchId: string;
  VpcId: string;
  ZoneId: string;
  CidrBlock: string;
  VSwitchName: string;
  Description?: string;
  Status: string;
  AvailableIpAddressCount?: number;
}

/** A VRouter as VPC DescribeVRouters lists it. */
export interface AliyunVRouter {
  VRouterId: string;
  VpcId: string;
  VRouterName?: string;
  Description?: string;
  RouteTableIds?: { RouteTableId?: string[] };
}

/** A route entry as VPC DescribeRouteEntryList lists it. */
export interface AliyunRouteEntry {
  RouteEntryId: string;
  RouteTableId: string;
  DestinationCidrBlock: string;
  /** System or Custom. */
  Type: string;
  /** Pending, Available, Modifying. */
  Status: string;
  NextHopType?: string;
  InstanceId?: string;
  NextHops?: { NextHop?: { NextHopType?: string; NextHopId?: string }[] };
}

/** Alibaba's empty strings mean "none" in Strata's rows. */
export const orNull = (s: string | undefined | null): string | null => (s ? s : null);

/** Every VPC of the region (DescribeVpcs, all pages of 50, the API's maximum). */
export async function describeVpcs(conn: AliyunConnection, regionId: string, vpcId?: string): Promise<AliyunVpc[]> {
  return conn.rpc.describeAll<AliyunVpc>("Vpc", regionId, "DescribeVpcs", ["Vpcs", "Vpc"], { VpcId: vpcId }, 50);
}

/** Every VSwitch of the region, or of one VPC (DescribeVSwitches). */
export async function describeVSwitches(conn: AliyunConnection, regionId: string, filter: { VpcId?: string; VSwitchId?: string } = {}): Promise<AliyunVSwitch[]> {
  return conn.rpc.describeAll<AliyunVSwitch>("Vpc", regionId, "DescribeVSwitches", ["VSwitches", "VSwitch"], filter, 50);
}

/** Every VRouter of the region (DescribeVRouters). */
export async function describeVRouters(conn: AliyunConnection, regionId: string, vRouterId?: string): Promise<AliyunVRouter[]> {
  return conn.rpc.describeAll<AliyunVRouter>("Vpc", regionId, "DescribeVRouters", ["VRouters", "VRouter"], { VRouterId: vRouterId }, 50);
}

/** Every entry of a route table (DescribeRouteEntryList, NextToken paging). */
export async function describeRouteEntries(conn: AliyunConnection, regionId: string, routeTableId: string, routeEntryId?: string): Promise<AliyunRouteEntry[]> {
  return conn.rpc.describeAllByToken<AliyunRouteEntry>("Vpc", regionId, "DescribeRouteEntryList", ["RouteEntrys", "RouteEntry"],
    { RouteTableId: routeTableId, RouteEntryId: routeEntryId });
}

/**
 * Runs a create with `DryRun=true` first, so that parameter errors (a malformed or overlapping
 * CIDR block, a VPC not yet Available) reach the caller as a synchronous 4xx with Alibaba's
 * code before any job starts. Alibaba answers a passing dry run with `DryRunOperation`.
 * @throws ALIYUN.<code> for any other answer.
 */
export async function dryRun(conn: AliyunConnection, regionId: string, action: string, params: Record<string, unknown>): Promise<void> {
  try {
    await conn.rpc.call("Vpc", regionId, action, { ...params, DryRun: "true" });
  } catch (err) {
    if (err instanceof AliyunApiError && err.code === "DryRunOperation") return;
    if (err instanceof AliyunApiError) throw HybridErrors.fromAliyun(err);
    throw err;
  }
}

/** How long creates wait for Alibaba to report a resource Available, and how often they look. */
export const WAIT_POLICY = { timeoutMs: 120_000, firstDelayMs: 200, maxDelayMs: 3000 };

/**
 * Polls `read` until `ready` holds for what it returns, or {@link WAIT_POLICY} timeoutMs passes.
 * @returns the last thing read, with `ready` telling whether it got there in time.
 */
export async function waitUntil<T>(read: () => Promise<T | undefined>, isReady: (t: T) => boolean,
  policy = WAIT_POLICY): Promise<{ value: T | undefined; ready: boolean }> {
  const until = Date.now() + policy.timeoutMs;
  let delay = policy.firstDelayMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && isReady(value)) return { value, ready: true };
    if (Date.now() + delay > until) return { value, ready: false };
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(policy.maxDelayMs, delay * 2);
  }
}
