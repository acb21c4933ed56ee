/**
 * The SNS delivery sweep: sends stored deliveries (SnsDelivery rows) and records each attempt.
 *
 * - A delivery is claimed (Pending → Sending) with a conditional update, so two sweeps or two
 *   management nodes never send one row twice; a row left Sending by a crash goes back to
 *   Pending after `staleMs` (at-least-once: a crash mid-send can repeat that one message).
 * - Retryable failures (5xx, 429, DingTalk 130101, network, SMTP 4xx) go back to Pending with
 *   exponential backoff (sns/delivery.backoff, doubled) until sns/delivery.maxAttempts; other
 *   failures (4xx such as a rejected signature, DingTalk errcode ≠ 0, SMTP 5xx) are Failed at once.
 * - A DingTalk robot takes at most 20 messages a minute: when more are due than it has room
 *   for, the rest go out batched into one message (each batched row records the carrier's
 *   outcome and `batched into <uuid>`); with no room left they wait a minute.
 * - The endpoint's connectionStatus follows the last attempt (Connected / Disconnected).
 */
import type { Logger } from "pino";
import type { PrismaClient, SnsDelivery, SnsEndpoint } from "../../generated/prisma/client.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import type { NodeMetrics } from "../metrics/node-metrics.ts";
import { sendDingTalk } from "./channels/dingtalk.ts";
import { sendEmail } from "./channels/email.ts";
import { sendHttp } from "./channels/http.ts";
import type { SendResult, SnsMessage } from "./channels/types.ts";
import type { SnsService } from "./service.ts";

/** Messages a DingTalk robot accepts per minute. */
export const DINGTALK_PER_MINUTE = 20;
const BATCH = 50;

