import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, oneOf, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough, type StoredResource } from "../../core/state.ts";
import { filters, matches } from "./filters.ts";
import { REGIONS, requireRegion } from "./regions.ts";
import type { NextHopKind } from "./route-entries.ts";
import { checkText, defaultResourceGroupId, routeEntries, vpcTime, type RouterInterfaceRow } from "./tables.ts";
import { transitionMs } from "./timing.ts";
import { seedExpressConnect } from "./virtual-border-routers.ts";
import type { VpcDependency } from "./vpcs.ts";

/*
 * Express Connect router interfaces: a pair of interfaces, one on each router (a VPC's VRouter or
 * a VBR, possibly in another region), that carry traffic once connected. The initiating side
 * connects after both sides name each other as opposite. Error codes for status and pairing
 * problems are modelled on Alibaba's (IncorrectStatus, OperationFailed.*); the exact wording of the
 * real ones is not published per action.
 */

/** Specs and their bandwidth in Mbit/s; the accepting side's spec is always Negative. */
const SPECS: Record<string, number> = {
  "Mini.2": 2, "Mini.5": 5, "Small.1": 10, "Small.2": 20, "Small.5": 50, "Middle.1": 100, "Middle.2": 200, "Middle.5": 500,
  "Large.1": 1000, "Large.2": 2000, "Large.5": 5000, "Xlarge.1": 10000, Negative: 0,
};

const ROUTER_KINDS = { VRouter: "VRouter", VBR: "VirtualBorderRouter" } as const;

const incorrectStatus = (ri: RouterInterfaceRow) =>
  new AliyunError("IncorrectStatus", `The router interface status ${ri.Status} does not support this operation.`, 400);

/** The account's router interfaces in `regionId` (the opposite side may live in another region). */
function interfacesIn(call: RpcCall, regionId: string): Record<string, RouterInterfaceRow> {
  return call.state.table(call.accountId, regionId, "RouterInterface", call.now) as Record<string, RouterInterfaceRow>;
}

/** The interface, or InvalidRouterInterfaceId.NotFound 404. */
function findInterface(call: RpcCall, id: string): RouterInterfaceRow {
  const ri = interfacesIn(call, call.regionId)[id];
  if (!ri) throw new AliyunError("InvalidRouterInterfaceId.NotFound", "The specified router interface does not exist.", 404);
  return ri;
}

/** The router a new interface sits on, in the call's region. @throws InvalidRouterId.NotFound 404. */
function findRouter(call: RpcCall, type: keyof typeof ROUTER_KINDS, id: string): StoredResource {
  const row = call.state.table(call.accountId, call.regionId, ROUTER_KINDS[type], call.now)[id];
  if (!row) throw new AliyunError("InvalidRouterId.NotFound", `The specified ${type} "${id}" does not exist.`, 404);
  return row;
}

/**
 * CreateRouterInterface(Role InitiatingSide|AcceptingSide, RouterType VRouter|VBR, RouterId, Spec,
 * OppositeRegionId, OppositeRouterType = VRouter, OppositeRouterId, OppositeInterfaceId,
 * OppositeInterfaceOwnerId, Name, Description, HealthCheckSourceIp, HealthCheckTargetIp,
 * AccessPointId, OppositeAccessPointId, InstanceChargeType = PostPaid, ClientToken) →
 * `{ RouterInterfaceId, OrderId }`. The interface is Idle.
 * @throws MissingParameter, InvalidParameter (Spec not offered, Negative on the initiating side or
 *   not Negative on the accepting side, a VBR interface that is not the initiating side, unknown
 *   OppositeRegionId), InvalidRouterId.NotFound 404.
 */
