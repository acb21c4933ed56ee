/**
 * HypervisorDriver for real libvirt, through the `virsh` and `qemu-img` command-line tools.
 *
 * Why the CLI and not a libvirt binding: there is no maintained libvirt binding for Node, and
 * virsh is installed with libvirt on every host. Each call is a short-lived child process with a
 * timeout (drivers/exec.ts); the commands used are stable across libvirt versions.
 */
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { decideDomainType } from "../domain-type.ts";
import { buildDomainXml, escapeXml, virtioDiskName } from "../domain-xml.ts";
import { parseDomstats, parseVirshVersion, type DomainStats, type VmState } from "../parsers/virsh.ts";
import { ExecError, run } from "./exec.ts";
import { DEFAULT_HOST_PATHS, HostProbe, type HostPaths } from "./host-probe.ts";
import {
  DriverError,
  type DiskSpec,
  type DomainSummary,
  type DomainType,
  type HostCapacity,
  type HostFacts,
  type HostStats,
  type HypervisorDriver,
  type MigrationTarget,
  type NicSpec,
  type VmSpec,
  type VolumeInfo,
} from "./types.ts";

/** Options of the virsh driver. */
export interface VirshDriverOptions {
  /** libvirt connection URI; default qemu:///system. */
  uri?: string;
  /** hostd data dir: domain XML copies go to `<dataDir>/domains/`. */
  dataDir: string;
  /** `--domain-type`; "auto" (default) decides from the host, see domain-type.ts. */
  domainType?: DomainType | "auto";
  /** Host file locations (tests point these at fixtures). */
  paths?: Partial<HostPaths>;
  /** Time limit per virsh/qemu-img call, in ms; default 30 000. */
  commandTimeoutMs?: number;
  /** URI other hosts' libvirtd reach this one at (see HypervisorDriver.migrationUri). */
  migrationUri?: string;
}

/** Domains in these states hold CPU and memory on the host. */
const ACTIVE_STATES: ReadonlySet<VmState> = new Set(["Running", "Paused", "Stopping", "Suspended", "Crashed"]);

/** Drives libvirt with `virsh -c <uri>`. */
export class VirshDriver implements HypervisorDriver {
  readonly kind = "virsh" as const;
  readonly migrationUri?: string;
  private readonly uri: string;
  private readonly probe: HostProbe;
  private readonly timeoutMs: number;

  constructor(private readonly options: VirshDriverOptions) {
    this.uri = options.uri ?? "qemu:///system";
    this.migrationUri = options.migrationUri ?? (reachableFromElsewhere(this.uri) ? this.uri : undefined);
    this.probe = new HostProbe({ ...DEFAULT_HOST_PATHS, ...options.paths }, options.dataDir);
    this.timeoutMs = options.commandTimeoutMs ?? 30_000;
  }

  async facts(): Promise<HostFacts> {
    const [host, versions, qemuImg] = await Promise.all([
      this.probe.probe(),
      this.versions().then(
        (v) => ({ ...v, reachable: true }),
        () => ({ libvirtVersion: undefined, qemuVersion: undefined, reachable: false }),
      ),
      run("qemu-img", ["--version"], this.timeoutMs).then(
        (r) => /version\s+(\S+)/.exec(r.stdout)?.[1] ?? "unknown",
        () => undefined,
      ),
    ]);
    const hvmCpuFlag = host.cpuFlags.includes("vmx") ? "vmx" : host.cpuFlags.includes("svm") ? "svm" : "";
    const nested = host.cpuFlags.includes("hypervisor");
    const libvirtKvmCapable =
      host.kvmDevicePresent && versions.reachable
        ? await this.virsh(["domcapabilities", "--virttype", "kvm"]).then(
            () => true,
            () => false,
          )
        : false;
    const decision = decideDomainType({
      override: this.options.domainType,
      kvmDevicePresent: host.kvmDevicePresent,
      hvmCpuFlag: hvmCpuFlag !== "",
      nested,
      libvirtKvmCapable,
    });
    return {
      cpuModelName: host.cpuModelName,
      cpuSockets: host.cpuSockets,
      cpuCores: host.cpuCores,
      cpuThreads: host.cpuThreads,
      cpuNum: host.cpuNum,
      totalMemory: host.totalMemory,
      hostname: host.hostname,
      osDistribution: host.osDistribution,
      osVersion: host.osVersion,
      osPrettyName: host.osPrettyName,
      kernelVersion: host.kernelVersion,
      architecture: host.architecture,
      libvirtVersion: versions.libvirtVersion,
      qemuVersion: versions.qemuVersion,
      qemuImgVersion: qemuImg,
      hvmCpuFlag,
      kvmDevicePresent: host.kvmDevicePresent,
      nestedVirtualization: nested,
      domainType: decision.domainType,
      domainTypeReason: decision.reason,
      iommuEnabled: host.iommuEnabled,
      iommuReady: host.iommuReady,
      qemuImgPresent: qemuImg !== undefined,
      libvirtReachable: versions.reachable,
    };
  }

