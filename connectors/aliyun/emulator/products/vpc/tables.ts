import { createHash } from "node:crypto";
import { AliyunError } from "../../core/errors.ts";
import type { RpcCall } from "../../core/rpc.ts";
import type { StoredResource } from "../../core/state.ts";

/*
 * The VPC product's state tables. Kind names and field names are a contract: the ECS product
 * reads "Vpc" and "VSwitch" rows (and writes "Instance" / "SecurityGroup" rows this product
 * reads), so fields are Alibaba's own response names. Lists are stored as plain arrays and
 * wrapped (`{ VSwitchId: [...] }`) only when presented.
 */

/** Table "Vpc". Status Pending → Available. */
export type VpcRow = StoredResource & {
  VpcId: string;
  VpcName: string;
  Description: string;
  Status: "Pending" | "Available";
  CidrBlock: string;
  VRouterId: string;
  VSwitchIds: string[];
  RegionId: string;
  /** ISO 8601 UTC with seconds, e.g. `2026-11-23T06:33:12Z`. */
  CreationTime: string;
  IsDefault: boolean;
  ResourceGroupId: string;
};

/** Table "VSwitch". Status Pending → Available. */
export type VSwitchRow = StoredResource & {
  VSwitchId: string;
  VpcId: string;
  ZoneId: string;
  CidrBlock: string;
  VSwitchName: string;
  Description: string;
  Status: "Pending" | "Available";
  /** Usable addresses left: block size minus Alibaba's 4 reserved addresses minus ECS instances in it. */
  AvailableIpAddressCount: number;
  CreationTime: string;
  IsDefault: boolean;
  ResourceGroupId: string;
};

/** Table "VRouter": one per VPC, created with it. */
export type VRouterRow = StoredResource & {
  VRouterId: string;
  VpcId: string;
  VRouterName: string;
  Description: string;
  RouteTableIds: string[];
  RegionId: string;
  CreationTime: string;
};

/** Table "RouteTable". Only the VPC's System table exists until custom tables are added. */
export type RouteTableRow = StoredResource & {
  RouteTableId: string;
  VpcId: string;
  /** The VRouter (or, later, VBR) that owns the table. */
  VRouterId: string;
  RouterType: "VRouter" | "VBR";
  RouteTableType: "System" | "Custom";
  RouteTableName: string;
  Description: string;
  Status: "Available";
  CreationTime: string;
  ResourceGroupId: string;
};

/** One next hop of a route entry, as DescribeRouteEntryList shows it. */
export interface NextHop {
  NextHopType: string;
  NextHopId: string;
  /** 1 = enabled (Alibaba's integer flag). */
  Enabled: number;
  Weight?: number;
}

/** Table "RouteEntry". Custom entries go Pending → Available; System entries are Available at once. */
export type RouteEntryRow = StoredResource & {
  RouteEntryId: string;
  RouteTableId: string;
  DestinationCidrBlock: string;
  Type: "System" | "Custom";
  Status: "Pending" | "Available";
  NextHopType: string;
  NextHopId: string;
  NextHops: NextHop[];
  RouteEntryName: string;
  Description: string;
  CreationTime: string;
};

/** Table "EipAddress". Status Available → Associating → InUse → Unassociating → Available. */
export type EipRow = StoredResource & {
  AllocationId: string;
  IpAddress: string;
  Status: "Available" | "Associating" | "InUse" | "Unassociating";
  /** "" when not associated. */
  InstanceId: string;
  /** "EcsInstance" when associated with an ECS instance, "" otherwise. */
  InstanceType: string;
  /** Peak bandwidth in Mbit/s, a string as on the wire (e.g. "5"). */
  Bandwidth: string;
  InternetChargeType: "PayByBandwidth" | "PayByTraffic";
  RegionId: string;
  AllocationTime: string;
  Name: string;
  Description: string;
  ChargeType: "PostPaid" | "PrePaid";
  ISP: string;
  ResourceGroupId: string;
};

/** The rows of one kind in the call's account and region (transitions due at `call.now` applied). */
function tableOf<T>(kind: string) {
  return (call: RpcCall): Record<string, T> => call.state.table(call.accountId, call.regionId, kind, call.now) as Record<string, T>;
}

export const vpcs = tableOf<VpcRow>("Vpc");
export const vswitches = tableOf<VSwitchRow>("VSwitch");
export const vrouters = tableOf<VRouterRow>("VRouter");
export const routeTables = tableOf<RouteTableRow>("RouteTable");
export const routeEntries = tableOf<RouteEntryRow>("RouteEntry");
export const eips = tableOf<EipRow>("EipAddress");
/** ECS-owned tables, read only here. */
export const ecsInstances = tableOf<StoredResource & { InstanceId: string; Status?: string; VpcAttributes?: { VpcId?: string; VSwitchId?: string } }>("Instance");
export const ecsSecurityGroups = tableOf<StoredResource & { SecurityGroupId: string; VpcId?: string }>("SecurityGroup");

