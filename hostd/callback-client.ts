/**
 * Delivers hostd's callbacks (task completions, VM state changes) to the management node.
 *
 * Each POST carries the same bearer secret the management node uses towards hostd, has a
 * timeout, refuses redirects (a redirect could carry the secret elsewhere) and is retried with
 * exponential backoff on network errors, timeouts, 5xx and 429. Other 4xx answers mean the
 * receiver rejected the message for good, so they are not retried.
 */
import type { Logger } from "pino";
import { bearer } from "./auth.ts";

/** Retry and timeout settings. */
export interface CallbackRetryOptions {
  /** Total attempts including the first; default 5. */
  attempts?: number;
  /** Delay before the 2nd attempt in ms, doubled each time; default 500. */
  baseDelayMs?: number;
  /** Per-attempt timeout in ms; default 10 000. */
  timeoutMs?: number;
}

/** Outcome of one delivery. */
export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last attempt, if any response came back. */
  status?: number;
  error?: string;
}

/** Posts JSON callbacks with retries. */
export class CallbackClient {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly secret: string,
    private readonly log: Logger,
    options: CallbackRetryOptions = {},
  ) {
    this.attempts = options.attempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POSTs `body` as JSON to `url`; never throws, the result says whether it got through. */
  async post(url: string, body: unknown): Promise<DeliveryResult> {
    let last: DeliveryResult = { delivered: false, attempts: 0 };
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(this.baseDelayMs * 2 ** (attempt - 2));
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: bearer(this.secret) },
          body: JSON.stringify(body),
          redirect: "error",
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined); // free the connection
        last = { delivered: res.ok, attempts: attempt, status: res.status };
        if (res.ok) return last;
        last.error = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        last = { delivered: false, attempts: attempt, error: (err as Error).message };
      }
      this.log.warn({ url, attempt, error: last.error }, "callback delivery failed");
    }
    this.log.error({ url, attempts: last.attempts, error: last.error }, "callback given up");
    return last;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
