import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import { formatCidr, parseCidr } from "./cidr.ts";
import { findCustomerGateway } from "./customer-gateways.ts";
import { requireRegion } from "./regions.ts";
import { checkText, idFilter, stopIfDryRun, vpnConnections, type VpnConnectionRow } from "./tables.ts";
import { transitionMs } from "./timing.ts";
import { DEFAULT_IPSEC_CONFIG, defaultIkeConfig, parseIkeConfig, parseIpsecConfig } from "./vpn-configs.ts";
import { findVpnGateway, markGatewayUpdating, requireActiveGateway } from "./vpn-gateways.ts";

/**
 * Which customer gateways the emulated VPN gateways can reach. A connection to an address in
 * `unreachable` stays `ike_sa_not_established`, as a real one does when the peer never answers;
 * every other connection negotiates (see {@link negotiate}). Tests may add addresses.
 */
export const vpnReachability = { unreachable: new Set<string>() };

/** The connection, or InvalidVpnConnectionInstanceId.NotFound 404. */
function findConnection(call: RpcCall, id: string): VpnConnectionRow {
  const c = vpnConnections(call)[id];
  if (!c) throw new AliyunError("InvalidVpnConnectionInstanceId.NotFound", "The specified vpn connection instance id does not exist.", 404);
  return c;
}

/** A comma-separated list of CIDR blocks, normalised (`10.0.0.1/24` → `10.0.0.0/24`). */
function subnets(name: string, value: string): string {
  const blocks = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (!blocks.length) throw Errors.missingParameter(name);
  return blocks.map((b) => {
    const c = parseCidr(b);
    if (!c) throw Errors.invalidParameter(name, `holds "${b}", which is not a CIDR block`);
    return formatCidr(c);
  }).join(",");
}

/**
 * Starts (or restarts) negotiation: the tunnel is down now, phase one is up after one
 * {@link transitionMs} and phase two after two — unless the customer gateway is unreachable.
 */
function negotiate(call: RpcCall, c: VpnConnectionRow, customerIp: string): void {
  const t = transitionMs(call);
  const steps: { to: unknown; afterMs: number }[] = [{ to: "ike_sa_not_established", afterMs: 0 }];
  if (!vpnReachability.unreachable.has(customerIp)) steps.push({ to: "ike_sa_established", afterMs: t }, { to: "ipsec_sa_established", afterMs: 2 * t });
  moveThrough(c, "Status", steps, call.now);
}

/**
 * CreateVpnConnection(VpnGatewayId, CustomerGatewayId, LocalSubnet, RemoteSubnet, Name,
 * EffectImmediately = false, IkeConfig (JSON string), IpsecConfig (JSON string), EnableDpd = true,
 * EnableNatTraversal = true, ClientToken, DryRun) → `{ VpnConnectionId, Name, CreateTime }`.
 * A Psk is generated when IkeConfig has none. The gateway is `updating` for one transition (no
 * other connection change meanwhile), the connection's Status moves as {@link negotiate} says.
 * @throws InvalidVpnGatewayInstanceId.NotFound / InvalidCustomerGatewayInstanceId.NotFound 404,
 *   VpnGateway.Configuring (gateway not active), InvalidVpnConnection.AlreadyExists (same gateway and
 *   customer gateway), InvalidParameter (subnets, IKE/IPsec values).
 */
