/**
 * The contract between hostd's services and a hypervisor back end.
 *
 * Drivers do I/O and nothing else: no retries, no state-change bookkeeping, no graceful-stop
 * policy (that lives in services/vm-service.ts so the virsh and sim drivers behave alike).
 * Implementations: drivers/virsh.ts (real libvirt through the `virsh` CLI) and drivers/sim.ts
 * (in-memory, for running hundreds of fake hosts in one process).
 */
import type { HostDevices } from "../devices/types.ts";
import type { DomainStats, VmState } from "../parsers/virsh.ts";

/** libvirt domain type: `kvm` (hardware virtualisation) or `qemu` (TCG software emulation). */
export type DomainType = "kvm" | "qemu";

/** One disk of a VM. */
export interface DiskSpec {
  /** Absolute host path of the image. */
  path: string;
  /** Image format; qcow2 unless stated. */
  format?: "qcow2" | "raw";
}

/** One NIC of a VM. */
export interface NicSpec {
  /** MAC address, `52:54:00:xx:xx:xx` style. */
  mac: string;
  /** Host bridge to plug into; when omitted the NIC uses QEMU user-mode networking. */
  bridgeName?: string;
}

/** Everything needed to define and start a domain. */
export interface VmSpec {
  /** ZStack VM uuid; used both as libvirt domain name and libvirt uuid. */
  vmInstanceUuid: string;
  /** Number of vCPUs. */
  cpuNum: number;
  /** Guest memory in bytes. */
  memorySize: number;
  /** vCPUs the running domain may grow to (hot-plug headroom); default cpuNum (none). */
  maxCpuNum?: number;
  /** Bytes of memory the running domain may grow to with DIMM hot-plug; default memorySize (none). */
  maxMemorySize?: number;
  domainType: DomainType;
  /** Guest architecture; defaults to the host's. */
  arch?: "x86_64" | "aarch64";
  rootDisk: DiskSpec;
  dataDisks?: DiskSpec[];
  nics?: NicSpec[];
  /** ISO attached read-only after the volumes: the NoCloud config drive (cloud-init's CIDATA). */
  configDrivePath?: string;
  /** Host file the serial console is written to. */
  consoleLogPath: string;
  /** VNC password (graphics `passwd`); VNC uses at most 8 characters. None: no password. */
  consolePassword?: string;
  /** PCI and USB devices passed through to the guest (`<hostdev>`, see devices/hostdev-xml.ts). */
  hostDevices?: HostDevices;
}

/** A domain as seen by listDomains(). */
export interface DomainSummary {
  /** Domain name (= vmInstanceUuid for VMs hostd created). */
  name: string;
  state: VmState;
  /** vCPUs, when the driver knows them. */
  cpuNum?: number;
  /** Memory in bytes, when the driver knows it. */
  memorySize?: number;
}

/** Static facts about the host (answer of /host/fact). */
export interface HostFacts {
  cpuModelName: string;
  /** Physical CPU packages. */
  cpuSockets: number;
  /** Cores per socket. */
  cpuCores: number;
  /** Threads per core. */
  cpuThreads: number;
  /** Logical CPUs. */
  cpuNum: number;
  /** Total memory in bytes (MemTotal). */
  totalMemory: number;
  hostname: string;
  /** /etc/os-release ID, e.g. "debian". */
  osDistribution: string;
  /** /etc/os-release VERSION_ID, e.g. "12". */
  osVersion: string;
  /** /etc/os-release PRETTY_NAME. */
  osPrettyName: string;
  /** `uname -r`. */
  kernelVersion: string;
  /** e.g. "x86_64", "aarch64". */
  architecture: string;
  libvirtVersion?: string;
  qemuVersion?: string;
  qemuImgVersion?: string;
  /** "vmx" (Intel VT-x), "svm" (AMD-V) or "" when the CPU exposes neither (as ZStack reports it). */
  hvmCpuFlag: "vmx" | "svm" | "";
  /** Whether /dev/kvm exists. */
  kvmDevicePresent: boolean;
  /** True when the CPU flags say hostd itself runs inside a VM. */
  nestedVirtualization: boolean;
  /** Domain type VMs on this host should use. */
  domainType: DomainType;
  /** Why that domain type was chosen (for operators reading the host inventory). */
  domainTypeReason: string;
  /** Kernel command line turns the IOMMU on. */
  iommuEnabled: boolean;
  /** /sys/kernel/iommu_groups has groups, i.e. the IOMMU is really active. */
  iommuReady: boolean;
  qemuImgPresent: boolean;
  libvirtReachable: boolean;
}

