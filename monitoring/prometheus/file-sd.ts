/**
 * Keeps Prometheus's file_sd target file of hostd agents current
 * (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#file_sd_config).
 *
 * The file lists every Connected host's `GET /metrics` endpoint, one target group per host:
 * `[{ "targets": ["<managementIp>:<hostdPort>"], "labels": { "hostUuid", "clusterUuid", "zoneUuid", "hypervisorType" } }]`.
 * It is rewritten (atomically: temp file + rename, which Prometheus's file watcher expects)
 * when a host event arrives and every `refreshMs` as a safety net; unchanged content is not rewritten.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { EventBus } from "../../server/events/service.ts";

/** One file_sd target group. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** Writes the hostd target file for Prometheus. */
export class HostdTargetFile {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private writing: Promise<void> = Promise.resolve();
  private last?: string;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly log: Logger,
    /** Absolute path of the JSON file (PROMETHEUS_FILE_SD_PATH). */
    readonly path: string,
  ) {}

  /** The target groups of every Connected host, sorted by host uuid. */
  async targets(): Promise<TargetGroup[]> {
    const hosts = await this.prisma.host.findMany({
      where: { status: "Connected", hostdPort: { gt: 0 } },
      select: { uuid: true, managementIp: true, hostdPort: true, clusterUuid: true, zoneUuid: true, hypervisorType: true },
      orderBy: { uuid: "asc" },
    });
    return hosts.map((h) => ({
      targets: [`${h.managementIp.includes(":") ? `[${h.managementIp}]` : h.managementIp}:${h.hostdPort}`],
      labels: { hostUuid: h.uuid, clusterUuid: h.clusterUuid, zoneUuid: h.zoneUuid, hypervisorType: h.hypervisorType },
    }));
  }

  /** Rewrites the file if the targets changed; resolves when written. Serialised: never two writers. */
  refresh(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const content = JSON.stringify(await this.targets(), null, 2) + "\n";
      if (content === this.last) return;
      if (this.last === undefined) {
        try {
          if (readFileSync(this.path, "utf8") === content) return void (this.last = content);
        } catch {
          // First write.
        }
      }
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, content);
      renameSync(tmp, this.path);
      this.last = content;
    }).catch((err: unknown) => this.log.warn({ err, path: this.path }, "could not write the Prometheus file_sd target file"));
    return this.writing;
  }

  /** Writes the file now, then on every host event and every `refreshMs`. */
  async start(refreshMs = 30_000): Promise<void> {
    this.unsubscribe = this.events.subscribe((e) => {
      if (e.resourceType === "Host") void this.refresh();
    });
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
    await this.refresh();
  }

  /** Stops watching; waits for a write in progress. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.writing;
  }
}
