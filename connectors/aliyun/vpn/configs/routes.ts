import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { CreateIkeConfigBody, CreateIpsecConfigBody, VpcVpnIkeConfigInventory, VpcVpnIpSecConfigInventory } from "./schema.ts";
import type { VpnConfigService } from "./service.ts";

/** REST routes of IKE / IPsec configurations (ZStack CreateVpnIkeConfig, QueryVpcIkeConfigFromLocal, DeleteVpcIkeConfigLocal, and the IPsec ones). */
export function registerVpnConfigRoutes(api: Api, configs: VpnConfigService): void {
  const tag = "hybrid: aliyun vpn";
  api.route({
    method: "post", path: "/hybrid/vpn-connection/ike", apiName: "CreateVpnIkeConfig", tag, access: "authenticated",
    summary: "Create an IKE configuration",
    description: "ZStack CreateVpnIkeConfigAction `{name, psk, pfs=group1, version=ikev1, mode=main, encAlg=3des, authAlg=sha1, lifetime=86400, localIp, remoteIp}` " +
      "in Alibaba's values (encAlg aes|aes192|aes256|des|3des, ZStack's aes-128/192/256 accepted); a Strata record used by VPN connections. " +
      "`{inventory}` shows the PSK and `aliyunIkeConfig`, the JSON sent to Alibaba. SYS.1007 on bad values.",
    body: CreateIkeConfigBody, response: InventoryReply(VpcVpnIkeConfigInventory),
    handler: async (req) => ({ body: { inventory: await configs.createIke(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/vpn-connection/ike", apiName: "QueryVpcIkeConfigFromLocal", tag, access: "authenticated",
    summary: "Query IKE configurations", description: "ZStack QueryVpcIkeConfigFromLocalAction.",
    query: QueryParams, response: InventoriesReply(VpcVpnIkeConfigInventory),
    handler: (req) => configs.queryIke(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/hybrid/vpn-connection/ike/{uuid}", apiName: "DeleteVpcIkeConfigLocal", tag, access: "authenticated",
    summary: "Delete an IKE configuration",
    description: "ZStack DeleteVpcIkeConfigLocalAction. SYS.1004 while a VPN connection uses it (deleteMode=Enforcing unlinks them); SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await configs.deleteConfig(req.auth, "ike", req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/hybrid/vpn-connection/ipsec", apiName: "CreateVpnIpsecConfig", tag, access: "authenticated",
    summary: "Create an IPsec configuration",
    description: "ZStack CreateVpnIpsecConfigAction `{name, pfs=group1 (or disabled), encAlg=3des, authAlg=sha1, lifetime=86400}`; " +
      "`{inventory}` with `aliyunIpsecConfig`, the JSON sent to Alibaba.",
    body: CreateIpsecConfigBody, response: InventoryReply(VpcVpnIpSecConfigInventory),
    handler: async (req) => ({ body: { inventory: await configs.createIpsec(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/vpn-connection/ipsec", apiName: "QueryVpcIpSecConfigFromLocal", tag, access: "authenticated",
    summary: "Query IPsec configurations", description: "ZStack QueryVpcIpSecConfigFromLocalAction.",
    query: QueryParams, response: InventoriesReply(VpcVpnIpSecConfigInventory),
    handler: (req) => configs.queryIpsec(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/hybrid/vpn-connection/ipsec/{uuid}", apiName: "DeleteVpcIpSecConfigLocal", tag, access: "authenticated",
    summary: "Delete an IPsec configuration",
    description: "ZStack DeleteVpcIpSecConfigLocalAction. SYS.1004 while a VPN connection uses it (deleteMode=Enforcing unlinks them); SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await configs.deleteConfig(req.auth, "ipsec", req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
}
