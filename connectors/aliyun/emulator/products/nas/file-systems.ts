import { randomBytes } from "node:crypto";
import { AliyunError, Errors } from "../../core/errors.ts";
import { oneOf, page, str } from "../../core/params.ts";
import { withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import { vpcTiming } from "../vpc/index.ts";
import { fileSystems, findFileSystem, mountTargets, nasRegion, nasTime, type FileSystemRow, type MountTargetRow } from "./tables.ts";

/** File systems per region an account may hold (general-purpose NAS default quota). */
export const FILE_SYSTEM_QUOTA = 20;

/** How long a status move takes here (the server's transitionMs, else the VPC product's default). */
export function nasTransitionMs(call: RpcCall): number {
  return call.transitionMs ?? vpcTiming.transitionMs;
}

/** A general-purpose file system id: 10 lowercase hex digits, e.g. `31a8e4b0c2`. */
function newFileSystemId(): string {
  return randomBytes(5).toString("hex");
}

/**
 * Checks a NAS description: 2–128 characters, starting with a letter or Chinese character, not
 * with `http://`/`https://`. Empty is allowed (no description).
 */
export function checkDescription(value: string | undefined): void {
  if (value === undefined || value === "") return;
  if (value.length < 2 || value.length > 128 || /^https?:\/\//i.test(value) || !/^[\p{L}]/u.test(value)) {
    throw Errors.invalidParameter("Description", "must be 2–128 characters starting with a letter");
  }
}

/**
 * CreateFileSystem(ProtocolType NFS|SMB, StorageType Performance|Capacity|Premium, FileSystemType =
 * standard, ZoneId (default: the region's first zone), Description, ChargeType = PayAsYouGo,
 * EncryptType = 0, ClientToken, DryRun) → `{ FileSystemId }`. Only general-purpose (`standard`)
 * file systems are emulated. The file system is Pending, Running after one transition.
 * @throws MissingParameter, InvalidParameter (enum values, description), InvalidZoneId.NotFound 404,
 *   QuotaExceeded.FileSystem.
 */
export async function createFileSystem(call: RpcCall): Promise<Record<string, unknown>> {
  const region = nasRegion(call);
  const protocol = oneOf(call, "ProtocolType", ["NFS", "SMB"] as const);
  if (!protocol) throw Errors.missingParameter("ProtocolType");
  const storage = oneOf(call, "StorageType", ["Performance", "Capacity", "Premium"] as const);
  if (!storage) throw Errors.missingParameter("StorageType");
  oneOf(call, "FileSystemType", ["standard"] as const, "standard");
  oneOf(call, "ChargeType", ["PayAsYouGo"] as const, "PayAsYouGo");
  const encrypt = oneOf(call, "EncryptType", ["0", "1", "2"] as const, "0")!;
  const zoneId = str(call, "ZoneId") ?? region.zones[0]!;
  if (!region.zones.includes(zoneId)) throw new AliyunError("InvalidZoneId.NotFound", "The specified zone does not exist.", 404);
  const description = str(call, "Description", { default: "" })!;
  checkDescription(description);
  if (call.params.DryRun === "true") throw new AliyunError("DryRunOperation", "Request validation has been passed with DryRun flag set.", 400);
  return withClientToken(call, () => {
    const all = fileSystems(call);
    if (Object.keys(all).length >= FILE_SYSTEM_QUOTA) throw new AliyunError("QuotaExceeded.FileSystem", "The maximum number of file systems is reached.", 400);
    const FileSystemId = newFileSystemId();
    const row: FileSystemRow = {
      FileSystemId, Description: description, Status: "Pending", ProtocolType: protocol, StorageType: storage, FileSystemType: "standard",
      ZoneId: zoneId, RegionId: region.RegionId, Capacity: storage === "Performance" ? 1_048_576 : 10_485_760, MeteredSize: 0,
      Bandwidth: storage === "Capacity" ? 150 : 600, ChargeType: "PayAsYouGo", EncryptType: Number(encrypt), created: call.now,
      ResourceGroupId: str(call, "ResourceGroupId", { default: "" })!,
    };
    moveThrough(row, "Status", [{ to: "Running", afterMs: nasTransitionMs(call) }], call.now);
    all[FileSystemId] = row;
    call.state.changed();
    return { FileSystemId };
  });
}

/** A mount target as DescribeFileSystems embeds it. */
function embeddedMountTarget(m: MountTargetRow): Record<string, unknown> {
  return {
    MountTargetDomain: m.MountTargetDomain, DualStackMountTargetDomain: "", NetworkType: m.NetworkType, VpcId: m.VpcId, VswId: m.VswId,
    AccessGroupName: m.AccessGroupName, Status: m.Status, ClientMasterNodes: { ClientMasterNode: [] }, Tags: { Tag: [] },
  };
}

function presentFileSystem(call: RpcCall, fs: FileSystemRow): Record<string, unknown> {
  const targets = Object.values(mountTargets(call)).filter((m) => m.FileSystemId === fs.FileSystemId);
  return {
    FileSystemId: fs.FileSystemId, Description: fs.Description, Status: fs.Status, ProtocolType: fs.ProtocolType, StorageType: fs.StorageType,
    FileSystemType: fs.FileSystemType, ZoneId: fs.ZoneId, RegionId: fs.RegionId, Capacity: fs.Capacity, MeteredSize: fs.MeteredSize,
    MeteredIASize: 0, MeteredArchiveSize: 0, Bandwidth: fs.Bandwidth, ChargeType: fs.ChargeType, EncryptType: fs.EncryptType,
    CreateTime: nasTime(fs.created), ExpiredTime: "", KMSKeyId: "", Version: "", ResourceGroupId: fs.ResourceGroupId, VpcId: "", AccessPointCount: "0",
    MountTargets: { MountTarget: targets.map(embeddedMountTarget) },
    Packages: { Package: [] }, Tags: { Tag: [] }, SupportedFeatures: { SupportedFeature: [] }, VswIds: { VswId: [] },
    ...(fs.ProtocolType === "SMB" ? { Options: { EnableOplock: true } } : {}),
  };
}

/**
 * DescribeFileSystems(FileSystemId (comma-separated), FileSystemType, VpcId, PageNumber, PageSize ≤ 100)
 * → `{ TotalCount, PageNumber, PageSize, FileSystems: { FileSystem: [...] } }`, each with its
 * `MountTargets: { MountTarget: [...] }`. VpcId keeps file systems with a mount target in that VPC.
 */
export function describeFileSystems(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const idText = str(call, "FileSystemId");
  const ids = idText ? new Set(idText.split(",").map((s) => s.trim())) : undefined;
  const type = str(call, "FileSystemType");
  const vpcId = str(call, "VpcId");
  const targets = Object.values(mountTargets(call));
  const matching = Object.values(fileSystems(call)).filter((fs) =>
    (!ids || ids.has(fs.FileSystemId)) && (type === undefined || type === "all" || fs.FileSystemType === type) &&
    (vpcId === undefined || targets.some((m) => m.FileSystemId === fs.FileSystemId && m.VpcId === vpcId)));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { ...fields, FileSystems: { FileSystem: items.map((fs) => presentFileSystem(call, fs)) } };
}

/** ModifyFileSystem(FileSystemId, Description) → `{}`. */
export function modifyFileSystem(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const fs = findFileSystem(call, str(call, "FileSystemId", { required: true }));
  const description = str(call, "Description");
  checkDescription(description);
  if (description !== undefined) fs.Description = description;
  call.state.changed();
  return {};
}

/**
 * DeleteFileSystem(FileSystemId) → `{}`. Alibaba deletes a file system only once it has no mount
 * targets; the code for that refusal, OperationDenied.HasMountTargets, is taken from a public
 * error list rather than the (silent) DeleteFileSystem error table.
 * @throws InvalidFileSystem.NotFound 404, OperationDenied.HasMountTargets.
 */
export function deleteFileSystem(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const fs = findFileSystem(call, str(call, "FileSystemId", { required: true }));
  if (Object.values(mountTargets(call)).some((m) => m.FileSystemId === fs.FileSystemId)) {
    throw new AliyunError("OperationDenied.HasMountTargets", "The file system still has mount targets. Delete them first.", 400);
  }
  delete fileSystems(call)[fs.FileSystemId];
  call.state.changed();
  return {};
}
