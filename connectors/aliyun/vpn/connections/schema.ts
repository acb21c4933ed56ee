import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** Comma-separated IPv4 CIDR blocks (Alibaba LocalSubnet / RemoteSubnet). */
export const CidrList = z.string().trim().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}(\s*,\s*\d{1,3}(\.\d{1,3}){3}\/\d{1,2})*$/, "comma-separated IPv4 CIDR blocks");

/** ZStack CreateVpcVpnConnectionRemoteAction. */
export const CreateVpnConnectionBody = createBody(z.object({
  userGatewayUuid: Uuid.describe("The customer gateway (VpcUserVpnGateway)"),
  vpnGatewayUuid: Uuid.describe("The VPN gateway (VpcVpnGateway)"),
  name: z.string().trim().min(1).max(64),
  description: z.string().max(1024).optional(),
  localCidr: CidrList.describe("Alibaba LocalSubnet: the VPC side"),
  remoteCidr: CidrList.describe("Alibaba RemoteSubnet: the on-premise side"),
  active: z.boolean().default(false).describe("Alibaba EffectImmediately: negotiate at once rather than on first traffic"),
  ikeConfUuid: Uuid,
  ipsecConfUuid: Uuid,
}));
/** Validated body of {@link CreateVpnConnectionBody}. */
export type CreateVpnConnectionInput = z.infer<typeof CreateVpnConnectionBody>;

/** ZStack UpdateVpcVpnConnectionRemoteAction (`updateVpcVpnConnectionRemote`). */
export const UpdateVpnConnectionBody = z.object({
  updateVpcVpnConnectionRemote: z.object({
    name: z.string().trim().min(1).max(64).optional(),
    description: z.string().max(1024).optional(),
    localCidr: CidrList.optional(),
    remoteCidr: CidrList.optional(),
    active: z.boolean().optional(),
    ikeConfUuid: Uuid.optional(),
    ipsecConfUuid: Uuid.optional(),
  }).strict(),
}).strict();
/** Validated body of {@link UpdateVpnConnectionBody}. */
export type UpdateVpnConnectionInput = z.infer<typeof UpdateVpnConnectionBody>["updateVpcVpnConnectionRemote"];

/** ZStack VpcVpnConnectionInventory (plus dataCenterUuid, accountUuid). */
export const VpcVpnConnectionInventory = z.object({
  uuid: z.string(), dataCenterUuid: z.string(), type: z.literal("aliyun"), connectionId: z.string().describe("Alibaba VpnConnectionId"),
  name: z.string(), description: z.string().nullable(),
  status: z.string().describe("Alibaba: ike_sa_not_established, ike_sa_established, ipsec_sa_not_established, ipsec_sa_established"),
  userGatewayUuid: z.string().nullable(), vpnGatewayUuid: z.string().nullable(), localSubnet: z.string(), remoteSubnet: z.string(),
  ikeConfigUuid: z.string().nullable(), ipsecConfigUuid: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const vpnConnectionQuerySpec: QuerySpec = {
  resourceType: "VpcVpnConnection",
  fields: {
    uuid: "string", dataCenterUuid: "string", connectionId: "string", name: "string", description: "string", status: "string",
    userGatewayUuid: "string", vpnGatewayUuid: "string", localSubnet: "string", remoteSubnet: "string", ikeConfigUuid: "string",
    ipsecConfigUuid: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "dataCenterUuid", "connectionId", "name", "status", "localSubnet", "remoteSubnet", "accountUuid", "createDate", "lastOpDate"],
};
