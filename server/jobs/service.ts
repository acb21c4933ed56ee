import { hostname } from "node:os";
import type { Logger } from "pino";
import type { ApiJob, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import { toApiError } from "../errors/middleware.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import { isUniqueViolation } from "../db/errors.ts";

/** What a job's `perform` gets besides its input. */
export interface JobContext {
  jobUuid: string;
  /** 1 on the first run; higher after a retry or a resume following a restart. */
  attempt: number;
  caller: Caller;
  log: Logger;
}

/**
 * A named, durable job type. `perform` returns the API result (usually `{ inventory }`).
 * A resumable job's `perform` must be safe to run again from the start after a management-node
 * restart (check what exists before creating it); a non-resumable one is failed instead and
 * its `onInterrupted` undoes what a half run may have left.
 */
export interface JobType<I = unknown> {
  name: string;
  resumable: boolean;
  /** Runs (1 + retries) at most; only errors `retryable` accepts are retried. Default 0. */
  retries?: number;
  /** Milliseconds before the first retry; doubled each time. Default 1000. */
  backoffMs?: number;
  retryable?: (err: unknown) => boolean;
  perform(input: I, ctx: JobContext): Promise<unknown>;
  onInterrupted?(input: I, ctx: JobContext): Promise<void>;
}

/**
 * Background work that is not a job of its own but finds what needs one: run by
 * {@link JobService} once at start, right after interrupted jobs are taken over, then with every
 * heartbeat (never two runs of one task at once). Errors are logged; the next run tries again.
 */
export interface RecurringTask {
  /** Shown in logs. */
  name: string;
  run(): Promise<void>;
}

/** Error of a job interrupted by a management-node restart (ZStack SysErrors.MANAGEMENT_NODE_UNAVAILABLE_ERROR). */
export const interruptedError = () =>
  new ApiError("SYS.1012", 503, "The management node stopped while this job ran and the job cannot be resumed; check the resource and retry",
    "job interrupted by a management-node restart");

/**
 * Durable API jobs (ZStack's asynchronous API messages): each is a row in `ApiJob`, run in
 * this process, and reported at `GET /v1/api-jobs/{uuid}`. At start-up and then periodically,
 * jobs left Running by this node's previous run, or by a node whose heartbeat stopped, are
 * resumed (resumable types) or failed with SYS.1012 — never left Running.
 */
export class JobService {
  private readonly types = new Map<string, JobType<never>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly recurring: RecurringTask[] = [];
  /** Names of recurring tasks running now, with their runs (awaited by {@link stop}). */
  private readonly recurringBusy = new Map<string, Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
    /** This management node's uuid, stable across its restarts. */
    readonly nodeUuid: string,
  ) {}

  /** Registers a job type. Types must be registered before {@link start}. */
  register<I>(type: JobType<I>): void {
    if (this.types.has(type.name)) throw new Error(`job type ${type.name} registered twice`);
    this.types.set(type.name, type as JobType<never>);
  }

  /**
   * Registers a {@link RecurringTask}; like job types, before {@link start}, so its first run
   * sees the state the last stop left.
   */
  registerRecurring(task: RecurringTask): void {
    this.recurring.push(task);
  }

  /**
   * Records this node, takes over interrupted jobs, runs the recurring tasks, then heartbeats
   * every `heartbeatMs`, sweeping for jobs of dead nodes and expired results and running the
   * recurring tasks again.
   */
  async start(heartbeatMs = 10_000): Promise<void> {
    await this.prisma.managementNode.upsert({
      where: { uuid: this.nodeUuid },
      create: { uuid: this.nodeUuid, hostName: hostname() },
      update: { heartbeat: new Date(), hostName: hostname() },
    });
    await this.recover(this.nodeUuid);
    await this.sweep();
    await this.runRecurring();
    const beat = setInterval(() => void this.heartbeatAndSweep(), heartbeatMs);
    beat.unref();
    this.timers.push(beat);
  }

  /** Stops timers and waits for jobs running here to settle (at most `waitMs`). */
  async stop(waitMs = 5000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.race([Promise.allSettled([...this.running.values(), ...this.recurringBusy.values()]), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  private async heartbeatAndSweep(): Promise<void> {
    try {
      await this.prisma.managementNode.update({ where: { uuid: this.nodeUuid }, data: { heartbeat: new Date() } });
      await this.sweep();
    } catch (err) {
      this.log.warn({ err }, "job heartbeat/sweep failed");
    }
    await this.runRecurring();
  }

  private async runRecurring(): Promise<void> {
    for (const task of this.recurring) {
      if (this.stopped || this.recurringBusy.has(task.name)) continue;
      const run = task.run()
        .catch((err: unknown) => this.log.warn({ err, task: task.name }, "recurring task failed"))
        .finally(() => this.recurringBusy.delete(task.name));
      this.recurringBusy.set(task.name, run);
      await run;
    }
  }

  private async sweep(): Promise<void> {
    const timeout = this.configs.getNumber("api", "job.heartbeatTimeoutSeconds") * 1000;
    const dead = await this.prisma.managementNode.findMany({
      where: { uuid: { not: this.nodeUuid }, heartbeat: { lt: new Date(Date.now() - timeout) } },
    });
    for (const n of dead) {
      await this.recover(n.uuid);
      if ((await this.prisma.apiJob.count({ where: { managementNodeUuid: n.uuid, state: "Running" } })) === 0) {
        await this.prisma.managementNode.deleteMany({ where: { uuid: n.uuid } });
      }
    }
    const retention = this.configs.getNumber("api", "job.resultRetentionSeconds") * 1000;
    await this.prisma.apiJob.deleteMany({ where: { state: { not: "Running" }, finishDate: { lt: new Date(Date.now() - retention) } } });
  }

  /** Takes over the Running jobs of `ownerUuid` that are not running in this process. */
  private async recover(ownerUuid: string): Promise<void> {
    const jobs = await this.prisma.apiJob.findMany({ where: { managementNodeUuid: ownerUuid, state: "Running" } });
    for (const job of jobs) {
      if (this.running.has(job.uuid)) continue;
      // Claim it: only one node wins when several sweep at once.
      const claimed = await this.prisma.apiJob.updateMany({
        where: { uuid: job.uuid, managementNodeUuid: ownerUuid, state: "Running", lastOpDate: job.lastOpDate },
        data: { managementNodeUuid: this.nodeUuid },
      });
      if (claimed.count === 0) continue;
      const type = this.types.get(job.jobType);
      const caller = job.input && (job.input as { caller?: Caller }).caller;
      if (type?.resumable && caller) {
        this.log.info({ jobUuid: job.uuid, jobType: job.jobType }, "resuming job interrupted by a restart");
        this.launch(job.uuid, type, job, caller, job.attempts);
      } else {
        this.log.warn({ jobUuid: job.uuid, jobType: job.jobType }, "failing job interrupted by a restart");
        if (type?.onInterrupted && caller) {
          await type.onInterrupted((job.input as { input: never }).input, { jobUuid: job.uuid, attempt: job.attempts, caller, log: this.log })
            .catch((err: unknown) => this.log.error({ err, jobUuid: job.uuid }, "cleanup of interrupted job failed"));
        }
        await this.finish(job.uuid, { error: interruptedError() });
      }
    }
  }

  /**
   * Starts a job and returns the 202 reply for the API call (ZStack: `{ location }` and a
   * `Location` header pointing at /v1/api-jobs/{uuid}).
   * @throws ApiError SYS.1002 (409) when X-Job-UUID names an existing job, SYS.1007 for a malformed one.
   */
  async submit<I>(caller: Caller, req: { apiName: string; jobUuid?: string; webHook?: string; baseUrl: string },
    jobType: string, input: I): Promise<ApiReply> {
    const type = this.types.get(jobType);
    if (!type) throw new Error(`job type ${jobType} is not registered`);
    if (this.stopped) throw new ApiError("SYS.1012", 503, "The management node is shutting down; retry on another node or later");
    const uuid = req.jobUuid ?? newUuid();
    if (!/^[0-9a-f]{32}$/.test(uuid)) throw Errors.invalidArgument("X-Job-UUID must be 32 lowercase hex characters", uuid);
    if (req.webHook !== undefined && !/^https?:\/\/\S+$/.test(req.webHook)) {
      throw Errors.invalidArgument("X-Web-Hook must be an http(s) URL", req.webHook);
    }
    const job = await this.prisma.apiJob.create({
      data: {
        uuid, apiName: req.apiName, jobType, state: "Running", input: { input, caller } as never,
        accountUuid: caller.accountUuid, userUuid: caller.userUuid ?? null, webHook: req.webHook ?? null,
        managementNodeUuid: this.nodeUuid,
      },
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw Errors.duplicateJobUuid(uuid);
      throw err;
    });
    this.launch(job.uuid, type, job, caller, 0);
    const location = `${req.baseUrl}/v1/api-jobs/${uuid}`;
    return { status: 202, headers: { Location: location }, body: { location } };
  }

  private launch(uuid: string, type: JobType<never>, job: ApiJob, caller: Caller, previousAttempts: number): void {
    const input = (job.input as { input: never }).input;
    const run = (async () => {
      let attempt = previousAttempts;
      let delay = type.backoffMs ?? 1000;
      for (;;) {
        attempt += 1;
        await this.prisma.apiJob.update({ where: { uuid }, data: { attempts: attempt } });
        try {
          const result = await type.perform(input, { jobUuid: uuid, attempt, caller, log: this.log.child({ jobUuid: uuid }) });
          await this.finish(uuid, { result: result ?? {} });
          return;
        } catch (err) {
          const retriesLeft = (type.retries ?? 0) - (attempt - previousAttempts - 1);
          if (retriesLeft > 0 && !this.stopped && (type.retryable?.(err) ?? false)) {
            this.log.warn({ err, jobUuid: uuid, attempt }, "job attempt failed; retrying");
            await new Promise((r) => setTimeout(r, delay));
            delay *= 2;
            continue;
          }
          if (!(err instanceof ApiError)) this.log.error({ err, jobUuid: uuid }, "job failed");
          await this.finish(uuid, { error: toApiError(err) });
          return;
        }
      }
    })().catch((err: unknown) => this.log.error({ err, jobUuid: uuid }, "could not record job outcome"))
      .finally(() => this.running.delete(uuid));
    this.running.set(uuid, run);
  }

  private async finish(uuid: string, outcome: { result?: unknown; error?: ApiError }): Promise<void> {
    const job = await this.prisma.apiJob.update({
      where: { uuid },
      data: {
        state: outcome.error ? "Failed" : "Succeeded",
        result: (outcome.result ?? undefined) as never,
        error: (outcome.error?.toJSON() ?? undefined) as never,
        finishDate: new Date(),
      },
    });
    if (job.webHook) await this.deliverWebHook(job);
  }

  private async deliverWebHook(job: ApiJob): Promise<void> {
    const body = JSON.stringify({
      jobUuid: job.uuid, apiName: job.apiName, state: job.state,
      ...(job.state === "Succeeded" ? { result: job.result } : { error: job.error }),
    });
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const r = await fetch(job.webHook!, {
          method: "POST", body, headers: { "content-type": "application/json", "x-job-uuid": job.uuid },
          redirect: "error", signal: AbortSignal.timeout(10_000),
        });
        if (r.status < 500) return;
      } catch (err) {
        this.log.warn({ err, jobUuid: job.uuid, attempt }, "web hook delivery failed");
      }
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }

  /** Waits for a job running in this process (tests, shutdown). */
  async settled(uuid: string): Promise<void> {
    await this.running.get(uuid);
  }

  /**
   * The poll reply for a job (ZStack's `GET /v1/api-jobs/{uuid}`): 202 while Running,
   * 200 with its result when Succeeded, 503 with `{ error }` when Failed.
   * @throws ApiError SYS.1003 when unknown, expired or not the caller's.
   */
  async poll(caller: Caller, uuid: string): Promise<ApiReply> {
    const job = await this.prisma.apiJob.findFirst({ where: { uuid, ...(caller.isAdmin ? {} : { accountUuid: caller.accountUuid }) } });
    if (!job) throw Errors.resourceNotFound("ApiJob", uuid);
    if (job.state === "Running") return { status: 202, body: { jobUuid: job.uuid, state: job.state, apiName: job.apiName } };
    if (job.state === "Failed") return { status: 503, body: { error: job.error } };
    return { status: 200, body: job.result ?? {} };
  }
}
