import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** OSS bucket naming rule: 3–63 lowercase letters, digits and hyphens, no hyphen at either end. */
export const BucketName = z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
  "must be 3–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (OSS bucket naming rule)");

/** ZStack AddOssBucketFromRemoteAction and CreateOssBucketRemoteAction (same params). */
export const OssBucketBody = createBody(z.object({
  bucketName: BucketName,
  dataCenterUuid: Uuid.describe("The data center (Alibaba region) of the bucket"),
  description: z.string().max(1024).optional(),
}));
/** Validated body of {@link OssBucketBody}. */
export type OssBucketInput = z.infer<typeof OssBucketBody>;

/** ZStack UpdateOssBucketAction (`updateOssBucket`). */
export const UpdateOssBucketBody = z.object({ description: z.string().max(1024).optional() }).strict();

/** ZStack OssBucketInventory (plus accountUuid). */
export const OssBucketInventory = z.object({
  uuid: z.string(), bucketName: z.string(), dataCenterUuid: z.string(),
  current: z.boolean().describe("The data center's bucket for staging image uploads (AttachOssBucketToEcsDataCenter)"),
  regionName: z.string().describe("The bucket's region id, e.g. cn-hangzhou"), description: z.string().nullable(),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** ZStack OssBucketProperty (GetOssBucketNameFromRemote item). */
export const OssBucketProperty = z.object({ bucketName: z.string(), regionId: z.string() });

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const ossBucketQuerySpec: QuerySpec = {
  resourceType: "OssBucket",
  fields: {
    uuid: "string", bucketName: "string", dataCenterUuid: "string", current: "boolean", regionName: "string", description: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "bucketName", "dataCenterUuid", "current", "regionName", "accountUuid", "createDate", "lastOpDate"],
};