/** Host resources and what running domains use (answer of /host/capacity). */
export interface HostCapacity {
  /** Logical CPUs. */
  totalCpu: number;
  /** Total memory in bytes. */
  totalMemory: number;
  /** Memory the kernel considers available, in bytes (MemAvailable). */
  availableMemory: number;
  cpuSockets: number;
  /** Cores per socket. */
  cpuCores: number;
  /** Sum of vCPUs of running/paused domains. */
  usedCpu: number;
  /** Sum of memory of running/paused domains, in bytes. */
  usedMemory: number;
  /** Number of running/paused domains. */
  runningVmCount: number;
}

/** Host-level counters for /metrics. */
export interface HostStats {
  /** Seconds spent per CPU mode since boot, summed over all CPUs (/proc/stat). */
  cpuSecondsByMode: Record<string, number>;
  /** Bytes. */
  memoryTotal: number;
  /** Bytes. */
  memoryAvailable: number;
  /** Filesystem holding hostd's data dir. */
  disk: { path: string; totalBytes: number; freeBytes: number };
  /** Per-interface byte counters since boot. */
  interfaces: Array<{ interface: string; rxBytes: number; txBytes: number }>;
}

/** Result of createVolume. */
export interface VolumeInfo {
  installPath: string;
  /** Virtual size in bytes. */
  size: number;
  /** Bytes allocated on the host filesystem. */
  actualSize: number;
}

/** Thrown by drivers; `code` lets services treat "already gone" as success. */
export class DriverError extends Error {
  constructor(
    message: string,
    /** DOMAIN_NOT_FOUND, DOMAIN_NOT_RUNNING, VOLUME_EXISTS, INJECTED_FAILURE, DETACH_TIMEOUT, or COMMAND_FAILED. */
    readonly code:
      | "DOMAIN_NOT_FOUND"
      | "DOMAIN_NOT_RUNNING"
      | "VOLUME_EXISTS"
      | "INJECTED_FAILURE"
      | "DETACH_TIMEOUT"
      | "NO_HOTPLUG_HEADROOM"
      | "COMMAND_FAILED" = "COMMAND_FAILED",
  ) {
    super(message);
    this.name = "DriverError";
  }
}

/**
 * A hypervisor as hostd needs it. Domain arguments are domain names (= vmInstanceUuid).
 * Methods reject with DriverError.
 */
