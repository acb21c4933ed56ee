import { randomBytes } from "node:crypto";
import { AliyunError, Errors } from "../../core/errors.ts";
import { int, list, objects, oneOf, page, str, tokenPage } from "../../core/params.ts";
import { aliyunTime, newResourceId, type RpcAction, type RpcCall, withClientToken } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import {
  checkDescription, checkName, dryRunStop, incorrectInstanceStatus, matchesTagFilter, requireRegion, table, tagsParam, transitionMs,
} from "./common.ts";
import { attachNow, checkDisk, type DiskRow, newDisk } from "./disks.ts";
import { findImage } from "./images.ts";
import { instanceView, requireInstance, type InstanceRow } from "./instance-row.ts";
import { findInstanceType } from "./instance-types.ts";
import { allocatePrivateIps, publicIp, requireVSwitch } from "./network.ts";
import { requireSecurityGroup } from "./security-groups.ts";

/** Everything RunInstances and CreateInstance share, checked before anything is created. */
interface LaunchSpec {
  regionId: string;
  zoneId: string;
  image: Record<string, unknown>;
  type: NonNullable<ReturnType<typeof findInstanceType>>;
  securityGroupIds: string[];
  vswitch: ReturnType<typeof requireVSwitch>;
  name?: string;
  hostName?: string;
  description?: string;
  password?: string;
  internetChargeType: string;
  instanceChargeType: string;
  bandwidthOut: number;
  systemDisk: { Category: string; Size: number; DiskName: string };
  dataDisks: { Category: string; Size: number; DiskName: string; DeleteWithInstance: boolean }[];
  tags: { TagKey: string; TagValue: string }[];
}

/**
 * Validates a launch: image (Available, in the region), instance type, VSwitch (VPC product),
 * security groups in the VSwitch's VPC, disks, password and names.
 * @throws InvalidImageId.NotFound, InvalidInstanceType.ValueNotSupported, InvalidVSwitchId.NotFound,
 *   InvalidSecurityGroupId.NotFound, InvalidSecurityGroupId.VPCMismatch, InvalidParameter…
 */
function launchSpec(call: RpcCall): LaunchSpec {
  const regionId = requireRegion(call);
  const imageId = str(call, "ImageId", { required: true });
  const image = findImage(call, imageId, regionId);
  if (!image || image.Status !== "Available") throw new AliyunError("InvalidImageId.NotFound", `The specified ImageId "${imageId}" does not exist or is not available.`, 404);
  const typeId = str(call, "InstanceType", { required: true });
  const type = findInstanceType(typeId);
  if (!type) throw new AliyunError("InvalidInstanceType.ValueNotSupported", `The specified InstanceType "${typeId}" does not exist or beyond the permitted range.`, 400);
  const vswitch = requireVSwitch(call, str(call, "VSwitchId", { required: true }), regionId);
  const zoneId = str(call, "ZoneId") ?? vswitch.ZoneId;
  if (zoneId !== vswitch.ZoneId) throw Errors.invalidParameter("ZoneId", `must be the zone of VSwitch ${vswitch.VSwitchId} (${vswitch.ZoneId})`);
  const securityGroupIds = [...new Set([...(str(call, "SecurityGroupId") ? [str(call, "SecurityGroupId")!] : []), ...list(call, "SecurityGroupIds")])];
  if (!securityGroupIds.length) throw Errors.missingParameter("SecurityGroupId");
  if (securityGroupIds.length > 5) throw new AliyunError("InvalidSecurityGroupId.LimitExceeded", "An instance can be in at most 5 security groups.", 400);
  for (const id of securityGroupIds) {
    const g = requireSecurityGroup(call, id, regionId);
    if (g.VpcId !== vswitch.VpcId) {
      throw new AliyunError("InvalidSecurityGroupId.VPCMismatch", `The specified security group "${id}" and VSwitch "${vswitch.VSwitchId}" are not in the same VPC.`, 400);
    }
  }
  const password = str(call, "Password");
  if (password !== undefined && !validPassword(password)) {
    throw new AliyunError("InvalidPassword.Malformed", "The password must be 8 to 30 characters and contain three of: upper case, lower case, digits, special characters.", 400);
  }
  const imageSize = Number(image.Size ?? 20);
  const systemDisk = {
    Category: str(call, "SystemDisk.Category") ?? "cloud_essd",
    Size: int(call, "SystemDisk.Size", { default: Math.max(40, imageSize) })!,
    DiskName: str(call, "SystemDisk.DiskName") ?? "",
  };
  checkDisk(systemDisk.Category, systemDisk.Size, "SystemDisk.Size");
  if (systemDisk.Size < imageSize) throw new AliyunError("InvalidSystemDiskSize.LessThanImageSize", "The specified system disk size is smaller than the image size.", 400);
  const dataDisks = objects(call, "DataDisk").map((d, i) => {
    const disk = { Category: d.Category ?? "cloud_efficiency", Size: Number(d.Size), DiskName: d.DiskName ?? "", DeleteWithInstance: d.DeleteWithInstance !== "false" };
    checkDisk(disk.Category, disk.Size, `DataDisk.${i + 1}.Size`);
    return disk;
  });
  if (dataDisks.length > 16) throw Errors.invalidParameter("DataDisk", "has more than 16 disks");
  return {
    regionId, zoneId, image, type, securityGroupIds, vswitch, password,
    name: checkName(call, "InstanceName"), hostName: hostNameParam(call), description: checkDescription(call),
    internetChargeType: oneOf(call, "InternetChargeType", ["PayByBandwidth", "PayByTraffic"] as const, "PayByTraffic")!,
    instanceChargeType: oneOf(call, "InstanceChargeType", ["PrePaid", "PostPaid"] as const, "PostPaid")!,
    bandwidthOut: int(call, "InternetMaxBandwidthOut", { default: 0, min: 0, max: 100 })!,
    systemDisk, dataDisks, tags: tagsParam(call),
  };
}

