import type { AliyunConnection } from "../remote.ts";
import { waitUntil } from "../vpc/wire.ts";

/** A mount target as DescribeMountTargets lists it (Alibaba NAS API 2017-06-26). */
export interface AliyunMountTarget {
  MountTargetDomain: string;
  VpcId?: string;
  VswId?: string;
  /** The access group's name (DescribeFileSystems embeds it as AccessGroupName). */
  AccessGroup?: string;
  AccessGroupName?: string;
  /** Pending, Active, Inactive. */
  Status: string;
}

/** A file system as DescribeFileSystems lists it. */
export interface AliyunFileSystem {
  FileSystemId: string;
  Description?: string;
  /** Pending, Running, Stopped. */
  Status: string;
  ProtocolType: string;
  StorageType: string;
  ZoneId?: string;
  /** GiB. */
  Capacity?: number;
  /** Bytes. */
  MeteredSize?: number;
  MountTargets?: { MountTarget?: AliyunMountTarget[] };
}

/** An access group as DescribeAccessGroups lists it. */
export interface AliyunAccessGroup {
  AccessGroupName: string;
  AccessGroupType: string;
  Description?: string;
  RuleCount?: number;
  MountTargetCount?: number;
}

/** An access rule as DescribeAccessRules lists it. */
export interface AliyunAccessRule {
  AccessRuleId: string;
  SourceCidrIp: string;
  RWAccess: string;
  UserAccess: string;
  Priority: number;
}

/** File systems of the region, or the one with `id` (DescribeFileSystems, pages of 100). */
export function describeFileSystems(conn: AliyunConnection, regionId: string, id?: string): Promise<AliyunFileSystem[]> {
  return conn.rpc.describeAll<AliyunFileSystem>("Nas", regionId, "DescribeFileSystems", ["FileSystems", "FileSystem"], { FileSystemId: id }, 100);
}

/** Access groups of the region, or the one named `name`. */
export function describeAccessGroups(conn: AliyunConnection, regionId: string, name?: string): Promise<AliyunAccessGroup[]> {
  return conn.rpc.describeAll<AliyunAccessGroup>("Nas", regionId, "DescribeAccessGroups", ["AccessGroups", "AccessGroup"], { AccessGroupName: name }, 100);
}

/** Rules of an access group. */
export function describeAccessRules(conn: AliyunConnection, regionId: string, group: string): Promise<AliyunAccessRule[]> {
  return conn.rpc.describeAll<AliyunAccessRule>("Nas", regionId, "DescribeAccessRules", ["AccessRules", "AccessRule"], { AccessGroupName: group }, 100);
}

/** Mount targets of a file system, or the one at `domain`. */
export function describeMountTargets(conn: AliyunConnection, regionId: string, fileSystemId: string, domain?: string): Promise<AliyunMountTarget[]> {
  return conn.rpc.describeAll<AliyunMountTarget>("Nas", regionId, "DescribeMountTargets", ["MountTargets", "MountTarget"],
    { FileSystemId: fileSystemId, MountTargetDomain: domain }, 100);
}

/** Waits until the file system is Running. */
export function waitFileSystem(conn: AliyunConnection, regionId: string, id: string) {
  return waitUntil(async () => (await describeFileSystems(conn, regionId, id))[0], (f) => f.Status === "Running");
}

/** Waits until the mount target is Active. */
export function waitMountTarget(conn: AliyunConnection, regionId: string, fileSystemId: string, domain: string) {
  return waitUntil(async () => (await describeMountTargets(conn, regionId, fileSystemId, domain))[0], (m) => m.Status === "Active");
}
