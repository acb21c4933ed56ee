import { z } from "zod";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack VirtualBorderRouterInventory (plus accessPointId, routeTableId, accountUuid; accessPointUuid is null: Strata keeps no access point records). */
export const VirtualBorderRouterInventory = z.object({
  uuid: z.string(), vbrId: z.string(), vlanInterfaceId: z.string().nullable(), status: z.string().describe("Alibaba: active, terminated, ..."),
  dataCenterUuid: z.string(), vlanId: z.string().nullable(), physicalConnectionStatus: z.string().nullable(), circuitCode: z.string().nullable(),
  localGatewayIp: z.string().nullable(), peerGatewayIp: z.string().nullable(), peeringSubnetMask: z.string().nullable(),
  physicalConnectionId: z.string().nullable(), accessPointUuid: z.null(), accessPointId: z.string().nullable(), routeTableId: z.string().nullable(),
  name: z.string(), description: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const vbrQuerySpec: QuerySpec = {
  resourceType: "VirtualBorderRouter",
  fields: {
    uuid: "string", vbrId: "string", vlanInterfaceId: "string", status: "string", dataCenterUuid: "string", vlanId: "string",
    physicalConnectionStatus: "string", circuitCode: "string", localGatewayIp: "string", peerGatewayIp: "string", peeringSubnetMask: "string",
    physicalConnectionId: "string", accessPointId: "string", routeTableId: "string", name: "string", description: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "vbrId", "status", "dataCenterUuid", "name", "accountUuid", "createDate", "lastOpDate"],
};
