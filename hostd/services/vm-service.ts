/**
 * VM lifecycle rules on top of a HypervisorDriver: idempotency, graceful stop with timeout,
 * per-VM serialisation. The same rules apply to the virsh and the sim driver.
 *
 * Idempotency follows ZStack's agent: stopping a stopped or unknown VM succeeds, destroying a
 * VM that does not exist succeeds, starting a running VM succeeds — the management node may
 * repeat a command after a timeout and must not get a spurious failure.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import type { HostDevices } from "../devices/types.ts";
import { DriverError, type DiskSpec, type DomainType, type HypervisorDriver, type MigrationTarget, type NicSpec, type VolumeInfo } from "../drivers/types.ts";
import { KeyedMutex } from "../keyed-mutex.ts";
import type { VmState } from "../parsers/virsh.ts";
import type { VmStateReporter } from "../state-reporter.ts";

/** Input of start(); mirrors the /vm/start body. */
export interface StartVmInput {
  vmInstanceUuid: string;
  cpuNum: number;
  /** Bytes. */
  memorySize: number;
  /** Hot-plug headroom: vCPUs and bytes the running VM may grow to. */
  maxCpuNum?: number;
  maxMemorySize?: number;
  /** Overrides the host's detected domain type. */
  domainType?: DomainType;
  rootDisk: DiskSpec;
  dataDisks?: DiskSpec[];
  nics?: NicSpec[];
  /** NoCloud config drive ISO to attach as a CD-ROM. */
  configDrivePath?: string;
  /** VNC password of the graphics device. */
  consolePassword?: string;
  /** PCI/USB pass-through devices. */
  hostDevices?: HostDevices;
}

/** How to stop a VM. */
export interface StopVmInput {
  vmInstanceUuid: string;
  /** "grace" (default): ACPI power-off, then destroy after `timeout`; "cold": destroy now. */
  type?: "grace" | "cold";
  /** Seconds to wait for the guest to power off before destroying it; default 30. */
  timeout?: number;
}

/** Interval at which a graceful stop checks whether the guest has powered off, in ms. */
const STOP_POLL_MS = 200;

/** Lifecycle operations on VMs. */
export class VmService {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly driver: HypervisorDriver,
    private readonly reporter: VmStateReporter,
    /** Domain type to use when the command does not say. */
    private readonly defaultDomainType: () => Promise<DomainType>,
    /** hostd data dir; consoles are logged to `<dataDir>/console/<vmUuid>.log`. */
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  /** Defines and starts the VM; a VM already running is left alone. */
  start(input: StartVmInput): Promise<{ vmInstanceUuid: string; state: VmState; domainType: DomainType; consoleLogPath: string }> {
    return this.op(input.vmInstanceUuid, async () => {
      const domainType = input.domainType ?? (await this.defaultDomainType());
      const consoleLogPath = join(this.dataDir, "console", `${input.vmInstanceUuid}.log`);
      const state = await this.driver.domainState(input.vmInstanceUuid);
      if (state === "Running") return { vmInstanceUuid: input.vmInstanceUuid, state, domainType, consoleLogPath };
      if (state === "Paused") {
        await this.driver.resume(input.vmInstanceUuid);
      } else {
        if (state !== undefined) {
          // A stale definition (crashed or stopped) is replaced with the spec we were sent now.
          if (state !== "Stopped") await this.ignoreNotRunning(this.driver.destroy(input.vmInstanceUuid));
          await this.driver.undefine(input.vmInstanceUuid);
        }
        await this.driver.defineAndStart({
          vmInstanceUuid: input.vmInstanceUuid,
          cpuNum: input.cpuNum,
          memorySize: input.memorySize,
          maxCpuNum: input.maxCpuNum,
          maxMemorySize: input.maxMemorySize,
          domainType,
          rootDisk: input.rootDisk,
          dataDisks: input.dataDisks,
          nics: input.nics,
          configDrivePath: input.configDrivePath,
          consoleLogPath,
          consolePassword: input.consolePassword,
          hostDevices: input.hostDevices,
        });
      }
      return { vmInstanceUuid: input.vmInstanceUuid, state: "Running" as const, domainType, consoleLogPath };
    });
  }

