import type { VmState } from "../../../../server/vm-instances/states.ts";
import { aliyunDate, MiB } from "../common.ts";

/** An instance as ECS DescribeInstances returns it (the fields Strata reads). */
export interface AliyunInstance {
  InstanceId: string;
  InstanceName: string;
  Description?: string;
  Status: string;
  RegionId: string;
  ZoneId?: string;
  InstanceType: string;
  /** vCPUs. */
  Cpu: number;
  /** MiB. */
  Memory: number;
  ImageId?: string;
  OSType?: string;
  InstanceChargeType?: string;
  InternetChargeType?: string;
  /** Mbit/s. */
  InternetMaxBandwidthOut?: number;
  ExpiredTime?: string;
  SecurityGroupIds?: { SecurityGroupId?: string[] };
  PublicIpAddress?: { IpAddress?: string[] };
  VpcAttributes?: { VpcId?: string; VSwitchId?: string; PrivateIpAddress?: { IpAddress?: string[] } };
  EipAddress?: { AllocationId?: string; IpAddress?: string };
}

/** A system disk as DescribeDisks returns it (for the root-volume fields of an instance). */
export interface AliyunSystemDisk {
  DiskId: string;
  InstanceId: string;
  Category: string;
  /** GiB. */
  Size: number;
}

/**
 * The VmInstance state of an ECS status: Pending/Starting → Starting, Running → Running,
 * Stopping → Stopping, Stopped → Stopped; anything else → Unknown.
 */
export function vmStateOfEcs(status: string): VmState {
  switch (status) {
    case "Pending":
    case "Starting": return "Starting";
    case "Running": return "Running";
    case "Stopping": return "Stopping";
    case "Stopped": return "Stopped";
    default: return "Unknown";
  }
}

/** Local uuids of the rows an instance refers to, by Alibaba id. */
export interface LocalRefs {
  vpcs: Map<string, string>;
  vswitches: Map<string, string>;
  securityGroups: Map<string, string>;
  images: Map<string, string>;
  zones: Map<string, string>;
  systemDisks: Map<string, AliyunSystemDisk>;
}

/**
 * The EcsInstance columns Alibaba's view determines (everything a sync brings in line).
 * Memory is converted from MiB to bytes; the root-volume fields come from `refs.systemDisks`.
 */
export function ecsColumns(i: AliyunInstance, refs: LocalRefs) {
  const vpcId = i.VpcAttributes?.VpcId || null;
  const vSwitchId = i.VpcAttributes?.VSwitchId || null;
  const sg = i.SecurityGroupIds?.SecurityGroupId?.[0];
  const disk = refs.systemDisks.get(i.InstanceId);
  return {
    ecsInstanceId: i.InstanceId, name: i.InstanceName, description: i.Description || null, ecsStatus: i.Status,
    ecsInstanceType: i.InstanceType, cpuCores: i.Cpu, memorySize: BigInt(i.Memory) * MiB,
    ecsBandWidth: i.InternetMaxBandwidthOut ?? null,
    // Root-volume fields only when the system disk was looked up (undefined: leave them as they are).
    ecsRootVolumeId: disk?.DiskId, ecsRootVolumeCategory: disk?.Category, ecsRootVolumeSize: disk ? BigInt(disk.Size) : undefined,
    privateIpAddress: i.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? null,
    publicIpAddress: i.EipAddress?.IpAddress || i.PublicIpAddress?.IpAddress?.[0] || null,
    ecsVpcUuid: vpcId ? refs.vpcs.get(vpcId) ?? null : null,
    ecsVSwitchUuid: vSwitchId ? refs.vswitches.get(vSwitchId) ?? null : null,
    ecsImageUuid: i.ImageId ? refs.images.get(i.ImageId) ?? null : null,
    ecsSecurityGroupUuid: sg ? refs.securityGroups.get(sg) ?? null : null,
    identityZoneUuid: i.ZoneId ? refs.zones.get(i.ZoneId) ?? null : null,
    regionId: i.RegionId, zoneId: i.ZoneId || null, vpcId, vSwitchId,
    chargeType: i.InstanceChargeType || null, internetChargeType: i.InternetChargeType || null,
    expireDate: aliyunDate(i.ExpiredTime),
  };
}

/** The VmInstance columns an ECS instance determines (provider Aliyun, no zone or host). */
export function vmColumns(i: AliyunInstance) {
  return {
    name: i.InstanceName, description: i.Description || null, cpuNum: i.Cpu, memorySize: BigInt(i.Memory) * MiB,
    state: vmStateOfEcs(i.Status), platform: i.OSType === "windows" ? "Windows" : "Linux",
  };
}
