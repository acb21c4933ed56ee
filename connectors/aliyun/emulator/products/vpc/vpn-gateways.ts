import { randomInt } from "node:crypto";
import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, int, oneOf, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import { requireRegion } from "./regions.ts";
import {
  checkText, defaultResourceGroupId, findVpc, findVSwitch, idFilter, stopIfDryRun, vpnConnections, vpnGateways, type VpnGatewayRow,
} from "./tables.ts";
import { transitionMs } from "./timing.ts";
import type { VpcDependency } from "./vpcs.ts";
import type { VSwitchDependency } from "./vswitches.ts";

/** Peak bandwidths (Mbit/s) CreateVpnGateway offers. */
const BANDWIDTHS = [5, 10, 20, 50, 100, 200, 500, 1000] as const;
/** SSL-VPN connection counts CreateVpnGateway offers. */
const SSL_CONNECTIONS = [5, 10, 20, 50, 100, 200, 500, 1000] as const;
/** EndTime Alibaba shows for pay-as-you-go gateways (no expiry). */
const NO_EXPIRY = Date.parse("2099-12-31T16:00:00Z");

/** The gateway, or InvalidVpnGatewayInstanceId.NotFound 404 (VPN error tables' wording). */
export function findVpnGateway(call: RpcCall, id: string): VpnGatewayRow {
  const gw = vpnGateways(call)[id];
  if (!gw) throw new AliyunError("InvalidVpnGatewayInstanceId.NotFound", "The specified vpn gateway instance id does not exist.", 404);
  return gw;
}

/** VpnGateway.Configuring (400) unless the gateway is active: Alibaba serialises changes to a gateway. */
export function requireActiveGateway(gw: VpnGatewayRow): void {
  if (gw.Status !== "active") throw new AliyunError("VpnGateway.Configuring", "The specified service is configuring.", 400);
}

/** Puts an active gateway into `updating` for one transition, as a connection change does on Alibaba. */
export function markGatewayUpdating(call: RpcCall, gw: VpnGatewayRow): void {
  moveThrough(gw, "Status", [{ to: "updating", afterMs: 0 }, { to: "active", afterMs: transitionMs(call) }], call.now);
}

