import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import { newUuid } from "../ids.ts";

/** Quota names (ZStack QuotaConstant) with their unit. Defaults: global configs in category `quota`. */
export const QUOTA_NAMES = {
  "vm.num": "count", "vm.cpuNum": "vCPU", "vm.memorySize": "bytes", "volume.data.num": "count",
  "volume.capacity": "bytes", "image.num": "count", "image.size": "bytes", "eip.num": "count",
} as const;
export type QuotaName = keyof typeof QUOTA_NAMES;

/** ZStack QuotaInventory. */
export interface QuotaInventory {
  identityUuid: string;
  name: QuotaName;
  value: string;
  unit: string;
  /** True when the account has its own value; false when the global default applies. */
  overridden: boolean;
}

/**
 * Per-account resource quotas (ZStack QuotaVO). Creation paths call {@link check} with what
 * the account already uses and what the request adds; exceeding gets ID.1003 naming both.
 */
export class QuotaService {
  constructor(private readonly prisma: PrismaClient, private readonly configs: GlobalConfigService) {}

  /** The quota in force for an account: its override, else the global default. */
  async limit(accountUuid: string, name: QuotaName): Promise<bigint> {
    const row = await this.prisma.quota.findUnique({ where: { identityUuid_name: { identityUuid: accountUuid, name } } });
    return row ? row.value : this.configs.getBigInt("quota", name);
  }

  /**
   * Refuses a request that would take an account over a quota. Admin accounts are not limited.
   * @throws ApiError ID.1003 (400) with used, requested and quota figures.
   */
  async check(caller: Caller, name: QuotaName, used: bigint, requested: bigint): Promise<void> {
    if (caller.isAdmin) return;
    const limit = await this.limit(caller.accountUuid, name);
    if (used + requested > limit) throw Errors.quotaExceeded(name, used, requested, limit);
  }

  /** Every quota of the accounts the caller may see (APIQueryQuotaMsg). */
  async list(caller: Caller, identityUuid?: string): Promise<QuotaInventory[]> {
    const accounts = await this.prisma.account.findMany({
      where: caller.isAdmin ? (identityUuid ? { uuid: identityUuid } : {}) : { uuid: caller.accountUuid },
      select: { uuid: true, type: true },
    });
    const overrides = await this.prisma.quota.findMany({ where: { identityUuid: { in: accounts.map((a) => a.uuid) } } });
    return accounts.flatMap((a) => (Object.keys(QUOTA_NAMES) as QuotaName[]).map((name) => {
      const o = overrides.find((q) => q.identityUuid === a.uuid && q.name === name);
      return {
        identityUuid: a.uuid, name, unit: QUOTA_NAMES[name], overridden: Boolean(o),
        value: String(o ? o.value : this.configs.getBigInt("quota", name)),
      };
    }));
  }

  /** Sets an account's quota (APIUpdateQuotaMsg, admin only). @throws SYS.1003 unknown account. */
  async update(identityUuid: string, name: QuotaName, value: bigint): Promise<QuotaInventory> {
    if (!(await this.prisma.account.findUnique({ where: { uuid: identityUuid } }))) throw Errors.resourceNotFound("Account", identityUuid);
    await this.prisma.quota.upsert({
      where: { identityUuid_name: { identityUuid, name } },
      create: { uuid: newUuid(), identityUuid, name, value },
      update: { value },
    });
    return { identityUuid, name, value: String(value), unit: QUOTA_NAMES[name], overridden: true };
  }
}
