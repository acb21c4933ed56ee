import { z } from "zod";
import { BaseInventory, createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** Largest volume accepted: 64 TiB, in bytes (qcow2 handles more; this catches unit mistakes). */
export const MAX_VOLUME_SIZE = 64 * 1024 ** 4;

/** A volume size in bytes: a positive integer up to 64 TiB. */
const VolumeSize = z.number().int().positive().max(MAX_VOLUME_SIZE);

/**
 * ZStack APICreateDataVolumeMsg: give exactly one of diskOfferingUuid and size. Without a VM
 * the volume is NotInstantiated: its file is created when it is attached to a VM.
 */
export const CreateDataVolumeBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  diskOfferingUuid: Uuid.optional().describe("Disk offering giving the size (ZStack DiskOffering.diskSize)"),
  size: VolumeSize.optional().describe("Virtual size in bytes, when no disk offering is given"),
  primaryStorageUuid: Uuid.optional().describe("Primary storage the file will be created on (default: chosen at attach)"),
}).refine((p) => (p.diskOfferingUuid === undefined) !== (p.size === undefined), {
  message: "give exactly one of diskOfferingUuid and size", path: ["size"],
}));
export type CreateDataVolumeInput = z.infer<typeof CreateDataVolumeBody>;

/** ZStack APIResizeDataVolumeMsg / APIResizeRootVolumeMsg. */
export const ResizeVolumeBody = z.object({
  size: VolumeSize.describe("New virtual size in bytes; must not be smaller than the current size (grow only)"),
}).strict();

/** ZStack VolumeInventory. */
export const VolumeInventory = z.object({
  ...BaseInventory,
  primaryStorageUuid: z.string().nullable(),
  hostUuid: z.string().nullable().describe("LocalStorage: the host the file is on"),
  vmInstanceUuid: z.string().nullable(),
  diskOfferingUuid: z.string().nullable(),
  rootImageUuid: z.string().nullable(),
  installPath: z.string().nullable().describe("Path of the file on the host(s); null until instantiated"),
  type: z.enum(["Root", "Data"]),
  format: z.string(),
  size: z.number().int().describe("Virtual size, bytes"),
  actualSize: z.number().int().describe("Bytes allocated on the storage at creation"),
  deviceId: z.number().int().nullable(),
  state: z.enum(["Enabled", "Disabled"]),
  status: z.enum(["Creating", "Ready", "NotInstantiated", "Deleted", "Expunged"]),
  isShareable: z.boolean(),
  deletedDate: z.string().nullable(),
});

export const volumeQuerySpec: QuerySpec = {
  resourceType: "Volume",
  fields: {
    uuid: "string", name: "string", description: "string", primaryStorageUuid: "string", hostUuid: "string",
    vmInstanceUuid: "string", diskOfferingUuid: "string", rootImageUuid: "string", installPath: "string", type: "string",
    format: "string", size: "bigint", actualSize: "bigint", deviceId: "number", state: "string", status: "string",
    isShareable: "boolean", accountUuid: "string", createDate: "date", lastOpDate: "date", deletedDate: "date",
  },
  notNull: ["uuid", "name", "type", "format", "size", "actualSize", "state", "status", "isShareable", "accountUuid", "createDate", "lastOpDate"],
};
