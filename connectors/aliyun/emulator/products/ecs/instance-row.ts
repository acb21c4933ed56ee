import { Errors } from "../../core/errors.ts";
import type { RpcCall } from "../../core/rpc.ts";
import { publicView, type StoredResource } from "../../core/state.ts";
import { findAnywhere, table, type Tag } from "./common.ts";

/**
 * Table "Instance": DescribeInstances' fields in wire shape. The VPC product reads
 * `VpcAttributes.VpcId/VSwitchId` (VSwitch free-address counts, VPC deletion checks).
 */
export type InstanceRow = StoredResource & {
  InstanceId: string;
  InstanceName: string;
  HostName: string;
  Description: string;
  /** Pending → Starting → Running; Running → Stopping → Stopped; Stopped → Starting → Running. */
  Status: string;
  RegionId: string;
  ZoneId: string;
  InstanceType: string;
  InstanceTypeFamily: string;
  /** vCPUs. */
  Cpu: number;
  /** MiB. */
  Memory: number;
  ImageId: string;
  OSName: string;
  OSNameEn: string;
  OSType: string;
  CreationTime: string;
  StartTime: string;
  InstanceChargeType: string;
  InternetChargeType: string;
  /** Mbit/s. */
  InternetMaxBandwidthOut: number;
  InternetMaxBandwidthIn: number;
  InstanceNetworkType: "vpc";
  SecurityGroupIds: { SecurityGroupId: string[] };
  PublicIpAddress: { IpAddress: string[] };
  InnerIpAddress: { IpAddress: string[] };
  VpcAttributes: { VpcId: string; VSwitchId: string; NatIpAddress: string; PrivateIpAddress: { IpAddress: string[] } };
  Tags: { Tag: Tag[] };
  /** Root password; never shown. */
  __password?: string;
  /** Six-character VNC password; never shown. */
  __vncPassword?: string;
};

/** EIP row fields this product reads from the VPC product's "EipAddress" table. */
type EipView = StoredResource & { AllocationId: string; IpAddress: string; InstanceId: string; Bandwidth?: string | number; InternetChargeType?: string; Status?: string };

/** `InvalidInstanceId.NotFound` (404). */
export const instanceNotFound = (id: string) => Errors.notFound("InvalidInstanceId", id, "InstanceId");

/** The instance `id` (in the call's region, or any region when the action takes no RegionId). */
export function requireInstance(call: RpcCall, id: string): { row: InstanceRow; regionId: string } {
  return findAnywhere<InstanceRow>(call, "Instance", id, () => instanceNotFound(id));
}

/** The EIP associated with an instance, if any (VPC product's "EipAddress" rows with its InstanceId). */
export function eipOf(call: RpcCall, regionId: string, instanceId: string): EipView | undefined {
  return Object.values(table<EipView>(call, "EipAddress", regionId)).find((e) => e.InstanceId === instanceId);
}

/** An instance as DescribeInstances shows it: the row plus its EIP (or Alibaba's empty EipAddress). */
export function instanceView(call: RpcCall, row: InstanceRow): Record<string, unknown> {
  const eip = eipOf(call, row.RegionId, row.InstanceId);
  return {
    ...publicView(row),
    EipAddress: eip
      ? { AllocationId: eip.AllocationId, IpAddress: eip.IpAddress, Bandwidth: Number(eip.Bandwidth ?? 0), InternetChargeType: eip.InternetChargeType ?? "", IsSupportUnassociate: true }
      : { AllocationId: "", IpAddress: "", Bandwidth: 0, InternetChargeType: "", IsSupportUnassociate: true },
    OperationLocks: { LockReason: [] },
  };
}
