import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/**
 * ZStack CreateEcsSecurityGroupRuleRemoteAction. ZStack spells the NIC type `nictype`;
 * `nicType` is accepted too.
 */
export const CreateEcsSecurityGroupRuleBody = createBody(z.object({
  groupUuid: Uuid.describe("The EcsSecurityGroup"),
  direction: z.enum(["ingress", "egress"]),
  protocol: z.enum(["tcp", "udp", "icmp", "gre", "all"]).describe("Alibaba IpProtocol (sent upper case)"),
  portRange: z.string().regex(/^-?\d+\/-?\d+$/, "must be from/to, e.g. 22/22, 1/65535, or -1/-1 for icmp, gre and all"),
  cidr: z.string().trim().min(1).max(64).describe("Source (ingress) or destination (egress) IPv4 CIDR block, e.g. 0.0.0.0/0"),
  policy: z.enum(["accept", "drop"]).default("accept"),
  nictype: z.enum(["intranet", "internet"]).optional().describe("intranet (default; the only type in a VPC) or internet"),
  nicType: z.enum(["intranet", "internet"]).optional().describe("Same as nictype"),
  priority: z.number().int().min(1).max(100).default(1).describe("1 (highest) – 100"),
  description: z.string().max(256).optional(),
}));
/** Validated body of {@link CreateEcsSecurityGroupRuleBody}. */
export type CreateEcsSecurityGroupRuleInput = z.infer<typeof CreateEcsSecurityGroupRuleBody>;

/** `PUT /hybrid/aliyun/security-group-rule/{uuid}/sync` body (ZStack SyncEcsSecurityGroupRuleFromRemoteAction); may be empty. */
export const SyncEcsSecurityGroupRuleBody = z.object({
  syncEcsSecurityGroupRuleFromRemote: z.object({ systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional() }).strict().optional(),
}).strict();

/** ZStack EcsSecurityGroupRuleInventory (plus accountUuid). */
export const EcsSecurityGroupRuleInventory = z.object({
  uuid: z.string(), ecsSecurityGroupUuid: z.string(), protocol: z.string(), portRange: z.string(),
  cidrIp: z.string().describe("Source (ingress) or destination (egress) block; a group id for group-to-group rules"),
  priority: z.number().int(), direction: z.string(), nicType: z.string(), policy: z.string(), description: z.string().nullable(),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const ecsSecurityGroupRuleQuerySpec: QuerySpec = {
  resourceType: "EcsSecurityGroupRule",
  fields: {
    uuid: "string", ecsSecurityGroupUuid: "string", protocol: "string", portRange: "string", cidrIp: "string", priority: "number",
    direction: "string", nicType: "string", policy: "string", description: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "ecsSecurityGroupUuid", "protocol", "portRange", "cidrIp", "priority", "direction", "nicType", "policy", "accountUuid", "createDate", "lastOpDate"],
};
