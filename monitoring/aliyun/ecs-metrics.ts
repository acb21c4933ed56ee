/**
 * ECS instance metrics from Alibaba CloudMonitor, exposed on the management node's /metrics
 * with the same names and labels as hostd's per-VM metrics (hostd/metrics.ts), so one alarm or
 * dashboard panel covers local VMs and ECS instances.
 *
 * Every `zwatch/ecs.metricsInterval` seconds, for each data center with Running ECS instances,
 * CloudMonitor's DescribeMetricList (API 2019-01-01, namespace acs_ecs_dashboard) is asked for
 * the latest datapoint of each instance. CloudMonitor reports rates; hostd exports cumulative
 * counters; so each rate is integrated over the time since the previous poll:
 *
 * | CloudMonitor metric       | unit    | exported as (labels vmUuid, provider="Aliyun")            |
 * |---------------------------|---------|------------------------------------------------------------|
 * | CPUUtilization            | %       | vm_cpu_seconds_total += % / 100 × vCPUs × Δt; vm_vcpus     |
 * | DiskReadBPS / DiskWriteBPS| B/s     | vm_disk_read_bytes_total / vm_disk_write_bytes_total       |
 * | DiskReadIOPS / DiskWriteIOPS | ops/s| vm_disk_read_requests_total / vm_disk_write_requests_total |
 * | IntranetInRate / IntranetOutRate | bit/s | vm_network_receive/transmit_bytes_total (÷ 8)      |
 *
 * The VM uuid of an ECS instance is its EcsInstance uuid (the VmInstance row shares it). Series
 * of instances that stop or go away disappear from the next scrape, as hostd's do.
 */
import { createRequire } from "node:module";
import { Counter, Gauge } from "prom-client";
import type { Logger } from "pino";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import type { NodeMetrics } from "../metrics/node-metrics.ts";

// pop-core is CommonJS without types.
const RPCClient = createRequire(import.meta.url)("@alicloud/pop-core") as new (config: {
  accessKeyId: string; accessKeySecret: string; endpoint: string; apiVersion: string;
}) => { request(action: string, params: Record<string, unknown>, opts: Record<string, unknown>): Promise<Record<string, unknown>> };

/** What the collector needs of the Alibaba connector (connectors/aliyun/remote.ts). */
export interface CloudMonitorAccess {
  /** Credentials of the key a data center syncs with. */
  credentials(dc: { keyUuid: string | null; accountUuid: string }): Promise<{ accessKeyId: string; accessKeySecret: string }>;
  /** CloudMonitor endpoint of a region: the override (emulator) or https://metrics.<region>.aliyuncs.com. */
  endpoint(regionId: string): string;
}

const METRICS = ["CPUUtilization", "DiskReadBPS", "DiskWriteBPS", "DiskReadIOPS", "DiskWriteIOPS", "IntranetInRate", "IntranetOutRate"] as const;
type Metric = (typeof METRICS)[number];

interface InstanceState { cpuSeconds: number; readBytes: number; writeBytes: number; readOps: number; writeOps: number; rxBytes: number; txBytes: number; vcpus: number; at: number }