export async function createRouterInterface(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  seedExpressConnect(call);
  const role = oneOf(call, "Role", ["InitiatingSide", "AcceptingSide"] as const);
  if (!role) throw Errors.missingParameter("Role");
  const routerType = oneOf(call, "RouterType", ["VRouter", "VBR"] as const);
  if (!routerType) throw Errors.missingParameter("RouterType");
  const routerId = str(call, "RouterId", { required: true });
  const spec = str(call, "Spec", { required: true });
  if (!(spec in SPECS)) throw Errors.invalidParameter("Spec", `must be one of ${Object.keys(SPECS).join(", ")}`);
  if ((role === "AcceptingSide") !== (spec === "Negative")) throw Errors.invalidParameter("Spec", "must be Negative on the accepting side, and only there");
  if (routerType === "VBR" && role !== "InitiatingSide") throw Errors.invalidParameter("Role", "must be InitiatingSide for a VBR interface");
  const oppositeRegion = str(call, "OppositeRegionId", { required: true });
  if (!REGIONS.some((r) => r.RegionId === oppositeRegion)) throw Errors.invalidParameter("OppositeRegionId");
  const oppositeType = oneOf(call, "OppositeRouterType", ["VRouter", "VBR"] as const, "VRouter")!;
  const name = str(call, "Name", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidName", "The name is not valid.");
  checkText(description, 256, "InvalidDescription", "The description is not valid.");
  return withClientToken(call, () => {
    const router = findRouter(call, routerType, routerId);
    const RouterInterfaceId = newResourceId("ri");
    const row: RouterInterfaceRow = {
      RouterInterfaceId, RegionId: call.regionId, Role: role, RouterType: routerType, RouterId: routerId,
      VpcInstanceId: routerType === "VRouter" ? String(router.VpcId ?? "") : "", Spec: spec, Status: "Idle",
      OppositeRegionId: oppositeRegion, OppositeRouterType: oppositeType, OppositeRouterId: str(call, "OppositeRouterId", { default: "" })!,
      OppositeInterfaceId: str(call, "OppositeInterfaceId", { default: "" })!, OppositeInterfaceOwnerId: str(call, "OppositeInterfaceOwnerId", { default: "" })!,
      AccessPointId: str(call, "AccessPointId") ?? String(router.AccessPointId ?? ""), OppositeAccessPointId: str(call, "OppositeAccessPointId", { default: "" })!,
      HealthCheckSourceIp: str(call, "HealthCheckSourceIp", { default: "" })!, HealthCheckTargetIp: str(call, "HealthCheckTargetIp", { default: "" })!,
      Name: name, Description: description, ChargeType: "AfterPay", BusinessStatus: "Normal", CreationTime: vpcTime(call.now),
      ConnectedTime: "", ResourceGroupId: str(call, "ResourceGroupId") ?? defaultResourceGroupId(call.accountId),
    };
    interfacesIn(call, call.regionId)[RouterInterfaceId] = row;
    call.state.changed();
    return { RouterInterfaceId, OrderId: 0 };
  });
}

const RI_FILTER_KEYS = [
  "RouterInterfaceId", "RouterId", "RouterType", "Role", "Status", "OppositeInterfaceId", "OppositeRouterId", "OppositeRegionId",
  "AccessPointId", "OppositeInterfaceOwnerId", "Name",
] as const;

function presentInterface(call: RpcCall, ri: RouterInterfaceRow): Record<string, unknown> {
  const opposite = ri.OppositeInterfaceId ? interfacesIn(call, ri.OppositeRegionId)[ri.OppositeInterfaceId] : undefined;
  return {
    RouterInterfaceId: ri.RouterInterfaceId, Role: ri.Role, RouterType: ri.RouterType, RouterId: ri.RouterId, VpcInstanceId: ri.VpcInstanceId,
    Spec: ri.Spec, Bandwidth: SPECS[ri.Spec] ?? 0, Status: ri.Status, BusinessStatus: ri.BusinessStatus, ChargeType: ri.ChargeType,
    OppositeRegionId: ri.OppositeRegionId, OppositeRouterType: ri.OppositeRouterType, OppositeRouterId: ri.OppositeRouterId,
    OppositeInterfaceId: ri.OppositeInterfaceId, OppositeInterfaceOwnerId: ri.OppositeInterfaceOwnerId,
    OppositeInterfaceSpec: opposite?.Spec ?? "", OppositeInterfaceStatus: opposite?.Status ?? "", OppositeInterfaceBusinessStatus: opposite ? "Normal" : "",
    OppositeBandwidth: opposite ? SPECS[opposite.Spec] ?? 0 : 0, OppositeVpcInstanceId: opposite?.VpcInstanceId ?? "",
    AccessPointId: ri.AccessPointId, OppositeAccessPointId: ri.OppositeAccessPointId, HealthCheckSourceIp: ri.HealthCheckSourceIp,
    HealthCheckTargetIp: ri.HealthCheckTargetIp, HcRate: 2000, HcThreshold: 8, Name: ri.Name, Description: ri.Description,
    CreationTime: ri.CreationTime, ConnectedTime: ri.ConnectedTime, EndTime: "", CrossBorder: false, FastLinkMode: false,
    HasReservationData: "false", ResourceGroupId: ri.ResourceGroupId, Tags: { Tags: [] },
  };
}

/**
 * DescribeRouterInterfaces(Filter.N.Key ∈ RouterInterfaceId|RouterId|RouterType|Role|Status|OppositeInterfaceId|
 * OppositeRouterId|OppositeRegionId|AccessPointId|OppositeInterfaceOwnerId|Name, Filter.N.Value.M, PageNumber,
 * PageSize ≤ 50) → `{ TotalCount, PageNumber, PageSize, RouterInterfaceSet: { RouterInterfaceType: [...] } }`.
 */
export function describeRouterInterfaces(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  seedExpressConnect(call);
  const conditions = filters(call, RI_FILTER_KEYS);
  const matching = Object.values(interfacesIn(call, call.regionId)).filter((ri) => matches(ri, conditions));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { ...fields, RouterInterfaceSet: { RouterInterfaceType: items.map((ri) => presentInterface(call, ri)) } };
}

/**
 * ModifyRouterInterfaceAttribute(RouterInterfaceId, Name, Description, OppositeInterfaceId,
 * OppositeRouterId, OppositeRouterType, OppositeInterfaceOwnerId, HealthCheckSourceIp,
 * HealthCheckTargetIp, DeleteHealthCheckIp) → `{}`. The opposite side may change only while Idle.
 * @throws InvalidRouterInterfaceId.NotFound 404, IncorrectStatus.
 */
export function modifyRouterInterfaceAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ri = findInterface(call, str(call, "RouterInterfaceId", { required: true }));
  const name = str(call, "Name");
  const description = str(call, "Description");
  checkText(name, 128, "InvalidName", "The name is not valid.");
  checkText(description, 256, "InvalidDescription", "The description is not valid.");
  const oppositeType = oneOf(call, "OppositeRouterType", ["VRouter", "VBR"] as const);
  const opposite = { OppositeInterfaceId: str(call, "OppositeInterfaceId"), OppositeRouterId: str(call, "OppositeRouterId"), OppositeInterfaceOwnerId: str(call, "OppositeInterfaceOwnerId") };
  const changesOpposite = oppositeType !== undefined || Object.values(opposite).some((v) => v !== undefined);
  if (changesOpposite && ri.Status !== "Idle") throw incorrectStatus(ri);
  if (name !== undefined) ri.Name = name;
  if (description !== undefined) ri.Description = description;
  if (oppositeType !== undefined) ri.OppositeRouterType = oppositeType;
  for (const [k, v] of Object.entries(opposite)) if (v !== undefined) (ri as Record<string, unknown>)[k] = v;
  if (bool(call, "DeleteHealthCheckIp", false)) {
    ri.HealthCheckSourceIp = "";
    ri.HealthCheckTargetIp = "";
  } else {
    ri.HealthCheckSourceIp = str(call, "HealthCheckSourceIp") ?? ri.HealthCheckSourceIp;
    ri.HealthCheckTargetIp = str(call, "HealthCheckTargetIp") ?? ri.HealthCheckTargetIp;
  }
  call.state.changed();
  return {};
}

