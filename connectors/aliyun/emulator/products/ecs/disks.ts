import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, int, list, oneOf, page, str, tokenPage } from "../../core/params.ts";
import { aliyunTime, newResourceId, type RpcAction, type RpcCall, withClientToken } from "../../core/rpc.ts";
import { moveThrough, publicView, type StoredResource } from "../../core/state.ts";
import {
  checkDescription, checkName, findAnywhere, incorrectDiskStatus, incorrectInstanceStatus, matchesTagFilter, requireRegion, table,
  tagsParam, type Tag, transitionMs,
} from "./common.ts";
import { requireInstance } from "./instance-row.ts";
import { DISK_CATEGORIES, isZoneOf } from "./regions.ts";

/** Table "Disk": DescribeDisks' fields in wire shape. */
export type DiskRow = StoredResource & {
  DiskId: string;
  DiskName: string;
  Description: string;
  /** system or data. */
  Type: "system" | "data";
  Category: string;
  /** GiB. */
  Size: number;
  /** Creating → Available; Available → Attaching → In_use; In_use → Detaching → Available. */
  Status: string;
  RegionId: string;
  ZoneId: string;
  /** "" when not attached. */
  InstanceId: string;
  /** e.g. /dev/xvdb; "" when not attached. */
  Device: string;
  DeleteWithInstance: boolean;
  ImageId: string;
  CreationTime: string;
  AttachedTime: string;
  DetachedTime: string;
  Attachments: { Attachment: { InstanceId: string; Device: string; AttachedTime: string }[] };
  Tags: { Tag: Tag[] };
};

/** Size limits per category in GiB (Alibaba's CreateDisk documentation). */
const SIZE_LIMITS: Record<string, [number, number]> = {
  cloud: [5, 2000], cloud_efficiency: [20, 32768], cloud_ssd: [20, 32768], cloud_essd: [20, 32768], cloud_auto: [1, 65536],
};

const diskNotFound = (id: string) => Errors.notFound("InvalidDiskId", id, "DiskId");

/** The disk `id` (in the call's region, or any region for actions without RegionId). @throws InvalidDiskId.NotFound (404). */
export function requireDisk(call: RpcCall, id: string): { row: DiskRow; regionId: string } {
  return findAnywhere<DiskRow>(call, "Disk", id, () => diskNotFound(id));
}

/** @throws InvalidDiskCategory.ValueNotSupported / InvalidDiskSize.ValueNotSupported (400). */
export function checkDisk(category: string, size: number, param: string): void {
  const limits = SIZE_LIMITS[category];
  if (!limits || !(DISK_CATEGORIES as readonly string[]).concat("cloud").includes(category)) {
    throw new AliyunError("InvalidDiskCategory.ValueNotSupported", `The specified disk category "${category}" is not supported.`, 400);
  }
  if (!Number.isInteger(size) || size < limits[0] || size > limits[1]) {
    throw new AliyunError("InvalidDiskSize.ValueNotSupported", `The specified ${param} ${size} is out of the range [${limits[0]}, ${limits[1]}] GiB of ${category}.`, 400);
  }
}

/** A new disk row (not yet stored). */
export function newDisk(call: RpcCall, fields: Pick<DiskRow, "Type" | "Category" | "Size" | "RegionId" | "ZoneId"> & Partial<DiskRow>): DiskRow {
  return {
    DiskId: newResourceId("d"), DiskName: "", Description: "", Status: "Available", InstanceId: "", Device: "", DeleteWithInstance: true,
    ImageId: "", CreationTime: aliyunTime(call.now), AttachedTime: "", DetachedTime: "", Portable: fields.Type === "data",
    Encrypted: false, DiskChargeType: "PostPaid", PerformanceLevel: fields.Category === "cloud_essd" ? "PL1" : "", SourceSnapshotId: "",
    ResourceGroupId: "", EnableAutoSnapshot: false, SerialNumber: newResourceId("bp").slice(3), Attachments: { Attachment: [] },
    OperationLocks: { OperationLock: [] }, MountInstances: { MountInstance: [] }, Tags: { Tag: [] },
    ...fields,
  };
}

