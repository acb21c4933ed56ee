/**
 * Prometheus metrics of the management node, served at `GET /metrics` (prom-client).
 *
 * | metric                                   | type      | labels                         | unit / source                                 |
 * |------------------------------------------|-----------|--------------------------------|-----------------------------------------------|
 * | strata_api_requests_total                | counter   | apiName, method, code          | requests, every /v1 call as it finishes       |
 * | strata_api_request_duration_seconds      | histogram | apiName                        | s, request start → response finished          |
 * | strata_jobs_finished_total               | counter   | jobType, result                | jobs (Succeeded/Failed) seen since start      |
 * | strata_job_duration_seconds              | histogram | jobType, result                | s, job creation → finish                      |
 * | strata_jobs_running                      | gauge     | jobType                        | jobs Running now (ApiJob)                     |
 * | strata_resources                         | gauge     | resourceType, state, status    | rows by state/status, counted at scrape       |
 * | strata_aliyun_sync_runs_total            | counter   |                                | data-center syncs (connectors/aliyun sync)    |
 * | strata_aliyun_sync_errors_total          | counter   |                                | failed syncs                                  |
 * | strata_aliyun_sync_last_duration_seconds | gauge     |                                | s, the last sync                              |
 * | strata_aliyun_api_calls_total            | counter   | outcome (call, retry, failure) | Alibaba Cloud API calls (AliyunRemote.stats)  |
 * | strata_sns_deliveries_total              | counter   | channel, result                | SNS delivery attempts (Delivered/Retry/Failed) |
 * | strata_zwatch_alarm_evaluations_total    | counter   | result (ok, error)             | alarm evaluations                             |
 * | strata_zwatch_evaluation_round_seconds   | histogram |                                | s, one round over every Enabled alarm         |
 * | strata_zwatch_alarms                     | gauge     | status                         | Enabled alarms by status                      |
 * | process_*, nodejs_*                      |           |                                | prom-client default metrics                   |
 *
 * Everything computed from the database runs once per scrape (a few GROUP BY queries); job
 * durations come from jobs that finished since the previous scrape, so no hook into the
 * job service is needed and a restart starts counting afresh (counters may reset, as
 * Prometheus's rate() allows).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { NextFunction, Request, Response } from "express";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { ApiLocals } from "../../server/http/api.ts";

/** What the node metrics read of the Alibaba Cloud connector. */
export interface AliyunStatsSource {
  syncStats(): { runs: number; errors: number; lastDurationMs: number };
  callStats(): { calls: number; retries: number; failures: number };
}

/** Tables counted in strata_resources, with their state/status columns. */
const RESOURCE_TABLES: { resourceType: string; model: string; state?: boolean; status?: boolean }[] = [
  { resourceType: "Zone", model: "zone", state: true },
  { resourceType: "Cluster", model: "cluster", state: true },
  { resourceType: "Host", model: "host", state: true, status: true },
  { resourceType: "PrimaryStorage", model: "primaryStorage", state: true, status: true },
  { resourceType: "BackupStorage", model: "backupStorage", state: true, status: true },
  { resourceType: "L3Network", model: "l3Network", state: true },
  { resourceType: "Image", model: "image", state: true, status: true },
  { resourceType: "Volume", model: "volume", state: true, status: true },
  { resourceType: "VmInstance", model: "vmInstance", state: true },
  { resourceType: "ZwatchAlarm", model: "zwatchAlarm", state: true, status: true },
  { resourceType: "SnsEndpoint", model: "snsEndpoint", state: true },
];

/** The management node's metric registry and the collectors that fill it. */
export class NodeMetrics {
  readonly registry = new Registry();
  private aliyun?: AliyunStatsSource;
  private jobsSeenUntil = new Date();

