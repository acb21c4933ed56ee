import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack CreateEcsSecurityGroupRemoteAction. */
export const CreateEcsSecurityGroupBody = createBody(z.object({
  vpcUuid: Uuid.describe("The EcsVpc the group belongs to"),
  name: z.string().trim().min(1).max(64).describe("Alibaba SecurityGroupName: 2–128 characters, a letter first"),
  description: z.string().max(256).optional(),
  strategy: z.enum(["all", "security", "basic"]).optional().describe("Accepted for ZStack clients; Strata adds no preset rules"),
}));
/** Validated body of {@link CreateEcsSecurityGroupBody}. */
export type CreateEcsSecurityGroupInput = z.infer<typeof CreateEcsSecurityGroupBody>;

/** ZStack UpdateEcsSecurityGroupAction (`updateEcsSecurityGroup`). */
export const UpdateEcsSecurityGroupBody = z.object({ name: z.string().trim().min(1).max(64).optional(), description: z.string().max(256).optional() }).strict();
/** Validated body of {@link UpdateEcsSecurityGroupBody}. */
export type UpdateEcsSecurityGroupInput = z.infer<typeof UpdateEcsSecurityGroupBody>;

/** `PUT /hybrid/aliyun/security-group/{ecsVpcUuid}/sync` body (ZStack SyncEcsSecurityGroupFromRemoteAction); may be empty. */
export const SyncEcsSecurityGroupBody = z.object({
  syncEcsSecurityGroupFromRemote: z.object({
    securityGroupId: z.string().optional().describe("Only this Alibaba group; all of the VPC's when absent"),
    systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
  }).strict().optional(),
}).strict();

/** ZStack EcsSecurityGroupInventory (plus dataCenterUuid, accountUuid). */
export const EcsSecurityGroupInventory = z.object({
  uuid: z.string(), ecsVpcUuid: z.string(), securityGroupId: z.string().describe("Alibaba SecurityGroupId"), name: z.string(),
  description: z.string().nullable(), dataCenterUuid: z.string(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const ecsSecurityGroupQuerySpec: QuerySpec = {
  resourceType: "EcsSecurityGroup",
  fields: {
    uuid: "string", ecsVpcUuid: "string", securityGroupId: "string", name: "string", description: "string", dataCenterUuid: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "ecsVpcUuid", "securityGroupId", "name", "dataCenterUuid", "accountUuid", "createDate", "lastOpDate"],
};
