/**
 * Prometheus metrics of a host and its VMs, served at GET /metrics.
 *
 * Every series carries `hostUuid` (the connected host's uuid, "unknown" before the first
 * /host/connect); per-VM series also carry `vmUuid` (the domain name, which hostd sets to the
 * VM's uuid). Counters mirror cumulative kernel/libvirt counters, so they reset when the host
 * reboots or the VM's QEMU process restarts — Prometheus' rate() handles that.
 *
 * | metric                               | type    | extra labels | unit / source                          |
 * |--------------------------------------|---------|--------------|----------------------------------------|
 * | host_cpu_seconds_total               | counter | mode         | s, /proc/stat (user, system, idle ...) |
 * | host_memory_total_bytes              | gauge   |              | bytes, /proc/meminfo MemTotal          |
 * | host_memory_available_bytes          | gauge   |              | bytes, /proc/meminfo MemAvailable      |
 * | host_disk_total_bytes                | gauge   | path         | bytes, statfs(data dir)                |
 * | host_disk_free_bytes                 | gauge   | path         | bytes available to non-root, statfs    |
 * | host_network_receive_bytes_total     | counter | interface    | bytes, /proc/net/dev                   |
 * | host_network_transmit_bytes_total    | counter | interface    | bytes, /proc/net/dev                   |
 * | vm_cpu_seconds_total                 | counter |              | s, domstats cpu.time                   |
 * | vm_vcpus                             | gauge   |              | count, domstats vcpu.current           |
 * | vm_memory_balloon_current_bytes      | gauge   |              | bytes, domstats balloon.current        |
 * | vm_memory_rss_bytes                  | gauge   |              | bytes, domstats balloon.rss            |
 * | vm_disk_read_bytes_total             | counter | device       | bytes, domstats block.N.rd.bytes       |
 * | vm_disk_write_bytes_total            | counter | device       | bytes, domstats block.N.wr.bytes       |
 * | vm_disk_read_requests_total          | counter | device       | count, domstats block.N.rd.reqs        |
 * | vm_disk_write_requests_total         | counter | device       | count, domstats block.N.wr.reqs        |
 * | vm_network_receive_bytes_total       | counter | interface    | bytes, domstats net.N.rx.bytes         |
 * | vm_network_transmit_bytes_total      | counter | interface    | bytes, domstats net.N.tx.bytes         |
 * | hostd_scrape_errors_total            | counter | source       | failed collections (host, vms)         |
 *
 * User-mode NICs have no host device, so they produce no vm_network_* series.
 *
 * Values are collected once per scrape (one /proc read, one `virsh domstats`) and every series
 * is rebuilt from scratch, so a VM that went away disappears from the next scrape.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { Logger } from "pino";
import type { HypervisorDriver } from "./drivers/types.ts";

type Labels<T extends string> = Partial<Record<T, string>>;

/** A counter whose value is copied from a cumulative source instead of incremented. */
class MirroredCounter<T extends string> {
  readonly metric: Counter<T>;
  constructor(registry: Registry, name: string, help: string, labelNames: T[]) {
    this.metric = new Counter({ name, help, labelNames, registers: [registry] });
  }
  reset(): void {
    this.metric.reset();
  }
  set(labels: Labels<T>, value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value) || value < 0) return;
    this.metric.inc(labels, value);
  }
}

/** Owns one hostd instance's registry (per instance, so many sim hosts can share a process). */
export class HostdMetrics {
  readonly registry = new Registry();
  private refreshing?: Promise<void>;