  async capacity(): Promise<HostCapacity> {
    const [host, domains] = await Promise.all([this.probe.probe(), this.listDomains()]);
    const active = domains.filter((d) => ACTIVE_STATES.has(d.state));
    return {
      totalCpu: host.cpuNum,
      totalMemory: host.totalMemory,
      availableMemory: host.availableMemory,
      cpuSockets: host.cpuSockets,
      cpuCores: host.cpuCores,
      usedCpu: active.reduce((sum, d) => sum + (d.cpuNum ?? 0), 0),
      usedMemory: active.reduce((sum, d) => sum + (d.memorySize ?? 0), 0),
      runningVmCount: active.length,
    };
  }

  hostStats(): Promise<HostStats> {
    return this.probe.hostStats();
  }

  async versions(): Promise<{ libvirtVersion?: string; qemuVersion?: string }> {
    return parseVirshVersion((await this.virsh(["version"])).stdout);
  }

  async defineAndStart(spec: VmSpec): Promise<void> {
    const xml = buildDomainXml(spec);
    // A copy of the XML in the data dir makes "what did hostd ask libvirt for" answerable later.
    const xmlPath = join(this.options.dataDir, "domains", `${spec.vmInstanceUuid}.xml`);
    await mkdir(dirname(xmlPath), { recursive: true });
    await mkdir(dirname(spec.consoleLogPath), { recursive: true });
    await writeFile(xmlPath, xml);
    await this.virsh(["define", xmlPath]);
    try {
      await this.virsh(["start", spec.vmInstanceUuid]);
    } catch (err) {
      // A defined-but-never-started domain would linger in `virsh list --all`; the caller sees
      // the start error and retries from scratch.
      await this.virsh(["undefine", spec.vmInstanceUuid]).catch(() => undefined);
      throw err;
    }
  }

  async start(name: string): Promise<void> {
    await this.virsh(["start", name]);
  }

  async shutdown(name: string): Promise<void> {
    await this.virsh(["shutdown", name]);
  }

  async destroy(name: string): Promise<void> {
    await this.virsh(["destroy", name]);
  }

  async undefine(name: string): Promise<void> {
    await this.virsh(["undefine", name]);
  }

  async pause(name: string): Promise<void> {
    await this.virsh(["suspend", name]);
  }

