import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** Router interface specs Alibaba offers (bandwidth Mini.2 = 2 Mbit/s … Xlarge.1 = 10 Gbit/s); the accepting side is always Negative. */
export const RouterInterfaceSpec = z.enum(["Mini.2", "Mini.5", "Small.1", "Small.2", "Small.5", "Middle.1", "Middle.2", "Middle.5", "Large.1", "Large.2", "Large.5", "Xlarge.1"]);

/**
 * ZStack CreateAliyunRouterInterfaceRemoteAction. A VBR's interface is the initiating side
 * (Alibaba requires it) with the given spec; a VRouter's is the accepting side (spec Negative).
 * Strata adds `oppositeInterfaceUuid` to name the other end at once.
 */
export const CreateRouterInterfaceBody = createBody(z.object({
  dataCenterUuid: Uuid,
  accessPointUuid: z.string().optional().describe("Accepted for ZStack clients; the VBR's access point is used"),
  spec: RouterInterfaceSpec.default("Middle.1").describe("Initiating side's bandwidth spec; ignored (Negative) for a VRouter interface"),
  vRouterUuid: Uuid.describe("The VirtualBorderRouter (routerType VBR) or VpcVirtualRouter (VRouter) the interface sits on"),
  routerType: z.enum(["VBR", "VRouter"]),
  oppositeRouterUuid: Uuid.optional().describe("The router at the other end (a VpcVirtualRouter for a VBR interface, a VBR for a VRouter one)"),
  oppositeInterfaceUuid: Uuid.optional().describe("The interface at the other end, when it exists already"),
  name: z.string().trim().min(1).max(128),
  description: z.string().max(256).optional(),
}));
/** Validated body of {@link CreateRouterInterfaceBody}. */
export type CreateRouterInterfaceInput = z.infer<typeof CreateRouterInterfaceBody>;

/** ZStack StartConnectionBetweenAliyunRouterInterfaceAction (`startConnectionBetweenAliyunRouterInterface`). */
export const StartConnectionBody = z.object({ vrouterInterfaceUuid: Uuid.describe("The VRouter side; the path names the VBR side") }).strict();

/** ZStack UpdateAliyunRouteInterfaceRemoteAction (`updateAliyunRouteInterfaceRemote`). */
export const UpdateRouterInterfaceBody = z.object({
  op: z.enum(["active", "inactive"]).describe("ActivateRouterInterface / DeactivateRouterInterface"),
  vRouterType: z.enum(["vbr", "vrouter"]),
}).strict();

/** `?vRouterType=` of DeleteAliyunRouterInterfaceRemote. */
export const DeleteRemoteQuery = z.object({
  vRouterType: z.enum(["vbr", "vrouter"]).optional(),
  deleteMode: z.enum(["Permissive", "Enforcing"]).default("Permissive"),
}).strict();

/** ZStack AliyunRouterInterfaceInventory (plus routerId, opposite*, accountUuid). */
export const AliyunRouterInterfaceInventory = z.object({
  uuid: z.string(), dataCenterUuid: z.string(), routerInterfaceId: z.string(), virtualRouterUuid: z.string().nullable(), routerId: z.string(),
  accessPointUuid: z.null(), accessPointId: z.string().nullable(), role: z.string().describe("InitiatingSide or AcceptingSide"),
  vRouterType: z.string().describe("vbr or vrouter"), spec: z.string(), name: z.string(), description: z.string().nullable(),
  status: z.string().describe("Alibaba: Idle, Connecting, AcceptingConnecting, Active, Deactivating, Inactive, ..."),
  oppositeInterfaceUuid: z.string().nullable(), oppositeInterfaceId: z.string().nullable(), oppositeRouterId: z.string().nullable(),
  oppositeRouterType: z.string().nullable(), oppositeRegionId: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const routerInterfaceQuerySpec: QuerySpec = {
  resourceType: "AliyunRouterInterface",
  fields: {
    uuid: "string", dataCenterUuid: "string", routerInterfaceId: "string", virtualRouterUuid: "string", routerId: "string", accessPointId: "string",
    role: "string", vRouterType: "string", spec: "string", name: "string", description: "string", status: "string", oppositeInterfaceUuid: "string",
    oppositeInterfaceId: "string", oppositeRouterId: "string", oppositeRouterType: "string", oppositeRegionId: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "dataCenterUuid", "routerInterfaceId", "routerId", "role", "vRouterType", "spec", "name", "status", "accountUuid", "createDate", "lastOpDate"],
};