/**
 * ConnectRouterInterface(RouterInterfaceId) → `{}`. Only the initiating side connects, from Idle,
 * and only to an Idle accepting interface that names it back (OppositeInterfaceId and
 * OppositeRouterId on both sides). The initiator goes Connecting and the acceptor
 * AcceptingConnecting; both are Active after one {@link transitionMs}.
 * @throws InvalidRouterInterfaceId.NotFound 404, OperationFailed.NotInitiatingSide,
 *   IncorrectStatus, InvalidOppositeInterfaceId.NotFound 404, OperationFailed.OppositeMismatch.
 */
export function connectRouterInterface(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ri = findInterface(call, str(call, "RouterInterfaceId", { required: true }));
  if (ri.Role !== "InitiatingSide") throw new AliyunError("OperationFailed.NotInitiatingSide", "Only the initiating side of a router interface pair can connect.", 400);
  if (ri.Status !== "Idle") throw incorrectStatus(ri);
  if (!ri.OppositeInterfaceId || !ri.OppositeRouterId) throw Errors.missingParameter("OppositeInterfaceId");
  const opposite = interfacesIn(call, ri.OppositeRegionId)[ri.OppositeInterfaceId];
  if (!opposite) throw new AliyunError("InvalidOppositeInterfaceId.NotFound", "The specified opposite router interface does not exist.", 404);
  const paired = opposite.Role === "AcceptingSide" && opposite.RouterId === ri.OppositeRouterId && opposite.RouterType === ri.OppositeRouterType &&
    opposite.OppositeInterfaceId === ri.RouterInterfaceId && opposite.OppositeRouterId === ri.RouterId && opposite.OppositeRegionId === ri.RegionId;
  if (!paired) throw new AliyunError("OperationFailed.OppositeMismatch", "The opposite router interface does not name this interface and router as its opposite.", 400);
  if (opposite.Status !== "Idle") throw incorrectStatus(opposite);
  const t = transitionMs(call);
  const connected = vpcTime(call.now);
  moveThrough(ri, "Status", [{ to: "Connecting", afterMs: 0 }, { to: "Active", afterMs: t, also: { ConnectedTime: connected } }], call.now);
  moveThrough(opposite, "Status", [{ to: "AcceptingConnecting", afterMs: 0 }, { to: "Active", afterMs: t, also: { ConnectedTime: connected } }], call.now);
  call.state.changed();
  return {};
}

