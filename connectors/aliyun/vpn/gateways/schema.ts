import { z } from "zod";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack UpdateVpcVpnGatewayAction (`updateVpcVpnGateway`). */
export const UpdateVpnGatewayBody = z.object({
  updateVpcVpnGateway: z.object({
    name: z.string().trim().min(1).max(128).optional().describe("Alibaba Name of the gateway"),
    description: z.string().max(256).optional(),
  }).strict(),
}).strict();
/** Validated body of {@link UpdateVpnGatewayBody}. */
export type UpdateVpnGatewayInput = z.infer<typeof UpdateVpnGatewayBody>["updateVpcVpnGateway"];

/** Body of the sync PUTs (`{ <action>: { systemTags?, userTags? } }`), may be empty. */
export const syncBody = (key: string) => z.object({
  [key]: z.object({ systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional() }).strict().optional(),
}).strict();

/** ZStack VpcVpnGatewayInventory (plus dataCenterUuid, ecsVpcId, vpcUuid, accountUuid). */
export const VpcVpnGatewayInventory = z.object({
  uuid: z.string(), gatewayId: z.string().describe("Alibaba VpnGatewayId"), dataCenterUuid: z.string(), ecsVpcId: z.string(),
  vpcUuid: z.string().nullable(), vSwitchUuid: z.string().nullable(), publicIp: z.string().nullable().describe("Alibaba InternetIp"),
  spec: z.string().nullable().describe("Peak bandwidth, e.g. 10M"), name: z.string(), description: z.string().nullable(),
  status: z.string().describe("Alibaba: init, provisioning, active, updating, deleting"), businessStatus: z.string().nullable(),
  type: z.literal("aliyun"), endDate: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const vpnGatewayQuerySpec: QuerySpec = {
  resourceType: "VpcVpnGateway",
  fields: {
    uuid: "string", gatewayId: "string", dataCenterUuid: "string", ecsVpcId: "string", vpcUuid: "string", vSwitchUuid: "string",
    publicIp: "string", spec: "string", name: "string", description: "string", status: "string", businessStatus: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date", endDate: "date",
  },
  notNull: ["uuid", "gatewayId", "dataCenterUuid", "ecsVpcId", "name", "status", "accountUuid", "createDate", "lastOpDate"],
};
