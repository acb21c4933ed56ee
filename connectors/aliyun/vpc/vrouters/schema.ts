import { z } from "zod";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack VpcVirtualRouterInventory (plus Strata's dataCenterUuid, routeTableId, accountUuid). */
export const VpcVirtualRouterInventory = z.object({
  uuid: z.string(), vrId: z.string().describe("Alibaba VRouterId"), vpcUuid: z.string().nullable(), dataCenterUuid: z.string(),
  routeTableId: z.string().nullable().describe("Alibaba id of the VRouter's System route table"),
  name: z.string(), description: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** `PUT /hybrid/aliyun/vrouter/{vpcUuid}/sync` body (ZStack SyncAliyunVirtualRouterFromRemoteAction); may be empty. */
export const SyncVRouterBody = z.object({
  syncAliyunVirtualRouterFromRemote: z.object({ systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional() }).strict().optional(),
}).strict();

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const vRouterQuerySpec: QuerySpec = {
  resourceType: "VpcVirtualRouter",
  fields: {
    uuid: "string", vrId: "string", vpcUuid: "string", dataCenterUuid: "string", routeTableId: "string", name: "string",
    description: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "vrId", "dataCenterUuid", "name", "accountUuid", "createDate", "lastOpDate"],
};
