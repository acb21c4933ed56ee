import type { Api } from "../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../server/http/common-schemas.ts";
import {
  CreateLocalRouteEntryBody, CreateThirdPartyConnectionBody, LocalRouteEntryInventory, ThirdPartyConnectionInventory, UpdateThirdPartyConnectionBody,
} from "./schema.ts";
import type { ThirdPartyLineService } from "./service.ts";

/** REST routes of third-party lines and local routes (Strata; ZStack has no public API for them). */
export function registerThirdPartyLineRoutes(api: Api, lines: ThirdPartyLineService): void {
  const tag = "hybrid: third-party lines";
  api.route({
    method: "post", path: "/hybrid/third-party-connection", apiName: "CreateHybridThirdPartyConnection", tag, access: "authenticated",
    summary: "Record a third-party private line",
    description: "Strata (seed 第三方专线接入) `{name, provider, bandwidthMbps, localCidrs[], remoteCidrs[], localEndpointId?, remoteEndpointId?, dataCenterUuid?}`: " +
      "an SD-WAN or carrier line, recorded so local routes can go through it. `{inventory}`. SYS.1007 bad input, SYS.1003 unknown data center.",
    body: CreateThirdPartyConnectionBody, response: InventoryReply(ThirdPartyConnectionInventory),
    handler: async (req) => ({ body: { inventory: await lines.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/third-party-connection", apiName: "QueryHybridThirdPartyConnection", tag, access: "authenticated",
    summary: "Query third-party lines", description: "Standard query (`q=`, `sort`, `fields`); CIDR lists are comma-joined for `q=`.",
    query: QueryParams, response: InventoriesReply(ThirdPartyConnectionInventory),
    handler: (req) => lines.query(req.auth, req.rawQuery),
  });
  api.action("hybrid/third-party-connection", {
    action: "updateHybridThirdPartyConnection", apiName: "UpdateHybridThirdPartyConnection", access: "authenticated",
    summary: "Change a third-party line",
    description: "`{name?, description?, bandwidthMbps?, localCidrs?, remoteCidrs?, state?: Enabled|Disabled}`. SYS.1006 when new remoteCidrs would leave a route outside.",
    body: UpdateThirdPartyConnectionBody, response: InventoryReply(ThirdPartyConnectionInventory),
    handler: async (req) => ({ body: { inventory: await lines.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/third-party-connection/{uuid}", apiName: "DeleteHybridThirdPartyConnection", tag, access: "authenticated",
    summary: "Forget a third-party line",
    description: "SYS.1004 while local routes go through it, unless deleteMode=Enforcing (which deletes them). SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await lines.delete(req.auth, req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/hybrid/local-route-entry", apiName: "CreateHybridLocalRouteEntry", tag, access: "authenticated",
    summary: "Add a local route through a line or tunnel",
    description: "`{destinationCidrBlock, nextHopType: ThirdPartyConnection|VpcVpnConnection|IPsecConnection, nextHopUuid, l3NetworkUuid?}`. Through a line " +
      "the destination must be inside its remoteCidrs (SYS.1007) and the line Enabled (SYS.1006). SYS.1003 unknown next hop, SYS.1002 duplicate.",
    body: CreateLocalRouteEntryBody, response: InventoryReply(LocalRouteEntryInventory),
    handler: async (req) => ({ body: { inventory: await lines.addRoute(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/local-route-entry", apiName: "QueryHybridLocalRouteEntry", tag, access: "authenticated",
    summary: "Query local routes", description: "Standard query.",
    query: QueryParams, response: InventoriesReply(LocalRouteEntryInventory),
    handler: (req) => lines.queryRoutes(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/hybrid/local-route-entry/{uuid}", apiName: "DeleteHybridLocalRouteEntry", tag, access: "authenticated",
    summary: "Delete a local route", description: "SYS.1003 when not found.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await lines.deleteRoute(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
