import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack's VSwitch name rule: 2–128 characters, a letter (or CJK) first, then letters, digits, _ and -. */
const VSwitchName = z.string().min(2).max(128).regex(/^[\u4e00-\u9fa5a-zA-Z][\u4e00-\u9fa5_a-zA-Z0-9-]+$/,
  "must start with a letter, then letters, digits, _ or -");

/** ZStack CreateEcsVSwitchRemoteAction. */
export const CreateEcsVSwitchBody = createBody(z.object({
  vpcUuid: Uuid.describe("The EcsVpc to create the VSwitch in; it must be Available"),
  identityZoneUuid: Uuid.describe("The IdentityZone (Alibaba zone) of the VSwitch"),
  cidrBlock: z.string().trim().min(1).max(64).describe("IPv4 block inside the VPC's, mask /16–/29, clear of other VSwitches (Alibaba CreateVSwitch)"),
  name: VSwitchName,
  description: z.string().max(1024).optional(),
}));
/** Validated body of {@link CreateEcsVSwitchBody}. */
export type CreateEcsVSwitchInput = z.infer<typeof CreateEcsVSwitchBody>;

/** ZStack UpdateEcsVSwitchAction (`updateEcsVSwitch`). */
export const UpdateEcsVSwitchBody = z.object({ name: VSwitchName.optional(), description: z.string().max(1024).optional() }).strict();
/** Validated body of {@link UpdateEcsVSwitchBody}. */
export type UpdateEcsVSwitchInput = z.infer<typeof UpdateEcsVSwitchBody>;

/** ZStack SyncEcsVSwitchFromRemoteAction `params` (dataCenterUuid is in the path). */
export const SyncEcsVSwitchBody = z.object({
  params: z.object({ vSwitchId: z.string().optional().describe("Accepted for ZStack clients; the whole data center's VSwitches are synced") }).strict().optional(),
  systemTags: z.array(z.string()).optional(),
  userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack EcsVSwitchInventory (plus dataCenterUuid, accountUuid). */
export const EcsVSwitchInventory = z.object({
  uuid: z.string(), vSwitchId: z.string().describe("Alibaba VSwitchId"), status: z.string().describe("Alibaba status: Pending, Available"),
  cidrBlock: z.string(), availableIpAddressCount: z.number().int().nullable().describe("Free private IPv4 addresses"),
  description: z.string().nullable(), name: z.string(), ecsVpcUuid: z.string(), identityZoneUuid: z.string().nullable(), dataCenterUuid: z.string(),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query (`q=`, `sort`, `fields`) may name. */
export const ecsVSwitchQuerySpec: QuerySpec = {
  resourceType: "EcsVSwitch",
  fields: {
    uuid: "string", vSwitchId: "string", status: "string", cidrBlock: "string", availableIpAddressCount: "number", description: "string",
    name: "string", ecsVpcUuid: "string", identityZoneUuid: "string", dataCenterUuid: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "vSwitchId", "status", "cidrBlock", "name", "ecsVpcUuid", "dataCenterUuid", "accountUuid", "createDate", "lastOpDate"],
};
