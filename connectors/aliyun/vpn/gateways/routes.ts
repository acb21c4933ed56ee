import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { LocalDeleteQuery } from "../../http.ts";
import { syncBody, UpdateVpnGatewayBody, VpcVpnGatewayInventory } from "./schema.ts";
import type { VpnGatewayService } from "./service.ts";

/** REST routes of VPN gateways (ZStack QueryVpcVpnGatewayFromLocal, SyncVpcVpnGatewayFromRemote, UpdateVpcVpnGateway, DeleteVpcVpnGatewayLocal). */
export function registerVpnGatewayRoutes(api: Api, gateways: VpnGatewayService): void {
  const tag = "hybrid: aliyun vpn";
  api.route({
    method: "get", path: "/hybrid/vpc-vpn", apiName: "QueryVpcVpnGatewayFromLocal", tag, access: "authenticated",
    summary: "Query VPN gateways", description: "ZStack QueryVpcVpnGatewayFromLocalAction. Status as Alibaba reports it (init, provisioning, active, updating, deleting).",
    query: QueryParams, response: InventoriesReply(VpcVpnGatewayInventory),
    handler: (req) => gateways.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/hybrid/vpc-vpn/{dataCenterUuid}/sync", apiName: "SyncVpcVpnGatewayFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's VPN gateways",
    description: "ZStack SyncVpcVpnGatewayFromRemoteAction: VPC DescribeVpnGateways; records created, updated or removed to match. " +
      "Answers `{inventories}`. Errors: SYS.1003, HYBRID.NO_KEY, ALIYUN.<code>.",
    params: z.object({ dataCenterUuid: Uuid }), body: syncBody("syncVpcVpnGatewayFromRemote"), response: InventoriesReply(VpcVpnGatewayInventory),
    handler: async (req) => ({ body: { inventories: await gateways.syncFor(req.auth, req.params.dataCenterUuid) } }),
  });
  api.route({
    method: "put", path: "/hybrid/vpc-vpn/{uuid}/actions", apiName: "UpdateVpcVpnGateway", tag, access: "authenticated",
    summary: "Rename or re-describe a VPN gateway",
    description: "ZStack UpdateVpcVpnGatewayAction `{updateVpcVpnGateway: {name?, description?}}`: VPC ModifyVpnGatewayAttribute, then the record.",
    params: UuidParams, body: UpdateVpnGatewayBody, response: InventoryReply(VpcVpnGatewayInventory),
    handler: async (req) => ({ body: { inventory: await gateways.update(req.auth, req.params.uuid, req.body.updateVpcVpnGateway) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/vpn-gateway/{uuid}", apiName: "DeleteVpcVpnGatewayLocal", tag, access: "authenticated",
    summary: "Delete a VPN gateway record locally",
    description: "ZStack DeleteVpcVpnGatewayLocalAction: Strata's record only (connections keep theirs, unlinked); the gateway stays on Alibaba. SYS.1003.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await gateways.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
