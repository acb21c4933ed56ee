import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { LocalDeleteQuery } from "../../http.ts";
import { SyncVRouterBody, VpcVirtualRouterInventory } from "./schema.ts";
import { vRouterInventory, type VRouterService } from "./service.ts";

/** REST routes of VPC virtual routers (ZStack QueryAliyunVirtualRouterFromLocal, SyncAliyunVirtualRouterFromRemote, DeleteVirtualRouterLocal). */
export function registerVRouterRoutes(api: Api, vrouters: VRouterService): void {
  const tag = "hybrid: aliyun vrouters";
  api.route({
    method: "get", path: "/hybrid/aliyun/vrouter", apiName: "QueryAliyunVirtualRouterFromLocal", tag, access: "authenticated",
    summary: "Query VPC virtual routers", description: "ZStack QueryAliyunVirtualRouterFromLocalAction: Strata's records of VPC VRouters.",
    query: QueryParams, response: InventoriesReply(VpcVirtualRouterInventory),
    handler: (req) => vrouters.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/vrouter/{uuid}", apiName: "GetAliyunVirtualRouter", tag, access: "authenticated",
    summary: "Get a VPC virtual router", description: "`{ inventories: [vrouter] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(VpcVirtualRouterInventory),
    handler: async (req) => ({ body: { inventories: [vRouterInventory(await vrouters.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/vrouter/{vpcUuid}/sync", apiName: "SyncAliyunVirtualRouterFromRemote", tag, access: "authenticated",
    summary: "Sync the VRouter of a VPC",
    description: "ZStack SyncAliyunVirtualRouterFromRemoteAction: VPC DescribeVRouters for the VPC; its record is created, updated or removed " +
      "to match. Quick, so it answers directly with `{inventories}`. Errors: SYS.1003 unknown VPC, ALIYUN.<code> when Alibaba refuses.",
    params: z.object({ vpcUuid: Uuid }), body: SyncVRouterBody, response: InventoriesReply(VpcVirtualRouterInventory),
    handler: async (req) => ({ body: { inventories: await vrouters.syncVpc(req.auth, req.params.vpcUuid) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/vrouter/{uuid}", apiName: "DeleteVirtualRouterLocal", tag, access: "authenticated",
    summary: "Delete a VRouter record locally",
    description: "ZStack DeleteVirtualRouterLocalAction: removes Strata's record of the VRouter and its route entries; nothing changes on " +
      "Alibaba Cloud, and a sync brings it back. SYS.1003 when not found.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await vrouters.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
