import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, objects, oneOf, page, str } from "../../core/params.ts";
import { aliyunTime, newResourceId, type RpcAction, type RpcCall, withClientToken } from "../../core/rpc.ts";
import { moveThrough, publicView, type StoredResource } from "../../core/state.ts";
import { checkDescription, checkName, dryRunStop, requireRegion, table, tagsParam, transitionMs } from "./common.ts";
import { createTask } from "./tasks.ts";

/** An image row (table "Image" for custom images; system images are built in, see {@link systemImages}). */
export type ImageRow = StoredResource & {
  ImageId: string;
  ImageName: string;
  /** Waiting → Creating → Available for imports; Available for system images. */
  Status: string;
  /** "0%" … "100%". */
  Progress: string;
  OSType: "linux" | "windows";
  OSName: string;
  Platform: string;
  Architecture: "x86_64" | "arm64";
  /** GiB. */
  Size: number;
  ImageOwnerAlias: "system" | "self";
};

const GiB = 1024 ** 3;
/** Fixed creation time of the built-in images (their alibase date). */
const SYSTEM_IMAGE_EPOCH = Date.parse("2024-09-26T00:00:00Z");

/** Public images every emulated region offers (real ids from Alibaba's public image list). */
const SYSTEM_IMAGES: readonly { ImageId: string; OSName: string; OSNameEn: string; Platform: string; OSType: "linux" | "windows"; ImageFamily: string; Size: number }[] = [
  { ImageId: "aliyun_3_x64_20G_alibase_20240819.vhd", OSName: "Alibaba Cloud Linux  3.2104 LTS 64位", OSNameEn: "Alibaba Cloud Linux  3.2104 LTS 64 bit", Platform: "Aliyun", OSType: "linux", ImageFamily: "acs:alibaba_cloud_linux_3_2104_lts_x64", Size: 20 },
  { ImageId: "ubuntu_22_04_x64_20G_alibase_20240926.vhd", OSName: "Ubuntu  22.04 64位", OSNameEn: "Ubuntu  22.04 64 bit", Platform: "Ubuntu", OSType: "linux", ImageFamily: "acs:ubuntu_22_04_x64", Size: 20 },
  { ImageId: "centos_7_9_x64_20G_alibase_20240628.vhd", OSName: "CentOS  7.9 64位", OSNameEn: "CentOS  7.9 64 bit", Platform: "CentOS", OSType: "linux", ImageFamily: "acs:centos_7_9_x64", Size: 20 },
  { ImageId: "debian_12_6_x64_20G_alibase_20240823.vhd", OSName: "Debian  12.6 64位", OSNameEn: "Debian  12.6 64 bit", Platform: "Debian", OSType: "linux", ImageFamily: "acs:debian_12_x64", Size: 20 },
  { ImageId: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240816.vhd", OSName: "Windows Server  2022 数据中心版 64位英文版", OSNameEn: "Windows Server  2022 Data Center Edition 64bit English Edition", Platform: "Windows Server 2022", OSType: "windows", ImageFamily: "acs:windows_server_2022_dtc_en-us", Size: 40 },
];

function diskMapping(size: number, extra: Record<string, unknown> = {}) {
  return { DiskDeviceMapping: [{ Device: "/dev/xvda", Size: String(size), Type: "system", SnapshotId: "", Format: "", ImportOSSBucket: "", ImportOSSObject: "", Progress: "100%", RemainTime: 0, Encrypted: false, ...extra }] };
}

/** The built-in public images, in Alibaba's DescribeImages shape. */
export function systemImages(): Record<string, unknown>[] {
  return SYSTEM_IMAGES.map((i) => ({
    ImageId: i.ImageId, ImageName: i.ImageId, ImageFamily: i.ImageFamily, ImageVersion: "", Description: "",
    OSName: i.OSName, OSNameEn: i.OSNameEn, OSType: i.OSType, Platform: i.Platform, Architecture: "x86_64", BootMode: "BIOS",
    Size: i.Size, Status: "Available", Progress: "100%", ImageOwnerAlias: "system", IsPublic: true, IsSelfShared: "",
    IsSubscribed: false, IsCopied: false, IsSupportCloudinit: true, IsSupportIoOptimized: true, Usage: "instance",
    CreationTime: aliyunTime(SYSTEM_IMAGE_EPOCH), ProductCode: "", LicenseType: "", ResourceGroupId: "",
    DiskDeviceMappings: diskMapping(i.Size), Tags: { Tag: [] },
  }));
}

/** Every image the call's region offers: built-in ones, then the account's own. */
export function allImages(call: RpcCall, regionId = call.regionId): Record<string, unknown>[] {
  return [...systemImages(), ...Object.values(table<ImageRow>(call, "Image", regionId)).map(publicView)];
}

/** The image `id` in the call's region, as DescribeImages shows it, or undefined. */
export function findImage(call: RpcCall, id: string, regionId = call.regionId): Record<string, unknown> | undefined {
  return allImages(call, regionId).find((i) => i.ImageId === id);
}

const imageNotFound = (id: string) => new AliyunError("InvalidImageId.NotFound", `The specified ImageId "${id}" does not exist.`, 404);

/**
 * DescribeImages (RegionId; ImageId comma list, ImageName, ImageOwnerAlias system/self/others/
 * marketplace, Status comma list default "Available" as Alibaba's, OSType, Architecture, Usage;
 * PageNumber/PageSize ≤ 100) → `{ RegionId, Images: { Image: [...] }, TotalCount, PageNumber, PageSize }`.
 */
export const describeImages: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const ids = (str(call, "ImageId") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const name = str(call, "ImageName");
  const owner = oneOf(call, "ImageOwnerAlias", ["system", "self", "others", "marketplace"] as const);
  const statuses = (str(call, "Status") ?? "Available").split(",").map((s) => s.trim());
  const osType = str(call, "OSType");
  const arch = str(call, "Architecture");
  const matching = allImages(call, regionId).filter((i) =>
    (!ids.length || ids.includes(i.ImageId as string))
    && (!name || i.ImageName === name)
    && (!owner || i.ImageOwnerAlias === owner)
    && statuses.includes(i.Status as string)
    && (!osType || i.OSType === osType)
    && (!arch || i.Architecture === arch));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { RegionId: regionId, Images: { Image: items }, ...fields };
};

/**
 * ImportImage (RegionId, ImageName, Description, OSType, Platform, Architecture, BootMode,
 * DiskDeviceMapping.N.OSSBucket/OSSObject/Format/DiskImageSize GiB, ClientToken) →
 * `{ RegionId, ImageId, TaskId }`. The source must exist in the caller's OSS (tables
 * "OssBucket"/"OssObject" of region "global"). The image then moves Waiting → Creating
 * (Progress 0% → 100%) → Available over the transition time, and an ImportImage task follows it.
 * @throws InvalidOSSBucket.NotFound / InvalidOSSObject.NotFound (404), InvalidImageName.Duplicated.
 */
export const importImage: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const mappings = objects(call, "DiskDeviceMapping");
  if (!mappings.length) throw Errors.missingParameter("DiskDeviceMapping.1.OSSBucket");
  const name = checkName(call, "ImageName");
  const description = checkDescription(call);
  const osType = oneOf(call, "OSType", ["linux", "windows"] as const, "linux")!;
  const arch = oneOf(call, "Architecture", ["x86_64", "arm64", "i386"] as const, "x86_64")!;
  const platform = str(call, "Platform") ?? (osType === "windows" ? "Windows Server 2022" : "Others Linux");
  const bootMode = oneOf(call, "BootMode", ["BIOS", "UEFI", "UEFI-Preferred"] as const, "BIOS")!;
  const tags = tagsParam(call);
  const sources = mappings.map((m, i) => checkOssSource(call, m, i + 1));
  dryRunStop(call);
  const images = table<ImageRow>(call, "Image", regionId);
  if (name && Object.values(images).some((i) => i.ImageName === name)) {
    throw new AliyunError("InvalidImageName.Duplicated", `The specified ImageName "${name}" already exists.`, 400);
  }
  return withClientToken(call, () => {
    const imageId = newResourceId("m");
    const size = sources[0]!.sizeGiB;
    const t = transitionMs(call);
    const row: ImageRow = {
      ImageId: imageId, ImageName: name ?? imageId, ImageFamily: "", ImageVersion: "", Description: description ?? "",
      OSName: platform, OSNameEn: platform, OSType: osType, Platform: platform, Architecture: arch === "i386" ? "x86_64" : arch, BootMode: bootMode,
      Size: size, Status: "Waiting", Progress: "0%", ImageOwnerAlias: "self", IsPublic: false, IsSelfShared: "", IsSubscribed: false,
      IsCopied: false, IsSupportCloudinit: true, IsSupportIoOptimized: true, Usage: "none", CreationTime: aliyunTime(call.now),
      ProductCode: "", LicenseType: str(call, "LicenseType") ?? "Auto", ResourceGroupId: "",
      DiskDeviceMappings: { DiskDeviceMapping: sources.map((s, i) => ({ Device: `/dev/xvd${String.fromCharCode(97 + i)}`, Size: String(s.sizeGiB), Type: i === 0 ? "system" : "data", SnapshotId: "", Format: s.format, ImportOSSBucket: s.bucket, ImportOSSObject: s.object, Progress: "0%", RemainTime: 0, Encrypted: false })) },
      Tags: { Tag: tags },
    };
    const done = { DiskDeviceMappings: { DiskDeviceMapping: (row.DiskDeviceMappings as { DiskDeviceMapping: Record<string, unknown>[] }).DiskDeviceMapping.map((d) => ({ ...d, Progress: "100%", SnapshotId: newResourceId("s") })) } };
    moveThrough(row, "Status", [
      { to: "Waiting", afterMs: 0 },
      { to: "Creating", afterMs: Math.round(t * 0.2), also: { Progress: "20%" } },
      { to: "Creating", afterMs: Math.round(t * 0.6), also: { Progress: "60%" } },
      { to: "Available", afterMs: t, also: { Progress: "100%", Usage: "none", ...done } },
    ], call.now);
    images[imageId] = row;
    const task = createTask(call, regionId, "ImportImage", imageId, t);
    return { RegionId: regionId, ImageId: imageId, TaskId: task };
  });
};

