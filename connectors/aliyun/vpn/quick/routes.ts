import type { Api } from "../../../../server/http/api.ts";
import { JobAccepted, jobRequest } from "../../http.ts";
import { QuickVpnConnectionBody } from "./schema.ts";
import type { QuickVpnService } from "./service.ts";

/** REST route of the quick VPN connection (Strata; ZStack's UI wizard 快速建立VPN连接 has no single API). */
export function registerQuickVpnRoutes(api: Api, quick: QuickVpnService): void {
  api.route({
    method: "post", path: "/hybrid/vpn-connection/quick", apiName: "CreateVpcVpnConnectionQuickly", tag: "hybrid: aliyun vpn", access: "authenticated",
    summary: "Connect a local VPC router to an Alibaba VPN gateway in one step",
    description: "Strata (seed 快速建立VPN连接) `{vpnGatewayUuid, localIp, localCidrs, remoteCidrs?, name, l3NetworkUuid?, ike?, ipsec?}`: a job (202) " +
      "that creates the customer gateway for localIp, IKE/IPsec configurations with a generated PSK, the VPN connection (Alibaba's defaults: " +
      "aes/sha1/group2/86400 s unless given) and the local side's IPsec record (GET /v1/ipsec) mirroring what Alibaba applied. If any step " +
      "fails, everything the job made is deleted again, on Alibaba and in Strata, and the job fails with that step's error. Result " +
      "`{inventory: {vpnConnection, userGateway, ikeConfig, ipsecConfig, ipsecConnection}}`. Sync errors: SYS.1003 unknown gateway, " +
      "SYS.1006 gateway not active, SYS.1007 remoteCidrs unknown.",
    body: QuickVpnConnectionBody, response: JobAccepted, successStatus: 202,
    handler: (req) => quick.submit(req.auth, jobRequest("CreateVpcVpnConnectionQuickly", req), req.body),
  });
}