/** Polls CloudMonitor and keeps the integrated counters. */
export class EcsMetricsCollector {
  private readonly state = new Map<string, InstanceState>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly access: CloudMonitorAccess,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
    metrics: NodeMetrics,
  ) {
    const state = this.state;
    const labelNames = ["vmUuid", "provider"] as const;
    const mirror = (name: string, help: string, pick: (s: InstanceState) => number, extra?: Record<string, string>) =>
      new Counter({
        name, help, labelNames: [...labelNames, ...Object.keys(extra ?? {})], registers: [metrics.registry],
        collect() {
          this.reset();
          for (const [vmUuid, s] of state) this.inc({ vmUuid, provider: "Aliyun", ...extra }, pick(s));
        },
      });
    mirror("vm_cpu_seconds_total", "CPU time used by the VM (seconds); ECS: integrated from CloudMonitor CPUUtilization", (s) => s.cpuSeconds);
    mirror("vm_disk_read_bytes_total", "Bytes read per VM disk; ECS: integrated DiskReadBPS", (s) => s.readBytes, { device: "all" });
    mirror("vm_disk_write_bytes_total", "Bytes written per VM disk; ECS: integrated DiskWriteBPS", (s) => s.writeBytes, { device: "all" });
    mirror("vm_disk_read_requests_total", "Read requests per VM disk; ECS: integrated DiskReadIOPS", (s) => s.readOps, { device: "all" });
    mirror("vm_disk_write_requests_total", "Write requests per VM disk; ECS: integrated DiskWriteIOPS", (s) => s.writeOps, { device: "all" });
    mirror("vm_network_receive_bytes_total", "Bytes received per VM interface; ECS: integrated IntranetInRate / 8", (s) => s.rxBytes, { interface: "intranet" });
    mirror("vm_network_transmit_bytes_total", "Bytes sent per VM interface; ECS: integrated IntranetOutRate / 8", (s) => s.txBytes, { interface: "intranet" });
    new Gauge({
      name: "vm_vcpus", help: "vCPUs of the VM", labelNames: [...labelNames], registers: [metrics.registry],
      collect() {
        this.reset();
        for (const [vmUuid, s] of state) this.set({ vmUuid, provider: "Aliyun" }, s.vcpus);
      },
    });
  }

  /** Polls every zwatch/ecs.metricsInterval seconds. */
  start(): void {
    const schedule = () => {
      this.timer = setTimeout(() => {
        this.polling = this.pollOnce().catch((err: unknown) => this.log.warn({ err }, "ECS metrics poll failed")).finally(() => {
          this.polling = undefined;
          schedule();
        });
      }, this.configs.getNumber("zwatch", "ecs.metricsInterval") * 1000);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.polling;
  }

  /**
   * One poll at `now` (epoch ms): reads the latest datapoints and advances each Running
   * instance's counters by rate × time since its previous poll (the first poll only starts them).
   */
  async pollOnce(now = Date.now()): Promise<void> {
    const instances = await this.prisma.ecsInstance.findMany({
      where: { ecsStatus: "Running" }, select: { uuid: true, ecsInstanceId: true, dataCenterUuid: true, regionId: true, cpuCores: true },
    });
    const dcs = await this.prisma.dataCenter.findMany({ where: { uuid: { in: [...new Set(instances.map((i) => i.dataCenterUuid))] } } });
    const seen = new Set<string>();
    for (const dc of dcs) {
      const mine = instances.filter((i) => i.dataCenterUuid === dc.uuid);
      let latest: Map<string, Record<Metric, number>>;
      try {
        latest = await this.describe(dc, mine.map((i) => i.ecsInstanceId), now);
      } catch (err) {
        this.log.warn({ err, dataCenterUuid: dc.uuid }, "CloudMonitor DescribeMetricList failed; ECS counters keep their values");
        for (const i of mine) seen.add(i.uuid);
        continue;
      }
      for (const i of mine) {
        seen.add(i.uuid);
        const v = latest.get(i.ecsInstanceId);
        const s = this.state.get(i.uuid);
        if (!s) {
          this.state.set(i.uuid, { cpuSeconds: 0, readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0, rxBytes: 0, txBytes: 0, vcpus: i.cpuCores, at: now });
          continue;
        }
        const dt = Math.max(0, (now - s.at) / 1000);
        s.at = now;
        s.vcpus = i.cpuCores;
        if (!v) continue;
        s.cpuSeconds += (v.CPUUtilization / 100) * i.cpuCores * dt;
        s.readBytes += v.DiskReadBPS * dt;
        s.writeBytes += v.DiskWriteBPS * dt;
        s.readOps += v.DiskReadIOPS * dt;
        s.writeOps += v.DiskWriteIOPS * dt;
        s.rxBytes += (v.IntranetInRate / 8) * dt;
        s.txBytes += (v.IntranetOutRate / 8) * dt;
      }
    }
    for (const uuid of this.state.keys()) if (!seen.has(uuid)) this.state.delete(uuid);
  }

  /** Latest value of every metric per instance id, from DescribeMetricList (paged by NextToken). */
  private async describe(dc: { keyUuid: string | null; accountUuid: string; regionId: string }, instanceIds: string[], now: number) {
    const creds = await this.access.credentials(dc);
    const client = new RPCClient({ ...creds, endpoint: this.access.endpoint(dc.regionId), apiVersion: "2019-01-01" });
    const out = new Map<string, Record<Metric, number>>();
    const timeoutMs = 10_000;
    for (let i = 0; i < instanceIds.length; i += 50) {
      const dims = JSON.stringify(instanceIds.slice(i, i + 50).map((instanceId) => ({ instanceId })));
      for (const metric of METRICS) {
        let token: string | undefined;
        do {
          const r = await client.request("DescribeMetricList", {
            RegionId: dc.regionId, Namespace: "acs_ecs_dashboard", MetricName: metric, Period: "60", Dimensions: dims,
            StartTime: String(now - 180_000), EndTime: String(now), Length: "1000", ...(token ? { NextToken: token } : {}),
          }, { method: "POST", timeout: timeoutMs });
          if (r.Success === false) throw new Error(`DescribeMetricList ${metric}: ${String(r.Code)} ${String(r.Message)}`);
          const points = JSON.parse(String(r.Datapoints ?? "[]")) as { instanceId: string; timestamp: number; Average: number }[];
          for (const p of points.sort((a, b) => a.timestamp - b.timestamp)) {
            const row = out.get(p.instanceId) ?? ({} as Record<Metric, number>);
            row[metric] = Number(p.Average);
            out.set(p.instanceId, row);
          }
          token = r.NextToken ? String(r.NextToken) : undefined;
        } while (token);
      }
    }
    for (const [id, row] of out) for (const m of METRICS) if (row[m] === undefined) out.set(id, { ...row, [m]: 0 });
    return out;
  }
}
