import { page, str } from "../../core/params.ts";
import type { RpcCall } from "../../core/rpc.ts";
import { requireRegion } from "./regions.ts";
import { entriesOf, presentEntry } from "./route-entries.ts";
import { idFilter, ownerId, routeTables, vrouters, vswitches, type RouteTableRow } from "./tables.ts";

/**
 * DescribeVRouters(VRouterId, PageNumber, PageSize ≤ 50) →
 * `{ TotalCount, PageNumber, PageSize, VRouters: { VRouter: [{ VRouterId, VpcId, VRouterName, Description,
 * RegionId, CreationTime, RouteTableIds: { RouteTableId: [...] } }] } }`.
 */
export function describeVRouters(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const id = str(call, "VRouterId");
  const matching = Object.values(vrouters(call)).filter((r) => id === undefined || r.VRouterId === id);
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return {
    ...fields,
    VRouters: {
      VRouter: items.map((r) => ({
        VRouterId: r.VRouterId, VpcId: r.VpcId, VRouterName: r.VRouterName, Description: r.Description, RegionId: r.RegionId,
        CreationTime: r.CreationTime, RouteTableIds: { RouteTableId: [...r.RouteTableIds] },
      })),
    },
  };
}

/** VSwitches bound to a table: for the System table, every VSwitch of its VPC (no custom tables yet). */
function vswitchIdsOf(call: RpcCall, t: RouteTableRow): string[] {
  if (t.RouteTableType !== "System") return [];
  return Object.values(vswitches(call)).filter((v) => v.VpcId === t.VpcId).map((v) => v.VSwitchId);
}

/** Route tables matching the filters both DescribeRouteTables and DescribeRouteTableList share. */
function filterTables(call: RpcCall, extra: (t: RouteTableRow) => boolean): RouteTableRow[] {
  const ids = idFilter(str(call, "RouteTableId"));
  const name = str(call, "RouteTableName");
  const routerId = str(call, "RouterId");
  const routerType = str(call, "RouterType");
  const group = str(call, "ResourceGroupId");
  return Object.values(routeTables(call)).filter((t) =>
    (!ids || ids.has(t.RouteTableId)) && (name === undefined || t.RouteTableName === name) &&
    (routerId === undefined || t.VRouterId === routerId) && (routerType === undefined || t.RouterType === routerType) &&
    (group === undefined || t.ResourceGroupId === group) && extra(t));
}

/**
 * DescribeRouteTables(RouteTableId, VRouterId, RouterId, RouterType, Type, RouteTableName,
 * PageNumber, PageSize ≤ 50) → `{ TotalCount, PageNumber, PageSize, RouteTables: { RouteTable: [{
 * RouteTableId, VRouterId, RouteTableType, CreationTime, ResourceGroupId, Status,
 * VSwitchIds: { VSwitchId }, RouteEntrys: { RouteEntry: [...] } }] } }` — the older API that
 * embeds every entry.
 */
export function describeRouteTables(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vrouterId = str(call, "VRouterId");
  const type = str(call, "Type");
  const matching = filterTables(call, (t) => (vrouterId === undefined || t.VRouterId === vrouterId) && (type === undefined || t.RouteTableType === type));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return {
    ...fields,
    RouteTables: {
      RouteTable: items.map((t) => ({
        RouteTableId: t.RouteTableId, VRouterId: t.VRouterId, RouteTableType: t.RouteTableType, CreationTime: t.CreationTime,
        ResourceGroupId: t.ResourceGroupId, Status: t.Status,
        VSwitchIds: { VSwitchId: vswitchIdsOf(call, t) },
        RouteEntrys: { RouteEntry: entriesOf(call, t.RouteTableId).map((e) => presentEntry(call, e)) },
      })),
    },
  };
}

/**
 * DescribeRouteTableList(VpcId, RouteTableId, RouteTableName, RouteTableType, RouterId, RouterType,
 * ResourceGroupId, PageNumber, PageSize ≤ 50) → `{ TotalCount, PageNumber, PageSize,
 * RouterTableList: { RouterTableListType: [{ VpcId, RouteTableId, RouteTableName, RouteTableType, RouterId,
 * RouterType, Status, VSwitchIds: { VSwitchId }, GatewayIds: { GatewayIds }, Tags: { Tag } }] } }`.
 */
export function describeRouteTableList(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vpcId = str(call, "VpcId");
  const type = str(call, "RouteTableType");
  const matching = filterTables(call, (t) => (vpcId === undefined || t.VpcId === vpcId) && (type === undefined || t.RouteTableType === type));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return {
    ...fields,
    RouterTableList: {
      RouterTableListType: items.map((t) => ({
        VpcId: t.VpcId, RouteTableId: t.RouteTableId, RouteTableName: t.RouteTableName, RouteTableType: t.RouteTableType,
        RouterId: t.VRouterId, RouterType: t.RouterType, Description: t.Description, CreationTime: t.CreationTime,
        Status: t.Status, ResourceGroupId: t.ResourceGroupId,
        OwnerId: ownerId(call), AssociateType: "VSwitch", RoutePropagationEnable: true,
        VSwitchIds: { VSwitchId: vswitchIdsOf(call, t) },
        GatewayIds: { GatewayIds: [] },
        Tags: { Tag: [] },
      })),
    },
  };
}
