import { AliyunError, Errors } from "../../core/errors.ts";
import { int, objects, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough, type StoredResource } from "../../core/state.ts";
import { contains, formatCidr, overlaps, parseCidr, SERVICE_BLOCK } from "./cidr.ts";
import { requireRegion } from "./regions.ts";
import {
  checkText, findRouteTable, routeEntries, stopIfDryRun, vpcs, vpcTime, vswitches, type NextHop, type RouteEntryRow, type RouteTableRow,
} from "./tables.ts";
import { transitionMs } from "./timing.ts";

/** Custom route entries per VRouter route table (Alibaba's default quota). */
export const ROUTE_ENTRY_QUOTA = 200;

/**
 * How a next hop of one type is found and checked. `table` is the state kind holding such
 * resources; `belongs` says whether a row may serve as next hop for the given route table.
 * Types whose products are not emulated yet (VPN gateways, router interfaces, HaVips, NAT
 * gateways, ENIs) already have an entry: they resolve as soon as their table gets rows.
 */
export interface NextHopKind {
  table: string;
  belongs(row: StoredResource, routeTable: RouteTableRow): boolean;
  /** Error when no such resource exists (CreateRouteEntry error table). */
  notFound: () => AliyunError;
  /** Throws when the resource's status forbids routing to it now. */
  checkStatus?(row: StoredResource): void;
}

const nextHopNotFound = () => new AliyunError("InvalidNextHop.NotFound", "Specified next hop does not exist.", 400);
const sameVpc = (row: StoredResource, rt: RouteTableRow) => row.VpcId === rt.VpcId;

/** CreateRouteEntry's next hop types (its NextHopType documentation), by name. */
export const nextHopKinds: Record<string, NextHopKind> = {
  Instance: {
    table: "Instance",
    belongs: (row, rt) => (row.VpcAttributes as { VpcId?: string } | undefined)?.VpcId === rt.VpcId,
    // Alibaba's own spelling of this code in the CreateRouteEntry error table.
    notFound: () => new AliyunError("InvalidInstanId.NotFound", "Specified instance does not exist.", 404),
    checkStatus(row) {
      if (row.Status !== "Running" && row.Status !== "Stopped") throw new AliyunError("IncorrectInstanceStatus", "Current instance status does not support this operation.", 400);
    },
  },
  HaVip: { table: "HaVip", belongs: sameVpc, notFound: () => new AliyunError("InvalidHaVipId.NotFound", "The specified HaVip does not exist in the specified VPC.", 404) },
  NetworkInterface: { table: "NetworkInterface", belongs: sameVpc, notFound: nextHopNotFound },
  VpnGateway: { table: "VpnGateway", belongs: sameVpc, notFound: nextHopNotFound },
  NatGateway: { table: "NatGateway", belongs: sameVpc, notFound: nextHopNotFound },
  IPv6Gateway: { table: "Ipv6Gateway", belongs: sameVpc, notFound: nextHopNotFound },
  // A router interface belongs to the VRouter that owns the table.
  RouterInterface: { table: "RouterInterface", belongs: (row, rt) => row.RouterId === rt.VRouterId, notFound: () => new AliyunError("InvalidRouterInterface", "invalid router interface.", 400) },
};

/**
 * Adds a System route entry (Available at once: Alibaba manages these itself). VSwitches add one
 * for their block with next hop type `local`; a VPC's service route 100.64.0.0/10 has `service`.
 */
export function addSystemEntry(call: RpcCall, routeTableId: string, destination: string, nextHopType: string): RouteEntryRow {
  const RouteEntryId = newResourceId("rte");
  const entry: RouteEntryRow = {
    RouteEntryId, RouteTableId: routeTableId, DestinationCidrBlock: destination, Type: "System", Status: "Available",
    NextHopType: nextHopType, NextHopId: "", NextHops: [{ NextHopType: nextHopType, NextHopId: "", Enabled: 1 }],
    RouteEntryName: "", Description: "", CreationTime: vpcTime(call.now),
  };
  routeEntries(call)[RouteEntryId] = entry;
  return entry;
}

/** The entries of a route table, in creation order. */
export function entriesOf(call: RpcCall, routeTableId: string): RouteEntryRow[] {
  return Object.values(routeEntries(call)).filter((e) => e.RouteTableId === routeTableId);
}

/** A route entry as DescribeRouteEntryList and DescribeRouteTables show it. */
export function presentEntry(call: RpcCall, e: RouteEntryRow): Record<string, unknown> {
  return {
    RouteEntryId: e.RouteEntryId, RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock, Type: e.Type,
    Status: e.Status, NextHopType: e.NextHopType, InstanceId: e.NextHopId, RouteEntryName: e.RouteEntryName,
    Description: e.Description, IpVersion: "IPv4",
    NextHops: {
      NextHop: e.NextHops.map((h) => ({
        NextHopType: h.NextHopType, NextHopId: h.NextHopId, Enabled: h.Enabled, Weight: h.Weight ?? 100,
        NextHopRegionId: call.regionId, NextHopRelatedInfo: {},
      })),
    },
  };
}

