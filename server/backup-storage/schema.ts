import { z } from "zod";
import { BaseInventory, createBody, Description, Name, StateEvent, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** An absolute directory on the management node (ZStack BackupStorageVO.url for ImageStore). */
const Directory = z.string().trim().min(2).max(1024)
  .regex(/^\/[^\0]*$/, "must be an absolute directory path")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..'");

/**
 * Address hostds use to reach the management node's image-store endpoint: an IPv4 address,
 * a host name or a bracketed IPv6 address, with an optional `:port`.
 */
const HostAddress = z.string().trim().min(1).max(255)
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::\d{1,5})?$/, "must be host or host:port");

/**
 * ZStack APIAddImageStoreBackupStorageMsg. The management node itself keeps the files (no
 * SSH to a separate image-store host as in ZStack), so there are no username/password/sshPort.
 */
export const AddImageStoreBackupStorageBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  url: Directory.describe("Absolute directory on the management node holding the image files; created if missing"),
  hostname: HostAddress.optional()
    .describe("host[:port] hostds use to download images from the management node; default: the Host of this request"),
}));
export type AddImageStoreBackupStorageInput = z.infer<typeof AddImageStoreBackupStorageBody>;

/** ZStack APIUpdateBackupStorageMsg / APIUpdateImageStoreBackupStorageMsg. */
export const UpdateBackupStorageBody = z.object({
  name: Name.optional(), description: Description.optional(), hostname: HostAddress.optional(),
}).strict();

/** ZStack APIChangeBackupStorageStateMsg. */
export const ChangeBackupStorageStateBody = z.object({ stateEvent: StateEvent }).strict();

/** Path of attach/detach: ZStack APIAttachBackupStorageToZoneMsg / APIDetachBackupStorageFromZoneMsg. */
export const ZoneBackupStorageParams = z.object({ zoneUuid: Uuid, backupStorageUuid: Uuid });

/** ZStack ImageStoreBackupStorageInventory (BackupStorageInventory + hostname). */
export const BackupStorageInventory = z.object({
  ...BaseInventory,
  url: z.string().describe("Directory on the management node"),
  hostname: z.string().nullable(),
  type: z.literal("ImageStore"),
  state: z.enum(["Enabled", "Disabled"]),
  status: z.enum(["Connected", "Disconnected"]).describe("Disconnected while the directory cannot be read"),
  totalCapacity: z.number().describe("bytes of the directory's file system"),
  availableCapacity: z.number().describe("bytes free for unprivileged writers on that file system"),
  attachedZoneUuids: z.array(z.string()),
});

export const backupStorageZoneRefQuerySpec: QuerySpec = {
  resourceType: "BackupStorageZoneRef",
  fields: { backupStorageUuid: "string", zoneUuid: "string", createDate: "date" },
  notNull: ["backupStorageUuid", "zoneUuid", "createDate"],
};

export const backupStorageQuerySpec: QuerySpec = {
  resourceType: "BackupStorage",
  fields: {
    uuid: "string", name: "string", description: "string", url: "string", hostname: "string", type: "string",
    state: "string", status: "string", totalCapacity: "bigint", availableCapacity: "bigint", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "url", "type", "state", "status", "totalCapacity", "availableCapacity", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["attachedZoneUuids"],
  relations: { zones: { spec: () => backupStorageZoneRefQuerySpec, many: true } },
};
