import type { Logger } from "pino";
import type { Host, PrismaClient } from "../../generated/prisma/client.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import { callHostd } from "./hostd-client.ts";
import type { HostService } from "./service.ts";

/** Most pings in flight at once: keeps hundreds of hosts from opening hundreds of sockets together. */
const PING_CONCURRENCY = 50;

/**
 * The ping loop (ZStack HostTracker). Every `host/ping.interval` seconds each host that is not
 * in Maintenance and not Connecting gets hostd's `/host/ping`. After `host/ping.maxFailures`
 * failures in a row a Connected host becomes Disconnected (with an event). While
 * `host/reconnect.auto` is true, Disconnected hosts keep being pinged and a host that answers
 * is handshaken again and becomes Connected, re-reporting its facts. Config changes apply at
 * the next round. A restarted management node simply resumes pinging: hosts are re-adopted
 * without redeploying their agents.
 */
export class HostTracker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private round: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly hosts: HostService,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    // A shorter interval must not wait out the old one: reschedule when it changes.
    this.configs.onChange("host", "ping.interval", () => {
      if (this.stopped || !this.timer) return;
      clearTimeout(this.timer);
      void this.round.then(() => {
        if (this.timer) clearTimeout(this.timer);
        this.schedule(this.configs.getNumber("host", "ping.interval") * 1000);
      });
    });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.round = this.pingAll()
        .catch((err: unknown) => this.log.error({ err }, "host ping round failed"))
        .finally(() => {
          const interval = this.configs.getNumber("host", "ping.interval") * 1000;
          this.schedule(Math.max(0, interval - (Date.now() - started)));
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One round over every trackable host. Exposed for tests and benchmarks. */
  async pingAll(): Promise<void> {
    const auto = this.configs.get("host", "reconnect.auto") === "true";
    const hosts = await this.prisma.host.findMany({
      where: {
        state: { notIn: ["Maintenance", "PreMaintenance"] },
        status: { in: auto ? ["Connected", "Disconnected"] : ["Connected"] },
      },
    });
    let next = 0;
    const worker = async () => {
      while (next < hosts.length && !this.stopped) await this.pingOne(hosts[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(PING_CONCURRENCY, hosts.length) }, worker));
  }

  private async pingOne(h: Host): Promise<void> {
    const timeoutMs = this.configs.getNumber("host", "ping.timeout") * 1000;
    let ok = false;
    let reason = "";
    try {
      const r = await callHostd(this.hosts.endpoint(h), "/host/ping", { hostUuid: h.uuid }, timeoutMs);
      ok = r.success;
      if (!r.success) reason = `${r.code ?? ""} ${r.error}`.trim();
    } catch (err) {
      reason = (err as Error).message;
    }
    try {
      if (ok && h.status === "Connected") {
        await this.prisma.host.update({ where: { uuid: h.uuid }, data: { pingFailures: 0, lastPingDate: new Date() } });
      } else if (ok) {
        this.log.info({ hostUuid: h.uuid }, "host answers again; reconnecting");
        await this.hosts.handshake(h);
      } else if (h.status === "Connected") {
        const failures = h.pingFailures + 1;
        if (failures >= this.configs.getNumber("host", "ping.maxFailures")) {
          this.log.warn({ hostUuid: h.uuid, reason }, "host disconnected");
          await this.hosts.setStatus(h, "Disconnected", { pingFailures: failures, lastConnectError: `ping: ${reason}` });
        } else {
          await this.prisma.host.update({ where: { uuid: h.uuid }, data: { pingFailures: failures } });
        }
      }
    } catch (err) {
      // The host may have been deleted meanwhile, or the handshake failed: the next round retries.
      this.log.debug({ err, hostUuid: h.uuid }, "host status update skipped");
    }
  }
}
