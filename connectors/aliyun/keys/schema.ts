import { z } from "zod";
import { createBody, Description, Name } from "../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../server/query/spec.ts";

/** ZStack AddAliyunKeySecretAction: `key` is the AccessKeyId, `secret` the AccessKeySecret. */
export const AddAliyunKeyBody = createBody(z.object({
  name: Name,
  key: z.string().trim().min(1).max(128).describe("Alibaba AccessKeyId"),
  secret: z.string().min(1).max(256).describe("Alibaba AccessKeySecret; stored encrypted, never returned"),
  description: Description.optional(),
  sync: z.boolean().optional().describe("Ignored; the key is always checked against Alibaba Cloud (DescribeRegions) before it is stored"),
}));
export type AddAliyunKeyInput = z.infer<typeof AddAliyunKeyBody>;

/** ZStack UpdateAliyunKeySecretAction. */
export const UpdateAliyunKeyBody = z.object({
  params: z.object({ name: Name.optional(), description: Description.optional() }).strict(),
}).strict();

/** ZStack HybridAccountInventory (the secret is never part of it). */
export const HybridAccountInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), accountUuid: z.string(),
  type: z.literal("aliyun"), akey: z.string().describe("AccessKeyId"),
  current: z.boolean().describe("The key this account's Alibaba calls use"),
  createDate: z.string(), lastOpDate: z.string(),
});

export const aliyunKeyQuerySpec: QuerySpec = {
  resourceType: "AliyunKey",
  fields: { uuid: "string", name: "string", description: "string", akey: "string", current: "boolean", accountUuid: "string", createDate: "date", lastOpDate: "date" },
  notNull: ["uuid", "name", "akey", "current", "accountUuid", "createDate", "lastOpDate"],
};
