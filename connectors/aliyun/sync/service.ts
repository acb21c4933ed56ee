import type { DataCenter, PrismaClient } from "../../../generated/prisma/client.ts";
import type { Caller } from "../../../server/auth/context.ts";
import type { GlobalConfigService } from "../../../server/global-configs/service.ts";
import type { ApiReply } from "../../../server/http/api.ts";
import type { JobRequest } from "../../../server/hosts/service.ts";
import type { JobService } from "../../../server/jobs/service.ts";
import type { Logger } from "../../../server/logger.ts";
import { remote } from "../errors.ts";
import type { AliyunRemote } from "../remote.ts";
import type { ReconcileResult } from "./reconcile.ts";
import type { SyncRegistry } from "./registry.ts";

export const ALIYUN_SYNC_JOB = "aliyun.sync";

interface SyncInput {
  dataCenterUuid: string;
  /** Only these resource types (e.g. ["EcsVpc"]); all when absent. */
  resourceTypes?: string[];
}

/** Duration and outcome of syncs, for `/metrics`. */
export interface SyncStats {
  runs: number;
  errors: number;
  lastDurationMs: number;
}

/**
 * Syncs data centers with Alibaba Cloud as durable jobs: on demand (per data center or per
 * resource type) and periodically (global config aliyun/sync.interval). Each step is an
 * idempotent diff, so a sync cut short by a restart is simply run again from the start
 * (the job type is resumable), and two syncs of the same data center never run at once here.
 */
export class AliyunSyncService {
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private listening = false;
  readonly stats: SyncStats = { runs: 0, errors: 0, lastDurationMs: 0 };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jobs: JobService,
    private readonly configs: GlobalConfigService,
    private readonly aliyun: AliyunRemote,
    private readonly registry: SyncRegistry,
    private readonly log: Logger,
  ) {
    jobs.register<SyncInput>({
      name: ALIYUN_SYNC_JOB, resumable: true,
      perform: (i) => this.run(i),
    });
  }

  /**
   * Submits a sync job of a data center; its result is
   * `{ results: { <type>: {created, updated, deleted} }, durationsMs: { <type>: ms } }`.
   */
  submit(caller: Caller, req: JobRequest, dc: DataCenter, resourceTypes?: string[]): Promise<ApiReply> {
    return this.jobs.submit(caller, req, ALIYUN_SYNC_JOB, { dataCenterUuid: dc.uuid, resourceTypes } satisfies SyncInput);
  }

  /**
   * Runs the sync steps now (also used by the job). Records lastSyncDate after a full sync.
   * @throws ALIYUN.* when a remote call fails after its retries.
   */
  async run(input: SyncInput): Promise<{ results: Record<string, ReconcileResult>; durationsMs?: Record<string, number> }> {
    const dc = await this.prisma.dataCenter.findUnique({ where: { uuid: input.dataCenterUuid } });
    if (!dc) return { results: {} };
    const started = Date.now();
    this.inFlight.add(dc.uuid);
    this.stats.runs++;
    try {
      const conn = await this.aliyun.forDataCenter(dc);
      const results: Record<string, ReconcileResult> = {};
      const durationsMs: Record<string, number> = {};
      for (const step of this.registry.steps) {
        if (input.resourceTypes && !input.resourceTypes.includes(step.resourceType)) continue;
        const t0 = Date.now();
        results[step.resourceType] = await remote(() => step.run(dc, conn));
        durationsMs[step.resourceType] = Date.now() - t0;
      }
      if (!input.resourceTypes) await this.prisma.dataCenter.update({ where: { uuid: dc.uuid }, data: { lastSyncDate: new Date() } });
      return { results, durationsMs };
    } catch (err) {
      this.stats.errors++;
      throw err;
    } finally {
      this.inFlight.delete(dc.uuid);
      this.stats.lastDurationMs = Date.now() - started;
    }
  }

  /** Starts periodic syncs; a change of aliyun/sync.interval reschedules the next round at once. */
  start(): void {
    this.stopped = false;
    this.schedule();
    if (!this.listening) {
      this.listening = true;
      this.configs.onChange("aliyun", "sync.interval", () => {
        if (!this.stopped) this.schedule();
      });
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const seconds = this.configs.getNumber("aliyun", "sync.interval");
    if (seconds <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round().finally(() => {
        if (!this.stopped && !this.timer) this.schedule();
      });
    }, seconds * 1000);
    this.timer.unref();
  }

  /** One periodic round: a sync job for every data center not already syncing. */
  private async round(): Promise<void> {
    if (this.configs.getNumber("aliyun", "sync.interval") <= 0) return;
    const dcs = await this.prisma.dataCenter.findMany();
    for (const dc of dcs) {
      if (this.inFlight.has(dc.uuid)) continue;
      const caller: Caller = { kind: "system", accountUuid: dc.accountUuid, accountName: "system", accountType: "Normal", isAdmin: false };
      await this.submit(caller, { apiName: "SyncDataCenterFromRemote", baseUrl: "" }, dc)
        .catch((err: unknown) => this.log.warn({ err, dataCenterUuid: dc.uuid }, "periodic Alibaba sync could not start"));
    }
  }
}