  /** Stops the VM (see StopVmInput); the definition stays so it can be started again. */
  stop(input: StopVmInput): Promise<{ vmInstanceUuid: string; state: VmState; forced: boolean }> {
    const name = input.vmInstanceUuid;
    return this.op(name, async () => {
      const state = await this.driver.domainState(name);
      if (state === undefined || state === "Stopped") return { vmInstanceUuid: name, state: "Stopped" as const, forced: false };
      let forced = true;
      if (input.type !== "cold" && state === "Running") {
        forced = !(await this.gracefulShutdown(name, (input.timeout ?? 30) * 1000));
      }
      if (forced) {
        this.log.info({ vm: name, type: input.type ?? "grace" }, "destroying vm");
        await this.ignoreNotRunning(this.driver.destroy(name));
      }
      return { vmInstanceUuid: name, state: "Stopped" as const, forced };
    });
  }

  /** Reboots by stopping (gracefully, with timeout) and starting the same definition again. */
  reboot(input: StopVmInput): Promise<{ vmInstanceUuid: string; state: VmState }> {
    const name = input.vmInstanceUuid;
    return this.op(name, async () => {
      const state = await this.driver.domainState(name);
      if (state === undefined) throw new DriverError(`VM ${name} is not defined on this host`, "DOMAIN_NOT_FOUND");
      if (state === "Running" && input.type !== "cold") {
        if (!(await this.gracefulShutdown(name, (input.timeout ?? 30) * 1000))) {
          await this.ignoreNotRunning(this.driver.destroy(name));
        }
      } else if (state !== "Stopped") {
        await this.ignoreNotRunning(this.driver.destroy(name));
      }
      await this.driver.start(name);
      return { vmInstanceUuid: name, state: "Running" as const };
    });
  }

  /** Pauses a running VM (vCPUs stop, memory stays). Pausing a paused VM succeeds. */
  pause(vmInstanceUuid: string): Promise<{ vmInstanceUuid: string; state: VmState }> {
    return this.op(vmInstanceUuid, async () => {
      if ((await this.driver.domainState(vmInstanceUuid)) !== "Paused") await this.driver.pause(vmInstanceUuid);
      return { vmInstanceUuid, state: "Paused" as const };
    });
  }

  /** Resumes a paused VM. Resuming a running VM succeeds. */
  resume(vmInstanceUuid: string): Promise<{ vmInstanceUuid: string; state: VmState }> {
    return this.op(vmInstanceUuid, async () => {
      if ((await this.driver.domainState(vmInstanceUuid)) !== "Running") await this.driver.resume(vmInstanceUuid);
      return { vmInstanceUuid, state: "Running" as const };
    });
  }

  /** Powers the VM off at once and removes its definition; disks are left alone. */
  destroy(vmInstanceUuid: string): Promise<{ vmInstanceUuid: string }> {
    return this.op(vmInstanceUuid, async () => {
      const state = await this.driver.domainState(vmInstanceUuid);
      if (state === undefined) return { vmInstanceUuid };
      if (state !== "Stopped") await this.ignoreNotRunning(this.driver.destroy(vmInstanceUuid));
      await this.driver.undefine(vmInstanceUuid).catch((err: unknown) => {
        if (!(err instanceof DriverError && err.code === "DOMAIN_NOT_FOUND")) throw err;
      });
      return { vmInstanceUuid };
    });
  }

  /** Grows a running or paused VM's vCPUs and memory (HypervisorDriver.hotplugCpuMemory). */
  hotplugCpuMemory(input: { vmInstanceUuid: string; cpuNum: number; memoryIncrease: number }): Promise<{ vmInstanceUuid: string }> {
    return this.op(input.vmInstanceUuid, async () => {
      await this.requireActive(input.vmInstanceUuid);
      await this.driver.hotplugCpuMemory(input.vmInstanceUuid, { cpuNum: input.cpuNum, memoryIncrease: input.memoryIncrease });
      return { vmInstanceUuid: input.vmInstanceUuid };
    });
  }

