import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import { AuthAlg, EncAlg, IkePfs, IpsecPfs, Lifetime } from "../configs/schema.ts";
import { CidrList } from "../connections/schema.ts";

/**
 * Strata's quick VPN connection (seed 快速建立VPN连接): everything between a local VPC router's
 * public address and an Alibaba VPN gateway in one job. IKE/IPsec settings default to
 * Alibaba's CreateVpnConnection defaults (aes, sha1, group2, 86400 s); the PSK is generated.
 */
export const QuickVpnConnectionBody = createBody(z.object({
  vpnGatewayUuid: Uuid.describe("The Alibaba VPN gateway (VpcVpnGateway), active"),
  localIp: z.string().trim().min(7).max(15).describe("Public IPv4 address of the local VPC router: becomes the customer gateway"),
  localCidrs: CidrList.describe("On-premise subnets reached through the tunnel (Alibaba RemoteSubnet)"),
  remoteCidrs: CidrList.optional().describe("Alibaba-side subnets (Alibaba LocalSubnet); default: the gateway's VPC CIDR block"),
  name: z.string().trim().min(2).max(64).regex(/^[\u4e00-\u9fa5a-zA-Z][\u4e00-\u9fa5_a-zA-Z0-9-]+$/, "letters, Chinese, digits, _ or -, starting with a letter"),
  l3NetworkUuid: Uuid.optional().describe("Local L3 network the tunnel serves (recorded on the local IPsec record)"),
  ike: z.object({
    version: z.enum(["ikev1", "ikev2"]).default("ikev1"), mode: z.enum(["main", "aggressive"]).default("main"),
    encAlg: EncAlg.default("aes"), authAlg: AuthAlg.default("sha1"), pfs: IkePfs.default("group2"), lifetime: Lifetime.default(86_400),
  }).strict().default({ version: "ikev1", mode: "main", encAlg: "aes", authAlg: "sha1", pfs: "group2", lifetime: 86_400 }),
  ipsec: z.object({
    encAlg: EncAlg.default("aes"), authAlg: AuthAlg.default("sha1"), pfs: IpsecPfs.default("group2"), lifetime: Lifetime.default(86_400),
  }).strict().default({ encAlg: "aes", authAlg: "sha1", pfs: "group2", lifetime: 86_400 }),
}));
/** Validated body of {@link QuickVpnConnectionBody}. */
export type QuickVpnConnectionInput = z.infer<typeof QuickVpnConnectionBody>;

/** Result of the quick VPN connection job. */
export const QuickVpnConnectionResult = z.object({
  inventory: z.object({
    vpnConnection: z.record(z.string(), z.unknown()), userGateway: z.record(z.string(), z.unknown()), ikeConfig: z.record(z.string(), z.unknown()),
    ipsecConfig: z.record(z.string(), z.unknown()), ipsecConnection: z.record(z.string(), z.unknown()),
  }),
});
