import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack CreateEcsVpcRemoteAction. */
export const CreateEcsVpcBody = createBody(z.object({
  dataCenterUuid: Uuid,
  cidrBlock: z.string().trim().min(1).max(64).describe("IPv4 block of the VPC: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or a subnet of one, mask /8–/28 (Alibaba CreateVpc)"),
  name: z.string().trim().min(1).max(64).describe("VPC name (Alibaba VpcName)"),
  description: z.string().max(256).optional(),
  vRouterName: z.string().regex(/^[A-Za-z][A-Za-z0-9\-_]{1,127}$/, "must start with a letter, then 1–127 letters, digits, - or _")
    .describe("Name Strata gives the VPC's VRouter record"),
}));
/** Validated body of {@link CreateEcsVpcBody}. */
export type CreateEcsVpcInput = z.infer<typeof CreateEcsVpcBody>;

/** ZStack UpdateEcsVpcAction (`updateEcsVpc`). */
export const UpdateEcsVpcBody = z.object({
  name: z.string().trim().min(1).max(64).optional(),
  description: z.string().max(256).optional(),
}).strict();
/** Validated body of {@link UpdateEcsVpcBody}. */
export type UpdateEcsVpcInput = z.infer<typeof UpdateEcsVpcBody>;

/** ZStack SyncEcsVpcFromRemoteAction `params` (dataCenterUuid is in the path). */
export const SyncEcsVpcBody = z.object({
  params: z.object({ ecsVpcId: z.string().optional().describe("Accepted for ZStack clients; the whole data center's VPCs are synced") }).strict().optional(),
  systemTags: z.array(z.string()).optional(),
  userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack EcsVpcInventory (plus accountUuid). */
export const EcsVpcInventory = z.object({
  uuid: z.string(), ecsVpcId: z.string().describe("Alibaba VpcId"), dataCenterUuid: z.string(),
  status: z.string().describe("Alibaba status: Pending, Available"), name: z.string(), cidrBlock: z.string(),
  vRouterId: z.string().nullable(), description: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const ecsVpcQuerySpec: QuerySpec = {
  resourceType: "EcsVpc",
  fields: {
    uuid: "string", ecsVpcId: "string", dataCenterUuid: "string", status: "string", name: "string", cidrBlock: "string",
    vRouterId: "string", description: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "ecsVpcId", "dataCenterUuid", "status", "name", "cidrBlock", "accountUuid", "createDate", "lastOpDate"],
};
