import { AliyunError } from "../../core/errors.ts";
import type { RpcCall } from "../../core/rpc.ts";
import type { StoredResource } from "../../core/state.ts";
import { REGIONS, type RegionInfo } from "../vpc/index.ts";

/*
 * The NAS product's state tables, keyed like every product's (account → region → kind). Kind
 * names carry a `Nas` prefix because "FileSystem" or "AccessGroup" could mean something else in
 * another product; fields are NAS's own response names.
 */

/** Table "NasFileSystem". Status Pending → Running. */
export type FileSystemRow = StoredResource & {
  FileSystemId: string;
  Description: string;
  Status: "Pending" | "Running" | "Stopped";
  ProtocolType: "NFS" | "SMB";
  StorageType: "Performance" | "Capacity" | "Premium";
  FileSystemType: "standard";
  ZoneId: string;
  RegionId: string;
  /** Capacity ceiling in GiB (general-purpose NAS: 1 PiB for Performance, 10 PiB otherwise). */
  Capacity: number;
  /** Bytes stored; the emulator stores nothing, so 0. */
  MeteredSize: number;
  /** Throughput ceiling in MB/s. */
  Bandwidth: number;
  ChargeType: "PayAsYouGo";
  EncryptType: number;
  /** Epoch ms; presented in NAS's `2026-11-23T14:33:12CST` form. */
  created: number;
  ResourceGroupId: string;
};

/** Table "NasAccessGroup", keyed by name. */
export type AccessGroupRow = StoredResource & {
  AccessGroupName: string;
  AccessGroupType: "Vpc" | "Classic";
  Description: string;
  FileSystemType: "standard";
  RegionId: string;
  created: number;
  /** Next AccessRuleId to hand out (NAS numbers rules per group: "1", "2", …). */
  nextRuleId: number;
};

/** Table "NasAccessRule", keyed by `<group>/<id>`. */
export type AccessRuleRow = StoredResource & {
  AccessGroupName: string;
  AccessRuleId: string;
  SourceCidrIp: string;
  RWAccess: "RDWR" | "RDONLY";
  UserAccess: "no_squash" | "root_squash" | "all_squash";
  /** 1 (highest) to 100. */
  Priority: number;
};

/** Table "NasMountTarget", keyed by MountTargetDomain. Status Pending → Active; Active ⇄ Inactive by ModifyMountTarget. */
export type MountTargetRow = StoredResource & {
  MountTargetDomain: string;
  FileSystemId: string;
  NetworkType: "Vpc";
  VpcId: string;
  VswId: string;
  AccessGroupName: string;
  Status: "Pending" | "Active" | "Inactive";
  /** Emulator bookkeeping: the local NFS export standing in for this mount target (see backing.ts), "" when none. */
  __localExport?: string;
};

/**
 * The call's region. The generated NAS SDK sends no RegionId (Alibaba reads the region from the
 * endpoint host, `nas.<region>.aliyuncs.com`, which a client pointed at the emulator does not
 * use), so without the param NAS serves {@link DEFAULT_NAS_REGION}.
 * @throws InvalidRegionId.NotFound 404 for a RegionId the emulator does not serve.
 */
export function nasRegion(call: RpcCall): RegionInfo {
  const id = call.regionId || DEFAULT_NAS_REGION;
  const region = REGIONS.find((r) => r.RegionId === id);
  if (!region) throw new AliyunError("InvalidRegionId.NotFound", `The specified region "${id}" does not exist.`, 404);
  return region;
}

/** Region NAS serves when a call names none. */
export const DEFAULT_NAS_REGION = "cn-hangzhou";

function tableOf<T>(kind: string) {
  return (call: RpcCall): Record<string, T> => call.state.table(call.accountId, nasRegion(call).RegionId, kind, call.now) as Record<string, T>;
}

export const fileSystems = tableOf<FileSystemRow>("NasFileSystem");
export const accessGroups = tableOf<AccessGroupRow>("NasAccessGroup");
export const accessRules = tableOf<AccessRuleRow>("NasAccessRule");
export const mountTargets = tableOf<MountTargetRow>("NasMountTarget");

/** VPC-owned tables NAS reads to place mount targets. */
export const vpcRows = tableOf<StoredResource & { VpcId: string }>("Vpc");
export const vswitchRows = tableOf<StoredResource & { VSwitchId: string; VpcId: string; ZoneId: string }>("VSwitch");

/** NAS's timestamp form: China Standard Time with a `CST` suffix, e.g. `2026-11-23T14:33:12CST`. */
export function nasTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "CST");
}

/** UTC form some NAS actions give with `UseUTCDateTime=true`, e.g. `2026-11-23T06:33:12Z`. */
export function nasUtcTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The file system, or InvalidFileSystem.NotFound 404. */
export function findFileSystem(call: RpcCall, id: string): FileSystemRow {
  const fs = fileSystems(call)[id];
  if (!fs) throw new AliyunError("InvalidFileSystem.NotFound", "The specified file system does not exist.", 404);
  return fs;
}

/** The access group, or InvalidAccessGroup.NotFound 404. Seeds the default group first. */
export function findAccessGroup(call: RpcCall, name: string): AccessGroupRow {
  seedDefaultAccessGroup(call);
  const group = accessGroups(call)[name];
  if (!group) throw new AliyunError("InvalidAccessGroup.NotFound", "The specified access group does not exist.", 404);
  return group;
}

/** Name of the group every region has from the start: it admits every address, read-write, no_squash. */
export const DEFAULT_VPC_GROUP = "DEFAULT_VPC_GROUP_NAME";

/** Adds the region's default VPC access group and its one rule, once (they exist on Alibaba before any call). */
export function seedDefaultAccessGroup(call: RpcCall): void {
  const groups = accessGroups(call);
  if (groups[DEFAULT_VPC_GROUP]) return;
  groups[DEFAULT_VPC_GROUP] = {
    AccessGroupName: DEFAULT_VPC_GROUP, AccessGroupType: "Vpc", Description: "DEFAULT_VPC_GROUP_NAME", FileSystemType: "standard",
    RegionId: nasRegion(call).RegionId, created: call.now, nextRuleId: 2,
  };
  accessRules(call)[`${DEFAULT_VPC_GROUP}/1`] = {
    AccessGroupName: DEFAULT_VPC_GROUP, AccessRuleId: "1", SourceCidrIp: "0.0.0.0/0", RWAccess: "RDWR", UserAccess: "no_squash", Priority: 1,
  };
  call.state.changed();
}