/** One DiskDeviceMapping's OSS source, checked against the OSS state. */
function checkOssSource(call: RpcCall, m: Record<string, string>, n: number) {
  const bucket = m.OSSBucket;
  const object = m.OSSObject;
  if (!bucket) throw Errors.missingParameter(`DiskDeviceMapping.${n}.OSSBucket`);
  if (!object) throw Errors.missingParameter(`DiskDeviceMapping.${n}.OSSObject`);
  const format = (m.Format ?? "RAW").toUpperCase();
  if (!["RAW", "VHD", "QCOW2", "VMDK", "ISO"].includes(format)) throw Errors.invalidParameter(`DiskDeviceMapping.${n}.Format`);
  if (!call.state.table(call.accountId, "global", "OssBucket", call.now)[bucket]) {
    throw new AliyunError("InvalidOSSBucket.NotFound", `The specified OSS bucket "${bucket}" does not exist.`, 404);
  }
  const stored = call.state.table(call.accountId, "global", "OssObject", call.now)[`${bucket}/${object}`];
  if (!stored) throw new AliyunError("InvalidOSSObject.NotFound", `The specified OSS object "${object}" does not exist in bucket "${bucket}".`, 404);
  const bytes = Number(stored.size ?? 0);
  const given = m.DiskImageSize;
  if (given !== undefined && (!/^\d+$/.test(given) || Number(given) < 1 || Number(given) > 2048)) {
    throw Errors.invalidParameter(`DiskDeviceMapping.${n}.DiskImageSize`, "must be an integer number of GiB in [1, 2048]");
  }
  // Alibaba sizes the disk from DiskImageSize, else from the image file (at least 1 GiB).
  const sizeGiB = given !== undefined ? Number(given) : Math.max(1, Math.ceil(bytes / GiB));
  return { bucket, object, format, sizeGiB };
}

