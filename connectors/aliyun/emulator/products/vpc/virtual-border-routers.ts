import { createHash } from "node:crypto";
import { AliyunError, Errors } from "../../core/errors.ts";
import { int, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { filters, matches } from "./filters.ts";
import { requireRegion } from "./regions.ts";
import {
  checkText, defaultResourceGroupId, physicalConnections, routeTables, virtualBorderRouters, vpcTime, type PhysicalConnectionRow, type VirtualBorderRouterRow,
} from "./tables.ts";

/*
 * Express Connect's virtual border routers (VBRs). A VBR sits on a physical connection — a leased
 * line into an Alibaba access point, ordered on paper and not through this API — so the emulator
 * seeds one physical connection, and one VBR on it, per account and region the first time an
 * Express Connect action runs there (see {@link seedExpressConnect}).
 */

/** The seeded VBR's addressing: a /30 between Alibaba's side (.1) and the customer's (.2). */
const SEED = { VlanId: 100, LocalGatewayIp: "10.254.0.1", PeerGatewayIp: "10.254.0.2", PeeringSubnetMask: "255.255.255.252" };

/** Adds the region's physical connection and its first VBR, once. Every Express Connect action calls this first. */
export function seedExpressConnect(call: RpcCall): void {
  const lines = physicalConnections(call);
  if (Object.keys(lines).length) return;
  const suffix = createHash("sha1").update(`${call.accountId}:${call.regionId}`).digest("hex").slice(0, 6).toUpperCase();
  const line: PhysicalConnectionRow = {
    PhysicalConnectionId: newResourceId("pc"), AccessPointId: `ap-${call.regionId}-emulator-A`, Name: "emulator-line",
    Status: "Enabled", CircuitCode: `EMU-${suffix}`, Bandwidth: 1000,
  };
  lines[line.PhysicalConnectionId] = line;
  addVbr(call, line, { ...SEED, Name: "emulator-seeded-vbr", Description: "Seeded by the emulator: stands for an existing line." });
}

function addVbr(call: RpcCall, line: PhysicalConnectionRow, v: {
  VlanId: number; LocalGatewayIp: string; PeerGatewayIp: string; PeeringSubnetMask: string; Name: string; Description: string;
}): VirtualBorderRouterRow {
  const VbrId = newResourceId("vbr");
  const RouteTableId = newResourceId("vtb");
  const created = vpcTime(call.now);
  const row: VirtualBorderRouterRow = {
    VbrId, PhysicalConnectionId: line.PhysicalConnectionId, AccessPointId: line.AccessPointId, ...v,
    VlanInterfaceId: newResourceId("ri"), RouteTableId, Status: "active", CircuitCode: line.CircuitCode,
    CreationTime: created, ActivationTime: created, ResourceGroupId: defaultResourceGroupId(call.accountId),
  };
  virtualBorderRouters(call)[VbrId] = row;
  // A VBR's routes live in an ordinary route table owned by the VBR, so CreateRouteEntry works on it.
  routeTables(call)[RouteTableId] = {
    RouteTableId, VpcId: "", VRouterId: VbrId, RouterType: "VBR", RouteTableType: "System", RouteTableName: "", Description: "",
    Status: "Available", CreationTime: created, ResourceGroupId: row.ResourceGroupId,
  };
  call.state.changed();
  return row;
}

/** The VBR, or InvalidVbrId.NotFound 404. */
export function findVbr(call: RpcCall, vbrId: string): VirtualBorderRouterRow {
  seedExpressConnect(call);
  const vbr = virtualBorderRouters(call)[vbrId];
  if (!vbr) throw new AliyunError("InvalidVbrId.NotFound", "The specified VBR does not exist.", 404);
  return vbr;
}

function ipv4(name: string, text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw Errors.invalidParameter(name, "is not an IPv4 address");
  return m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
}

/**
 * CreateVirtualBorderRouter(PhysicalConnectionId, VlanId 0–2999, LocalGatewayIp, PeerGatewayIp,
 * PeeringSubnetMask, Name, Description, Bandwidth, CircuitCode, ClientToken) → `{ VbrId }`. The VBR is
 * active at once and gets a route table (RouterType VBR).
 * @throws InvalidPhysicalConnectionId.NotFound 404, InvalidVlanId.Used (VLAN taken on that line),
 *   InvalidParameter (addresses not in one subnet of the mask, or equal).
 */
export async function createVirtualBorderRouter(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  seedExpressConnect(call);
  const lineId = str(call, "PhysicalConnectionId", { required: true });
  const vlanId = int(call, "VlanId", { required: true, min: 0, max: 2999 })!;
  const localIp = str(call, "LocalGatewayIp", { required: true });
  const peerIp = str(call, "PeerGatewayIp", { required: true });
  const mask = str(call, "PeeringSubnetMask", { required: true });
  const maskBits = ipv4("PeeringSubnetMask", mask);
  const prefix = 32 - Math.log2(2 ** 32 - maskBits);
  if (!Number.isInteger(prefix) || prefix < 24 || prefix > 30) throw Errors.invalidParameter("PeeringSubnetMask", "must be a mask from /24 to /30");
  const local = ipv4("LocalGatewayIp", localIp);
  const peer = ipv4("PeerGatewayIp", peerIp);
  const size = 2 ** (32 - prefix);
  if (local === peer || Math.floor(local / size) !== Math.floor(peer / size)) throw Errors.invalidParameter("PeerGatewayIp", "must differ from LocalGatewayIp and share its subnet");
  const name = str(call, "Name", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidName", "The name is not valid.");
  checkText(description, 256, "InvalidDescription", "The description is not valid.");
  return withClientToken(call, () => {
    const line = physicalConnections(call)[lineId];
    if (!line) throw new AliyunError("InvalidPhysicalConnectionId.NotFound", "The specified physical connection does not exist.", 404);
    if (Object.values(virtualBorderRouters(call)).some((v) => v.PhysicalConnectionId === lineId && v.VlanId === vlanId)) {
      throw new AliyunError("InvalidVlanId.Used", "The specified VLAN ID is already used on the physical connection.", 400);
    }
    const vbr = addVbr(call, line, { VlanId: vlanId, LocalGatewayIp: localIp, PeerGatewayIp: peerIp, PeeringSubnetMask: mask, Name: name, Description: description });
    return { VbrId: vbr.VbrId };
  });
}

const VBR_FILTER_KEYS = ["VbrId", "Status", "PhysicalConnectionId", "VlanId", "AccessPointId", "Name", "CircuitCode"] as const;

function presentVbr(call: RpcCall, v: VirtualBorderRouterRow): Record<string, unknown> {
  const line = physicalConnections(call)[v.PhysicalConnectionId];
  const association = {
    PhysicalConnectionId: v.PhysicalConnectionId, PhysicalConnectionStatus: line?.Status ?? "Enabled", PhysicalConnectionBusinessStatus: "Normal",
    PhysicalConnectionOwnerUid: call.accountId, VlanId: String(v.VlanId), VlanInterfaceId: v.VlanInterfaceId, LocalGatewayIp: v.LocalGatewayIp,
    PeerGatewayIp: v.PeerGatewayIp, PeeringSubnetMask: v.PeeringSubnetMask, CircuitCode: v.CircuitCode, Status: v.Status, EnableIpv6: false,
    LocalIpv6GatewayIp: "", PeerIpv6GatewayIp: "", PeeringIpv6SubnetMask: "",
  };
  return {
    VbrId: v.VbrId, Status: v.Status, VlanId: v.VlanId, VlanInterfaceId: v.VlanInterfaceId, LocalGatewayIp: v.LocalGatewayIp,
    PeerGatewayIp: v.PeerGatewayIp, PeeringSubnetMask: v.PeeringSubnetMask, RouteTableId: v.RouteTableId, PhysicalConnectionId: v.PhysicalConnectionId,
    PhysicalConnectionStatus: association.PhysicalConnectionStatus, PhysicalConnectionBusinessStatus: "Normal",
    PhysicalConnectionOwnerUid: call.accountId, AccessPointId: v.AccessPointId, CircuitCode: v.CircuitCode, Name: v.Name,
    Description: v.Description, CreationTime: v.CreationTime, ActivationTime: v.ActivationTime, Type: "pconnVBR",
    Bandwidth: line?.Bandwidth ?? 0, Mtu: 1500, MinRxInterval: 200, MinTxInterval: 200, DetectMultiplier: 3, EnableIpv6: false,
    LocalIpv6GatewayIp: "", PeerIpv6GatewayIp: "", PeeringIpv6SubnetMask: "", EcrId: "", ResourceGroupId: v.ResourceGroupId,
    AssociatedPhysicalConnections: { AssociatedPhysicalConnection: [association] },
    AssociatedCens: { AssociatedCen: [] },
    Tags: { Tags: [] },
  };
}

/**
 * DescribeVirtualBorderRouters(Filter.N.Key ∈ VbrId|Status|PhysicalConnectionId|VlanId|AccessPointId|Name|CircuitCode,
 * Filter.N.Value.M, PageNumber, PageSize ≤ 50) →
 * `{ TotalCount, PageNumber, PageSize, VirtualBorderRouterSet: { VirtualBorderRouterType: [...] } }`.
 */
export function describeVirtualBorderRouters(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  seedExpressConnect(call);
  const conditions = filters(call, VBR_FILTER_KEYS);
  const matching = Object.values(virtualBorderRouters(call)).filter((v) => matches(v, conditions));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { ...fields, VirtualBorderRouterSet: { VirtualBorderRouterType: items.map((v) => presentVbr(call, v)) } };
}