  private readonly apiRequests = new Counter({
    name: "strata_api_requests_total", help: "REST API calls by ZStack API name, HTTP method and status code",
    labelNames: ["apiName", "method", "code"], registers: [this.registry],
  });
  private readonly apiDuration = new Histogram({
    name: "strata_api_request_duration_seconds", help: "REST API call latency by ZStack API name (seconds)",
    labelNames: ["apiName"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  private readonly jobsFinished = new Counter({
    name: "strata_jobs_finished_total", help: "API jobs finished by job type and result (Succeeded/Failed)",
    labelNames: ["jobType", "result"], registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: "strata_job_duration_seconds", help: "API job duration from submission to finish by type and result (seconds)",
    labelNames: ["jobType", "result"], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600], registers: [this.registry],
  });
  /** SNS delivery attempts; incremented by the delivery sweep. */
  readonly snsDeliveries = new Counter({
    name: "strata_sns_deliveries_total", help: "SNS delivery attempts by channel (Http, DingTalk, Email) and result (Delivered, Retry, Failed)",
    labelNames: ["channel", "result"], registers: [this.registry],
  });
  /** Alarm evaluations; incremented by the evaluator. */
  readonly alarmEvaluations = new Counter({
    name: "strata_zwatch_alarm_evaluations_total", help: "Metric alarm evaluations by result (ok, error)",
    labelNames: ["result"], registers: [this.registry],
  });
  /** Duration of one evaluation round; observed by the evaluator. */
  readonly evaluationRound = new Histogram({
    name: "strata_zwatch_evaluation_round_seconds", help: "Time to evaluate every Enabled metric alarm once (seconds)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry],
  });

  constructor(private readonly prisma: PrismaClient) {
    collectDefaultMetrics({ register: this.registry });
    const collectFinishedJobs = () => this.collectFinishedJobs();
    new Gauge({
      name: "strata_jobs_running", help: "API jobs Running now by job type", labelNames: ["jobType"], registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await prisma.apiJob.groupBy({ by: ["jobType"], where: { state: "Running" }, _count: { _all: true } });
        for (const r of rows) this.set({ jobType: r.jobType }, r._count._all);
        await collectFinishedJobs();
      },
    });
    new Gauge({
      name: "strata_resources", help: "Resources by type, state and status (empty when the type has none)",
      labelNames: ["resourceType", "state", "status"], registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(RESOURCE_TABLES.map(async (t) => {
          const by = [...(t.state ? ["state"] : []), ...(t.status ? ["status"] : [])];
          const delegate = (prisma as unknown as Record<string, { groupBy(a: unknown): Promise<Record<string, unknown>[]> }>)[t.model]!;
          const rows = await delegate.groupBy({ by, _count: { _all: true } });
          for (const r of rows) {
            this.set({ resourceType: t.resourceType, state: String(r.state ?? ""), status: String(r.status ?? "") },
              (r._count as { _all: number })._all);
          }
        }));
      },
    });
    new Gauge({
      name: "strata_zwatch_alarms", help: "Enabled metric alarms by status (OK, Alarm, InsufficientData)",
      labelNames: ["status"], registers: [this.registry],
      async collect() {
        this.reset();
        for (const status of ["OK", "Alarm", "InsufficientData"]) this.set({ status }, 0);
        const rows = await prisma.zwatchAlarm.groupBy({ by: ["status"], where: { state: "Enabled" }, _count: { _all: true } });
        for (const r of rows) this.set({ status: r.status }, r._count._all);
      },
    });
    this.aliyunCollectors();
  }

  /** Connects the Alibaba Cloud connector's counters. */
  watchAliyun(source: AliyunStatsSource): void {
    this.aliyun = source;
  }

  /** Express middleware counting every /v1 call once its response is finished (apiName from the Api framework). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (!req.path.startsWith("/v1/")) return next();
      const end = this.apiDuration.startTimer();
      res.once("finish", () => {
        const apiName = (res.locals as ApiLocals).apiName ?? "Unknown";
        end({ apiName });
        this.apiRequests.inc({ apiName, method: req.method, code: String(res.statusCode) });
      });
      next();
    };
  }

  /** The text exposition (Content-Type: {@link NodeMetrics.contentType}). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async collectFinishedJobs(): Promise<void> {
    const since = this.jobsSeenUntil;
    const jobs = await this.prisma.apiJob.findMany({
      where: { state: { not: "Running" }, finishDate: { gt: since } },
      select: { jobType: true, state: true, createDate: true, finishDate: true },
      orderBy: { finishDate: "asc" }, take: 10_000,
    });
    for (const j of jobs) {
      const labels = { jobType: j.jobType, result: j.state };
      this.jobsFinished.inc(labels);
      this.jobDuration.observe(labels, Math.max(0, (j.finishDate!.getTime() - j.createDate.getTime()) / 1000));
      this.jobsSeenUntil = j.finishDate!;
    }
  }

  private aliyunCollectors(): void {
    const source = () => this.aliyun;
    const mirrored = (name: string, help: string, read: (s: AliyunStatsSource) => number) => {
      let last = 0;
      new Counter({
        name, help, registers: [this.registry],
        collect() {
          const s = source();
          if (!s) return;
          const now = read(s);
          if (now > last) this.inc(now - last);
          last = now;
        },
      });
    };
    mirrored("strata_aliyun_sync_runs_total", "Alibaba Cloud data-center syncs run", (s) => s.syncStats().runs);
    mirrored("strata_aliyun_sync_errors_total", "Alibaba Cloud data-center syncs that failed", (s) => s.syncStats().errors);
    new Gauge({
      name: "strata_aliyun_sync_last_duration_seconds", help: "Duration of the last Alibaba Cloud sync (seconds)", registers: [this.registry],
      collect() {
        const s = source();
        if (s) this.set(s.syncStats().lastDurationMs / 1000);
      },
    });
    const last = { call: 0, retry: 0, failure: 0 };
    new Counter({
      name: "strata_aliyun_api_calls_total", help: "Alibaba Cloud API calls by outcome (call: every call, retry: retried attempts, failure: gave up)",
      labelNames: ["outcome"], registers: [this.registry],
      collect() {
        const src = source();
        if (!src) return;
        const s = src.callStats();
        const now = { call: s.calls, retry: s.retries, failure: s.failures };
        for (const k of ["call", "retry", "failure"] as const) {
          if (now[k] > last[k]) this.inc({ outcome: k }, now[k] - last[k]);
          else this.inc({ outcome: k }, 0);
          last[k] = now[k];
        }
      },
    });
  }
}