  async attachDisk(name: string, disk: DiskSpec & { target?: string }): Promise<void> {
    let target = disk.target;
    if (!target) {
      const { stdout } = await this.virsh(["domblklist", name]);
      const used = new Set(stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]));
      for (let i = 0; !target; i++) if (!used.has(virtioDiskName(i))) target = virtioDiskName(i);
    }
    await this.virsh(["attach-disk", name, disk.path, target, "--driver", "qemu", "--subdriver", disk.format ?? "qcow2",
      "--targetbus", "virtio", "--live"]);
  }

  async detachDisk(name: string, path: string): Promise<void> {
    const { stdout } = await this.virsh(["domblklist", name]);
    // "Target   Source" rows: find the target that holds this file.
    const target = stdout.split("\n").map((l) => l.trim().split(/\s+/)).find((cols) => cols[1] === path)?.[0];
    if (!target) return;
    await this.virsh(["detach-disk", name, target, "--live"]);
    // Unplugging a virtio disk completes only when the guest acknowledges the ACPI eject;
    // a guest without PCI hot-unplug support keeps the disk, which must not pass as detached.
    for (let waited = 0; waited < 10_000; waited += 250) {
      const { stdout: now } = await this.virsh(["domblklist", name]);
      if (!now.includes(path)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new DriverError(`the guest did not release ${path} within 10 s; it needs ACPI PCI hot-unplug support, or stop the VM and detach`,
      "DETACH_TIMEOUT");
  }

  async consolePort(name: string): Promise<number> {
    // "127.0.0.1:0" (display number; the TCP port is 5900 + display).
    const { stdout } = await this.virsh(["vncdisplay", name]);
    const m = /:(\d+)\s*$/.exec(stdout.trim());
    if (!m) throw new DriverError(`domain ${name} has no VNC display (${stdout.trim() || "empty answer"})`);
    return 5900 + Number(m[1]);
  }

  async setConsolePassword(name: string, password: string | undefined): Promise<boolean> {
    // update-device must describe the live device with only the password changed (libvirt
    // refuses a changed port or listen address), so start from the live XML.
    const { stdout } = await this.virsh(["dumpxml", "--security-info", name]);
    const live = /<graphics type='vnc'[\s\S]*?<\/graphics>/.exec(stdout)?.[0];
    if (!live) throw new DriverError(`domain ${name} has no VNC graphics device`);
    // Started without a password, QEMU's VNC server has no password authentication to update
    // ("Could not set password"): the password waits for the next start.
    if (!/ passwd='/.test(live)) return password === undefined;
    const withoutPasswd = live.replace(/ passwd='[^']*'/, "");
    const xml = password === undefined ? withoutPasswd : withoutPasswd.replace("<graphics ", `<graphics passwd='${escapeXml(password)}' `);
    const dir = await mkdtemp(join(tmpdir(), "hostd-graphics-"));
    try {
      await writeFile(join(dir, "graphics.xml"), xml, { mode: 0o600 });
      try {
        await this.virsh(["update-device", name, join(dir, "graphics.xml"), "--live"]);
      } catch (err) {
        // Some QEMU versions refuse an empty password: the removal then waits for the next start.
        if (password === undefined) return false;
        throw err;
      }
      return true;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async attachNic(name: string, nic: Required<NicSpec>): Promise<void> {
    await this.virsh(["attach-interface", name, "bridge", nic.bridgeName, "--mac", nic.mac.toLowerCase(), "--model", "virtio", "--live"]);
  }

  async detachNic(name: string, mac: string): Promise<void> {
    const has = async () => (await this.virsh(["domiflist", name])).stdout.toLowerCase().includes(mac.toLowerCase());
    if (!(await has())) return;
    await this.virsh(["detach-interface", name, "bridge", "--mac", mac.toLowerCase(), "--live"]);
    // As for disks: the unplug completes only when the guest acknowledges it (ACPI PCI hot-unplug).
    for (let waited = 0; waited < 10_000; waited += 250) {
      if (!(await has())) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new DriverError(`the guest did not release NIC ${mac} within 10 s; it needs ACPI PCI hot-unplug support, or stop the VM and detach`,
      "DETACH_TIMEOUT");
  }

  async resume(name: string): Promise<void> {
    await this.virsh(["resume", name]);
  }

  async domainState(name: string): Promise<VmState | undefined> {
    try {
      const [stats] = parseDomstats((await this.virsh(["domstats", "--state", name])).stdout);
      return stats?.state;
    } catch (err) {
      if (err instanceof DriverError && err.code === "DOMAIN_NOT_FOUND") return undefined;
      throw err;
    }
  }

  async listDomains(): Promise<DomainSummary[]> {
    // One domstats call covers every domain (a `virsh list` + per-domain dominfo would be N+1).
    const { stdout } = await this.virsh(["domstats", "--state", "--vcpu", "--balloon"]);
    return parseDomstats(stdout).map((d) => ({
      name: d.name,
      state: d.state ?? "Unknown",
      cpuNum: d.vcpus,
      memorySize: d.balloonMaximumBytes,
    }));
  }

  async domstats(): Promise<DomainStats[]> {
    const { stdout } = await this.virsh([
      "domstats",
      "--list-active",
      "--state",
      "--cpu-total",
      "--balloon",
      "--vcpu",
      "--block",
      "--interface",
    ]);
    return parseDomstats(stdout);
  }

  async createVolume(req: { installPath: string; size: number; backingFile?: string }): Promise<VolumeInfo> {
    if (await exists(req.installPath)) {
      throw new DriverError(`volume ${req.installPath} already exists`, "VOLUME_EXISTS");
    }
    await mkdir(dirname(req.installPath), { recursive: true });
    const args = ["create", "-f", "qcow2"];
    if (req.backingFile) {
      // qemu-img refuses to guess the backing format (it would be a security risk), so ask it.
      const backing = await this.imageInfo(req.backingFile);
      args.push("-b", req.backingFile, "-F", backing.format);
    }
    args.push(req.installPath, String(req.size));
    await this.exec("qemu-img", args);
    const info = await this.imageInfo(req.installPath);
    return { installPath: req.installPath, size: info.virtualSize, actualSize: info.actualSize };
  }

  async deleteVolume(installPath: string): Promise<void> {
    await rm(installPath, { force: true });
  }

  async createConfigDrive(req: { installPath: string; metaData: string; userData: string }): Promise<{ installPath: string }> {
    const staging = await mkdtemp(join(tmpdir(), "hostd-cidata-"));
    try {
      await writeFile(join(staging, "meta-data"), req.metaData);
      await writeFile(join(staging, "user-data"), req.userData);
      await mkdir(dirname(req.installPath), { recursive: true });
      const partial = `${req.installPath}.part`;
      // genisoimage (Debian's cdrkit): -volid cidata is what cloud-init's NoCloud looks for.
      await this.exec("genisoimage", ["-quiet", "-output", partial, "-volid", "cidata", "-joliet", "-rock", staging]);
      await rename(partial, req.installPath);
      return { installPath: req.installPath };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async hotplugCpuMemory(name: string, change: { cpuNum: number; memoryIncrease: number }): Promise<void> {
    if (change.memoryIncrease > 0) {
      const kib = Math.ceil(change.memoryIncrease / 1024);
      const dir = await mkdtemp(join(tmpdir(), "hostd-dimm-"));
      try {
        await writeFile(join(dir, "dimm.xml"), `<memory model='dimm'><target><size unit='KiB'>${kib}</size><node>0</node></target></memory>\n`);
        await this.virsh(["attach-device", name, join(dir, "dimm.xml"), "--live", "--config"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    await this.virsh(["setvcpus", name, String(change.cpuNum), "--live", "--config"]);
  }

  async migrate(name: string, target: MigrationTarget): Promise<void> {
    // The destination gets this domain's definition with its own console log path (the only
    // per-host path in it; disks are on shared storage, bridges have the same names everywhere).
    const { stdout } = await this.virsh(["dumpxml", "--migratable", "--security-info", name]);
    const consoleLog = /<serial type='file'>\s*<source path='([^']+)'/.exec(stdout)?.[1];
    const xml = consoleLog ? stdout.split(`'${consoleLog}'`).join(`'${escapeXml(target.consoleLogPath)}'`) : stdout;
    const dir = await mkdtemp(join(tmpdir(), "hostd-migrate-"));
    try {
      const xmlPath = join(dir, `${name}.xml`);
      await writeFile(xmlPath, xml, { mode: 0o600 }); // holds the VNC password
      const args = ["-c", this.uri, "migrate", "--live", "--p2p", "--persistent", "--undefinesource",
        ...(target.sharedStorage ? ["--unsafe"] : []), "--xml", xmlPath, "--persistent-xml", xmlPath,
        name, target.uri, ...(target.dataUri ? [target.dataUri] : [])];
      await run("virsh", args, target.timeoutMs).catch((err: unknown) => { throw toDriverError(err); });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    // Nothing persistent: every call is its own child process.
  }

  private async imageInfo(path: string): Promise<{ format: string; virtualSize: number; actualSize: number }> {
    const { stdout } = await this.exec("qemu-img", ["info", "--output=json", path]);
    const info = JSON.parse(stdout) as { format?: string; "virtual-size"?: number; "actual-size"?: number };
    return { format: info.format ?? "raw", virtualSize: info["virtual-size"] ?? 0, actualSize: info["actual-size"] ?? 0 };
  }

  private virsh(args: string[]) {
    return this.exec("virsh", ["-c", this.uri, ...args]);
  }

  private async exec(file: string, args: string[]) {
    try {
      return await run(file, args, this.timeoutMs);
    } catch (err) {
      throw toDriverError(err);
    }
  }
}

/** Turns a failed virsh call into a DriverError whose code services can act on. */
function toDriverError(err: unknown): DriverError {
  if (!(err instanceof ExecError)) return new DriverError(String(err));
  const text = err.stderr;
  if (/failed to get domain|Domain not found|no domain with matching/i.test(text)) {
    return new DriverError(err.message, "DOMAIN_NOT_FOUND");
  }
  if (/domain is not running/i.test(text)) return new DriverError(err.message, "DOMAIN_NOT_RUNNING");
  if (/greater than max allowable vcpus|maxMemory' is not defined|no free memory device slot|exceed domain's maxMemory|maximum memory/i.test(text)) {
    return new DriverError(err.message, "NO_HOTPLUG_HEADROOM");
  }
  return new DriverError(err.message);
}

/**
 * Whether another host's libvirtd could use this URI as it is: it names a remote host or an
 * explicit socket (a second libvirtd on one machine). `qemu:///system` means "mine" everywhere.
 */
function reachableFromElsewhere(uri: string): boolean {
  return /^[a-z0-9+]+:\/\/[^/]+\//i.test(uri) || /[?&]socket=/.test(uri);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