/** The next free device name of an instance: /dev/xvdb, /dev/xvdc, … (/dev/xvda is the system disk). */
export function nextDevice(call: RpcCall, regionId: string, instanceId: string): string {
  const used = new Set(Object.values(table<DiskRow>(call, "Disk", regionId)).filter((d) => d.InstanceId === instanceId).map((d) => d.Device));
  for (let c = 98; c <= 122; c++) {
    const dev = `/dev/xvd${String.fromCharCode(c)}`;
    if (!used.has(dev)) return dev;
  }
  throw new AliyunError("InstanceDiskNumber.LimitExceed", "The number of disks attached to the instance exceeds the limit.", 400);
}

/** Marks a disk attached to an instance at once (disks created with the instance). */
export function attachNow(call: RpcCall, disk: DiskRow, instanceId: string, device: string): void {
  Object.assign(disk, {
    Status: "In_use", InstanceId: instanceId, Device: device, AttachedTime: aliyunTime(call.now),
    Attachments: { Attachment: [{ InstanceId: instanceId, Device: device, AttachedTime: aliyunTime(call.now) }] },
  });
}

/**
 * CreateDisk (RegionId, ZoneId, Size GiB, DiskCategory default cloud_efficiency, DiskName,
 * Description, Tag.N, ClientToken) → `{ DiskId }`. The disk is Creating, then Available.
 */
export const createDisk: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const zoneId = str(call, "ZoneId", { required: true });
  if (!isZoneOf(regionId, zoneId)) throw new AliyunError("InvalidZoneId.NotFound", `The specified ZoneId "${zoneId}" does not exist in region ${regionId}.`, 404);
  const category = str(call, "DiskCategory") ?? "cloud_efficiency";
  const size = int(call, "Size", { required: true })!;
  checkDisk(category, size, "Size");
  const name = checkName(call, "DiskName");
  const description = checkDescription(call);
  const tags = tagsParam(call);
  return withClientToken(call, () => {
    const disk = newDisk(call, { Type: "data", Category: category, Size: size, RegionId: regionId, ZoneId: zoneId, DiskName: name ?? "", Description: description ?? "", Tags: { Tag: tags }, DeleteWithInstance: false });
    moveThrough(disk, "Status", [{ to: "Creating", afterMs: 0 }, { to: "Available", afterMs: Math.round(transitionMs(call) / 2) }], call.now);
    table<DiskRow>(call, "Disk", regionId)[disk.DiskId] = disk;
    return { DiskId: disk.DiskId };
  });
};

/**
 * DescribeDisks (RegionId; DiskIds JSON array, InstanceId, ZoneId, DiskType all/system/data,
 * Category, Status, DiskName, Tag.N; PageNumber/PageSize ≤ 100 or NextToken/MaxResults ≤ 500) →
 * `{ Disks: { Disk: [...] }, TotalCount, PageNumber, PageSize, NextToken }`.
 */
export const describeDisks: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const ids = list(call, "DiskIds");
  const instanceId = str(call, "InstanceId");
  const zoneId = str(call, "ZoneId");
  const type = oneOf(call, "DiskType", ["all", "system", "data"] as const, "all");
  const category = str(call, "Category");
  const status = str(call, "Status");
  const name = str(call, "DiskName");
  const matching = Object.values(table<DiskRow>(call, "Disk", regionId)).filter((d) =>
    (!ids.length || ids.includes(d.DiskId)) && (!instanceId || d.InstanceId === instanceId) && (!zoneId || d.ZoneId === zoneId)
    && (type === "all" || d.Type === type) && (!category || category === "all" || d.Category === category)
    && (!status || status === "All" || d.Status === status) && (!name || d.DiskName === name) && matchesTagFilter(call, d)).map(publicView);
  if (call.params.MaxResults !== undefined || call.params.NextToken !== undefined) {
    const { items, fields } = tokenPage(call, matching, { defaultMax: 10, maxMax: 500 });
    return { Disks: { Disk: items }, NextToken: fields.NextToken, TotalCount: fields.TotalCount };
  }
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { Disks: { Disk: items }, ...fields, NextToken: "" };
};