/** VPC-style timestamp: ISO 8601 UTC with seconds, no milliseconds (`2026-11-23T06:33:12Z`). */
export function vpcTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The account's default resource group id, stable per account (`rg-acfm…`). */
export function defaultResourceGroupId(accountId: string): string {
  return `rg-acfm${createHash("sha1").update(accountId).digest("hex").slice(0, 11)}`;
}

/** `OwnerId` as the SDK models type it (a number), falling back to the raw id. */
export function ownerId(call: RpcCall): number | string {
  return /^\d+$/.test(call.accountId) ? Number(call.accountId) : call.accountId;
}

/** Comma-separated id filters (`VpcId=vpc-1,vpc-2`), as Describe* actions accept them. */
export function idFilter(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  return new Set(value.split(",").map((s) => s.trim()).filter(Boolean));
}

/** The VPC, or InvalidVpcId.NotFound 404 (CreateVSwitch/DeleteVpc documented wording). */
export function findVpc(call: RpcCall, vpcId: string): VpcRow {
  const vpc = vpcs(call)[vpcId];
  if (!vpc) throw new AliyunError("InvalidVpcId.NotFound", "Specified VPC does not exist.", 404);
  return vpc;
}

/** The VSwitch, or InvalidVSwitchId.NotFound 404 (DeleteVSwitch documented wording). */
export function findVSwitch(call: RpcCall, vswitchId: string): VSwitchRow {
  const vsw = vswitches(call)[vswitchId];
  if (!vsw) throw new AliyunError("InvalidVSwitchId.NotFound", "VSwitch not exist.", 404);
  return vsw;
}

/** The route table, or InvalidRouteTableId.NotFound 404. */
export function findRouteTable(call: RpcCall, routeTableId: string): RouteTableRow {
  const table = routeTables(call)[routeTableId];
  if (!table) throw new AliyunError("InvalidRouteTableId.NotFound", "Specified route table does not exist.", 404);
  return table;
}

/** The EIP, or InvalidAllocationId.NotFound 404. */
export function findEip(call: RpcCall, allocationId: string): EipRow {
  const eip = eips(call)[allocationId];
  if (!eip) throw new AliyunError("InvalidAllocationId.NotFound", "Specified allocation ID is not found", 404);
  return eip;
}

/**
 * Checks a name or description the way VPC does: 1–`max` characters and not starting with
 * `http://` or `https://`. Empty means "not given" and is allowed.
 * @throws `code` 400 with `message` (e.g. InvalidVpcName.Malformed).
 */
