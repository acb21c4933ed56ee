import { z } from "zod";
import type { Api } from "../http/api.ts";
import { InventoryReply, Uuid } from "../http/common-schemas.ts";
import { QUOTA_NAMES, type QuotaName, type QuotaService } from "./service.ts";

const QuotaName = z.enum(Object.keys(QUOTA_NAMES) as [QuotaName, ...QuotaName[]]);
const QuotaInventory = z.object({
  identityUuid: z.string(), name: QuotaName, value: z.string().describe("Decimal integer in the quota's unit"),
  unit: z.string().describe("count, vCPU or bytes"), overridden: z.boolean(),
});

/** Largest value a quota column (PostgreSQL bigint) holds. */
const MAX_BIGINT = 2n ** 63n - 1n;

/** ZStack's `/v1/accounts/quotas` API. */
export function registerQuotaRoutes(api: Api, quotas: QuotaService): void {
  api.route({
    method: "get", path: "/accounts/quotas", apiName: "QueryQuota", tag: "accounts", access: "authenticated",
    summary: "List quotas",
    description: "Every quota of your account (admin: of every account, or ?identityUuid=). Defaults are the global configs in category quota.",
    query: z.object({ identityUuid: Uuid.optional() }).strict(),
    response: z.object({ inventories: z.array(QuotaInventory) }),
    handler: async (req) => ({ body: { inventories: await quotas.list(req.auth, req.query.identityUuid) } }),
  });
  api.route({
    method: "put", path: "/accounts/quotas/actions", apiName: "UpdateQuota", tag: "accounts", access: "admin",
    summary: "Change an account's quota",
    description: "ZStack APIUpdateQuotaMsg: `{ updateQuota: { identityUuid, name, value } }`; value ≥ 0 in the quota's unit.",
    body: z.object({
      updateQuota: z.object({
        identityUuid: Uuid, name: QuotaName,
        // Capped at PostgreSQL bigint's maximum: a larger value used to reach the database and fail with a 500.
        value: z.union([z.number().int().min(0), z.string().regex(/^\d+$/, "a non-negative integer")]).transform((v) => BigInt(v))
          .refine((v) => v <= MAX_BIGINT, `at most ${MAX_BIGINT}`),
      }).strict(),
    }).strict(),
    response: InventoryReply(QuotaInventory),
    handler: async (req) => {
      const q = req.body.updateQuota;
      return { body: { inventory: await quotas.update(q.identityUuid, q.name, q.value) } };
    },
  });
}
