/**
 * Long-running commands: answer now, report later.
 *
 * A command may carry `taskUuid` and `callbackUrl`. hostd then replies at once with
 * `{ success: true, accepted: true, taskUuid }`, runs the work in the background and POSTs
 * a TaskCallback to `callbackUrl` (bearer secret, retried — see callback-client.ts).
 * ZStack's agent does the same with its `taskuuid`/`callbackurl` headers, so that a VM start
 * that takes minutes does not hold an HTTP request open.
 *
 * Duplicates: the management node may resend a command after a timeout. A taskUuid that is
 * still running, or finished less than `retentionMs` ago, is acknowledged again
 * (`duplicate: true`) but not run a second time; its callback is not re-sent either.
 *
 * Without taskUuid/callbackUrl a command runs synchronously and the reply carries the result.
 */
import type { Logger } from "pino";
import type { CallbackClient } from "./callback-client.ts";
import { HostdError, toFailure } from "./errors.ts";

/** Body hostd POSTs to the callbackUrl when a task ends. */
export interface TaskCallback {
  taskUuid: string;
  success: boolean;
  /** Why the task failed (only when success is false). */
  error?: string;
  /** Error code from errors.ts / DriverError (only when success is false). */
  code?: string;
  /** The command's result fields (same fields a synchronous reply would have). */
  result: Record<string, unknown>;
}

/** Fields any command body may carry to run asynchronously. */
export interface AsyncFields {
  taskUuid?: string;
  callbackUrl?: string;
}

/** Immediate reply to an accepted async command. */
export interface AcceptedReply {
  success: true;
  accepted: true;
  taskUuid: string;
  /** True when this taskUuid was already known and the command was not run again. */
  duplicate?: true;
}

interface TaskRecord {
  command: string;
  state: "running" | "done";
  finishedAt?: number;
}

/** Runs commands synchronously or as deduplicated background tasks. */
export class TaskRunner {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly callbacks: CallbackClient,
    private readonly log: Logger,
    /** How long a finished taskUuid is remembered for dedupe, in ms; default 10 minutes. */
    private readonly retentionMs = 10 * 60_000,
  ) {}

  /**
   * Runs `work` for `command`: in the background when `fields` has a taskUuid and callbackUrl,
   * otherwise now.
   * @returns the accepted reply, or `{ success: true, ...result }` for a synchronous run.
   * @throws HostdError BAD_REQUEST when only one of taskUuid/callbackUrl is given (the caller
   *   would otherwise wait for a callback that never comes); whatever `work` throws, for
   *   synchronous runs.
   */
  async run(
    command: string,
    fields: AsyncFields,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<AcceptedReply | ({ success: true } & Record<string, unknown>)> {
    const { taskUuid, callbackUrl } = fields;
    if (Boolean(taskUuid) !== Boolean(callbackUrl)) {
      throw new HostdError("BAD_REQUEST", "taskUuid and callbackUrl must be given together");
    }
    if (!taskUuid || !callbackUrl) return { ...(await work()), success: true };

    this.purge();
    if (this.tasks.has(taskUuid)) {
      this.log.info({ taskUuid, command }, "duplicate task ignored");
      return { success: true, accepted: true, taskUuid, duplicate: true };
    }
    const record: TaskRecord = { command, state: "running" };
    this.tasks.set(taskUuid, record);
    const p = this.perform(taskUuid, callbackUrl, record, work);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return { success: true, accepted: true, taskUuid };
  }

  /** Whether a taskUuid is running or remembered as finished. */
  status(taskUuid: string): "running" | "done" | undefined {
    return this.tasks.get(taskUuid)?.state;
  }

  /** Resolves when every running task has finished and its callback was attempted. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async perform(
    taskUuid: string,
    callbackUrl: string,
    record: TaskRecord,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<void> {
    const started = Date.now();
    let body: TaskCallback;
    try {
      body = { taskUuid, success: true, result: await work() };
    } catch (err) {
      const { status, body: failure } = toFailure(err);
      if (status >= 500) this.log.error({ err, taskUuid }, "task crashed");
      body = { taskUuid, success: false, error: failure.error, code: failure.code, result: {} };
    }
    record.state = "done";
    record.finishedAt = Date.now();
    this.log.info(
      { taskUuid, command: record.command, success: body.success, error: body.error, ms: record.finishedAt - started },
      "task finished",
    );
    await this.callbacks.post(callbackUrl, body);
  }

  private purge(): void {
    const cutoff = Date.now() - this.retentionMs;
    for (const [uuid, t] of this.tasks) {
      if (t.state === "done" && (t.finishedAt ?? 0) < cutoff) this.tasks.delete(uuid);
    }
  }
}
