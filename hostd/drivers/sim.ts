/**
 * An in-memory hypervisor for load and failure testing of the management node.
 *
 * A sim host is cheap by design: no child processes, no file reads, a handful of timers, so
 * one process can run hundreds of sim hostd instances (see startHostd). Operations take a
 * random delay (default 50–300 ms) like a real libvirt call would, and can fail on purpose:
 * either randomly (`failureRate`) or every time for a named command (`forceFailure`).
 */
import { randomUUID } from "node:crypto";
import { buildDomainXml } from "../domain-xml.ts";
import type { DomainStats, VmState } from "../parsers/virsh.ts";
import {
  DriverError,
  type DiskSpec,
  type DomainSummary,
  type NicSpec,
  type DomainType,
  type HostCapacity,
  type HostFacts,
  type HostStats,
  type HypervisorDriver,
  type MigrationTarget,
  type VmSpec,
  type VolumeInfo,
} from "./types.ts";

/** Driver operations that can be made to fail (names of HypervisorDriver methods). */
export const SIM_COMMANDS = [
  "facts",
  "capacity",
  "hostStats",
  "versions",
  "defineAndStart",
  "start",
  "shutdown",
  "destroy",
  "undefine",
  "pause",
  "resume",
  "domainState",
  "listDomains",
  "domstats",
  "createVolume",
  "deleteVolume",
  "createConfigDrive",
  "attachDisk",
  "detachDisk",
  "consolePort",
  "setConsolePassword",
  "attachNic",
  "detachNic",
  "migrate",
  "hotplugCpuMemory",
] as const;

/** One of SIM_COMMANDS. */
export type SimCommand = (typeof SIM_COMMANDS)[number];

/** Operations that change something; only these are slowed down and randomly failed. */
const MUTATING: ReadonlySet<SimCommand> = new Set([
  "defineAndStart",
  "start",
  "shutdown",
  "destroy",
  "undefine",
  "pause",
  "resume",
  "createVolume",
  "deleteVolume",
  "createConfigDrive",
  "attachDisk",
  "detachDisk",
  "setConsolePassword",
  "attachNic",
  "detachNic",
  "migrate",
  "hotplugCpuMemory",
]);

/** Shape of the simulated host and its behaviour. All fields optional. */
export interface SimDriverOptions {
  /** Logical CPUs; default 32. */
  cpuNum?: number;
  /** Sockets; default 2 (cores per socket = cpuNum / sockets / threads). */
  cpuSockets?: number;
  /** Threads per core; default 2. */
  cpuThreads?: number;
  /** Memory in bytes; default 256 GiB. */
  totalMemory?: number;
  /** Data-dir filesystem size in bytes; default 4 TiB. */
  diskSize?: number;
  hostname?: string;
  cpuModelName?: string;
  domainType?: DomainType;
  /** Delay range of mutating operations, in ms; default 50–300. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Probability (0..1) that a mutating operation fails with INJECTED_FAILURE; default 0. */
  failureRate?: number;
  /**
   * How long a guest takes to power off after an ACPI shutdown request, in ms (default 200).
   * `null` simulates a guest that ignores ACPI, forcing the stop timeout path.
   */
  acpiShutdownMs?: number | null;
  /** Random source in [0,1); inject a seeded one for reproducible runs. Default Math.random. */
  random?: () => number;
}

interface SimDomain {
  spec: VmSpec;
  state: VmState;
  /** ms timestamp when the domain last started running (for synthetic counters). */
  runningSince?: number;
  /** CPU seconds accumulated in earlier runs. */
  cpuSecondsBefore: number;
}

/**
 * Every open sim driver of this process by its migration URI: sim hosts run in one process
 * (the management node's, see server/hosts/agents.ts), so a migration hands the domain over
 * in memory, as libvirtd would over the network.
 */
const SIM_HOSTS = new Map<string, SimDriver>();