/**
 * DeleteImage (RegionId, ImageId, Force) → `{}`. System images cannot be deleted; an import in
 * progress cannot either (IncorrectImageStatus 403).
 */
export const deleteImage: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const id = str(call, "ImageId", { required: true });
  bool(call, "Force");
  const images = table<ImageRow>(call, "Image", regionId);
  const row = images[id];
  if (!row) {
    if (systemImages().some((i) => i.ImageId === id)) throw new AliyunError("OperationDenied", "The specified image is a public image and cannot be deleted.", 403);
    throw imageNotFound(id);
  }
  if (row.Status === "Waiting" || row.Status === "Creating") throw Errors.incorrectStatus("IncorrectImageStatus", "The current status of the image does not support this operation.");
  delete images[id];
  return {};
};

/** ModifyImageAttribute (RegionId, ImageId, ImageName, Description, ImageFamily, BootMode) → `{}`. */
export const modifyImageAttribute: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const id = str(call, "ImageId", { required: true });
  const row = table<ImageRow>(call, "Image", regionId)[id];
  if (!row) throw imageNotFound(id);
  const name = checkName(call, "ImageName");
  const description = checkDescription(call);
  const family = str(call, "ImageFamily");
  const bootMode = oneOf(call, "BootMode", ["BIOS", "UEFI", "UEFI-Preferred"] as const);
  if (name !== undefined) row.ImageName = name;
  if (description !== undefined) row.Description = description;
  if (family !== undefined) row.ImageFamily = family;
  if (bootMode !== undefined) row.BootMode = bootMode;
  return {};
};
