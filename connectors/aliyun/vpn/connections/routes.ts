import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import { syncBody } from "../gateways/schema.ts";
import { CreateVpnConnectionBody, UpdateVpnConnectionBody, VpcVpnConnectionInventory } from "./schema.ts";
import type { VpnConnectionService } from "./service.ts";

/** REST routes of VPN connections (ZStack's VpcVpnConnection actions). */
export function registerVpnConnectionRoutes(api: Api, connections: VpnConnectionService): void {
  const tag = "hybrid: aliyun vpn";
  api.route({
    method: "post", path: "/hybrid/vpn-connection", apiName: "CreateVpcVpnConnectionRemote", tag, access: "authenticated",
    summary: "Create a VPN connection on Alibaba Cloud",
    description: "ZStack CreateVpcVpnConnectionRemoteAction `{userGatewayUuid, vpnGatewayUuid, name, localCidr, remoteCidr, active, ikeConfUuid, ipsecConfUuid}`. " +
      "A DryRun of VPC CreateVpnConnection answers refusals at once (ALIYUN.VpnGateway.Configuring, ALIYUN.InvalidVpnConnection.AlreadyExists, " +
      "ALIYUN.InvalidParameter); then a job (202) creates it with the configs as Alibaba's IkeConfig/IpsecConfig JSON, waits for the gateway to be " +
      "active again and records it; result `{inventory}` with Alibaba's status. SYS.1003 unknown gateway or config.",
    body: CreateVpnConnectionBody, response: JobAccepted, successStatus: 202,
    handler: (req) => connections.create(req.auth, jobRequest("CreateVpcVpnConnectionRemote", req), req.body),
  });
  api.route({
    method: "get", path: "/hybrid/vpn-connection", apiName: "QueryVpcVpnConnectionFromLocal", tag, access: "authenticated",
    summary: "Query VPN connections", description: "ZStack QueryVpcVpnConnectionFromLocalAction.",
    query: QueryParams, response: InventoriesReply(VpcVpnConnectionInventory),
    handler: (req) => connections.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/hybrid/vpn-connection/{dataCenterUuid}/sync", apiName: "SyncVpcVpnConnectionFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's VPN connections",
    description: "ZStack SyncVpcVpnConnectionFromRemoteAction: VPC DescribeVpnConnections; connections made elsewhere get records and IKE/IPsec " +
      "config records with Alibaba's settings. Answers `{inventories}`.",
    params: z.object({ dataCenterUuid: Uuid }), body: syncBody("syncVpcVpnConnectionFromRemote"), response: InventoriesReply(VpcVpnConnectionInventory),
    handler: async (req) => ({ body: { inventories: await connections.syncFor(req.auth, req.params.dataCenterUuid) } }),
  });
  api.route({
    method: "put", path: "/hybrid/vpn-connection/{uuid}/actions", apiName: "UpdateVpcVpnConnectionRemote", tag, access: "authenticated",
    summary: "Modify a VPN connection on Alibaba Cloud",
    description: "ZStack UpdateVpcVpnConnectionRemoteAction `{updateVpcVpnConnectionRemote: {name?, description?, localCidr?, remoteCidr?, active?, " +
      "ikeConfUuid?, ipsecConfUuid?}}`: VPC ModifyVpnConnectionAttribute (the tunnel renegotiates), then the record. " +
      "Errors: SYS.1003, ALIYUN.VpnGateway.Configuring while the gateway is updating, ALIYUN.InvalidParameter.",
    params: UuidParams, body: UpdateVpnConnectionBody, response: InventoryReply(VpcVpnConnectionInventory),
    handler: async (req) => ({ body: { inventory: await connections.update(req.auth, req.params.uuid, req.body.updateVpcVpnConnectionRemote) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/vpn-connection/{uuid}/remote", apiName: "DeleteVpcVpnConnectionRemote", tag, access: "authenticated",
    summary: "Delete a VPN connection on Alibaba Cloud",
    description: "ZStack DeleteVpcVpnConnectionRemoteAction: VPC DeleteVpnConnection (after the gateway is active), then the record; " +
      "its IKE/IPsec configs stay. SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await connections.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/vpn-connection/{uuid}", apiName: "DeleteVpcVpnConnectionLocal", tag, access: "authenticated",
    summary: "Delete a VPN connection record locally",
    description: "ZStack DeleteVpcVpnConnectionLocalAction: Strata's record only; the connection stays on Alibaba. SYS.1003.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await connections.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
