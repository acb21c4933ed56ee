import { z } from "zod";
import { Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack CreateAliyunNasAccessGroupAction `params`. Names: 3–64 letters, digits, _ or -, starting with a letter (NAS's rule). */
export const CreateAccessGroupBody = z.object({
  params: z.object({
    dataCenterUuid: Uuid,
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{2,63}$/, "3–64 letters, digits, _ or -, starting with a letter"),
    description: z.string().min(2).max(128).regex(/^\p{L}/u, "must start with a letter").optional(),
    networkType: z.enum(["vpc", "classic"]).default("vpc"),
    resourceUuid: Uuid.optional(),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();
/** Validated body of {@link CreateAccessGroupBody}. */
export type CreateAccessGroupInput = z.infer<typeof CreateAccessGroupBody>;

/** ZStack AddAliyunNasAccessGroupAction (`addAliyunNasAccessGroup`): pick an existing group. */
export const AddAccessGroupBody = z.object({
  addAliyunNasAccessGroup: z.object({ dataCenterUuid: Uuid, groupName: z.string().trim().min(1).max(255), resourceUuid: Uuid.optional() }).strict(),
}).strict();

/** ZStack CreateAliyunNasAccessGroupRuleAction `params` (+ Strata's userAccessType). */
export const CreateAccessRuleBody = z.object({
  params: z.object({
    accessGroupUuid: Uuid,
    sourceCidrIp: z.string().trim().regex(/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, "an IPv4 address or CIDR block").describe("Clients admitted (Alibaba SourceCidrIp)"),
    rwAccessType: z.enum(["RDWR", "RDONLY"]).default("RDWR"),
    userAccessType: z.enum(["no_squash", "root_squash", "all_squash"]).default("no_squash").describe("no_squash lets hosts' root own the volume files"),
    priority: z.number().int().min(1).max(100).default(1).describe("1 is applied first"),
    resourceUuid: Uuid.optional(),
  }).strict(),
}).strict();
/** Validated body of {@link CreateAccessRuleBody}. */
export type CreateAccessRuleInput = z.infer<typeof CreateAccessRuleBody>;

/** `?dataCenterUuid=&groupName=` of GetAliyunNasAccessGroupRemote. */
export const RemoteAccessGroupQuery = z.object({ dataCenterUuid: Uuid, groupName: z.string().max(255).optional() }).strict();

/** ZStack AliyunNasAccessRuleInventory. */
export const NasAccessRuleInventory = z.object({
  uuid: z.string(), accessGroupUuid: z.string(), sourceCidr: z.string(), rule: z.string().describe("RDWR or RDONLY"), priority: z.number().int(),
  userAccess: z.string(), ruleId: z.string().describe("Alibaba AccessRuleId"), createDate: z.string(), lastOpDate: z.string(),
});

/** ZStack AliyunNasAccessGroupInventory (plus accountUuid). */
export const NasAccessGroupInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), dataCenterUuid: z.string(), type: z.string().describe("vpc or classic"),
  rules: z.array(NasAccessRuleInventory), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const nasAccessGroupQuerySpec: QuerySpec = {
  resourceType: "AliyunNasAccessGroup",
  fields: { uuid: "string", name: "string", description: "string", dataCenterUuid: "string", type: "string", accountUuid: "string", createDate: "date", lastOpDate: "date" },
  notNull: ["uuid", "name", "dataCenterUuid", "type", "accountUuid", "createDate", "lastOpDate"],
};