/**
 * AttachDisk (InstanceId, DiskId, DeleteWithInstance) → `{}`. Disk Available and in the
 * instance's zone; instance Running or Stopped. Disk goes Attaching → In_use.
 */
export const attachDisk: RpcAction = (call) => {
  const { row: disk, regionId } = requireDisk(call, str(call, "DiskId", { required: true }));
  const { row: instance } = requireInstance(call, str(call, "InstanceId", { required: true }));
  if (disk.Status !== "Available") throw incorrectDiskStatus();
  if (instance.Status !== "Running" && instance.Status !== "Stopped") throw incorrectInstanceStatus();
  if (disk.ZoneId !== instance.ZoneId) throw new AliyunError("InvalidDiskId.ZoneMismatch", "The specified disk and instance are not in the same zone.", 403);
  const deleteWithInstance = bool(call, "DeleteWithInstance", disk.DeleteWithInstance);
  const device = nextDevice(call, regionId, instance.InstanceId);
  attachNow(call, disk, instance.InstanceId, device);
  disk.DeleteWithInstance = deleteWithInstance;
  moveThrough(disk, "Status", [{ to: "Attaching", afterMs: 0 }, { to: "In_use", afterMs: Math.round(transitionMs(call) / 2) }], call.now);
  return {};
};

/** DetachDisk (InstanceId, DiskId) → `{}`. Data disks only; disk goes Detaching → Available. */
export const detachDisk: RpcAction = (call) => {
  const { row: disk } = requireDisk(call, str(call, "DiskId", { required: true }));
  const instanceId = str(call, "InstanceId", { required: true });
  requireInstance(call, instanceId);
  if (disk.InstanceId !== instanceId) throw new AliyunError("InvalidDiskId.NotAttached", "The specified disk is not attached to the specified instance.", 403);
  if (disk.Type === "system") throw new AliyunError("InvalidDiskType.NotSupported", "A system disk cannot be detached.", 403);
  if (disk.Status !== "In_use") throw incorrectDiskStatus();
  Object.assign(disk, { InstanceId: "", Device: "", DetachedTime: aliyunTime(call.now), Attachments: { Attachment: [] } });
  moveThrough(disk, "Status", [{ to: "Detaching", afterMs: 0 }, { to: "Available", afterMs: Math.round(transitionMs(call) / 2) }], call.now);
  return {};
};

/** DeleteDisk (DiskId) → `{}`. @throws IncorrectDiskStatus (403) unless Available. */
export const deleteDisk: RpcAction = (call) => {
  const { row: disk, regionId } = requireDisk(call, str(call, "DiskId", { required: true }));
  if (disk.Status !== "Available") throw incorrectDiskStatus();
  delete table<DiskRow>(call, "Disk", regionId)[disk.DiskId];
  return {};
};

/** ModifyDiskAttribute (DiskId, DiskName, Description, DeleteWithInstance) → `{}`. */
export const modifyDiskAttribute: RpcAction = (call) => {
  const { row: disk } = requireDisk(call, str(call, "DiskId", { required: true }));
  const name = checkName(call, "DiskName");
  const description = checkDescription(call);
  if (name !== undefined) disk.DiskName = name;
  if (description !== undefined) disk.Description = description;
  if (call.params.DeleteWithInstance !== undefined) disk.DeleteWithInstance = bool(call, "DeleteWithInstance");
  return {};
};
