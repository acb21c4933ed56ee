import type { AliyunConnection } from "../remote.ts";
import { waitUntil } from "../vpc/wire.ts";

/** A VPN gateway as VPC DescribeVpnGateways lists it (Alibaba VPC API 2016-04-28). */
export interface AliyunVpnGateway {
  VpnGatewayId: string;
  VpcId: string;
  VSwitchId?: string;
  InternetIp?: string;
  /** init, provisioning, active, updating, deleting. */
  Status: string;
  BusinessStatus?: string;
  /** Peak bandwidth, e.g. "10M". */
  Spec?: string;
  Name?: string;
  Description?: string;
  /** Epoch ms. */
  EndTime?: number;
}

/** A customer gateway as DescribeCustomerGateways lists it. */
export interface AliyunCustomerGateway {
  CustomerGatewayId: string;
  IpAddress: string;
  Name?: string;
  Description?: string;
}

/** IKE settings as DescribeVpnConnections shows them (and, as a JSON string, CreateVpnConnection takes them). */
export interface AliyunIkeConfig {
  Psk?: string;
  IkeVersion?: string;
  IkeMode?: string;
  IkeEncAlg?: string;
  IkeAuthAlg?: string;
  IkePfs?: string;
  /** Seconds. */
  IkeLifetime?: number;
  LocalId?: string;
  RemoteId?: string;
}

/** IPsec settings, likewise. */
export interface AliyunIpsecConfig {
  IpsecEncAlg?: string;
  IpsecAuthAlg?: string;
  IpsecPfs?: string;
  /** Seconds. */
  IpsecLifetime?: number;
}

/** A VPN connection as DescribeVpnConnections lists it. */
export interface AliyunVpnConnection {
  VpnConnectionId: string;
  VpnGatewayId: string;
  CustomerGatewayId: string;
  Name?: string;
  LocalSubnet: string;
  RemoteSubnet: string;
  /** ike_sa_not_established, ike_sa_established, ipsec_sa_not_established, ipsec_sa_established. */
  Status: string;
  EffectImmediately?: boolean;
  IkeConfig?: AliyunIkeConfig;
  IpsecConfig?: AliyunIpsecConfig;
}

/** Every VPN gateway of the region (DescribeVpnGateways, pages of 50). */
export function describeVpnGateways(conn: AliyunConnection, regionId: string, vpnGatewayId?: string): Promise<AliyunVpnGateway[]> {
  return conn.rpc.describeAll<AliyunVpnGateway>("Vpc", regionId, "DescribeVpnGateways", ["VpnGateways", "VpnGateway"], { VpnGatewayId: vpnGatewayId }, 50);
}

/** Every customer gateway of the region (DescribeCustomerGateways). */
export function describeCustomerGateways(conn: AliyunConnection, regionId: string, id?: string): Promise<AliyunCustomerGateway[]> {
  return conn.rpc.describeAll<AliyunCustomerGateway>("Vpc", regionId, "DescribeCustomerGateways", ["CustomerGateways", "CustomerGateway"], { CustomerGatewayId: id }, 50);
}

/** Every VPN connection of the region (DescribeVpnConnections). */
export function describeVpnConnections(conn: AliyunConnection, regionId: string, id?: string): Promise<AliyunVpnConnection[]> {
  return conn.rpc.describeAll<AliyunVpnConnection>("Vpc", regionId, "DescribeVpnConnections", ["VpnConnections", "VpnConnection"], { VpnConnectionId: id }, 50);
}

/**
 * Waits until the VPN gateway is `active` again: Alibaba puts it in `updating` after every
 * connection change and refuses the next change (VpnGateway.Configuring) meanwhile.
 * @returns whether it got there within the wait.
 */
export async function waitGatewayActive(conn: AliyunConnection, regionId: string, vpnGatewayId: string): Promise<boolean> {
  const { ready } = await waitUntil(async () => (await describeVpnGateways(conn, regionId, vpnGatewayId))[0], (g) => g.Status === "active");
  return ready;
}