/** Resolves one next hop, checking it exists, serves this table's VPC and may be routed to now. */
function resolveHop(call: RpcCall, table: RouteTableRow, type: string, id: string, weight?: number): NextHop {
  const kind = nextHopKinds[type];
  if (!kind) throw new AliyunError("InvalidNextHopType", `Specified parameter "NextHopType" is not valid`, 400);
  const row = call.state.table(call.accountId, call.regionId, kind.table, call.now)[id];
  if (!row || !kind.belongs(row, table)) throw kind.notFound();
  kind.checkStatus?.(row);
  return { NextHopType: type, NextHopId: id, Enabled: 1, ...(weight === undefined ? {} : { Weight: weight }) };
}

/**
 * CreateRouteEntry(RouteTableId, DestinationCidrBlock, NextHopType = Instance, NextHopId |
 * NextHopList.N.{NextHopType,NextHopId,Weight} (ECMP, 2–4 hops), RouteEntryName, Description,
 * ClientToken, DryRun) → `{ RouteEntryId }`. The entry is Pending, then Available after
 * {@link transitionMs}; while any entry of the table is Pending, further changes are refused
 * (IncorrectRouteEntryStatus), as on Alibaba.
 * @throws InvalidRouteTableId.NotFound 404, InvalidCidrBlock.Malformed, InvalidCidrBlock (service
 *   block or inside a VSwitch), InvalidCIDRBlock.Duplicate, InvalidNextHopType, next-hop NotFound
 *   codes, InvalidNexthopTypeAndList.BothNotNull, InvalidNexthopListSize, QuotaExceeded.
 */
