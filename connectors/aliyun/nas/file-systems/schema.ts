import { z } from "zod";
import { Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** NAS descriptions: 2–128 characters starting with a letter, not a URL (Alibaba's rule). */
export const NasDescription = z.string().min(2).max(128).regex(/^\p{L}/u, "must start with a letter").refine((s) => !/^https?:\/\//i.test(s), "must not start with http:// or https://");

/** ZStack CreateAliyunNasFileSystemAction `params`. */
export const CreateNasFileSystemBody = z.object({
  params: z.object({
    dataCenterUuid: Uuid,
    storageType: z.enum(["Performance", "Capacity"]).describe("General-purpose NAS class (Alibaba StorageType)"),
    protocol: z.enum(["NFS", "SMB"]).default("NFS"),
    name: z.string().trim().min(1).max(255).describe("Strata's name (Alibaba file systems have only a description)"),
    description: NasDescription.optional().describe("Alibaba Description"),
    resourceUuid: Uuid.optional(),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();
/** Validated body of {@link CreateNasFileSystemBody}. */
export type CreateNasFileSystemInput = z.infer<typeof CreateNasFileSystemBody>;

/** ZStack AddAliyunNasFileSystemAction (`addAliyunNasFileSystem`): take over an existing file system. */
export const AddNasFileSystemBody = z.object({
  addAliyunNasFileSystem: z.object({
    fileSystemId: z.string().trim().min(1).max(64), name: z.string().trim().min(1).max(255), dataCenterUuid: Uuid,
    resourceUuid: Uuid.optional(), systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
  }).strict(),
}).strict();

/** ZStack UpdateNasFileSystemAction (`updateNasFileSystem`). */
export const UpdateNasFileSystemBody = z.object({
  updateNasFileSystem: z.object({ name: z.string().trim().min(1).max(255).optional(), description: NasDescription.optional() }).strict(),
}).strict();

/** `?dataCenterUuid=&fileSystemId=` of GetAliyunNasFileSystemRemote. */
export const RemoteFileSystemQuery = z.object({ dataCenterUuid: Uuid, fileSystemId: z.string().max(64).optional() }).strict();

/** ZStack NasFileSystemInventory + AliyunNasFileSystemInventory (plus status, zoneId, capacity, accountUuid). */
export const NasFileSystemInventory = z.object({
  uuid: z.string(), fileSystemId: z.string(), dataCenterUuid: z.string(), name: z.string(), description: z.string().nullable(),
  protocol: z.string(), storageType: z.string(), type: z.literal("AliyunNAS"), status: z.string().describe("Alibaba: Pending, Running, Stopped"),
  zoneId: z.string().nullable(), capacity: z.number().nullable().describe("GiB"), meteredSize: z.number().nullable().describe("bytes"),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** A file system as Alibaba lists it (GetAliyunNasFileSystemRemote). */
export const NasFileSystemProperty = z.object({
  fileSystemId: z.string(), description: z.string().nullable(), status: z.string(), protocol: z.string(), storageType: z.string(),
  zoneId: z.string().nullable(), capacity: z.number().nullable(), meteredSize: z.number().nullable(), mountTargetDomains: z.array(z.string()),
});

/** Fields a query may name. */
export const nasFileSystemQuerySpec: QuerySpec = {
  resourceType: "AliyunNasFileSystem",
  fields: {
    uuid: "string", fileSystemId: "string", dataCenterUuid: "string", name: "string", description: "string", protocol: "string",
    storageType: "string", type: "string", status: "string", zoneId: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "fileSystemId", "dataCenterUuid", "name", "protocol", "storageType", "type", "status", "accountUuid", "createDate", "lastOpDate"],
};
