import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { LocalDeleteQuery } from "../../http.ts";
import { syncBody } from "../../vpn/gateways/schema.ts";
import { VirtualBorderRouterInventory } from "./schema.ts";
import type { VirtualBorderRouterService } from "./service.ts";

/** REST routes of VBRs (ZStack QueryVirtualBorderRouterFromLocal, SyncVirtualBorderRouterFromRemote, DeleteVirtualBorderRouterLocal). */
export function registerVbrRoutes(api: Api, vbrs: VirtualBorderRouterService): void {
  const tag = "hybrid: aliyun express connect";
  api.route({
    method: "get", path: "/hybrid/aliyun/border-router", apiName: "QueryVirtualBorderRouterFromLocal", tag, access: "authenticated",
    summary: "Query virtual border routers", description: "ZStack QueryVirtualBorderRouterFromLocalAction. A VBR's routes: GET /v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=<uuid>.",
    query: QueryParams, response: InventoriesReply(VirtualBorderRouterInventory),
    handler: (req) => vbrs.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/border-router/{dataCenterUuid}/sync", apiName: "SyncVirtualBorderRouterFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's VBRs",
    description: "ZStack SyncVirtualBorderRouterFromRemoteAction: VPC DescribeVirtualBorderRouters and each VBR's route table (DescribeRouteEntryList). " +
      "Answers `{inventories}`. Errors: SYS.1003, ALIYUN.<code>.",
    params: z.object({ dataCenterUuid: Uuid }), body: syncBody("syncVirtualBorderRouterFromRemote"), response: InventoriesReply(VirtualBorderRouterInventory),
    handler: async (req) => ({ body: { inventories: await vbrs.syncFor(req.auth, req.params.dataCenterUuid) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/border-router/{uuid}", apiName: "DeleteVirtualBorderRouterLocal", tag, access: "authenticated",
    summary: "Delete a VBR record locally",
    description: "ZStack DeleteVirtualBorderRouterLocalAction: the record and its route entry records; the VBR stays on Alibaba. SYS.1003.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await vbrs.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