/** Sends deliveries; one instance per management node. */
export class DeliverySweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  /** Not scheduling rounds (before start, after stop). */
  private stopped = true;
  /** stop() was called: a round in progress ends early. A never-started instance still runs rounds called directly. */
  private halted = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sns: SnsService,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
    private readonly metrics?: NodeMetrics,
    /** Sweep period when not poked, ms. */
    private readonly intervalMs = 1000,
    /** Age after which a Sending row is considered abandoned by a crash, ms. */
    private readonly staleMs = 5 * 60_000,
  ) {}

  /** Requeues rows a crash left Sending and starts sweeping. */
  async start(): Promise<void> {
    this.stopped = false;
    this.halted = false;
    await this.prisma.snsDelivery.updateMany({
      where: { status: "Sending", lastOpDate: { lt: new Date(Date.now() - this.staleMs) } }, data: { status: "Pending" },
    });
    this.schedule(0);
  }

  /** Stops sweeping and waits for attempts in flight (so a clean restart resends nothing). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs a sweep soon (after a publish committed). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce().catch((err: unknown) => this.log.warn({ err }, "SNS delivery sweep failed"))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.again ? 0 : this.intervalMs);
          this.again = false;
        });
    }, ms);
    this.timer.unref();
  }

  /** Sends every due Pending delivery once (tests call it directly). */
  async sweepOnce(): Promise<void> {
    for (;;) {
      const due = await this.prisma.snsDelivery.findMany({
        where: { status: "Pending", nextAttemptDate: { lte: new Date() } }, orderBy: { nextAttemptDate: "asc" }, take: BATCH,
      });
      if (!due.length) return;
      const work: Promise<unknown>[] = [];
      const launch = (p: Promise<unknown>) => {
        const tracked = p.finally(() => this.inFlight.delete(tracked));
        this.inFlight.add(tracked);
        work.push(tracked);
      };
      const robots = new Map<string, SnsDelivery[]>();
      for (const d of due) if (d.channel === "DingTalk") robots.set(d.endpointUuid, [...(robots.get(d.endpointUuid) ?? []), d]);
      for (const [endpointUuid, rows] of robots) {
        if (!this.halted) launch(this.sendToRobot(endpointUuid, rows));
      }
      for (const d of due) {
        if (this.halted) break;
        if (d.channel === "DingTalk") continue;
        const claimed = await this.prisma.snsDelivery.updateMany({ where: { uuid: d.uuid, status: "Pending", attempts: d.attempts }, data: { status: "Sending" } });
        if (claimed.count === 0) continue;
        launch(this.attempt(d));
      }
      await Promise.allSettled(work);
      if (due.length < BATCH || this.halted || !work.length) return;
    }
  }

  /**
   * Sends the due deliveries of one DingTalk robot within its 20-a-minute budget: one message
   * each while there is room, the rest batched into the last slot; none when the budget is spent.
   */
  private async sendToRobot(endpointUuid: string, rows: SnsDelivery[]): Promise<void> {
    const sent = await this.prisma.snsDelivery.count({
      where: {
        endpointUuid, attempts: { gt: 0 }, NOT: { response: { startsWith: "batched into" } },
        OR: [{ status: "Sending" }, { status: { in: ["Delivered", "Failed", "Pending"] }, lastOpDate: { gt: new Date(Date.now() - 60_000) } }],
      },
    });
    const left = DINGTALK_PER_MINUTE - sent;
    if (left <= 0) {
      await this.prisma.snsDelivery.updateMany({
        where: { uuid: { in: rows.map((r) => r.uuid) }, status: "Pending" }, data: { nextAttemptDate: new Date(Date.now() + 60_000) },
      });
      return;
    }
    const claimed: SnsDelivery[] = [];
    for (const d of rows) {
      const n = await this.prisma.snsDelivery.updateMany({ where: { uuid: d.uuid, status: "Pending", attempts: d.attempts }, data: { status: "Sending" } });
      if (n.count) claimed.push(d);
    }
    const single = claimed.length <= left ? claimed : claimed.slice(0, left - 1);
    const batch = claimed.slice(single.length);
    await Promise.all(single.map((d) => this.attempt(d)));
    if (!batch.length) return;
    const msgs = batch.map((d) => d.message as unknown as SnsMessage);
    const carrier = await this.attempt(batch[0]!, {
      message: {
        subject: `${batch.length} notifications: ${msgs[0]!.subject}`,
        text: msgs.map((m) => m.text).join("\n----\n"),
        markdown: msgs.map((m) => m.markdown).join("\n\n---\n\n"),
        data: { kind: "batch", count: batch.length },
      },
    });
    await this.prisma.snsDelivery.updateMany({
      where: { uuid: { in: batch.slice(1).map((d) => d.uuid) } },
      data: {
        status: carrier.status, attempts: carrier.attempts, httpCode: carrier.httpCode, errcode: carrier.errcode, error: carrier.error,
        response: `batched into ${carrier.uuid}`, deliveredDate: carrier.deliveredDate, nextAttemptDate: carrier.nextAttemptDate,
      },
    });
  }

  /**
   * Makes one attempt of a claimed (Sending) delivery and records the outcome; returns the
   * updated row. `maxAttempts` overrides sns/delivery.maxAttempts (test messages: 1);
   * `message` replaces the stored one (a DingTalk batch).
   */
  async attempt(d: SnsDelivery, opts: { maxAttempts?: number; message?: SnsMessage } = {}): Promise<SnsDelivery> {
    const endpoint = await this.prisma.snsEndpoint.findUnique({ where: { uuid: d.endpointUuid } });
    const attempts = d.attempts + 1;
    const result: SendResult = endpoint
      ? await this.send(endpoint, d, opts.message ?? (d.message as unknown as SnsMessage))
      : { ok: false, retryable: false, error: "endpoint deleted" };
    const maxAttempts = opts.maxAttempts ?? this.configs.getNumber("sns", "delivery.maxAttempts");
    const retry = !result.ok && result.retryable && attempts < maxAttempts;
    const backoffMs = this.configs.getNumber("sns", "delivery.backoff") * 1000 * 2 ** (attempts - 1);
    const status = result.ok ? "Delivered" : retry ? "Pending" : "Failed";
    this.metrics?.snsDeliveries.inc({ channel: d.channel, result: result.ok ? "Delivered" : retry ? "Retry" : "Failed" });
    const row = await this.prisma.snsDelivery.update({
      where: { uuid: d.uuid },
      data: {
        status, attempts, httpCode: result.httpCode ?? null, errcode: result.errcode ?? null,
        response: result.response?.slice(0, 1000) ?? null, error: result.error?.slice(0, 1000) ?? null,
        ...(result.ok ? { deliveredDate: new Date() } : {}),
        ...(retry ? { nextAttemptDate: new Date(Date.now() + backoffMs) } : {}),
      },
    });
    if (endpoint) {
      await this.prisma.snsEndpoint.updateMany({
        where: { uuid: endpoint.uuid },
        data: result.ok ? { connectionStatus: "Connected", lastError: null } : { connectionStatus: "Disconnected", lastError: result.error?.slice(0, 1000) ?? null },
      });
    }
    if (!result.ok) this.log.warn({ deliveryUuid: d.uuid, channel: d.channel, attempts, error: result.error, retry }, "SNS delivery attempt failed");
    return row;
  }

  private async send(e: SnsEndpoint, d: SnsDelivery, msg: SnsMessage): Promise<SendResult> {
    const timeoutMs = this.configs.getNumber("sns", "delivery.timeout") * 1000;
    const c = e.config as Record<string, unknown>;
    const s = this.sns.secretsOf(e);
    try {
      switch (e.type) {
        case "Http":
          return await sendHttp({ url: String(c.url), username: (c.username as string | null) ?? undefined, password: s.password, secret: s.secret },
            msg, { deliveryUuid: d.uuid, topicUuid: d.topicUuid }, timeoutMs);
        case "DingTalk":
          return await sendDingTalk({ url: String(c.url), secret: s.secret, atAll: c.atAll as boolean, atPersonPhoneNumbers: c.atPersonPhoneNumbers as string[] },
            msg, timeoutMs);
        case "Email":
          return await sendEmail({
            to: String(c.email), from: (c.from as string | null) ?? this.configs.get("sns", "smtp.from"),
            host: (c.smtpHost as string | null) ?? this.configs.get("sns", "smtp.host"),
            port: (c.smtpPort as number | null) ?? this.configs.getNumber("sns", "smtp.port"),
            security: ((c.smtpSecurity as string | null) ?? this.configs.get("sns", "smtp.security")) as "none",
            username: (c.smtpUsername as string | null) ?? undefined, password: s.smtpPassword,
          }, msg, timeoutMs);
        default:
          return { ok: false, retryable: false, error: `unknown endpoint type ${e.type}` };
      }
    } catch (err) {
      return { ok: false, retryable: true, error: (err as Error).message };
    }
  }
}