/** A public address from 118.178.0.0/15 (an Alibaba range) no gateway of this account and region holds. */
function freshInternetIp(call: RpcCall): string {
  const taken = new Set(Object.values(vpnGateways(call)).map((g) => g.InternetIp));
  for (;;) {
    const ip = `118.${randomInt(178, 180)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (!taken.has(ip)) return ip;
  }
}

/**
 * CreateVpnGateway(VpcId, VSwitchId?, Bandwidth (5|10|20|50|100|200|500|1000), EnableIpsec = true,
 * EnableSsl = false, SslConnections = 5, InstanceChargeType = POSTPAY | PREPAY, Period, AutoPay,
 * Name, VpnType = Normal, NetworkType = public, ClientToken) → `{ VpnGatewayId, Name, OrderId }`.
 * The gateway is `init`, `provisioning` after one {@link transitionMs}, `active` after two, with a
 * public InternetIp allocated at once.
 * @throws MissingParameter, InvalidParameter (Bandwidth, SslConnections, InstanceChargeType),
 *   InvalidVpcId.NotFound 404, IncorrectVpcStatus, InvalidVSwitchId.NotFound 404 (unknown or in another VPC).
 */
export async function createVpnGateway(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const vpcId = str(call, "VpcId", { required: true });
  const vswitchId = str(call, "VSwitchId", { default: "" })!;
  const bandwidth = int(call, "Bandwidth", { required: true })!;
  if (!(BANDWIDTHS as readonly number[]).includes(bandwidth)) throw Errors.invalidParameter("Bandwidth", `must be one of ${BANDWIDTHS.join(", ")}`);
  const enableIpsec = bool(call, "EnableIpsec", true);
  const enableSsl = bool(call, "EnableSsl", false);
  const sslConnections = int(call, "SslConnections", { default: 5 })!;
  if (enableSsl && !(SSL_CONNECTIONS as readonly number[]).includes(sslConnections)) throw Errors.invalidParameter("SslConnections");
  const chargeType = oneOf(call, "InstanceChargeType", ["POSTPAY", "PREPAY"] as const, "POSTPAY")!;
  const vpnType = oneOf(call, "VpnType", ["Normal", "NationalStandard"] as const, "Normal")!;
  const networkType = oneOf(call, "NetworkType", ["public", "private"] as const, "public")!;
  const name = str(call, "Name", { default: "" })!;
  checkText(name, 128, "InvalidName", "The name is not valid.");
  stopIfDryRun(call);
  return withClientToken(call, () => {
    const vpc = findVpc(call, vpcId);
    if (vpc.Status !== "Available") throw new AliyunError("IncorrectVpcStatus", "Current VPC status does not support this operation.", 400);
    if (vswitchId) {
      const vsw = findVSwitch(call, vswitchId);
      if (vsw.VpcId !== vpc.VpcId) throw new AliyunError("InvalidVSwitchId.NotFound", "VSwitch not exist.", 404);
    }
    const VpnGatewayId = newResourceId("vpn");
    const row: VpnGatewayRow = {
      VpnGatewayId, VpcId: vpc.VpcId, VSwitchId: vswitchId, InternetIp: networkType === "public" ? freshInternetIp(call) : "",
      IntranetIp: "", Status: "init", BusinessStatus: "Normal", ChargeType: chargeType === "PREPAY" ? "PrePay" : "PostPay",
      Spec: `${bandwidth}M`, IpsecVpn: enableIpsec ? "enable" : "disable", SslVpn: enableSsl ? "enable" : "disable",
      SslMaxConnections: enableSsl ? sslConnections : 0, Name: name, Description: "", CreateTime: call.now,
      EndTime: chargeType === "PREPAY" ? call.now + 30 * 86_400_000 * (int(call, "Period", { default: 1, min: 1, max: 36 })!) : NO_EXPIRY,
      VpnType: vpnType, NetworkType: networkType, ResourceGroupId: str(call, "ResourceGroupId") ?? defaultResourceGroupId(call.accountId),
    };
    const t = transitionMs(call);
    moveThrough(row, "Status", [{ to: "provisioning", afterMs: t }, { to: "active", afterMs: 2 * t }], call.now);
    vpnGateways(call)[VpnGatewayId] = row;
    call.state.changed();
    return { VpnGatewayId, Name: name, OrderId: randomInt(200_000_000_000, 299_999_999_999) };
  });
}

/** A gateway as DescribeVpnGateways and DescribeVpnGateway show it. */
function presentGateway(g: VpnGatewayRow): Record<string, unknown> {
  return {
    VpnGatewayId: g.VpnGatewayId, VpcId: g.VpcId, VSwitchId: g.VSwitchId, InternetIp: g.InternetIp, Status: g.Status,
    BusinessStatus: g.BusinessStatus, ChargeType: g.ChargeType, Spec: g.Spec, IpsecVpn: g.IpsecVpn, SslVpn: g.SslVpn,
    SslMaxConnections: g.SslMaxConnections, Name: g.Name, Description: g.Description, CreateTime: g.CreateTime, EndTime: g.EndTime,
    VpnType: g.VpnType, NetworkType: g.NetworkType, ResourceGroupId: g.ResourceGroupId, EnableBgp: false, AutoPropagate: false,
    GatewayType: "Normal", SslVpnInternetIp: "", DisasterRecoveryInternetIp: "", DisasterRecoveryVSwitchId: "", Tag: "",
    Tags: { Tag: [] }, EniInstanceIds: { EniInstanceId: [] }, ReservationData: {},
  };
}

/**
 * DescribeVpnGateways(VpcId, VpnGatewayId, Status, BusinessStatus, PageNumber, PageSize ≤ 50) →
 * `{ TotalCount, PageNumber, PageSize, VpnGateways: { VpnGateway: [...] } }`.
 */
export function describeVpnGateways(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vpcId = str(call, "VpcId");
  const ids = idFilter(str(call, "VpnGatewayId"));
  const status = str(call, "Status");
  const business = str(call, "BusinessStatus");
  const matching = Object.values(vpnGateways(call)).filter((g) =>
    (vpcId === undefined || g.VpcId === vpcId) && (!ids || ids.has(g.VpnGatewayId)) &&
    (status === undefined || g.Status === status) && (business === undefined || g.BusinessStatus === business));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { ...fields, VpnGateways: { VpnGateway: items.map(presentGateway) } };
}

/** DescribeVpnGateway(VpnGatewayId) → the gateway's fields at the top level. */
export function describeVpnGateway(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  return presentGateway(findVpnGateway(call, str(call, "VpnGatewayId", { required: true })));
}

/**
 * ModifyVpnGatewayAttribute(VpnGatewayId, Name, Description, AutoPropagate) → the gateway's main
 * fields (VpnGatewayId, VpcId, VSwitchId, InternetIp, IntranetIp, Status, Spec, Name, Description, CreateTime, EndTime, ...).
 */
export function modifyVpnGatewayAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const gw = findVpnGateway(call, str(call, "VpnGatewayId", { required: true }));
  const name = str(call, "Name");
  const description = str(call, "Description");
  checkText(name, 128, "InvalidName", "The name is not valid.");
  checkText(description, 256, "InvalidDescription", "The description is not valid.");
  if (name !== undefined) gw.Name = name;
  if (description !== undefined) gw.Description = description;
  call.state.changed();
  const { Tags: _t, EniInstanceIds: _e, ReservationData: _r, Tag: _g, ...view } = presentGateway(gw);
  return { ...view, IntranetIp: gw.IntranetIp };
}

/**
 * DeleteVpnGateway(VpnGatewayId, ClientToken) → `{}`.
 * @throws InvalidVpnGatewayInstanceId.NotFound 404, DependencyViolation.VpnConnection (connections
 *   remain; Alibaba's message names the customer gateway, sic), VpnGateway.Configuring (not active).
 */
export function deleteVpnGateway(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const gw = findVpnGateway(call, str(call, "VpnGatewayId", { required: true }));
  if (Object.values(vpnConnections(call)).some((c) => c.VpnGatewayId === gw.VpnGatewayId)) {
    throw Errors.dependencyViolation("DependencyViolation.VpnConnection", "There are vpn connections on specified customer gateway not deleted.");
  }
  requireActiveGateway(gw);
  delete vpnGateways(call)[gw.VpnGatewayId];
  call.state.changed();
  return {};
}

/** DeleteVpc refuses while a VPN gateway sits in the VPC. */
export const vpnGatewayVpcDependency: VpcDependency = {
  code: "DependencyViolation.VpnGateway",
  message: "Specified object has dependent resources",
  holds: (call, vpcId) => Object.values(vpnGateways(call)).some((g) => g.VpcId === vpcId),
};

/** DeleteVSwitch refuses while a VPN gateway was placed in the VSwitch. */
export const vpnGatewayVSwitchDependency: VSwitchDependency = {
  code: "DependencyViolation",
  message: "Specified object has dependent resources.",
  holds: (call, vswitchId) => Object.values(vpnGateways(call)).some((g) => g.VSwitchId === vswitchId),
};