  /**
   * Destination side of a live migration: makes the console log directory and answers where
   * the source's libvirtd reaches this host's (undefined: the management node's default) and
   * the console log path the domain gets here.
   */
  prepareMigration(vmInstanceUuid: string): Promise<{ migrationUri?: string; consoleLogPath: string }> {
    return this.op(vmInstanceUuid, async () => {
      const consoleLogPath = join(this.dataDir, "console", `${vmInstanceUuid}.log`);
      await mkdir(dirname(consoleLogPath), { recursive: true });
      return { ...(this.driver.migrationUri ? { migrationUri: this.driver.migrationUri } : {}), consoleLogPath };
    });
  }

  /**
   * Live-migrates a running or paused VM away (HypervisorDriver.migrate). Throws
   * DOMAIN_NOT_FOUND when it is not here and DOMAIN_NOT_RUNNING when it is stopped.
   */
  migrate(input: { vmInstanceUuid: string; target: MigrationTarget }): Promise<{ vmInstanceUuid: string }> {
    return this.op(input.vmInstanceUuid, async () => {
      const state = await this.driver.domainState(input.vmInstanceUuid);
      if (state === undefined) throw new DriverError(`VM ${input.vmInstanceUuid} is not defined on this host`, "DOMAIN_NOT_FOUND");
      if (state !== "Running" && state !== "Paused") throw new DriverError(`VM ${input.vmInstanceUuid} is ${state}, not running`, "DOMAIN_NOT_RUNNING");
      this.log.info({ vm: input.vmInstanceUuid, destination: input.target.uri }, "live-migrating vm");
      await this.driver.migrate(input.vmInstanceUuid, input.target);
      return { vmInstanceUuid: input.vmInstanceUuid };
    });
  }

  /** States of every domain on the host, keyed by domain name (= vmInstanceUuid). */
  async sync(): Promise<{ states: Record<string, VmState> }> {
    const domains = await this.driver.listDomains();
    return { states: Object.fromEntries(domains.map((d) => [d.name, d.state])) };
  }

  /** Creates a qcow2 volume; serialised per path so two creates cannot race. */
  createVolume(req: { installPath: string; size: number; backingFile?: string }): Promise<VolumeInfo> {
    return this.locks.run(`volume:${req.installPath}`, () => this.driver.createVolume(req));
  }

  /** Deletes a volume file; deleting a missing file succeeds. */
  /** Hot-plugs a volume into a running or paused VM; a stopped or absent VM needs nothing. */
  attachVolume(req: { vmInstanceUuid: string; installPath: string; format?: "qcow2" | "raw"; target?: string }): Promise<{ attached: boolean }> {
    return this.op(req.vmInstanceUuid, async () => {
      const state = await this.driver.domainState(req.vmInstanceUuid);
      if (state !== "Running" && state !== "Paused") return { attached: false };
      await this.driver.attachDisk(req.vmInstanceUuid, { path: req.installPath, format: req.format, target: req.target });
      return { attached: true };
    });
  }

  /** Hot-unplugs a volume from a running or paused VM. */
  detachVolume(req: { vmInstanceUuid: string; installPath: string }): Promise<{ detached: boolean }> {
    return this.op(req.vmInstanceUuid, async () => {
      const state = await this.driver.domainState(req.vmInstanceUuid);
      if (state !== "Running" && state !== "Paused") return { detached: false };
      await this.driver.detachDisk(req.vmInstanceUuid, req.installPath);
      return { detached: true };
    });
  }

  /** Where the VM's VNC server listens (127.0.0.1:port); the VM must be running or paused. */
  consoleAddress(vmInstanceUuid: string): Promise<{ vmInstanceUuid: string; port: number; protocol: "vnc" }> {
    return this.op(vmInstanceUuid, async () => {
      await this.requireActive(vmInstanceUuid);
      return { vmInstanceUuid, port: await this.driver.consolePort(vmInstanceUuid), protocol: "vnc" as const };
    });
  }

