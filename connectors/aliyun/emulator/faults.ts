import { setTimeout as sleep } from "node:timers/promises";
import { AliyunError, Errors } from "./core/errors.ts";

/** Fault knobs for all actions, or one action. Rates are probabilities in [0, 1]. */
export interface FaultKnobs {
  /** Extra delay before the action runs, in ms. */
  latencyMs?: number;
  /** Share of calls refused with a throttling error (HTTP 400, `x-acs-retry-after` header). */
  throttlingRate?: number;
  /** Code of those refusals: `Throttling` (default), `Throttling.User` or `Throttling.Api`. */
  throttlingCode?: string;
  /** Share of calls failed with `ServiceUnavailable` (503) or `InternalError` (500), half each. */
  serverErrorRate?: number;
}

/** "Fail the next `count` calls of `action`", with the error to send (default ServiceUnavailable 503). */
export interface FailNextRule {
  /** Action name (`RunInstances`), or `Product:Action` (`Ecs:RunInstances`) to tell products apart. */
  action: string;
  count: number;
  /** Matching calls let through before the failures start (default 0): fails the second CreateRouteEntry with `skip: 1`. */
  skip?: number;
  code?: string;
  status?: number;
  message?: string;
}

/**
 * The emulator's fault configuration: knobs for every call, overrides per action (an override's
 * knobs replace the global ones it names) and one-shot failures.
 * Example: `{ "latencyMs": 50, "actions": { "RunInstances": { "throttlingRate": 0.3 } },
 * "failNext": [{ "action": "StopInstance", "count": 2 }] }`.
 */
export interface FaultConfig extends FaultKnobs {
  actions?: Record<string, FaultKnobs>;
  failNext?: FailNextRule[];
}

/** What a client is told to wait before retrying a throttled call, in ms (`x-acs-retry-after`). */
export const THROTTLING_RETRY_AFTER_MS = 1000;

/**
 * Decides, per call, whether to delay it or fail it. Applied by the server after the signature
 * is verified and before the action runs, so a faulted call never changes state.
 */
export class FaultInjector {
  private current: FaultConfig = {};

  constructor(config: FaultConfig = {}, private readonly random: () => number = Math.random) {
    this.configure(config);
  }

  /**
   * Parses `ALIYUN_EMULATOR_FAULTS` (JSON {@link FaultConfig}); an unset or empty variable means no faults.
   * @throws Error on invalid JSON or knobs.
   */
  static fromEnv(text: string | undefined): FaultInjector {
    return new FaultInjector(text?.trim() ? JSON.parse(text) as FaultConfig : {});
  }

  /** Replaces the whole configuration. @throws Error when a knob is out of range. */
  configure(config: FaultConfig): void {
    validateKnobs(config, "faults");
    for (const [action, knobs] of Object.entries(config.actions ?? {})) validateKnobs(knobs, `actions.${action}`);
    for (const rule of config.failNext ?? []) validateRule(rule);
    this.current = structuredClone({ ...config, failNext: config.failNext ?? [] });
  }

  /** The configuration in force, including what is left of the failNext rules. */
  config(): FaultConfig {
    return structuredClone(this.current);
  }

  /** Adds a "fail the next N calls" rule. */
  failNext(rule: FailNextRule): void {
    validateRule(rule);
    (this.current.failNext ??= []).push({ ...rule });
  }

  /**
   * Delays and/or fails one call of `product`'s `action`.
   * @throws AliyunError the injected error.
   */
  async apply(product: string, action: string): Promise<void> {
    const knobs = { ...pick(this.current), ...(this.current.actions?.[action] ?? {}), ...(this.current.actions?.[`${product}:${action}`] ?? {}) };
    if (knobs.latencyMs) await sleep(knobs.latencyMs);
    const rules = this.current.failNext ?? [];
    const i = rules.findIndex((r) => r.count > 0 && (r.action === action || r.action === `${product}:${action}`));
    if (i >= 0 && (rules[i]!.skip ?? 0) > 0) {
      rules[i]!.skip! -= 1;
    } else if (i >= 0) {
      const rule = rules[i]!;
      rule.count -= 1;
      if (rule.count <= 0) rules.splice(i, 1);
      throw rule.code
        ? new AliyunError(rule.code, rule.message ?? `Injected fault ${rule.code}.`, rule.status ?? 400)
        : Errors.serviceUnavailable();
    }
    if (knobs.throttlingRate && this.random() < knobs.throttlingRate) throw throttling(knobs.throttlingCode);
    if (knobs.serverErrorRate && this.random() < knobs.serverErrorRate) {
      throw this.random() < 0.5 ? Errors.serviceUnavailable() : Errors.internalError();
    }
  }
}

/** Throttling errors carry the retry-after hint the generated SDKs read. */
export class ThrottlingError extends AliyunError {
  readonly retryAfterMs = THROTTLING_RETRY_AFTER_MS;
}

function throttling(code = "Throttling"): ThrottlingError {
  const message = code === "Throttling.User" ? "Request was denied due to user flow control." : "Request was denied due to request throttling.";
  return new ThrottlingError(code, message, 400);
}

function pick(c: FaultConfig): FaultKnobs {
  return { latencyMs: c.latencyMs, throttlingRate: c.throttlingRate, throttlingCode: c.throttlingCode, serverErrorRate: c.serverErrorRate };
}

function validateKnobs(k: FaultKnobs, where: string): void {
  for (const name of ["throttlingRate", "serverErrorRate"] as const) {
    const v = k[name];
    if (v !== undefined && (typeof v !== "number" || v < 0 || v > 1)) throw new Error(`${where}.${name} must be a number in [0, 1]`);
  }
  if (k.latencyMs !== undefined && (typeof k.latencyMs !== "number" || k.latencyMs < 0 || k.latencyMs > 600_000)) {
    throw new Error(`${where}.latencyMs must be a number of ms in [0, 600000]`);
  }
  if (k.throttlingCode !== undefined && !/^Throttling(\.[A-Za-z]+)?$/.test(k.throttlingCode)) {
    throw new Error(`${where}.throttlingCode must be Throttling or Throttling.<Kind>`);
  }
}

function validateRule(r: FailNextRule): void {
  if (!r || typeof r.action !== "string" || !r.action) throw new Error("failNext.action must be an action name");
  if (!Number.isInteger(r.count) || r.count < 1) throw new Error("failNext.count must be a positive integer");
  if (r.skip !== undefined && (!Number.isInteger(r.skip) || r.skip < 0)) throw new Error("failNext.skip must be a non-negative integer");
  if (r.status !== undefined && (!Number.isInteger(r.status) || r.status < 400 || r.status > 599)) throw new Error("failNext.status must be an HTTP error status");
}
