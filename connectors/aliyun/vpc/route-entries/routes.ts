import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest } from "../../http.ts";
import { CreateRouteEntryBody, SyncRouteEntryBody, VpcVirtualRouteEntryInventory } from "./schema.ts";
import { routeEntryInventory, type RouteEntryService } from "./service.ts";

/** REST routes of VRouter route entries (ZStack CreateAliyunVpcVirtualRouterEntryRemote, DeleteAliyunRouteEntryRemote, ...). */
export function registerRouteEntryRoutes(api: Api, entries: RouteEntryService): void {
  const tag = "hybrid: aliyun route entries";
  api.route({
    method: "post", path: "/hybrid/aliyun/route-entry", apiName: "CreateAliyunVpcVirtualRouterEntryRemote", tag, access: "authenticated",
    summary: "Add a route entry to a VPC's route table",
    description: "ZStack CreateAliyunVpcVirtualRouterEntryRemoteAction `{vRouterUuid, dstCidrBlock, nextHopType, nextHopUuid | nextHopId, vRouterType: vrouter|vbr}` " +
      "(nextHopUuid: an EcsInstance, AliyunRouterInterface or VpcVpnGateway; vbr: vRouterUuid is a VirtualBorderRouter). " +
      "Checked first with a DryRun of VPC CreateRouteEntry, so Alibaba's refusals (ALIYUN.InvalidCIDRBlock.Duplicate, ALIYUN.InvalidCidrBlock, " +
      "ALIYUN.InvalidInstanId.NotFound, ...) answer at once; then a job creates the entry and waits until it is Available; result `{inventory}`. " +
      "SYS.1003 unknown VRouter or next hop.",
    body: CreateRouteEntryBody, response: JobAccepted, successStatus: 202,
    handler: (req) => entries.create(req.auth, jobRequest("CreateAliyunVpcVirtualRouterEntryRemote", req), req.body),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/route-entry", apiName: "QueryAliyunRouteEntryFromLocal", tag, access: "authenticated",
    summary: "Query route entries", description: "ZStack QueryAliyunRouteEntryFromLocalAction.",
    query: QueryParams, response: InventoriesReply(VpcVirtualRouteEntryInventory),
    handler: (req) => entries.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/route-entry/{uuid}", apiName: "GetAliyunRouteEntry", tag, access: "authenticated",
    summary: "Get a route entry", description: "`{ inventories: [entry] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(VpcVirtualRouteEntryInventory),
    handler: async (req) => ({ body: { inventories: [routeEntryInventory(await entries.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/route-entry/{uuid}", apiName: "DeleteAliyunRouteEntryRemote", tag, access: "authenticated",
    summary: "Delete a route entry on Alibaba Cloud",
    description: "ZStack DeleteAliyunRouteEntryRemoteAction (ZStack has no local-only delete of route entries): VPC DeleteRouteEntry, then the record. " +
      "Errors: SYS.1003, SYS.1006 for System entries, ALIYUN.IncorrectRouteEntryStatus while the entry is Pending.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await entries.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/route-entry/{vRouterUuid}/sync", apiName: "SyncAliyunRouteEntryFromRemote", tag, access: "authenticated",
    summary: "Sync the route entries of a VRouter",
    description: "ZStack SyncAliyunRouteEntryFromRemoteAction: VPC DescribeRouteEntryList of the VRouter's route table; records are created, " +
      "updated or removed to match. Answers directly with `{inventories}`. Errors: SYS.1003, ALIYUN.<code>.",
    params: z.object({ vRouterUuid: Uuid }), body: SyncRouteEntryBody, response: InventoriesReply(VpcVirtualRouteEntryInventory),
    handler: async (req) => ({ body: { inventories: await entries.syncVRouter(req.auth, req.params.vRouterUuid) } }),
  });
}