export function checkText(value: string | undefined, max: number, code: string, message: string): void {
  if (value === undefined || value === "") return;
  if (value.length > max || /^https?:\/\//i.test(value)) throw new AliyunError(code, message, 400);
}

/**
 * Honours `DryRun=true`: called once validation has passed, it stops the action with Alibaba's
 * DryRunOperation answer (400), which is how a dry run reports success.
 */
export function stopIfDryRun(call: RpcCall): void {
  if (call.params.DryRun === "true") throw new AliyunError("DryRunOperation", "Request validation has been passed with DryRun flag set.", 400);
}

/** Table "VpnGateway". Status init → provisioning → active (Alibaba's lower-case values). */
export type VpnGatewayRow = StoredResource & {
  VpnGatewayId: string;
  VpcId: string;
  /** "" when the caller let Alibaba choose (the emulator then records none). */
  VSwitchId: string;
  InternetIp: string;
  IntranetIp: string;
  Status: "init" | "provisioning" | "active" | "updating" | "deleting";
  BusinessStatus: "Normal" | "FinancialLocked";
  /** "PostPay" | "PrePay" as DescribeVpnGateways shows ChargeType. */
  ChargeType: string;
  /** Bandwidth as Alibaba names the spec, e.g. "10M". */
  Spec: string;
  IpsecVpn: "enable" | "disable";
  SslVpn: "enable" | "disable";
  SslMaxConnections: number;
  Name: string;
  Description: string;
  /** Epoch ms (VPN APIs send times as Long). */
  CreateTime: number;
  /** Epoch ms; far future for pay-as-you-go, as Alibaba shows it. */
  EndTime: number;
  VpnType: string;
  NetworkType: string;
  ResourceGroupId: string;
};

/** Table "CustomerGateway": the on-premises end of an IPsec connection. */
export type CustomerGatewayRow = StoredResource & {
  CustomerGatewayId: string;
  IpAddress: string;
  Name: string;
  Description: string;
  /** BGP AS number, or undefined when not given. */
  Asn?: number;
  AuthKey: string;
  CreateTime: number;
  ResourceGroupId: string;
};

/** Phase-one settings, as DescribeVpnConnections shows them (an object; CreateVpnConnection takes a JSON string). */
export interface IkeConfig {
  Psk: string;
  IkeVersion: string;
  IkeMode: string;
  IkeEncAlg: string;
  IkeAuthAlg: string;
  IkePfs: string;
  /** Seconds. */
  IkeLifetime: number;
  LocalId: string;
  RemoteId: string;
}

/** Phase-two settings. */
export interface IpsecConfig {
  IpsecEncAlg: string;
  IpsecAuthAlg: string;
  IpsecPfs: string;
  /** Seconds. */
  IpsecLifetime: number;
}

/** Table "VpnConnection". Status ike_sa_not_established → ike_sa_established → ipsec_sa_established. */
export type VpnConnectionRow = StoredResource & {
  VpnConnectionId: string;
  VpnGatewayId: string;
  CustomerGatewayId: string;
  Name: string;
  /** Comma-separated CIDR blocks, as on the wire. */
  LocalSubnet: string;
  RemoteSubnet: string;
  EffectImmediately: boolean;
  EnableDpd: boolean;
  EnableNatTraversal: boolean;
  IkeConfig: IkeConfig;
  IpsecConfig: IpsecConfig;
  Status: "ike_sa_not_established" | "ike_sa_established" | "ipsec_sa_not_established" | "ipsec_sa_established";
  /** Resource state (not the tunnel): init → active. */
  State: "init" | "active" | "updating" | "deleting";
  CreateTime: number;
  ResourceGroupId: string;
};

/** Table "PhysicalConnection": Express Connect lines. Only the one seeded per region exists (see virtual-border-routers.ts). */
export type PhysicalConnectionRow = StoredResource & {
  PhysicalConnectionId: string;
  AccessPointId: string;
  Name: string;
  Status: "Enabled";
  CircuitCode: string;
  /** Mbit/s. */
  Bandwidth: number;
};

/** Table "VirtualBorderRouter" (VBR). Status active from creation. */
export type VirtualBorderRouterRow = StoredResource & {
  VbrId: string;
  PhysicalConnectionId: string;
  AccessPointId: string;
  VlanId: number;
  VlanInterfaceId: string;
  LocalGatewayIp: string;
  PeerGatewayIp: string;
  PeeringSubnetMask: string;
  /** The VBR's route table (a "RouteTable" row with RouterType VBR). */
  RouteTableId: string;
  Status: "active" | "unconfirmed" | "terminated";
  Name: string;
  Description: string;
  CircuitCode: string;
  CreationTime: string;
  ActivationTime: string;
  ResourceGroupId: string;
};

/**
 * Table "RouterInterface". Status Idle → (ConnectRouterInterface) Connecting / AcceptingConnecting →
 * Active; Active → (Deactivate) Deactivating → Inactive → (Activate) Activating → Active.
 */
export type RouterInterfaceRow = StoredResource & {
  RouterInterfaceId: string;
  RegionId: string;
  Role: "InitiatingSide" | "AcceptingSide";
  RouterType: "VRouter" | "VBR";
  RouterId: string;
  /** The VPC of a VRouter-side interface ("" on a VBR). */
  VpcInstanceId: string;
  Spec: string;
  Status: "Idle" | "Connecting" | "AcceptingConnecting" | "Activating" | "Active" | "Deactivating" | "Inactive";
  OppositeRegionId: string;
  OppositeRouterType: string;
  OppositeRouterId: string;
  OppositeInterfaceId: string;
  OppositeInterfaceOwnerId: string;
  AccessPointId: string;
  OppositeAccessPointId: string;
  HealthCheckSourceIp: string;
  HealthCheckTargetIp: string;
  Name: string;
  Description: string;
  ChargeType: string;
  BusinessStatus: "Normal";
  CreationTime: string;
  /** "" until the first successful connect. */
  ConnectedTime: string;
  ResourceGroupId: string;
};

export const vpnGateways = tableOf<VpnGatewayRow>("VpnGateway");
export const customerGateways = tableOf<CustomerGatewayRow>("CustomerGateway");
export const vpnConnections = tableOf<VpnConnectionRow>("VpnConnection");
export const physicalConnections = tableOf<PhysicalConnectionRow>("PhysicalConnection");
export const virtualBorderRouters = tableOf<VirtualBorderRouterRow>("VirtualBorderRouter");
export const routerInterfaces = tableOf<RouterInterfaceRow>("RouterInterface");
