import { z } from "zod";
import { createBody, Description, Uuid } from "../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../server/query/spec.ts";

/** ZStack AddIdentityZoneFromRemoteAction. */
export const AddIdentityZoneBody = createBody(z.object({
  dataCenterUuid: Uuid,
  zoneId: z.string().trim().min(1).max(64).describe("Alibaba zone id, e.g. cn-hangzhou-h"),
  type: z.literal("aliyun").optional(),
  description: Description.optional(),
}));
export type AddIdentityZoneInput = z.infer<typeof AddIdentityZoneBody>;

/** ZStack IdentityZoneInventory. */
export const IdentityZoneInventory = z.object({
  uuid: z.string(), dataCenterUuid: z.string(), zoneId: z.string(), zoneName: z.string().nullable(), type: z.literal("aliyun"),
  description: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** ZStack IdentityZoneProperty (GetIdentityZoneFromRemote item). */
export const IdentityZoneProperty = z.object({
  zoneId: z.string(), localName: z.string(),
  availableInstanceTypes: z.array(z.string()), availableResourceCreation: z.array(z.string()), availableDiskCategories: z.array(z.string()),
});

export const identityZoneQuerySpec: QuerySpec = {
  resourceType: "IdentityZone",
  fields: {
    uuid: "string", dataCenterUuid: "string", zoneId: "string", zoneName: "string", type: "string", description: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "dataCenterUuid", "zoneId", "type", "accountUuid", "createDate", "lastOpDate"],
};