export async function createVpnConnection(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const gatewayId = str(call, "VpnGatewayId", { required: true });
  const customerId = str(call, "CustomerGatewayId", { required: true });
  const local = subnets("LocalSubnet", str(call, "LocalSubnet", { required: true }));
  const remote = subnets("RemoteSubnet", str(call, "RemoteSubnet", { required: true }));
  const name = str(call, "Name", { default: "" })!;
  checkText(name, 128, "InvalidName", "The name is not valid.");
  const effectImmediately = bool(call, "EffectImmediately", false);
  const enableDpd = bool(call, "EnableDpd", true);
  const enableNat = bool(call, "EnableNatTraversal", true);
  return withClientToken(call, () => {
    const gw = findVpnGateway(call, gatewayId);
    const cgw = findCustomerGateway(call, customerId);
    const ike = parseIkeConfig(str(call, "IkeConfig"), defaultIkeConfig(gw.InternetIp, cgw.IpAddress));
    const ipsec = parseIpsecConfig(str(call, "IpsecConfig"), { ...DEFAULT_IPSEC_CONFIG });
    requireActiveGateway(gw);
    if (Object.values(vpnConnections(call)).some((c) => c.VpnGatewayId === gw.VpnGatewayId && c.CustomerGatewayId === cgw.CustomerGatewayId)) {
      throw new AliyunError("InvalidVpnConnection.AlreadyExists", "Vpn connection already exists.", 400);
    }
    stopIfDryRun(call);
    const VpnConnectionId = newResourceId("vco");
    const row: VpnConnectionRow = {
      VpnConnectionId, VpnGatewayId: gw.VpnGatewayId, CustomerGatewayId: cgw.CustomerGatewayId, Name: name || VpnConnectionId,
      LocalSubnet: local, RemoteSubnet: remote, EffectImmediately: effectImmediately, EnableDpd: enableDpd, EnableNatTraversal: enableNat,
      IkeConfig: ike, IpsecConfig: ipsec, Status: "ike_sa_not_established", State: "init", CreateTime: call.now, ResourceGroupId: gw.ResourceGroupId,
    };
    moveThrough(row, "State", [{ to: "active", afterMs: transitionMs(call) }], call.now);
    negotiate(call, row, cgw.IpAddress);
    vpnConnections(call)[VpnConnectionId] = row;
    markGatewayUpdating(call, gw);
    call.state.changed();
    return { VpnConnectionId, Name: row.Name, CreateTime: row.CreateTime };
  });
}

/** A connection as DescribeVpnConnections shows it: the IKE and IPsec settings as objects. */
function presentConnection(call: RpcCall, c: VpnConnectionRow): Record<string, unknown> {
  const gw = call.state.table(call.accountId, call.regionId, "VpnGateway", call.now)[c.VpnGatewayId];
  return {
    VpnConnectionId: c.VpnConnectionId, VpnGatewayId: c.VpnGatewayId, CustomerGatewayId: c.CustomerGatewayId, Name: c.Name,
    LocalSubnet: c.LocalSubnet, RemoteSubnet: c.RemoteSubnet, CreateTime: c.CreateTime, EffectImmediately: c.EffectImmediately,
    EnableDpd: c.EnableDpd, EnableNatTraversal: c.EnableNatTraversal, EnableTunnelsBgp: false, Status: c.Status, State: c.State,
    IkeConfig: { ...c.IkeConfig }, IpsecConfig: { ...c.IpsecConfig },
    InternetIp: (gw?.InternetIp as string | undefined) ?? "", NetworkType: "public", Spec: "", AttachType: "VpnGateway",
    ResourceGroupId: c.ResourceGroupId, RemoteCaCertificate: "", CrossAccountAuthorized: false,
    VcoHealthCheck: { Enable: "false", Sip: "", Dip: "", Interval: 3, Retry: 3, Status: "", Policy: "revoke_route" },
    VpnBgpConfig: { EnableBgp: "false", Status: "" },
    Tag: { Tag: [] },
  };
}

/**
 * DescribeVpnConnections(VpnGatewayId, CustomerGatewayId, VpnConnectionId, PageNumber, PageSize ≤ 50)
 * → `{ TotalCount, PageNumber, PageSize, VpnConnections: { VpnConnection: [...] } }`.
 */
export function describeVpnConnections(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const gatewayId = str(call, "VpnGatewayId");
  const customerId = str(call, "CustomerGatewayId");
  const ids = idFilter(str(call, "VpnConnectionId"));
  const matching = Object.values(vpnConnections(call)).filter((c) =>
    (gatewayId === undefined || c.VpnGatewayId === gatewayId) && (customerId === undefined || c.CustomerGatewayId === customerId) &&
    (!ids || ids.has(c.VpnConnectionId)));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { ...fields, VpnConnections: { VpnConnection: items.map((c) => presentConnection(call, c)) } };
}