export interface HypervisorDriver {
  /** "virsh" or "sim"; shown in logs and /host/fact. */
  readonly kind: "virsh" | "sim";
  facts(): Promise<HostFacts>;
  capacity(): Promise<HostCapacity>;
  hostStats(): Promise<HostStats>;
  /** libvirt and QEMU versions; rejects when libvirtd is unreachable. */
  versions(): Promise<{ libvirtVersion?: string; qemuVersion?: string }>;
  /** Defines a persistent domain from the spec and starts it. */
  defineAndStart(spec: VmSpec): Promise<void>;
  /** Starts an already defined, stopped domain. */
  start(name: string): Promise<void>;
  /** Asks the guest to power off (ACPI); returns without waiting. */
  shutdown(name: string): Promise<void>;
  /** Pulls the plug (virsh destroy); the definition stays. */
  destroy(name: string): Promise<void>;
  /** Removes the definition of a stopped domain. */
  undefine(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** State of one domain, or undefined if no such domain exists. */
  domainState(name: string): Promise<VmState | undefined>;
  /** All domains on the host (running or not). */
  listDomains(): Promise<DomainSummary[]>;
  /** Counters of active domains, for /metrics. */
  domstats(): Promise<DomainStats[]>;
  /** Creates a qcow2 image of `size` bytes, optionally on top of a backing file. */
  createVolume(req: { installPath: string; size: number; backingFile?: string }): Promise<VolumeInfo>;
  /**
   * Hot-plugs a disk into a running or paused domain as virtio `target` (e.g. vdc). A stopped
   * domain needs nothing: the next start carries the disk in its spec.
   */
  attachDisk(name: string, disk: DiskSpec & { target?: string }): Promise<void>;
  /** Hot-unplugs the disk at `path` from a running or paused domain; absent is not an error. */
  detachDisk(name: string, path: string): Promise<void>;
  /** Deletes an image file; a missing file is not an error. */
  deleteVolume(installPath: string): Promise<void>;
  /**
   * Writes a NoCloud config drive: an ISO 9660 image labelled `cidata` holding `meta-data` and
   * `user-data` (cloud-init's NoCloud datasource), replacing any previous one.
   */
  createConfigDrive(req: { installPath: string; metaData: string; userData: string }): Promise<{ installPath: string }>;
  /** TCP port of a running or paused domain's VNC server (it listens on 127.0.0.1). */
  consolePort(name: string): Promise<number>;
  /**
   * Sets (or, with undefined, removes) the VNC password of a running or paused domain at once
   * (`virsh update-device --live` of its graphics device). Resolves false, changing nothing,
   * when the domain's VNC server was started without password authentication: QEMU cannot turn
   * it on in a running VM, so the password takes effect at the next start.
   */
  setConsolePassword(name: string, password: string | undefined): Promise<boolean>;
  /** Hot-plugs a virtio NIC on `bridgeName` into a running or paused domain. */
  attachNic(name: string, nic: Required<NicSpec>): Promise<void>;
  /** Hot-unplugs the NIC with this MAC from a running or paused domain; absent is not an error. */
  detachNic(name: string, mac: string): Promise<void>;
  /**
   * The libvirt URI a source host's libvirtd connects to when it migrates a domain to this host,
   * when this host knows it: set with --migration-uri, or this driver's own connection URI when
   * that names a socket or a remote host. Undefined: the management node uses
   * `qemu+tcp://<managementIp>/system`, as ZStack does (libvirtd listening on TCP 16509).
   */
  readonly migrationUri?: string;
  /**
   * Live-migrates a running or paused domain to another host (peer to peer: this host's
   * libvirtd drives it), defining it there and undefining it here. Throws DOMAIN_NOT_FOUND /
   * DOMAIN_NOT_RUNNING, or a DriverError with libvirt's message when the migration fails (the
   * domain then still runs here).
   */
  migrate(name: string, target: MigrationTarget): Promise<void>;
  /**
   * Grows a running or paused domain to `cpuNum` vCPUs (setvcpus --live --config) and by
   * `memoryIncrease` bytes (one DIMM, attach-device --live --config). Throws
   * NO_HOTPLUG_HEADROOM when the domain was defined without room for it (maxCpuNum /
   * maxMemorySize), DOMAIN_NOT_RUNNING when stopped.
   */
  hotplugCpuMemory(name: string, change: { cpuNum: number; memoryIncrease: number }): Promise<void>;
  /** Releases resources (timers); the driver is unusable afterwards. */
  close(): Promise<void>;
}

/** Where and how {@link HypervisorDriver.migrate} sends a domain. */
export interface MigrationTarget {
  /** libvirt URI of the destination's libvirtd, e.g. `qemu+tcp://10.0.0.2/system`. */
  uri: string;
  /** Where the destination QEMU receives memory, e.g. `tcp://10.0.0.2`; default: libvirt's choice. */
  dataUri?: string;
  /** Serial console log file on the destination (its hostd's data dir). */
  consoleLogPath: string;
  /**
   * The management node vouches that every disk is on storage both hosts share (NFS,
   * SharedMountPoint). libvirt's own check only recognises some cluster filesystems and
   * refuses others as "unsafe"; with this set it is skipped (virsh migrate --unsafe).
   */
  sharedStorage: boolean;
  /** Time allowed for the whole migration, in ms. */
  timeoutMs: number;
}
