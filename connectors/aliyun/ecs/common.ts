import { setTimeout as sleep } from "node:timers/promises";
import type { DataCenter, PrismaClient } from "../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../server/auth/context.ts";
import { ApiError, Errors } from "../../../server/errors/catalogue.ts";

/** Bytes in one MiB (Alibaba gives instance memory in MiB, Strata keeps bytes). */
export const MiB = 1024n * 1024n;
/** Bytes in one GiB (instance-type memory, disk and image sizes). */
export const GiB = 1024n * MiB;

/** The data center if the caller can see it. @throws SYS.1003. */
export async function dataCenterFor(prisma: PrismaClient, caller: Caller, uuid: string): Promise<DataCenter> {
  const dc = await prisma.dataCenter.findFirst({ where: { uuid, ...ownedBy(caller) } });
  if (!dc) throw Errors.resourceNotFound("DataCenter", uuid);
  return dc;
}

/** HYBRID.WAIT_TIMEOUT, 504: Alibaba accepted the request but the resource did not reach the wanted status in time. */
export const waitTimeout = (what: string, id: string, wanted: string, seen: string) => new ApiError("HYBRID.WAIT_TIMEOUT", 504,
  `Alibaba Cloud accepted the request but the ${what} did not become ${wanted} in time; Strata records what it saw and the next sync updates it`,
  `${id} is ${seen}`);

/** HYBRID.REMOTE_FAILED, 502: Alibaba reported the resource as failed (e.g. an image import that ended CreateFailed). */
export const remoteFailed = (what: string, id: string, status: string) => new ApiError("HYBRID.REMOTE_FAILED", 502,
  `Alibaba Cloud reported the ${what} as ${status}; check the source and retry`, id);

/** How long jobs wait for Alibaba status moves, and how often they look (ms). */
export interface WaitPolicy {
  timeoutMs: number;
  /** First pause between looks; doubles up to maxIntervalMs. */
  intervalMs: number;
  maxIntervalMs: number;
}

/** Default wait: up to 10 minutes, looking after 200 ms, then every 0.4, 0.8, … up to 5 s. */
export const DEFAULT_WAIT: WaitPolicy = { timeoutMs: 10 * 60_000, intervalMs: 200, maxIntervalMs: 5000 };

/**
 * Polls `look` until `done` holds for what it returns; `onSeen` records each intermediate view
 * (so a status page shows progress). Returns the last view.
 * @throws HYBRID.WAIT_TIMEOUT after `policy.timeoutMs`, or whatever `look` / `done` throw.
 */
export async function waitUntil<T>(look: () => Promise<T>, done: (v: T) => boolean, describe: (v: T) => { what: string; id: string; wanted: string; seen: string },
  policy: WaitPolicy = DEFAULT_WAIT, onSeen?: (v: T) => Promise<void>): Promise<T> {
  const end = Date.now() + policy.timeoutMs;
  let interval = policy.intervalMs;
  for (;;) {
    const v = await look();
    if (onSeen) await onSeen(v);
    if (done(v)) return v;
    if (Date.now() > end) {
      const d = describe(v);
      throw waitTimeout(d.what, d.id, d.wanted, d.seen);
    }
    await sleep(interval);
    interval = Math.min(policy.maxIntervalMs, interval * 2);
  }
}

/** `Date` from Alibaba's `2024-09-26T08:00Z` / ISO times; null for empty or unparsable ones. */
export function aliyunDate(s: string | undefined | null): Date | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t);
}

/** Alibaba's password rule for ECS (8–30 printable characters, three of: upper, lower, digit, special). */
export function isAliyunPassword(p: string): boolean {
  if (p.length < 8 || p.length > 30 || !/^[\x21-\x7e]+$/.test(p)) return false;
  return [/[A-Z]/, /[a-z]/, /\d/, /[()`~!@#$%^&*\-_+=|{}[\]:;'<>,.?/]/].filter((re) => re.test(p)).length >= 3;
}
