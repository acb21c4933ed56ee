import type { Logger } from "pino";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";

/** Deletes audit records older than `audit/retentionDays`. @returns how many were deleted. */
export async function pruneAudits(prisma: PrismaClient, configs: GlobalConfigService, now = new Date()): Promise<number> {
  const days = configs.getNumber("audit", "retentionDays");
  const r = await prisma.audit.deleteMany({ where: { startDate: { lt: new Date(now.getTime() - days * 86_400_000) } } });
  return r.count;
}

/** Prunes audits at start and then every `intervalMs` (default hourly). Returns a stop function. */
export function scheduleAuditPruning(prisma: PrismaClient, configs: GlobalConfigService, log: Logger, intervalMs = 3_600_000): () => void {
  const run = () => void pruneAudits(prisma, configs)
    .then((n) => n && log.info({ deleted: n }, "pruned audit records past audit/retentionDays"))
    .catch((err: unknown) => log.warn({ err }, "audit pruning failed"));
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
