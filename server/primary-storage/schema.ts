import { z } from "zod";
import { BaseInventory, createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** An absolute directory on the hosts, without `..` segments. */
const HostDir = z.string().min(2).max(1024).regex(/^\/(?!.*\/\.\.(\/|$))[^\0]*$/, "must be an absolute directory path without '..'");

/** ZStack APIAddLocalPrimaryStorageMsg. */
export const AddLocalPrimaryStorageBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  url: HostDir.describe("Directory created on every host of the attached clusters; each host's volumes stay on that host"),
  zoneUuid: Uuid,
}));

/** ZStack APIAddNfsPrimaryStorageMsg (mount options: ZStack's primaryStorage::mountOptions system tag). */
export const AddNfsPrimaryStorageBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  url: z.string().max(1024).regex(/^[A-Za-z0-9.:[\]-]+:\/\S*$/, "must be server:/export").describe("NFS export, server:/export"),
  zoneUuid: Uuid,
  mountOptions: z.string().regex(/^[A-Za-z0-9_=.,:-]{1,512}$/, "must be a comma list of mount options").optional()
    .describe("`mount -o` options, e.g. vers=4.1,nolock"),
}));

/** ZStack APIAddSharedMountPointPrimaryStorageMsg. */
export const AddSmpPrimaryStorageBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  url: HostDir.describe("Mount point of a shared filesystem, already mounted on every host of the attached clusters"),
  zoneUuid: Uuid,
}));

export type AddPrimaryStorageInput =
  | z.infer<typeof AddLocalPrimaryStorageBody> | z.infer<typeof AddNfsPrimaryStorageBody> | z.infer<typeof AddSmpPrimaryStorageBody>;

/** ZStack APIUpdatePrimaryStorageMsg. */
export const UpdatePrimaryStorageBody = z.object({ name: Name.optional(), description: Description.optional() }).strict();

/** ZStack APIChangePrimaryStorageStateMsg. */
export const ChangePrimaryStorageStateBody = z.object({
  stateEvent: z.enum(["enable", "disable", "maintain"]).describe("enable → Enabled, disable → Disabled, maintain → Maintenance"),
}).strict();

/** `{clusterUuid}/primary-storage/{primaryStorageUuid}` path of attach/detach. */
export const ClusterPrimaryStorageParams = z.object({ clusterUuid: Uuid, primaryStorageUuid: Uuid });

const Bytes = (what: string) => z.number().int().describe(`${what}, bytes`);

/** ZStack PrimaryStorageInventory. */
export const PrimaryStorageInventory = z.object({
  ...BaseInventory,
  zoneUuid: z.string(),
  type: z.enum(["LocalStorage", "NFS", "SharedMountPoint", "AliyunNAS"]),
  url: z.string(),
  mountPath: z.string().nullable().describe("NFS and AliyunNAS: where hosts mount the export (or, AliyunNAS without an NFS server, the directory standing in)"),
  state: z.enum(["Enabled", "Disabled", "Maintenance"]),
  status: z.enum(["Connected", "Disconnected", "Connecting"]),
  totalCapacity: Bytes("Capacity volumes may reserve (statfs total; summed over hosts for LocalStorage)"),
  availableCapacity: Bytes("Capacity not reserved; a volume reserves size / primaryStorage/overProvisioning.ratio"),
  totalPhysicalCapacity: Bytes("Filesystem size as the hosts report it"),
  availablePhysicalCapacity: Bytes("Free filesystem space as the hosts report it"),
  attachedClusterUuids: z.array(z.string()),
});

/** Reply of GET /primary-storage/{uuid}/capacity (ZStack APIGetPrimaryStorageCapacityReply). */
export const PrimaryStorageCapacityReply = PrimaryStorageInventory.pick({
  totalCapacity: true, availableCapacity: true, totalPhysicalCapacity: true, availablePhysicalCapacity: true,
});

/** Reply of GET /primary-storage/local-storage/{uuid}/host-capacities (ZStack APIGetLocalStorageHostDiskCapacityReply). */
export const LocalStorageHostCapacityReply = z.object({
  inventories: z.array(z.object({
    hostUuid: z.string(),
    totalCapacity: Bytes("Reservable capacity on the host"),
    availableCapacity: Bytes("Unreserved capacity on the host"),
    totalPhysicalCapacity: Bytes("Filesystem size"),
    availablePhysicalCapacity: Bytes("Free filesystem space"),
  })),
});

/** `?hostUuid=` of the host-capacities API. */
export const HostCapacityQuery = z.object({ hostUuid: Uuid.optional().describe("Only this host") }).strict();

const clusterRefSpec: QuerySpec = {
  resourceType: "PrimaryStorageClusterRef",
  fields: { clusterUuid: "string", primaryStorageUuid: "string", createDate: "date" },
  notNull: ["clusterUuid", "primaryStorageUuid", "createDate"],
};

export const primaryStorageQuerySpec: QuerySpec = {
  resourceType: "PrimaryStorage",
  fields: {
    uuid: "string", name: "string", description: "string", zoneUuid: "string", type: "string", url: "string",
    mountPath: "string", state: "string", status: "string", totalCapacity: "bigint", availableCapacity: "bigint",
    totalPhysicalCapacity: "bigint", availablePhysicalCapacity: "bigint", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  relations: { clusters: { spec: () => clusterRefSpec, many: true } },
  computedFields: ["attachedClusterUuids"],
  notNull: ["uuid", "name", "zoneUuid", "type", "url", "state", "status", "totalCapacity", "availableCapacity",
    "totalPhysicalCapacity", "availablePhysicalCapacity", "accountUuid", "createDate", "lastOpDate"],
};
