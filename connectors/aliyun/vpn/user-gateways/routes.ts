import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { LocalDeleteQuery } from "../../http.ts";
import { syncBody } from "../gateways/schema.ts";
import { CreateUserVpnGatewayBody, UpdateUserVpnGatewayBody, VpcUserVpnGatewayInventory } from "./schema.ts";
import type { UserVpnGatewayService } from "./service.ts";

/** REST routes of customer gateways (ZStack's VpcUserVpnGateway actions). */
export function registerUserVpnGatewayRoutes(api: Api, gateways: UserVpnGatewayService): void {
  const tag = "hybrid: aliyun vpn";
  api.route({
    method: "post", path: "/hybrid/user-vpn", apiName: "CreateVpcUserVpnGatewayRemote", tag, access: "authenticated",
    summary: "Create a customer gateway on Alibaba Cloud",
    description: "ZStack CreateVpcUserVpnGatewayRemoteAction `{dataCenterUuid, ip, name, description?}`: VPC CreateCustomerGateway, then the record; " +
      "`{inventory}`. Errors: SYS.1003, HYBRID.NO_KEY, ALIYUN.InvalidParameter (ip is not a public IPv4 address).",
    body: CreateUserVpnGatewayBody, response: InventoryReply(VpcUserVpnGatewayInventory),
    handler: async (req) => ({ body: { inventory: await gateways.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/user-vpn", apiName: "QueryVpcUserVpnGatewayFromLocal", tag, access: "authenticated",
    summary: "Query customer gateways", description: "ZStack QueryVpcUserVpnGatewayFromLocalAction.",
    query: QueryParams, response: InventoriesReply(VpcUserVpnGatewayInventory),
    handler: (req) => gateways.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/hybrid/user-vpn/{dataCenterUuid}/sync", apiName: "SyncVpcUserVpnGatewayFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's customer gateways",
    description: "ZStack SyncVpcUserVpnGatewayFromRemoteAction: VPC DescribeCustomerGateways; answers `{inventories}`. Errors: SYS.1003, ALIYUN.<code>.",
    params: z.object({ dataCenterUuid: Uuid }), body: syncBody("syncVpcUserVpnGatewayFromRemote"), response: InventoriesReply(VpcUserVpnGatewayInventory),
    handler: async (req) => ({ body: { inventories: await gateways.syncFor(req.auth, req.params.dataCenterUuid) } }),
  });
  api.route({
    method: "put", path: "/hybrid/user-vpn/{uuid}/actions", apiName: "UpdateVpcUserVpnGateway", tag, access: "authenticated",
    summary: "Rename or re-describe a customer gateway",
    description: "ZStack UpdateVpcUserVpnGatewayAction: VPC ModifyCustomerGatewayAttribute, then the record.",
    params: UuidParams, body: UpdateUserVpnGatewayBody, response: InventoryReply(VpcUserVpnGatewayInventory),
    handler: async (req) => ({ body: { inventory: await gateways.update(req.auth, req.params.uuid, req.body.updateVpcUserVpnGateway) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/user-gateway/{uuid}/remote", apiName: "DeleteVpcUserVpnGatewayRemote", tag, access: "authenticated",
    summary: "Delete a customer gateway on Alibaba Cloud",
    description: "ZStack DeleteVpcUserVpnGatewayRemoteAction: VPC DeleteCustomerGateway, then the record. " +
      "ALIYUN.DependencyViolation.VpnConnection (409) while a VPN connection uses it; SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await gateways.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/user-gateway/{uuid}", apiName: "DeleteVpcUserVpnGatewayLocal", tag, access: "authenticated",
    summary: "Delete a customer gateway record locally",
    description: "ZStack DeleteVpcUserVpnGatewayLocalAction: Strata's record only; the customer gateway stays on Alibaba and a sync brings it back. SYS.1003.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await gateways.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