export async function createRouteEntry(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const tableId = str(call, "RouteTableId", { required: true });
  const destText = str(call, "DestinationCidrBlock", { required: true });
  const name = str(call, "RouteEntryName", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidRouteEntryName.Malformed", "Specified route entry name is not valid.");
  checkText(description, 256, "InvalidDescription.Malformed", "Specified description is not valid.");
  const list = objects(call, "NextHopList");
  if (list.length && (call.params.NextHopType || call.params.NextHopId)) {
    throw new AliyunError("InvalidNexthopTypeAndList.BothNotNull", "both nexthopType and nextHopList are not null.", 400);
  }
  if (list.length && (list.length < 2 || list.length > 4)) throw new AliyunError("InvalidNexthopListSize", "nexthop size is illegal. Must be between 2 and 4.", 400);
  const single = list.length ? undefined : { type: str(call, "NextHopType", { default: "Instance" })!, id: str(call, "NextHopId", { required: true }) };
  const dest = parseCidr(destText, { allowBareAddress: true });
  if (!dest) throw new AliyunError("InvalidCidrBlock.Malformed", "Specified CIDR block is not valid.", 400);
  // Checks that read state run under the token guard, so a retried create gets its first answer.
  return withClientToken(call, () => {
    const table = findRouteTable(call, tableId);
    const vpc = vpcs(call)[table.VpcId];
    if (vpc && vpc.Status !== "Available") throw new AliyunError("IncorrectVpcStatus", "Current VPC status does not support this operation.", 400);
    const entries = entriesOf(call, table.RouteTableId);
    const destination = formatCidr(dest);
    if (overlaps(SERVICE_BLOCK, dest)) throw new AliyunError("InvalidCidrBlock", "Specified CIDR block is not valid.", 400);
    if (entries.some((e) => e.DestinationCidrBlock === destination)) throw new AliyunError("InvalidCIDRBlock.Duplicate", "Specified CIDR block is already exists.", 400);
    const inVSwitch = Object.values(vswitches(call)).some((v) => v.VpcId === table.VpcId && contains(parseCidr(v.CidrBlock)!, dest));
    if (inVSwitch) throw new AliyunError("InvalidCidrBlock", "Specified CIDR block is not valid.", 400);
    if (entries.some((e) => e.Status === "Pending")) throw new AliyunError("IncorrectRouteEntryStatus", "Some route entry status blocked this operation.", 400);
    if (entries.filter((e) => e.Type === "Custom").length >= ROUTE_ENTRY_QUOTA) throw new AliyunError("QuotaExceeded", "Route entry quota exceeded in this route table.", 400);
    const hops = single
      ? [resolveHop(call, table, single.type, single.id)]
      : list.map((h, i) => {
        if (!h.NextHopId || !h.NextHopType) throw Errors.missingParameter(`NextHopList.${i + 1}.${h.NextHopId ? "NextHopType" : "NextHopId"}`);
        return resolveHop(call, table, h.NextHopType, h.NextHopId, h.Weight === undefined ? undefined : Number(h.Weight));
      });
    stopIfDryRun(call);
    const RouteEntryId = newResourceId("rte");
    const entry: RouteEntryRow = {
      RouteEntryId, RouteTableId: table.RouteTableId, DestinationCidrBlock: destination, Type: "Custom", Status: "Pending",
      // ECMP entries have no single next hop; Alibaba shows type/id "" and lists the hops.
      NextHopType: hops.length === 1 ? hops[0]!.NextHopType : "", NextHopId: hops.length === 1 ? hops[0]!.NextHopId : "",
      NextHops: hops, RouteEntryName: name, Description: description, CreationTime: vpcTime(call.now),
    };
    moveThrough(entry, "Status", [{ to: "Available", afterMs: transitionMs(call) }], call.now);
    routeEntries(call)[RouteEntryId] = entry;
    call.state.changed();
    return { RouteEntryId };
  });
}

/**
 * DescribeRouteEntryList(RouteTableId, RouteEntryId, RouteEntryName, RouteEntryType, DestinationCidrBlock,
 * NextHopId, NextHopType, IpVersion, NextToken, MaxResult 20–100 default 50) →
 * `{ NextToken ("" on the last page), TotalCount, RouteEntrys: { RouteEntry: [{ ..., NextHops: { NextHop: [...] } }] } }`.
 * Note the singular `MaxResult`, as this API spells it.
 */
export function describeRouteEntryList(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const table = findRouteTable(call, str(call, "RouteTableId", { required: true }));
  const max = int(call, "MaxResult", { default: 50, min: 20, max: 100 })!;
  const id = str(call, "RouteEntryId");
  const name = str(call, "RouteEntryName");
  const type = str(call, "RouteEntryType");
  const destText = str(call, "DestinationCidrBlock");
  const dest = destText === undefined ? undefined : parseCidr(destText, { allowBareAddress: true });
  if (destText !== undefined && !dest) throw new AliyunError("InvalidCidrBlock.Malformed", "Specified CIDR block is not valid.", 400);
  const hopId = str(call, "NextHopId");
  const hopType = str(call, "NextHopType");
  const ipVersion = str(call, "IpVersion");
  const matching = entriesOf(call, table.RouteTableId).filter((e) =>
    (id === undefined || e.RouteEntryId === id) && (name === undefined || e.RouteEntryName === name) &&
    (type === undefined || e.Type === type) && (!dest || e.DestinationCidrBlock === formatCidr(dest)) &&
    (hopId === undefined || e.NextHops.some((h) => h.NextHopId === hopId)) &&
    (hopType === undefined || e.NextHops.some((h) => h.NextHopType === hopType)) &&
    (ipVersion === undefined || ipVersion.toLowerCase() === "ipv4"));
  const offset = decodeToken(str(call, "NextToken"));
  const items = matching.slice(offset, offset + max);
  const next = offset + max < matching.length ? encodeToken(offset + max) : "";
  return { NextToken: next, TotalCount: matching.length, RouteEntrys: { RouteEntry: items.map((e) => presentEntry(call, e)) } };
}

// NextToken is an offset, base64url-wrapped so clients treat it as opaque (as they must with Alibaba's).
function encodeToken(offset: number): string {
  return Buffer.from(`rte:${offset}`).toString("base64url");
}

function decodeToken(token: string | undefined): number {
  if (!token) return 0;
  const m = /^rte:(\d+)$/.exec(Buffer.from(token, "base64url").toString());
  if (!m) throw new AliyunError("InvalidNextToken", "The specified NextToken is invalid.", 400);
  return Number(m[1]);
}

/**
 * DeleteRouteEntry(RouteEntryId | RouteTableId + DestinationCidrBlock [+ NextHopId]) → `{}`.
 * System entries cannot be deleted (OperationDenied); Pending entries are refused
 * (IncorrectRouteEntryStatus); no match is InvalidRouteEntry.NotFound (400, as documented).
 */
export function deleteRouteEntry(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const entryId = str(call, "RouteEntryId");
  const all = routeEntries(call);
  let entry: RouteEntryRow | undefined;
  if (entryId) {
    entry = all[entryId];
    const tableId = str(call, "RouteTableId");
    if (entry && tableId && entry.RouteTableId !== tableId) entry = undefined;
  } else {
    const table = findRouteTable(call, str(call, "RouteTableId", { required: true }));
    const dest = parseCidr(str(call, "DestinationCidrBlock", { required: true }), { allowBareAddress: true });
    if (!dest) throw new AliyunError("InvalidCidrBlock.Malformed", "Specified CIDR block is not valid.", 400);
    const hopId = str(call, "NextHopId");
    entry = entriesOf(call, table.RouteTableId).find((e) =>
      e.DestinationCidrBlock === formatCidr(dest) && (hopId === undefined || e.NextHops.some((h) => h.NextHopId === hopId)));
  }
  if (!entry) throw new AliyunError("InvalidRouteEntry.NotFound", "Route entry not exists.", 400);
  if (entry.Type === "System") throw new AliyunError("OperationDenied", "Specified operation is denied as route entry type is system.", 400);
  if (entry.Status !== "Available") throw new AliyunError("IncorrectRouteEntryStatus", "Some route entry status blocked this operation.", 400);
  stopIfDryRun(call);
  delete all[entry.RouteEntryId];
  call.state.changed();
  return {};
}