/** Alibaba's rule: 8–30 characters, three of four classes (upper, lower, digit, special). */
function validPassword(p: string): boolean {
  if (p.length < 8 || p.length > 30) return false;
  const classes = [/[A-Z]/, /[a-z]/, /\d/, /[()`~!@#$%^&*\-_+=|{}[\]:;'<>,.?/]/].filter((re) => re.test(p)).length;
  return classes >= 3 && /^[\x21-\x7e]+$/.test(p);
}

function hostNameParam(call: RpcCall): string | undefined {
  const v = str(call, "HostName");
  if (v !== undefined && (v.length < 2 || v.length > 64 || !/^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]$/.test(v))) {
    throw new AliyunError("InvalidHostName.Malformed", "The specified HostName is not valid.", 400);
  }
  return v;
}

/** Creates one instance with its disks, in Pending; the caller schedules its status moves. */
function createOne(call: RpcCall, spec: LaunchSpec, ip: string, name: string | undefined, hostName: string | undefined): InstanceRow {
  const id = newResourceId("i");
  const row: InstanceRow = {
    InstanceId: id, InstanceName: name ?? id, HostName: hostName ?? `iZ${id.slice(2)}Z`, Description: spec.description ?? "",
    Status: "Pending", RegionId: spec.regionId, ZoneId: spec.zoneId, InstanceType: spec.type.InstanceTypeId,
    InstanceTypeFamily: spec.type.InstanceTypeFamily, Cpu: spec.type.CpuCoreCount, Memory: spec.type.MemorySize * 1024,
    ImageId: spec.image.ImageId as string, OSName: spec.image.OSName as string, OSNameEn: (spec.image.OSNameEn ?? spec.image.OSName) as string,
    OSType: spec.image.OSType as string, CreationTime: aliyunTime(call.now), StartTime: "", ExpiredTime: "2099-12-31T15:59Z",
    InstanceChargeType: spec.instanceChargeType, InternetChargeType: spec.internetChargeType,
    InternetMaxBandwidthOut: spec.bandwidthOut, InternetMaxBandwidthIn: spec.bandwidthOut ? 200 : 0, InstanceNetworkType: "vpc",
    IoOptimized: true, SerialNumber: randomBytes(16).toString("hex"), StoppedMode: "Not-applicable", DeletionProtection: false,
    SecurityGroupIds: { SecurityGroupId: [...spec.securityGroupIds] },
    PublicIpAddress: { IpAddress: spec.bandwidthOut > 0 ? [publicIp()] : [] }, InnerIpAddress: { IpAddress: [] },
    VpcAttributes: { VpcId: spec.vswitch.VpcId, VSwitchId: spec.vswitch.VSwitchId, NatIpAddress: "", PrivateIpAddress: { IpAddress: [ip] } },
    NetworkInterfaces: { NetworkInterface: [{ NetworkInterfaceId: newResourceId("eni"), Type: "Primary", PrimaryIpAddress: ip, MacAddress: macAddress(), PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: ip, Primary: true }] } }] },
    Tags: { Tag: spec.tags }, ResourceGroupId: "", __password: spec.password,
  };
  table<InstanceRow>(call, "Instance", spec.regionId)[id] = row;
  const disks = table<DiskRow>(call, "Disk", spec.regionId);
  const system = newDisk(call, { Type: "system", Category: spec.systemDisk.Category, Size: spec.systemDisk.Size, DiskName: spec.systemDisk.DiskName, RegionId: spec.regionId, ZoneId: spec.zoneId, ImageId: row.ImageId, DeleteWithInstance: true });
  attachNow(call, system, id, "/dev/xvda");
  disks[system.DiskId] = system;
  spec.dataDisks.forEach((d, i) => {
    const disk = newDisk(call, { Type: "data", Category: d.Category, Size: d.Size, DiskName: d.DiskName, RegionId: spec.regionId, ZoneId: spec.zoneId, DeleteWithInstance: d.DeleteWithInstance });
    attachNow(call, disk, id, `/dev/xvd${String.fromCharCode(98 + i)}`);
    disks[disk.DiskId] = disk;
  });
  return row;
}

function macAddress(): string {
  return ["00", "16", "3e", ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** Pending → Starting → Running over the transition time. */
export function scheduleStart(call: RpcCall, row: InstanceRow, from: "Pending" | "Starting"): void {
  const t = transitionMs(call);
  moveThrough(row, "Status", [
    { to: from, afterMs: 0 },
    ...(from === "Pending" ? [{ to: "Starting", afterMs: Math.round(t / 2) }] : []),
    { to: "Running", afterMs: t, also: { StartTime: aliyunTime(call.now + t) } },
  ], call.now);
}

/** `Name` for instance `i` of a batch: UniqueSuffix appends 001, 002… as Alibaba does. */
function batchName(base: string | undefined, i: number, unique: boolean): string | undefined {
  return base !== undefined && unique ? `${base}${String(i + 1).padStart(3, "0")}` : base;
}

/**
 * RunInstances (RegionId, ImageId, InstanceType, SecurityGroupId|SecurityGroupIds.N, VSwitchId,
 * Amount 1..100, MinAmount, InstanceName, HostName, UniqueSuffix, Password, InternetChargeType,
 * InternetMaxBandwidthOut, InstanceChargeType, SystemDisk.Category/Size, DataDisk.N.*, Tag.N.*,
 * ClientToken, DryRun) → `{ InstanceIdSets: { InstanceIdSet: [...] } }`. Instances go
 * Pending → Starting → Running; each gets a private IP from the VSwitch and its disks.
 */
export const runInstances: RpcAction = (call) => {
  const spec = launchSpec(call);
  const amount = int(call, "Amount", { default: 1, min: 1, max: 100 })!;
  const minAmount = int(call, "MinAmount", { default: amount, min: 1, max: amount })!;
  const unique = call.params.UniqueSuffix === "true";
  dryRunStop(call);
  return withClientToken(call, () => {
    // Allocated inside: a repeated ClientToken must get its first answer even when the VSwitch is full now.
    const ips = allocatePrivateIps(call, spec.regionId, spec.vswitch, amount, minAmount);
    const ids = ips.map((ip, i) => {
      const row = createOne(call, spec, ip, batchName(spec.name, i, unique), batchName(spec.hostName, i, unique));
      scheduleStart(call, row, "Pending");
      return row.InstanceId;
    });
    return { InstanceIdSets: { InstanceIdSet: ids }, TradePrice: 0 };
  });
};

/**
 * CreateInstance (as RunInstances, one instance) → `{ InstanceId }`. The instance is created
 * Stopped (through Pending), as Alibaba's CreateInstance leaves it.
 */
export const createInstance: RpcAction = (call) => {
  const spec = launchSpec(call);
  dryRunStop(call);
  return withClientToken(call, () => {
    const [ip] = allocatePrivateIps(call, spec.regionId, spec.vswitch, 1);
    const row = createOne(call, spec, ip!, spec.name, spec.hostName);
    moveThrough(row, "Status", [{ to: "Pending", afterMs: 0 }, { to: "Stopped", afterMs: transitionMs(call) }], call.now);
    return { InstanceId: row.InstanceId, TradePrice: 0 };
  });
};

/**
 * DescribeInstances (RegionId; InstanceIds JSON array, VpcId, VSwitchId, ZoneId, Status,
 * InstanceName with `*` wildcards, InstanceType, ImageId, SecurityGroupId, PrivateIpAddresses,
 * Tag.N; PageNumber/PageSize ≤ 100, or NextToken/MaxResults ≤ 100) → `{ Instances: { Instance: [...] },
 * TotalCount, PageNumber, PageSize, NextToken }`.
 */
export const describeInstances: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const ids = list(call, "InstanceIds");
  if (ids.length > 100) throw Errors.invalidParameter("InstanceIds", "has more than 100 ids");
  const ips = list(call, "PrivateIpAddresses");
  const f = Object.fromEntries(["VpcId", "VSwitchId", "ZoneId", "Status", "InstanceType", "ImageId", "SecurityGroupId", "InstanceChargeType"].map((k) => [k, str(call, k)]));
  const namePattern = str(call, "InstanceName");
  const nameRe = namePattern === undefined ? undefined : new RegExp(`^${namePattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  const matching = Object.values(table<InstanceRow>(call, "Instance", regionId)).filter((i) =>
    (!ids.length || ids.includes(i.InstanceId))
    && (!f.VpcId || i.VpcAttributes.VpcId === f.VpcId) && (!f.VSwitchId || i.VpcAttributes.VSwitchId === f.VSwitchId)
    && (!f.ZoneId || i.ZoneId === f.ZoneId) && (!f.Status || i.Status === f.Status) && (!f.InstanceType || i.InstanceType === f.InstanceType)
    && (!f.ImageId || i.ImageId === f.ImageId) && (!f.SecurityGroupId || i.SecurityGroupIds.SecurityGroupId.includes(f.SecurityGroupId))
    && (!f.InstanceChargeType || i.InstanceChargeType === f.InstanceChargeType)
    && (!ips.length || i.VpcAttributes.PrivateIpAddress.IpAddress.some((ip) => ips.includes(ip)))
    && (!nameRe || nameRe.test(i.InstanceName)) && matchesTagFilter(call, i));
  if (call.params.MaxResults !== undefined || call.params.NextToken !== undefined) {
    const { items, fields } = tokenPage(call, matching, { defaultMax: 10, maxMax: 100 });
    return { Instances: { Instance: items.map((i) => instanceView(call, i)) }, NextToken: fields.NextToken, TotalCount: fields.TotalCount };
  }
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { Instances: { Instance: items.map((i) => instanceView(call, i)) }, ...fields, NextToken: "" };
};

/**
 * DescribeInstanceStatus (RegionId, ZoneId, InstanceId.N; PageNumber/PageSize ≤ 50) →
 * `{ InstanceStatuses: { InstanceStatus: [{ InstanceId, Status }] }, TotalCount, PageNumber, PageSize }`.
 */
export const describeInstanceStatus: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const ids = list(call, "InstanceId");
  const zoneId = str(call, "ZoneId");
  const matching = Object.values(table<InstanceRow>(call, "Instance", regionId))
    .filter((i) => (!ids.length || ids.includes(i.InstanceId)) && (!zoneId || i.ZoneId === zoneId))
    .map((i) => ({ InstanceId: i.InstanceId, Status: i.Status }));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { InstanceStatuses: { InstanceStatus: items }, ...fields };
};

/**
 * ModifyInstanceAttribute (InstanceId, InstanceName, Description, Password, HostName,
 * SecurityGroupIds.N replacing the groups, same VPC) → `{}`.
 */
export const modifyInstanceAttribute: RpcAction = (call) => {
  const { row, regionId } = requireInstance(call, str(call, "InstanceId", { required: true }));
  const name = checkName(call, "InstanceName");
  const description = checkDescription(call);
  const hostName = hostNameParam(call);
  const password = str(call, "Password");
  if (password !== undefined && !validPassword(password)) {
    throw new AliyunError("InvalidPassword.Malformed", "The password must be 8 to 30 characters and contain three of: upper case, lower case, digits, special characters.", 400);
  }
  const groups = list(call, "SecurityGroupIds");
  for (const id of groups) {
    if (requireSecurityGroup(call, id, regionId).VpcId !== row.VpcAttributes.VpcId) {
      throw new AliyunError("InvalidSecurityGroupId.VPCMismatch", `The specified security group "${id}" is not in the VPC of the instance.`, 400);
    }
  }
  if (name !== undefined) row.InstanceName = name;
  if (description !== undefined) row.Description = description;
  if (hostName !== undefined) row.HostName = hostName;
  if (password !== undefined) row.__password = password;
  if (groups.length) row.SecurityGroupIds = { SecurityGroupId: [...new Set(groups)] };
  return {};
};

/** DescribeInstanceVncUrl (RegionId, InstanceId) → `{ VncUrl }`. The instance must be Running. */
export const describeInstanceVncUrl: RpcAction = (call) => {
  requireRegion(call);
  const { row } = requireInstance(call, str(call, "InstanceId", { required: true }));
  if (row.Status !== "Running") throw incorrectInstanceStatus();
  // Alibaba's URL is valid for 15 seconds and opens through its web VNC console; the token is opaque.
  return { VncUrl: `wss://g-vnc.ecs.aliyun.com/?s=${randomBytes(24).toString("base64url")}` };
};

/** ModifyInstanceVncPasswd (RegionId, InstanceId, VncPassword: 6 letters or digits) → `{}`. */
export const modifyInstanceVncPasswd: RpcAction = (call) => {
  const { row } = requireInstance(call, str(call, "InstanceId", { required: true }));
  const password = str(call, "VncPassword", { required: true });
  if (!/^[A-Za-z0-9]{6}$/.test(password)) throw new AliyunError("InvalidVncPassword.Malformed", "The VNC password must be 6 letters or digits.", 400);
  row.__vncPassword = password;
  return {};
};