/** DescribeVpnConnection(VpnConnectionId) → its fields at the top level (`Tags` instead of `Tag`). */
export function describeVpnConnection(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const { Tag: _t, ...view } = presentConnection(call, findConnection(call, str(call, "VpnConnectionId", { required: true })));
  return { ...view, Tags: { Tag: [] } };
}

/**
 * ModifyVpnConnectionAttribute(VpnConnectionId, Name, LocalSubnet, RemoteSubnet, EffectImmediately,
 * IkeConfig, IpsecConfig, EnableDpd, EnableNatTraversal, ClientToken) → the connection's fields
 * (VpnConnectionId, VpnGatewayId, CustomerGatewayId, Name, LocalSubnet, RemoteSubnet, CreateTime,
 * EffectImmediately, IkeConfig, IpsecConfig, ...). Config JSON given here changes only the keys it
 * names. Any change but the name renegotiates the tunnel.
 * @throws InvalidVpnConnectionInstanceId.NotFound 404, VpnGateway.Configuring, InvalidParameter.
 */
export function modifyVpnConnectionAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const c = findConnection(call, str(call, "VpnConnectionId", { required: true }));
  const gw = findVpnGateway(call, c.VpnGatewayId);
  const name = str(call, "Name");
  checkText(name, 128, "InvalidName", "The name is not valid.");
  const localText = str(call, "LocalSubnet");
  const remoteText = str(call, "RemoteSubnet");
  const local = localText === undefined ? undefined : subnets("LocalSubnet", localText);
  const remote = remoteText === undefined ? undefined : subnets("RemoteSubnet", remoteText);
  const ike = parseIkeConfig(str(call, "IkeConfig"), c.IkeConfig);
  const ipsec = parseIpsecConfig(str(call, "IpsecConfig"), c.IpsecConfig);
  const tunnelChanged = local !== undefined || remote !== undefined || str(call, "IkeConfig") !== undefined ||
    str(call, "IpsecConfig") !== undefined || call.params.EnableDpd !== undefined || call.params.EnableNatTraversal !== undefined;
  if (tunnelChanged) requireActiveGateway(gw);
  if (name !== undefined) c.Name = name;
  if (local !== undefined) c.LocalSubnet = local;
  if (remote !== undefined) c.RemoteSubnet = remote;
  c.IkeConfig = ike;
  c.IpsecConfig = ipsec;
  if (call.params.EffectImmediately !== undefined) c.EffectImmediately = bool(call, "EffectImmediately");
  if (call.params.EnableDpd !== undefined) c.EnableDpd = bool(call, "EnableDpd");
  if (call.params.EnableNatTraversal !== undefined) c.EnableNatTraversal = bool(call, "EnableNatTraversal");
  if (tunnelChanged) {
    const cgw = call.state.table(call.accountId, call.regionId, "CustomerGateway", call.now)[c.CustomerGatewayId];
    negotiate(call, c, (cgw?.IpAddress as string | undefined) ?? "");
    markGatewayUpdating(call, gw);
  }
  call.state.changed();
  const { Tag: _t, State: _s, Status: _st, InternetIp: _i, NetworkType: _n, Spec: _p, AttachType: _a, CrossAccountAuthorized: _x, ...view } = presentConnection(call, c);
  return { ...view, Description: "" };
}

/**
 * DeleteVpnConnection(VpnConnectionId, ClientToken) → `{}`. The gateway is `updating` for one transition.
 * @throws InvalidVpnConnectionInstanceId.NotFound 404, VpnGateway.Configuring.
 */
export function deleteVpnConnection(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const c = findConnection(call, str(call, "VpnConnectionId", { required: true }));
  const gw = findVpnGateway(call, c.VpnGatewayId);
  requireActiveGateway(gw);
  delete vpnConnections(call)[c.VpnConnectionId];
  markGatewayUpdating(call, gw);
  call.state.changed();
  return {};
}