/** The in-memory HypervisorDriver. */
export class SimDriver implements HypervisorDriver {
  readonly kind = "sim" as const;
  readonly migrationUri = `sim://${randomUUID()}`;
  private readonly domains = new Map<string, SimDomain>();
  private readonly volumes = new Map<string, VolumeInfo>();
  private readonly forced = new Map<SimCommand, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly createdAt = Date.now();
  private readonly o: Required<Omit<SimDriverOptions, "hostname">> & { hostname: string };

  constructor(options: SimDriverOptions = {}) {
    this.o = {
      cpuNum: 32,
      cpuSockets: 2,
      cpuThreads: 2,
      totalMemory: 256 * 1024 ** 3,
      diskSize: 4 * 1024 ** 4,
      hostname: "sim-host",
      cpuModelName: "Simulated CPU @ 2.40GHz",
      domainType: "kvm",
      minDelayMs: 50,
      maxDelayMs: 300,
      failureRate: 0,
      acpiShutdownMs: 200,
      random: Math.random,
      // An explicit `undefined` (e.g. from an unset CLI flag) must not erase a default.
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    SIM_HOSTS.set(this.migrationUri, this);
  }

  /** Makes every call of `command` fail with `message` until clearFailures(). */
  forceFailure(command: SimCommand, message = `injected failure of ${command}`): void {
    this.forced.set(command, message);
  }

  /** Removes forced failures and sets the random failure rate (default back to 0). */
  clearFailures(failureRate = 0): void {
    this.forced.clear();
    this.o.failureRate = failureRate;
  }

  /** Sets the delay range of mutating commands, in ms (slow hypervisors, fault drills). */
  setDelays(minDelayMs: number, maxDelayMs: number): void {
    this.o.minDelayMs = minDelayMs;
    this.o.maxDelayMs = Math.max(minDelayMs, maxDelayMs);
  }

  /** Sets the probability (0..1) that a mutating command fails. */
  setFailureRate(rate: number): void {
    this.o.failureRate = rate;
  }

  /** The guest powers itself off (as if `poweroff` ran inside it): Running → Stopped. */
  simulateGuestShutdown(name: string): void {
    this.setState(this.get(name), "Stopped");
  }

  /** The guest crashes (kernel panic with pvpanic): → Crashed. */
  simulateCrash(name: string): void {
    this.setState(this.get(name), "Crashed");
  }

  async facts(): Promise<HostFacts> {
    await this.enter("facts");
    const o = this.o;
    const cpuCores = Math.max(1, Math.floor(o.cpuNum / o.cpuSockets / o.cpuThreads));
    return {
      cpuModelName: o.cpuModelName,
      cpuSockets: o.cpuSockets,
      cpuCores,
      cpuThreads: o.cpuThreads,
      cpuNum: o.cpuNum,
      totalMemory: o.totalMemory,
      hostname: o.hostname,
      osDistribution: "debian",
      osVersion: "12",
      osPrettyName: "Debian GNU/Linux 12 (bookworm) [simulated]",
      kernelVersion: "6.1.0-sim",
      architecture: "x86_64",
      libvirtVersion: "9.0.0",
      qemuVersion: "7.2.0",
      qemuImgVersion: "7.2.0",
      hvmCpuFlag: "vmx",
      kvmDevicePresent: true,
      nestedVirtualization: false,
      domainType: o.domainType,
      domainTypeReason: "simulated host",
      iommuEnabled: false,
      iommuReady: false,
      qemuImgPresent: true,
      libvirtReachable: true,
    };
  }

  async capacity(): Promise<HostCapacity> {
    await this.enter("capacity");
    const active = [...this.domains.values()].filter((d) => d.state !== "Stopped");
    const usedMemory = active.reduce((s, d) => s + d.spec.memorySize, 0);
    return {
      totalCpu: this.o.cpuNum,
      totalMemory: this.o.totalMemory,
      availableMemory: Math.max(0, this.o.totalMemory - usedMemory),
      cpuSockets: this.o.cpuSockets,
      cpuCores: Math.max(1, Math.floor(this.o.cpuNum / this.o.cpuSockets / this.o.cpuThreads)),
      usedCpu: active.reduce((s, d) => s + d.spec.cpuNum, 0),
      usedMemory,
      runningVmCount: active.length,
    };
  }

  async hostStats(): Promise<HostStats> {
    await this.enter("hostStats");
    const uptime = (Date.now() - this.createdAt) / 1000;
    const cpuSeconds = uptime * this.o.cpuNum;
    const used = [...this.volumes.values()].reduce((s, v) => s + v.actualSize, 0);
    const cap = await this.capacity();
    return {
      // A quiet host: 5% user, 2% system, the rest idle.
      cpuSecondsByMode: { user: cpuSeconds * 0.05, system: cpuSeconds * 0.02, idle: cpuSeconds * 0.93 },
      memoryTotal: this.o.totalMemory,
      memoryAvailable: cap.availableMemory,
      disk: { path: "/sim", totalBytes: this.o.diskSize, freeBytes: Math.max(0, this.o.diskSize - used) },
      interfaces: [{ interface: "eth0", rxBytes: Math.floor(uptime * 10_000), txBytes: Math.floor(uptime * 5_000) }],
    };
  }

  async versions(): Promise<{ libvirtVersion?: string; qemuVersion?: string }> {
    await this.enter("versions");
    return { libvirtVersion: "9.0.0", qemuVersion: "7.2.0" };
  }

  async defineAndStart(spec: VmSpec): Promise<void> {
    await this.enter("defineAndStart");
    buildDomainXml(spec); // reject what libvirt would reject
    const existing = this.domains.get(spec.vmInstanceUuid);
    if (existing && existing.state !== "Stopped") {
      throw new DriverError(`domain ${spec.vmInstanceUuid} is already active`);
    }
    const d: SimDomain = { spec, state: "Stopped", cpuSecondsBefore: existing?.cpuSecondsBefore ?? 0 };
    this.domains.set(spec.vmInstanceUuid, d);
    this.setState(d, "Running");
  }

  async start(name: string): Promise<void> {
    await this.enter("start");
    const d = this.get(name);
    if (d.state !== "Stopped") throw new DriverError(`domain ${name} is already active`);
    this.setState(d, "Running");
  }

  async shutdown(name: string): Promise<void> {
    await this.enter("shutdown");
    const d = this.running(name);
    if (this.o.acpiShutdownMs === null) return; // the guest ignores ACPI
    this.later(this.o.acpiShutdownMs, () => {
      if (this.domains.get(name) === d && d.state === "Running") this.setState(d, "Stopped");
    });
  }

  async destroy(name: string): Promise<void> {
    await this.enter("destroy");
    this.setState(this.running(name), "Stopped");
  }

  async undefine(name: string): Promise<void> {
    await this.enter("undefine");
    const d = this.get(name);
    if (d.state !== "Stopped") throw new DriverError(`cannot undefine active domain ${name}`);
    this.domains.delete(name);
  }

  async consolePort(name: string): Promise<number> {
    await this.enter("consolePort");
    this.running(name);
    return 5900 + [...this.domains.keys()].indexOf(name);
  }

  async setConsolePassword(name: string, password: string | undefined): Promise<boolean> {
    await this.enter("setConsolePassword");
    const d = this.running(name);
    // As QEMU: a VNC server started without password authentication cannot get it live.
    if (d.spec.consolePassword === undefined) return password === undefined;
    d.spec = { ...d.spec, consolePassword: password };
    return true;
  }

  async attachNic(name: string, nic: Required<NicSpec>): Promise<void> {
    await this.enter("attachNic");
    const d = this.running(name);
    d.spec = { ...d.spec, nics: [...(d.spec.nics ?? []), nic] };
  }

  async detachNic(name: string, mac: string): Promise<void> {
    await this.enter("detachNic");
    const d = this.running(name);
    d.spec = { ...d.spec, nics: (d.spec.nics ?? []).filter((n) => n.mac.toLowerCase() !== mac.toLowerCase()) };
  }

  /** The spec a domain was defined with (tests look at NICs and the console password). */
  domainSpec(name: string): VmSpec | undefined {
    return this.domains.get(name)?.spec;
  }

  /** Changes a domain's live definition (device hot-plug, devices/hotplug.ts). @throws DriverError DOMAIN_NOT_FOUND. */
  patchDomainSpec(name: string, patch: (spec: VmSpec) => VmSpec): void {
    const d = this.get(name);
    d.spec = patch(d.spec);
  }

  async attachDisk(name: string, disk: DiskSpec & { target?: string }): Promise<void> {
    await this.enter("attachDisk");
    const d = this.running(name);
    d.spec = { ...d.spec, dataDisks: [...(d.spec.dataDisks ?? []), { path: disk.path, format: disk.format }] };
  }

  async detachDisk(name: string, path: string): Promise<void> {
    await this.enter("detachDisk");
    const d = this.running(name);
    d.spec = { ...d.spec, dataDisks: (d.spec.dataDisks ?? []).filter((x) => x.path !== path) };
  }

  async pause(name: string): Promise<void> {
    await this.enter("pause");
    const d = this.running(name);
    if (d.state !== "Running") throw new DriverError(`domain ${name} is not running`);
    this.setState(d, "Paused");
  }

  async resume(name: string): Promise<void> {
    await this.enter("resume");
    const d = this.running(name);
    if (d.state !== "Paused") throw new DriverError(`domain ${name} is not paused`);
    this.setState(d, "Running");
  }

  async domainState(name: string): Promise<VmState | undefined> {
    await this.enter("domainState");
    return this.domains.get(name)?.state;
  }

  async listDomains(): Promise<DomainSummary[]> {
    await this.enter("listDomains");
    return [...this.domains.values()].map((d) => ({
      name: d.spec.vmInstanceUuid,
      state: d.state,
      cpuNum: d.spec.cpuNum,
      memorySize: d.spec.memorySize,
    }));
  }

  async domstats(): Promise<DomainStats[]> {
    await this.enter("domstats");
    const now = Date.now();
    return [...this.domains.values()]
      .filter((d) => d.state !== "Stopped")
      .map((d) => {
        const cpu = this.cpuSeconds(d, now);
        return {
          name: d.spec.vmInstanceUuid,
          state: d.state,
          cpuTimeSeconds: cpu,
          vcpus: d.spec.cpuNum,
          balloonCurrentBytes: d.spec.memorySize,
          balloonMaximumBytes: d.spec.memorySize,
          rssBytes: Math.floor(d.spec.memorySize / 2),
          blocks: [d.spec.rootDisk, ...(d.spec.dataDisks ?? [])].map((disk, i) => ({
            device: `vd${String.fromCharCode(97 + i)}`,
            path: disk.path,
            readBytes: Math.floor(cpu * 1_000_000),
            writeBytes: Math.floor(cpu * 500_000),
            readRequests: Math.floor(cpu * 100),
            writeRequests: Math.floor(cpu * 50),
          })),
          nets: (d.spec.nics ?? []).map((_, i) => ({
            device: `vnet${i}`,
            rxBytes: Math.floor(cpu * 20_000),
            txBytes: Math.floor(cpu * 10_000),
          })),
        };
      });
  }

  async createVolume(req: { installPath: string; size: number; backingFile?: string }): Promise<VolumeInfo> {
    await this.enter("createVolume");
    if (this.volumes.has(req.installPath)) {
      throw new DriverError(`volume ${req.installPath} already exists`, "VOLUME_EXISTS");
    }
    // A fresh qcow2 allocates only its metadata (about 200 KiB).
    const info = { installPath: req.installPath, size: req.size, actualSize: 196_608 };
    this.volumes.set(req.installPath, info);
    return { ...info };
  }

  async createConfigDrive(req: { installPath: string; metaData: string; userData: string }): Promise<{ installPath: string }> {
    await this.enter("createConfigDrive");
    this.volumes.set(req.installPath, { installPath: req.installPath, size: req.userData.length + req.metaData.length, actualSize: 0 });
    return { installPath: req.installPath };
  }

  async deleteVolume(installPath: string): Promise<void> {
    await this.enter("deleteVolume");
    this.volumes.delete(installPath);
  }

  async hotplugCpuMemory(name: string, change: { cpuNum: number; memoryIncrease: number }): Promise<void> {
    await this.enter("hotplugCpuMemory");
    const d = this.running(name);
    const memorySize = d.spec.memorySize + change.memoryIncrease;
    // As libvirt: growth only into the headroom the domain was defined with.
    if (change.cpuNum > Math.max(d.spec.cpuNum, d.spec.maxCpuNum ?? 0)) {
      throw new DriverError(`requested vcpus is greater than max allowable vcpus for the live domain: ${change.cpuNum}`, "NO_HOTPLUG_HEADROOM");
    }
    if (change.memoryIncrease > 0 && memorySize > (d.spec.maxMemorySize ?? 0)) {
      throw new DriverError("unsupported configuration: cannot use/hotplug a memory device when domain 'maxMemory' is not defined or too small", "NO_HOTPLUG_HEADROOM");
    }
    d.spec = { ...d.spec, cpuNum: change.cpuNum, memorySize };
  }

  async migrate(name: string, target: MigrationTarget): Promise<void> {
    await this.enter("migrate");
    const d = this.running(name);
    const destination = SIM_HOSTS.get(target.uri);
    if (!destination) throw new DriverError(`operation failed: Failed to connect to remote libvirt URI ${target.uri}`);
    if (destination === this) throw new DriverError("internal error: Attempt to migrate guest to the same host");
    destination.receive(name, { ...d, spec: { ...d.spec, consoleLogPath: target.consoleLogPath } });
    this.domains.delete(name);
  }

  /** The destination half of {@link migrate}: the domain arrives in the state it left in. */
  private receive(name: string, d: SimDomain): void {
    if (this.domains.get(name)?.state === "Running") throw new DriverError(`domain ${name} is already active on the destination`);
    this.domains.set(name, d);
  }

  async close(): Promise<void> {
    SIM_HOSTS.delete(this.migrationUri);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Applies forced/random failures and the simulated latency of one call. */
  private async enter(command: SimCommand): Promise<void> {
    const mutating = MUTATING.has(command);
    if (mutating) {
      const { minDelayMs: min, maxDelayMs: max } = this.o;
      await new Promise<void>((resolve) => this.later(min + this.o.random() * Math.max(0, max - min), resolve));
    }
    const forced = this.forced.get(command);
    if (forced !== undefined) throw new DriverError(forced, "INJECTED_FAILURE");
    if (mutating && this.o.failureRate > 0 && this.o.random() < this.o.failureRate) {
      throw new DriverError(`random injected failure of ${command}`, "INJECTED_FAILURE");
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private get(name: string): SimDomain {
    const d = this.domains.get(name);
    if (!d) throw new DriverError(`failed to get domain '${name}'`, "DOMAIN_NOT_FOUND");
    return d;
  }

  private running(name: string): SimDomain {
    const d = this.get(name);
    if (d.state === "Stopped") throw new DriverError(`domain ${name} is not running`, "DOMAIN_NOT_RUNNING");
    return d;
  }

  private setState(d: SimDomain, state: VmState): void {
    const now = Date.now();
    if (d.state === "Running" && state !== "Running") {
      d.cpuSecondsBefore = this.cpuSeconds(d, now);
      d.runningSince = undefined;
    }
    if (state === "Running" && d.state !== "Running") d.runningSince = now;
    d.state = state;
  }

  /** A busy-ish guest: 10% of each vCPU while running. */
  private cpuSeconds(d: SimDomain, now: number): number {
    const running = d.runningSince === undefined ? 0 : (now - d.runningSince) / 1000;
    return d.cpuSecondsBefore + running * d.spec.cpuNum * 0.1;
  }
}
