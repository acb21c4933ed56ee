import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/**
 * ZStack CreateAliyunVpcVirtualRouterEntryRemoteAction. The next hop is named either by Strata
 * uuid (`nextHopUuid`, ZStack's field: an EcsInstance, AliyunRouterInterface or VpcVpnGateway)
 * or, as a Strata extension for hops Strata does not record, by its Alibaba id (`nextHopId`).
 * With vRouterType vbr, vRouterUuid names a VirtualBorderRouter and the entry goes to its table.
 */
export const CreateRouteEntryBody = createBody(z.object({
  vRouterUuid: Uuid.describe("The VpcVirtualRouter (or, vRouterType vbr, the VirtualBorderRouter) whose route table gets the entry"),
  dstCidrBlock: z.string().trim().min(1).max(64).describe("Destination CIDR block, e.g. 10.9.0.0/16 (Alibaba DestinationCidrBlock)"),
  nextHopUuid: Uuid.optional().describe("Strata uuid of the next hop: EcsInstance, AliyunRouterInterface or VpcVpnGateway, by nextHopType"),
  nextHopId: z.string().trim().min(1).max(64).optional().describe("Alibaba id of the next hop, when it has no Strata record"),
  nextHopType: z.enum(["Instance", "RouterInterface", "VpnGateway"]).describe("Alibaba NextHopType"),
  vRouterType: z.enum(["vrouter", "vbr"]).default("vrouter").describe("vrouter: a VPC's VRouter; vbr: an Express Connect VBR"),
}));
/** Validated body of {@link CreateRouteEntryBody}. */
export type CreateRouteEntryInput = z.infer<typeof CreateRouteEntryBody>;

/** `PUT /hybrid/aliyun/route-entry/{vRouterUuid}/sync` body (ZStack SyncAliyunRouteEntryFromRemoteAction); may be empty. */
export const SyncRouteEntryBody = z.object({
  syncAliyunRouteEntryFromRemote: z.object({
    vRouterType: z.literal("vrouter").default("vrouter"),
    systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
  }).strict().optional(),
}).strict();

/** ZStack VpcVirtualRouteEntryInventory (plus routeEntryId, routeTableId, dataCenterUuid, accountUuid). */
export const VpcVirtualRouteEntryInventory = z.object({
  uuid: z.string(), routeEntryId: z.string().nullable(), routeTableId: z.string(), type: z.string().describe("System or Custom"),
  vRouterType: z.string(), status: z.string().describe("Alibaba status: Pending, Available, Modifying"),
  destinationCidrBlock: z.string(), nextHopId: z.string().nullable(), nextHopType: z.string().nullable(),
  virtualRouterUuid: z.string(), dataCenterUuid: z.string(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const routeEntryQuerySpec: QuerySpec = {
  resourceType: "VpcVirtualRouteEntry",
  fields: {
    uuid: "string", routeEntryId: "string", routeTableId: "string", type: "string", vRouterType: "string", status: "string",
    destinationCidrBlock: "string", nextHopId: "string", nextHopType: "string", virtualRouterUuid: "string", dataCenterUuid: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "routeTableId", "type", "vRouterType", "status", "destinationCidrBlock", "virtualRouterUuid", "dataCenterUuid", "accountUuid", "createDate", "lastOpDate"],
};
