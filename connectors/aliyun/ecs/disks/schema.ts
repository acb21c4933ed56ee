import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack's Aliyun disk name rule: a letter first, then letters, digits, `_ . -`; 2–128 characters. */
const DiskName = z.string().regex(/^[\u4e00-\u9fa5a-zA-Z][\u4e00-\u9fa5_a-zA-Z0-9.-]{1,127}$/,
  "must be 2–128 characters: a letter first, then letters, digits, _ . or -");
const DiskDescription = z.string().min(2).max(256).describe("Alibaba allows at most 256 characters (ZStack: 2–1024)");

/** ZStack CreateAliyunDiskFromRemoteAction → CreateDisk. */
export const CreateAliyunDiskBody = createBody(z.object({
  identityUuid: Uuid.describe("Identity zone the disk is made in (it attaches to instances of that zone only)"),
  name: DiskName,
  sizeWithGB: z.number().int().min(20).max(32768).default(20).describe("GiB"),
  diskCategory: z.enum(["cloud_efficiency", "cloud_ssd", "cloud_essd"]).default("cloud_efficiency"),
  description: DiskDescription.optional(),
}));
/** Input of AliyunDiskService.create. */
export type CreateAliyunDiskInput = z.infer<typeof CreateAliyunDiskBody>;

/** ZStack AttachAliyunDiskToEcsAction body. */
export const AttachAliyunDiskBody = z.object({
  params: z.object({
    ecsUuid: Uuid.describe("EcsInstance (Running or Stopped) in the disk's zone"),
    deleteWithInstance: z.boolean().default(false).describe("Alibaba releases the disk with the instance"),
  }).strict(),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack DetachAliyunDiskFromEcsAction body (nothing but tags). */
export const DetachAliyunDiskBody = z.object({
  params: z.object({}).strict().default({}),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack UpdateAliyunDiskAction → ModifyDiskAttribute. */
export const UpdateAliyunDiskBody = z.object({
  name: DiskName.optional(), description: DiskDescription.optional(), deleteWithInstance: z.boolean().optional(),
  deleteAutoSnapshot: z.boolean().optional().describe("Accepted for ZStack compatibility; not sent"),
  enableAutoSnapshot: z.boolean().optional().describe("Accepted for ZStack compatibility; not sent"),
}).strict();

/** ZStack SyncDiskFromAliyunFromRemoteAction body. */
export const SyncAliyunDiskBody = z.object({
  params: z.object({ diskId: z.string().max(64).optional().describe("Accepted for ZStack compatibility; every disk of the region is synced") }).strict().default({}),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack AliyunDiskInventory (sizeWithGB in GiB), plus the data center and account. */
export const AliyunDiskInventory = z.object({
  uuid: z.string(), diskId: z.string(), name: z.string(), description: z.string().nullable(), identityZoneUuid: z.string().nullable(),
  ecsInstanceUuid: z.string().nullable(), diskCategory: z.string(), diskType: z.enum(["system", "data"]), diskChargeType: z.string(),
  status: z.string().describe("Alibaba's: Creating, Available, Attaching, In_use, Detaching"), sizeWithGB: z.number().describe("GiB"),
  deviceInfo: z.string().nullable().describe("Device on the instance, e.g. /dev/xvdb"), dataCenterUuid: z.string(), accountUuid: z.string(),
  createDate: z.string(), lastOpDate: z.string(),
});

/** Queryable fields of AliyunDisk (QueryAliyunDiskFromLocal `q=`). */
export const aliyunDiskQuerySpec: QuerySpec = {
  resourceType: "AliyunDisk",
  fields: {
    uuid: "string", diskId: "string", name: "string", description: "string", identityZoneUuid: "string", ecsInstanceUuid: "string",
    diskCategory: "string", diskType: "string", status: "string", sizeWithGB: "number", deviceInfo: "string", dataCenterUuid: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "diskId", "name", "diskCategory", "diskType", "status", "sizeWithGB", "dataCenterUuid", "accountUuid", "createDate", "lastOpDate"],
};