  private readonly hostCpu = new MirroredCounter(this.registry, "host_cpu_seconds_total", "Host CPU time by mode, summed over CPUs (seconds)", ["hostUuid", "mode"]);
  private readonly hostMemTotal = gauge(this.registry, "host_memory_total_bytes", "Host memory (bytes)", ["hostUuid"]);
  private readonly hostMemAvail = gauge(this.registry, "host_memory_available_bytes", "Host memory available for new work (bytes)", ["hostUuid"]);
  private readonly diskTotal = gauge(this.registry, "host_disk_total_bytes", "Size of the filesystem holding hostd's data dir (bytes)", ["hostUuid", "path"]);
  private readonly diskFree = gauge(this.registry, "host_disk_free_bytes", "Free space on the data dir filesystem usable by non-root (bytes)", ["hostUuid", "path"]);
  private readonly netRx = new MirroredCounter(this.registry, "host_network_receive_bytes_total", "Bytes received per host interface", ["hostUuid", "interface"]);
  private readonly netTx = new MirroredCounter(this.registry, "host_network_transmit_bytes_total", "Bytes sent per host interface", ["hostUuid", "interface"]);
  private readonly vmCpu = new MirroredCounter(this.registry, "vm_cpu_seconds_total", "CPU time used by the VM (seconds)", ["hostUuid", "vmUuid"]);
  private readonly vmVcpus = gauge(this.registry, "vm_vcpus", "vCPUs of the VM", ["hostUuid", "vmUuid"]);
  private readonly vmBalloon = gauge(this.registry, "vm_memory_balloon_current_bytes", "Memory currently given to the guest (bytes)", ["hostUuid", "vmUuid"]);
  private readonly vmRss = gauge(this.registry, "vm_memory_rss_bytes", "Resident memory of the VM's QEMU process (bytes)", ["hostUuid", "vmUuid"]);
  private readonly vmRdBytes = new MirroredCounter(this.registry, "vm_disk_read_bytes_total", "Bytes read per VM disk", ["hostUuid", "vmUuid", "device"]);
  private readonly vmWrBytes = new MirroredCounter(this.registry, "vm_disk_write_bytes_total", "Bytes written per VM disk", ["hostUuid", "vmUuid", "device"]);
  private readonly vmRdReqs = new MirroredCounter(this.registry, "vm_disk_read_requests_total", "Read requests per VM disk", ["hostUuid", "vmUuid", "device"]);
  private readonly vmWrReqs = new MirroredCounter(this.registry, "vm_disk_write_requests_total", "Write requests per VM disk", ["hostUuid", "vmUuid", "device"]);
  private readonly vmNetRx = new MirroredCounter(this.registry, "vm_network_receive_bytes_total", "Bytes received per VM interface", ["hostUuid", "vmUuid", "interface"]);
  private readonly vmNetTx = new MirroredCounter(this.registry, "vm_network_transmit_bytes_total", "Bytes sent per VM interface", ["hostUuid", "vmUuid", "interface"]);
  private readonly scrapeErrors = new Counter({
    name: "hostd_scrape_errors_total",
    help: "Failed metric collections by source (host or vms)",
    labelNames: ["hostUuid", "source"],
    registers: [this.registry],
  });

  constructor(
    private readonly driver: HypervisorDriver,
    private readonly hostUuid: () => string | undefined,
    private readonly log: Logger,
  ) {}

  /** Collects fresh values and returns the Prometheus text exposition. */
  async render(): Promise<string> {
    // Two scrapes at once share one collection instead of running virsh twice.
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    await this.refreshing;
    return this.registry.metrics();
  }

  /** Content-Type header value for render()'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private async refresh(): Promise<void> {
    const hostUuid = this.hostUuid() ?? "unknown";
    const [host, vms] = await Promise.allSettled([this.driver.hostStats(), this.driver.domstats()]);

    for (const m of [this.hostCpu, this.netRx, this.netTx]) m.reset();
    for (const g of [this.hostMemTotal, this.hostMemAvail, this.diskTotal, this.diskFree]) g.reset();
    if (host.status === "fulfilled") {
      const h = host.value;
      for (const [mode, seconds] of Object.entries(h.cpuSecondsByMode)) this.hostCpu.set({ hostUuid, mode }, seconds);
      this.hostMemTotal.set({ hostUuid }, h.memoryTotal);
      this.hostMemAvail.set({ hostUuid }, h.memoryAvailable);
      this.diskTotal.set({ hostUuid, path: h.disk.path }, h.disk.totalBytes);
      this.diskFree.set({ hostUuid, path: h.disk.path }, h.disk.freeBytes);
      for (const i of h.interfaces) {
        this.netRx.set({ hostUuid, interface: i.interface }, i.rxBytes);
        this.netTx.set({ hostUuid, interface: i.interface }, i.txBytes);
      }
    } else {
      this.scrapeErrors.inc({ hostUuid, source: "host" });
      this.log.warn({ err: String(host.reason) }, "host metrics collection failed");
    }

    const vmCounters = [this.vmCpu, this.vmRdBytes, this.vmWrBytes, this.vmRdReqs, this.vmWrReqs, this.vmNetRx, this.vmNetTx];
    for (const m of vmCounters) m.reset();
    for (const g of [this.vmVcpus, this.vmBalloon, this.vmRss]) g.reset();
    if (vms.status === "fulfilled") {
      for (const d of vms.value) {
        const vm = { hostUuid, vmUuid: d.name };
        this.vmCpu.set(vm, d.cpuTimeSeconds);
        if (d.vcpus !== undefined) this.vmVcpus.set(vm, d.vcpus);
        if (d.balloonCurrentBytes !== undefined) this.vmBalloon.set(vm, d.balloonCurrentBytes);
        if (d.rssBytes !== undefined) this.vmRss.set(vm, d.rssBytes);
        for (const b of d.blocks) {
          const l = { ...vm, device: b.device };
          this.vmRdBytes.set(l, b.readBytes);
          this.vmWrBytes.set(l, b.writeBytes);
          this.vmRdReqs.set(l, b.readRequests);
          this.vmWrReqs.set(l, b.writeRequests);
        }
        for (const n of d.nets) {
          const l = { ...vm, interface: n.device };
          this.vmNetRx.set(l, n.rxBytes);
          this.vmNetTx.set(l, n.txBytes);
        }
      }
    } else {
      this.scrapeErrors.inc({ hostUuid, source: "vms" });
      this.log.warn({ err: String(vms.reason) }, "vm metrics collection failed");
    }
  }
}

function gauge<T extends string>(registry: Registry, name: string, help: string, labelNames: T[]): Gauge<T> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}
