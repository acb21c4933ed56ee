import { z } from "zod";
import { Architecture } from "../clusters/schema.ts";
import { BaseInventory, createBody, Description, Name, StateEvent, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** Image file formats Strata stores (ZStack ImageConstant: qcow2, raw, iso). */
export const ImageFormat = z.enum(["qcow2", "raw", "iso"]);
export type ImageFormat = z.infer<typeof ImageFormat>;

/** ZStack ImageMediaType. */
export const ImageMediaType = z.enum(["RootVolumeTemplate", "DataVolumeTemplate", "ISO"]);
export type ImageMediaType = z.infer<typeof ImageMediaType>;

/** ZStack ImagePlatform (the subset Strata supports). */
export const ImagePlatform = z.enum(["Linux", "Windows", "Other"]);

/** Where an image is downloaded from: http://, https:// or file:/// (a file on the management node, admins only). */
const ImageUrl = z.string().trim().min(8).max(2048).refine((u) => {
  try {
    const url = new URL(u);
    if (url.protocol === "file:") return url.host === "" && url.pathname.length > 1;
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}, "must be an http://, https:// or file:/// URL");

/** ZStack APIAddImageMsg. */
export const AddImageBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  url: ImageUrl.describe("http://, https:// or file:/// (a file on the management node; SystemAdmin only)"),
  format: ImageFormat.optional().describe("Declared format; detected with qemu-img when absent, verified when given"),
  mediaType: ImageMediaType.describe("RootVolumeTemplate (boot disk of VMs), DataVolumeTemplate, or ISO (format iso)"),
  platform: ImagePlatform,
  guestOsType: z.string().trim().min(1).max(64).optional().describe("e.g. CentOS 7, Ubuntu 22.04, Windows 2019"),
  architecture: Architecture.default("x86_64"),
  backupStorageUuids: z.array(Uuid).min(1).max(16).describe("ImageStore backup storages to keep the image on; each Enabled and attached to a zone"),
})).superRefine((b, ctx) => {
  const p = b.params;
  if (p.format && (p.format === "iso") !== (p.mediaType === "ISO")) {
    ctx.addIssue({ code: "custom", path: ["params", "format"], message: "format iso goes with mediaType ISO, and only with it" });
  }
  if (new Set(p.backupStorageUuids).size !== p.backupStorageUuids.length) {
    ctx.addIssue({ code: "custom", path: ["params", "backupStorageUuids"], message: "must not repeat a uuid" });
  }
});
export type AddImageInput = z.infer<typeof AddImageBody>;

/** ZStack APIUpdateImageMsg (the fields that do not change the file). */
export const UpdateImageBody = z.object({
  name: Name.optional(),
  description: Description.optional(),
  guestOsType: z.string().trim().min(1).max(64).optional(),
  platform: ImagePlatform.optional(),
  architecture: Architecture.optional(),
}).strict();

/** ZStack APIChangeImageStateMsg. */
export const ChangeImageStateBody = z.object({ stateEvent: StateEvent }).strict();

/** ZStack APIRecoverImageMsg / APIExpungeImageMsg (the image is the path's uuid). */
export const EmptyActionBody = z.object({}).strict();

/** ZStack ImageBackupStorageRefInventory. */
export const ImageBackupStorageRefInventory = z.object({
  imageUuid: z.string(),
  backupStorageUuid: z.string(),
  installPath: z.string().describe("Path of the file on the management node"),
  status: z.enum(["Downloading", "Creating", "Ready", "Deleted"]),
  createDate: z.string(),
});

/** ZStack ImageInventory (+ sha256, progress). */
export const ImageInventory = z.object({
  ...BaseInventory,
  url: z.string(),
  format: z.string().nullable().describe("qcow2, raw or iso; null while downloading an image whose format is being detected"),
  mediaType: ImageMediaType,
  platform: z.string(),
  guestOsType: z.string().nullable(),
  architecture: z.string(),
  type: z.literal("zstack"),
  system: z.boolean(),
  state: z.enum(["Enabled", "Disabled"]),
  status: z.enum(["Downloading", "Creating", "Ready", "Deleted"]),
  size: z.number().describe("virtual size in bytes"),
  actualSize: z.number().describe("bytes of the file"),
  md5Sum: z.string().nullable(),
  sha256: z.string().nullable(),
  progress: z.number().describe("download progress 0–100 (known when the source gives a Content-Length)"),
  backupStorageRefs: z.array(ImageBackupStorageRefInventory),
});

export const imageBackupStorageRefQuerySpec: QuerySpec = {
  resourceType: "ImageBackupStorageRef",
  fields: { imageUuid: "string", backupStorageUuid: "string", installPath: "string", status: "string", createDate: "date" },
  notNull: ["imageUuid", "backupStorageUuid", "installPath", "status", "createDate"],
};

export const imageQuerySpec: QuerySpec = {
  resourceType: "Image",
  fields: {
    uuid: "string", name: "string", description: "string", url: "string", format: "string", mediaType: "string",
    platform: "string", guestOsType: "string", architecture: "string", state: "string", status: "string", size: "bigint",
    actualSize: "bigint", md5sum: "string", sha256: "string", progress: "number", system: "boolean", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "url", "format", "mediaType", "platform", "architecture", "state", "status", "size", "actualSize",
    "progress", "system", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["md5Sum", "type", "backupStorageRefs"],
  relations: { backupStorageRefs: { spec: () => imageBackupStorageRefQuerySpec, many: true } },
};

/**
 * ZStack APICreateRootVolumeTemplateFromRootVolumeMsg / APICreateDataVolumeTemplateFromVolumeMsg /
 * APICreateRootVolumeTemplateFromVolumeSnapshotMsg (the source is the path's uuid).
 */
export const CreateTemplateBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  backupStorageUuids: z.array(Uuid).min(1).max(16).describe("ImageStore backup storages to keep the image on; each Enabled and attached to a zone"),
  platform: ImagePlatform.optional().describe("Default: the VM's platform (root volumes), else Linux"),
  guestOsType: z.string().trim().min(1).max(64).optional(),
  architecture: Architecture.optional().describe("Default: the VM's architecture, else x86_64"),
})).superRefine((b, ctx) => {
  if (new Set(b.params.backupStorageUuids).size !== b.params.backupStorageUuids.length) {
    ctx.addIssue({ code: "custom", path: ["params", "backupStorageUuids"], message: "must not repeat a uuid" });
  }
});
export type CreateTemplateInput = z.infer<typeof CreateTemplateBody>;

/** Paths of the template APIs. */
export const RootVolumeParams = z.object({ rootVolumeUuid: Uuid });
export const VolumeParams = z.object({ volumeUuid: Uuid });
export const SnapshotParams = z.object({ snapshotUuid: Uuid });
