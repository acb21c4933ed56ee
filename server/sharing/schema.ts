import { z } from "zod";
import { Uuid } from "../http/common-schemas.ts";

/**
 * ZStack APIShareResourceMsg for one resource (the resource is the path's `{uuid}`):
 * share with the listed accounts, with every account (`toPublic`), or both.
 */
export const ShareResourceBody = z.object({
  accountUuids: z.array(Uuid).max(1000).optional().describe("Accounts that may see and use the resource"),
  toPublic: z.boolean().optional().describe("true: every account may see and use the resource"),
}).strict().refine((b) => Boolean(b.accountUuids?.length) || b.toPublic === true, {
  message: "give accountUuids, toPublic: true, or both",
});
export type ShareResourceInput = z.infer<typeof ShareResourceBody>;

/**
 * ZStack APIRevokeResourceSharingMsg for one resource: stop sharing with the listed accounts,
 * withdraw public sharing (`toPublic`), or everything (`all`).
 */
export const RevokeResourceSharingBody = z.object({
  accountUuids: z.array(Uuid).max(1000).optional().describe("Accounts that lose access"),
  toPublic: z.boolean().optional().describe("true: withdraw sharing with every account"),
  all: z.boolean().optional().describe("true: withdraw every sharing of the resource"),
}).strict().refine((b) => Boolean(b.accountUuids?.length) || b.toPublic === true || b.all === true, {
  message: "give accountUuids, toPublic: true or all: true",
});
export type RevokeResourceSharingInput = z.infer<typeof RevokeResourceSharingBody>;
