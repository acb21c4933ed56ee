import { z } from "zod";
import { createBody, Uuid } from "../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../server/query/spec.ts";

const Cidr = z.string().trim().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "an IPv4 CIDR block");

/** Strata's third-party private line (seed 第三方专线接入): an SD-WAN or carrier link recorded so routes can go through it. */
export const CreateThirdPartyConnectionBody = createBody(z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(1024).optional(),
  provider: z.string().trim().min(1).max(128).describe("Carrier or SD-WAN vendor"),
  bandwidthMbps: z.number().int().min(1).max(100_000).describe("Committed bandwidth, Mbit/s"),
  localCidrs: z.array(Cidr).min(1).max(64).describe("On-premise networks at the local end"),
  remoteCidrs: z.array(Cidr).min(1).max(64).describe("Networks reached through the line (e.g. a VPC's CIDR block)"),
  localEndpointId: z.string().trim().max(128).optional().describe("What the local end plugs into: an L3 network uuid, a CPE address, ..."),
  remoteEndpointId: z.string().trim().max(128).optional().describe("What the far end plugs into: a VBR id (vbr-…), a VPC id, a CPE address, ..."),
  dataCenterUuid: Uuid.optional().describe("The Alibaba data center the far end is in, if any"),
}));
/** Validated body of {@link CreateThirdPartyConnectionBody}. */
export type CreateThirdPartyConnectionInput = z.infer<typeof CreateThirdPartyConnectionBody>;

/** `updateHybridThirdPartyConnection` action body. */
export const UpdateThirdPartyConnectionBody = z.object({
  name: z.string().trim().min(1).max(255).optional(),
  description: z.string().max(1024).optional(),
  bandwidthMbps: z.number().int().min(1).max(100_000).optional(),
  localCidrs: z.array(Cidr).min(1).max(64).optional(),
  remoteCidrs: z.array(Cidr).min(1).max(64).optional(),
  state: z.enum(["Enabled", "Disabled"]).optional().describe("Disabled: routes through the line stay recorded but new ones are refused"),
}).strict();
/** Validated body of {@link UpdateThirdPartyConnectionBody}. */
export type UpdateThirdPartyConnectionInput = z.infer<typeof UpdateThirdPartyConnectionBody>;

/** Inventory of a third-party line. */
export const ThirdPartyConnectionInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), provider: z.string(), bandwidthMbps: z.number().int(),
  localCidrs: z.array(z.string()), remoteCidrs: z.array(z.string()), localEndpointId: z.string().nullable(), remoteEndpointId: z.string().nullable(),
  dataCenterUuid: z.string().nullable(), state: z.string(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const thirdPartyConnectionQuerySpec: QuerySpec = {
  resourceType: "HybridThirdPartyConnection",
  fields: {
    uuid: "string", name: "string", description: "string", provider: "string", bandwidthMbps: "number", localCidrs: "string", remoteCidrs: "string",
    localEndpointId: "string", remoteEndpointId: "string", dataCenterUuid: "string", state: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "provider", "bandwidthMbps", "localCidrs", "remoteCidrs", "state", "accountUuid", "createDate", "lastOpDate"],
};

/** A route of the on-premise side through a connection Strata records. */
export const CreateLocalRouteEntryBody = createBody(z.object({
  destinationCidrBlock: Cidr,
  nextHopType: z.enum(["ThirdPartyConnection", "VpcVpnConnection", "IPsecConnection"]),
  nextHopUuid: Uuid,
  l3NetworkUuid: Uuid.optional().describe("Local L3 network whose traffic takes the route"),
  description: z.string().max(1024).optional(),
}));
/** Validated body of {@link CreateLocalRouteEntryBody}. */
export type CreateLocalRouteEntryInput = z.infer<typeof CreateLocalRouteEntryBody>;

/** Inventory of a local route entry. */
export const LocalRouteEntryInventory = z.object({
  uuid: z.string(), destinationCidrBlock: z.string(), nextHopType: z.string(), nextHopUuid: z.string(), l3NetworkUuid: z.string().nullable(),
  description: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const localRouteEntryQuerySpec: QuerySpec = {
  resourceType: "HybridLocalRouteEntry",
  fields: {
    uuid: "string", destinationCidrBlock: "string", nextHopType: "string", nextHopUuid: "string", l3NetworkUuid: "string",
    description: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "destinationCidrBlock", "nextHopType", "nextHopUuid", "accountUuid", "createDate", "lastOpDate"],
};
