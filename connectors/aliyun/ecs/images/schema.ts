import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack's ECS image name rule: a letter first, then letters, digits, `-` or `_`; 2–128 characters. */
const ImageName = z.string().regex(/^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\-_\u4e00-\u9fa5]{1,127}$/,
  "must be 2–128 characters: a letter first, then letters, digits, - or _");

/** ZStack SyncEcsImageFromRemoteAction. */
export const SyncEcsImageBody = z.object({
  params: z.object({
    type: z.enum(["system", "self"]).optional().describe("system: Alibaba's public images; self: the account's custom images; both when absent"),
  }).strict().default({}),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/**
 * ZStack CreateEcsImageFromLocalImageAction: uploads a local image (qcow2 or raw, kept on an
 * ImageStore backup storage) to the data center's OSS bucket and imports it as a custom image.
 */
export const CreateEcsImageBody = createBody(z.object({
  imageUuid: Uuid.describe("Local image (GET /v1/images), Ready, qcow2 or raw"),
  dataCenterUuid: Uuid,
  backupStorageUuid: Uuid.optional().describe("ImageStore backup storage holding the file; any Ready copy when absent"),
  name: ImageName,
  description: z.string().max(256).optional().describe("Alibaba allows at most 256 characters"),
  platform: z.string().max(64).optional().describe("Alibaba Platform, e.g. Ubuntu, CentOS, Others Linux; from the local image when absent"),
}));
/** Input of EcsImageUploader.create. */
export type CreateEcsImageInput = z.infer<typeof CreateEcsImageBody>;

/** ZStack UpdateEcsImageAction → ModifyImageAttribute. */
export const UpdateEcsImageBody = z.object({ name: ImageName.optional(), description: z.string().max(256).optional() }).strict();

/** ZStack GetCreateEcsImageProgress path. */
export const ImageProgressParams = z.object({ dataCenterUuid: Uuid, imageUuid: Uuid });

/** ZStack ProgressProperty. */
export const ProgressProperty = z.object({
  progress: z.string().describe("Percent of the current stage, e.g. \"42%\""),
  stage: z.string().describe("Uploading (to OSS), Waiting / Creating (Alibaba import), Available, or Failed"),
});

/** ZStack EcsImageInventory (ecsImageSize in bytes). */
export const EcsImageInventory = z.object({
  uuid: z.string(), localImageUuid: z.string().nullable(), ecsImageId: z.string().nullable().describe("null while uploading to OSS"),
  name: z.string(), ecsImageSize: z.number().nullable().describe("bytes"), description: z.string().nullable(), dataCenterUuid: z.string(),
  platform: z.string().nullable(), type: z.enum(["system", "self"]), osType: z.string().nullable(), architecture: z.string().nullable(),
  status: z.string().describe("Uploading (to OSS), then Alibaba's: Waiting, Creating, Available, CreateFailed, UnAvailable"),
  progress: z.string().nullable(), format: z.string().nullable(), osName: z.string().nullable(), ossMd5Sum: z.string().nullable(),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Queryable fields of EcsImage (QueryEcsImageFromLocal `q=`). */
export const ecsImageQuerySpec: QuerySpec = {
  resourceType: "EcsImage",
  fields: {
    uuid: "string", localImageUuid: "string", ecsImageId: "string", name: "string", ecsImageSize: "bigint", description: "string",
    dataCenterUuid: "string", platform: "string", type: "string", osType: "string", architecture: "string", status: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "ecsImageId", "name", "dataCenterUuid", "type", "status", "accountUuid", "createDate", "lastOpDate"],
};
