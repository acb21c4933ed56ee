import { z, type ZodObject, type ZodRawShape } from "zod";

/** A resource uuid: 32 hex characters, as ZStack generates them. */
export const Uuid = z.string().regex(/^[0-9a-f]{32}$/, "must be a uuid of 32 lowercase hex characters");

/** A resource name: 1–255 characters. */
export const Name = z.string().trim().min(1, "must not be empty").max(255);

/** A description: up to 2048 characters. */
export const Description = z.string().max(2048);

/** `stateEvent` of ZStack's ChangeXxxState APIs. */
export const StateEvent = z.enum(["enable", "disable"]).describe("enable → state Enabled, disable → state Disabled");

/**
 * Body of a create API (ZStack REST): `{ params: {...}, systemTags?: [], userTags?: [] }`.
 * A `resourceUuid` in params picks the new resource's uuid, as ZStack allows.
 */
export function createBody<S extends ZodRawShape>(params: ZodObject<S>) {
  return z.object({
    params: params.extend({ resourceUuid: Uuid.optional().describe("Uuid for the new resource; generated when absent") }).strict(),
    systemTags: z.array(z.string()).max(100).optional().describe("System tags: key or key::value"),
    userTags: z.array(z.string()).max(100).optional().describe("User tags: free text"),
  }).strict();
}

/** `?deleteMode=` of DELETE APIs (ZStack APIDeleteMessage.DeletionMode). */
export const DeleteQuery = z.object({
  deleteMode: z.enum(["Permissive", "Enforcing"]).default("Permissive")
    .describe("Permissive refuses while other resources depend on this one; Enforcing deletes them too"),
}).strict();

/** `{ uuid }` path parameter. */
export const UuidParams = z.object({ uuid: Uuid });

/** Fields every inventory carries. */
export const BaseInventory = {
  uuid: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  accountUuid: z.string().describe("Owning account"),
  createDate: z.string().describe("ISO 8601, UTC"),
  lastOpDate: z.string().describe("ISO 8601, UTC"),
};

/** `{ inventory }` response. */
export const InventoryReply = (inv: z.ZodType) => z.object({ inventory: inv });

/** `{ inventories, total? }` response of query APIs. */
export const InventoriesReply = (inv: z.ZodType) =>
  z.object({ inventories: z.array(inv), total: z.number().int().optional().describe("With count=true or replyWithCount=true") });

/** The query-string parameters of query APIs, for the OpenAPI document (parse.ts validates them). */
export const QueryParams = z.object({
  q: z.union([z.string(), z.array(z.string())]).optional()
    .describe("Condition <field><op><value>; ops = != > >= < <= ~= !~= ?= !?= 'is null' 'not null'; repeatable (AND)"),
  limit: z.string().optional().describe("Most inventories returned (default 1000)"),
  start: z.string().optional().describe("Inventories skipped first (paging)"),
  sort: z.string().optional().describe("+field or -field"),
  fields: z.string().optional().describe("Comma list of fields to return"),
  count: z.string().optional().describe("true: return only total"),
  replyWithCount: z.string().optional().describe("true: return inventories and total"),
  format: z.string().optional().describe("json (default) or csv"),
});
