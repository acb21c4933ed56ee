import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

const GatewayName = z.string().regex(/^[\u4e00-\u9fa5a-zA-Z][\u4e00-\u9fa5_a-zA-Z0-9-]{1,127}$/, "2–128 characters: letters, Chinese, digits, _ or -, starting with a letter");

/** ZStack CreateVpcUserVpnGatewayRemoteAction. */
export const CreateUserVpnGatewayBody = createBody(z.object({
  dataCenterUuid: Uuid,
  ip: z.string().trim().min(7).max(15).describe("Public IPv4 address of the on-premise VPN device (Alibaba IpAddress)"),
  name: GatewayName,
  description: z.string().max(1024).optional(),
}));
/** Validated body of {@link CreateUserVpnGatewayBody}. */
export type CreateUserVpnGatewayInput = z.infer<typeof CreateUserVpnGatewayBody>;

/** ZStack UpdateVpcUserVpnGatewayAction (`updateVpcUserVpnGateway`). */
export const UpdateUserVpnGatewayBody = z.object({
  updateVpcUserVpnGateway: z.object({ name: GatewayName.optional(), description: z.string().max(256).optional() }).strict(),
}).strict();

/** ZStack VpcUserVpnGatewayInventory (plus accountUuid). */
export const VpcUserVpnGatewayInventory = z.object({
  uuid: z.string(), dataCenterUuid: z.string(), type: z.literal("aliyun"), gatewayId: z.string().describe("Alibaba CustomerGatewayId"),
  ip: z.string(), name: z.string(), description: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const userGatewayQuerySpec: QuerySpec = {
  resourceType: "VpcUserVpnGateway",
  fields: {
    uuid: "string", dataCenterUuid: "string", gatewayId: "string", ip: "string", name: "string", description: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "dataCenterUuid", "gatewayId", "ip", "name", "accountUuid", "createDate", "lastOpDate"],
};