/** ActivateRouterInterface(RouterInterfaceId) → `{}`: Inactive → Activating → Active. @throws IncorrectStatus. */
export function activateRouterInterface(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ri = findInterface(call, str(call, "RouterInterfaceId", { required: true }));
  if (ri.Status !== "Inactive") throw incorrectStatus(ri);
  moveThrough(ri, "Status", [{ to: "Activating", afterMs: 0 }, { to: "Active", afterMs: transitionMs(call) }], call.now);
  call.state.changed();
  return {};
}

/** DeactivateRouterInterface(RouterInterfaceId) → `{}`: Active → Deactivating → Inactive. @throws IncorrectStatus. */
export function deactivateRouterInterface(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ri = findInterface(call, str(call, "RouterInterfaceId", { required: true }));
  if (ri.Status !== "Active") throw incorrectStatus(ri);
  moveThrough(ri, "Status", [{ to: "Deactivating", afterMs: 0 }, { to: "Inactive", afterMs: transitionMs(call) }], call.now);
  call.state.changed();
  return {};
}

/**
 * DeleteRouterInterface(RouterInterfaceId, ClientToken) → `{}`, from Idle or Inactive only.
 * @throws IncorrectStatus (Active or moving), DependencyViolation.RouteEntry (routes still point at it).
 */
export function deleteRouterInterface(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ri = findInterface(call, str(call, "RouterInterfaceId", { required: true }));
  if (ri.Status !== "Idle" && ri.Status !== "Inactive") throw incorrectStatus(ri);
  if (Object.values(routeEntries(call)).some((e) => e.NextHops.some((h) => h.NextHopType === "RouterInterface" && h.NextHopId === ri.RouterInterfaceId))) {
    throw Errors.dependencyViolation("DependencyViolation.RouteEntry", "Route entries still use the specified router interface.");
  }
  delete interfacesIn(call, call.regionId)[ri.RouterInterfaceId];
  call.state.changed();
  return {};
}

/**
 * CreateRouteEntry's `RouterInterface` next hop: an interface on the router that owns the table
 * (a VRouter, or a VBR for a VBR's table), Active (IncorrectStatus.RouterInterface otherwise, from
 * CreateRouteEntry's error table).
 */
export const routerInterfaceNextHop: NextHopKind = {
  table: "RouterInterface",
  belongs: (row, rt) => row.RouterId === rt.VRouterId,
  notFound: () => new AliyunError("InvalidRouterInterface", "invalid router interface.", 400),
  checkStatus(row) {
    if (row.Status !== "Active") throw new AliyunError("IncorrectStatus.RouterInterface", "The specified RouterInterface status is invalid.", 400);
  },
};

/** DeleteVpc refuses while an interface sits on the VPC's VRouter. */
export const routerInterfaceVpcDependency: VpcDependency = {
  code: "DependencyViolation.RouterInterface",
  message: "Specified object has dependent resources",
  holds: (call, vpcId) => Object.values(interfacesIn(call, call.regionId)).some((ri) => ri.VpcInstanceId === vpcId),
};
