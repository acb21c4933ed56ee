import { z } from "zod";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/**
 * ZStack IPsecConnectionInventory (plus localAddress, vpcVpnConnectionUuid, accountUuid): the
 * on-premise side of a tunnel to an Alibaba VPN gateway, in ZStack's IPsec vocabulary
 * (ikeEncryptionAlgorithm aes-128|aes-192|aes-256|3des|des, pfs dh-group2, ...).
 */
export const IPsecConnectionInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), l3NetworkUuid: z.string().nullable(),
  vpcVpnConnectionUuid: z.string().nullable().describe("The Alibaba side (VpcVpnConnection) this matches"),
  localAddress: z.string().describe("Public address of the local VPC router"), peerAddress: z.string().describe("The VPN gateway's public IP"),
  peerCidrs: z.array(z.string()), authMode: z.string(), authKey: z.string().describe("The pre-shared key"),
  ikeVersion: z.string(), ikeAuthAlgorithm: z.string(), ikeEncryptionAlgorithm: z.string(), ikeDhGroup: z.number().int(),
  ikeLifeTime: z.number().int().describe("seconds"), policyAuthAlgorithm: z.string(), policyEncryptionAlgorithm: z.string(),
  pfs: z.string(), policyMode: z.string(), transformProtocol: z.string(), lifeTime: z.number().int().describe("seconds"),
  localId: z.string().nullable(), remoteId: z.string().nullable(), state: z.string(),
  status: z.string().describe("Disconnected: recorded for the local router; Strata does not run the local IPsec endpoint"),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name (not the key). */
export const ipsecConnectionQuerySpec: QuerySpec = {
  resourceType: "IPsecConnection",
  fields: {
    uuid: "string", name: "string", description: "string", l3NetworkUuid: "string", vpcVpnConnectionUuid: "string", localAddress: "string",
    peerAddress: "string", peerCidrs: "string", state: "string", status: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "localAddress", "peerAddress", "peerCidrs", "state", "status", "accountUuid", "createDate", "lastOpDate"],
};