  /**
   * Changes the VNC password of a running or paused VM at once. `applied: false` when it has to
   * wait for the next /vm/start (which carries the password): the VM is stopped, or its VNC
   * server was started without a password (QEMU cannot turn password authentication on live).
   */
  setConsolePassword(req: { vmInstanceUuid: string; consolePassword?: string }): Promise<{ applied: boolean }> {
    return this.op(req.vmInstanceUuid, async () => {
      const state = await this.driver.domainState(req.vmInstanceUuid);
      if (state !== "Running" && state !== "Paused") return { applied: false };
      return { applied: await this.driver.setConsolePassword(req.vmInstanceUuid, req.consolePassword) };
    });
  }

  /** Hot-plugs a NIC into a running or paused VM; a stopped or absent VM needs nothing. */
  attachNic(req: { vmInstanceUuid: string; mac: string; bridgeName: string }): Promise<{ attached: boolean }> {
    return this.op(req.vmInstanceUuid, async () => {
      const state = await this.driver.domainState(req.vmInstanceUuid);
      if (state !== "Running" && state !== "Paused") return { attached: false };
      await this.driver.attachNic(req.vmInstanceUuid, { mac: req.mac, bridgeName: req.bridgeName });
      return { attached: true };
    });
  }

  /** Hot-unplugs a NIC (by MAC) from a running or paused VM. */
  detachNic(req: { vmInstanceUuid: string; mac: string }): Promise<{ detached: boolean }> {
    return this.op(req.vmInstanceUuid, async () => {
      const state = await this.driver.domainState(req.vmInstanceUuid);
      if (state !== "Running" && state !== "Paused") return { detached: false };
      await this.driver.detachNic(req.vmInstanceUuid, req.mac);
      return { detached: true };
    });
  }

  private async requireActive(name: string): Promise<void> {
    const state = await this.driver.domainState(name);
    if (state === undefined) throw new DriverError(`VM ${name} is not defined on this host`, "DOMAIN_NOT_FOUND");
    if (state !== "Running" && state !== "Paused") throw new DriverError(`VM ${name} is ${state}`, "DOMAIN_NOT_RUNNING");
  }

  /** Writes a NoCloud config drive; meta-data is written as YAML (`key: value` lines, as cloud-init writes it). */
  createConfigDrive(req: { installPath: string; metaData: Record<string, string | string[] | undefined>; userData: string }): Promise<{ installPath: string }> {
    return this.locks.run(`volume:${req.installPath}`, () =>
      this.driver.createConfigDrive({ installPath: req.installPath, metaData: metaDataYaml(req.metaData), userData: req.userData }));
  }

  async deleteVolume(installPath: string): Promise<{ installPath: string }> {
    await this.locks.run(`volume:${installPath}`, () => this.driver.deleteVolume(installPath));
    return { installPath };
  }

  /** Runs an operation under the VM's lock, hidden from the state reporter. */
  private op<T>(vmInstanceUuid: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(vmInstanceUuid, () => this.reporter.track(vmInstanceUuid, fn));
  }

  /** Sends ACPI power-off and waits up to `timeoutMs`; true when the guest stopped by itself. */
  private async gracefulShutdown(name: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.driver.shutdown(name);
    } catch (err) {
      if (err instanceof DriverError && err.code === "DOMAIN_NOT_RUNNING") return true;
      throw err;
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const state = await this.driver.domainState(name);
      if (state === undefined || state === "Stopped") return true;
      await new Promise((r) => setTimeout(r, Math.min(STOP_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
    this.log.info({ vm: name, timeoutMs }, "guest ignored ACPI shutdown; destroying");
    return false;
  }

  /** The VM stopping between our check and our destroy is fine. */
  private async ignoreNotRunning(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!(err instanceof DriverError && (err.code === "DOMAIN_NOT_RUNNING" || err.code === "DOMAIN_NOT_FOUND"))) throw err;
    }
  }
}

/**
 * cloud-init meta-data as YAML. Values were validated to plain words (uuid, host name, key
 * lines), so they are written unquoted; lists become `- item` lines.
 */
export function metaDataYaml(meta: Record<string, string | string[] | undefined>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) lines.push(`${k}:`, ...v.map((item) => `  - ${item}`));
    else lines.push(`${k}: ${v}`);
  }
  return lines.join("\n") + "\n";
}
