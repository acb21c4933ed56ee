import type { AliyunConnection } from "../remote.ts";
import { describeRouteEntries, waitUntil, type AliyunRouteEntry } from "../vpc/wire.ts";

/** A VBR as VPC DescribeVirtualBorderRouters lists it (Alibaba VPC API 2016-04-28). */
export interface AliyunVbr {
  VbrId: string;
  /** active, terminated, ... */
  Status: string;
  VlanId?: number | string;
  VlanInterfaceId?: string;
  LocalGatewayIp?: string;
  PeerGatewayIp?: string;
  PeeringSubnetMask?: string;
  RouteTableId?: string;
  PhysicalConnectionId?: string;
  PhysicalConnectionStatus?: string;
  AccessPointId?: string;
  CircuitCode?: string;
  Name?: string;
  Description?: string;
}

/** A router interface as DescribeRouterInterfaces lists it. */
export interface AliyunRouterInterface {
  RouterInterfaceId: string;
  Role: "InitiatingSide" | "AcceptingSide";
  RouterType: "VRouter" | "VBR";
  RouterId: string;
  Spec: string;
  /** Idle, Connecting, AcceptingConnecting, Active, Activating, Deactivating, Inactive, Deleting. */
  Status: string;
  OppositeRegionId?: string;
  OppositeRouterType?: string;
  OppositeRouterId?: string;
  OppositeInterfaceId?: string;
  AccessPointId?: string;
  Name?: string;
  Description?: string;
}

/** Every VBR of the region (DescribeVirtualBorderRouters, pages of 50). */
export function describeVbrs(conn: AliyunConnection, regionId: string): Promise<AliyunVbr[]> {
  return conn.rpc.describeAll<AliyunVbr>("Vpc", regionId, "DescribeVirtualBorderRouters", ["VirtualBorderRouterSet", "VirtualBorderRouterType"], {}, 50);
}

/** Every router interface of the region, or the one with `id` (DescribeRouterInterfaces with a Filter). */
export function describeRouterInterfaces(conn: AliyunConnection, regionId: string, id?: string): Promise<AliyunRouterInterface[]> {
  const filter = id ? { "Filter.1.Key": "RouterInterfaceId", "Filter.1.Value.1": id } : {};
  return conn.rpc.describeAll<AliyunRouterInterface>("Vpc", regionId, "DescribeRouterInterfaces", ["RouterInterfaceSet", "RouterInterfaceType"], filter, 50);
}

/** Waits until the interface's status is one of `statuses`. @returns the last one seen and whether it got there in time. */
export function waitInterface(conn: AliyunConnection, regionId: string, id: string, statuses: string[]) {
  return waitUntil(async () => (await describeRouterInterfaces(conn, regionId, id))[0], (ri) => statuses.includes(ri.Status));
}

/** Waits until a route entry is Available (Alibaba refuses other changes to its table while one is Pending). */
export function waitRouteEntry(conn: AliyunConnection, regionId: string, tableId: string, entryId: string): Promise<{ value: AliyunRouteEntry | undefined; ready: boolean }> {
  return waitUntil(async () => (await describeRouteEntries(conn, regionId, tableId, entryId))[0], (e) => e.Status === "Available");
}
