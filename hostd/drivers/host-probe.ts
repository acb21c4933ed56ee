/**
 * Reads the real host's /proc, /sys and /etc files (roots configurable, so tests can point it at
 * fixture trees). Parsing is delegated to parsers/proc.ts; this module only does file I/O.
 */
import { existsSync } from "node:fs";
import { readFile, readdir, statfs } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import {
  cpuTopology,
  iommuEnabledOnCmdline,
  parseCpuInfo,
  parseMemInfo,
  parseNetDev,
  parseOsRelease,
  parseProcStatCpu,
  type CpuInfoEntry,
  type CpuTopology,
} from "../parsers/proc.ts";
import type { HostStats } from "./types.ts";

/** Where the probe looks. Defaults are the real system paths. */
export interface HostPaths {
  /** Root of procfs; default "/proc". */
  procRoot: string;
  /** Root of sysfs; default "/sys". */
  sysRoot: string;
  /** os-release file; default "/etc/os-release". */
  osReleasePath: string;
  /** KVM device node; default "/dev/kvm". */
  kvmDevicePath: string;
}

/** The real system's paths. */
export const DEFAULT_HOST_PATHS: HostPaths = {
  procRoot: "/proc",
  sysRoot: "/sys",
  osReleasePath: "/etc/os-release",
  kvmDevicePath: "/dev/kvm",
};

/** Host facts that come from files alone (no libvirt). */
export interface ProbedHost extends CpuTopology {
  cpuModelName: string;
  cpuFlags: string[];
  /** Bytes. */
  totalMemory: number;
  /** Bytes. */
  availableMemory: number;
  hostname: string;
  osDistribution: string;
  osVersion: string;
  osPrettyName: string;
  kernelVersion: string;
  architecture: string;
  kvmDevicePresent: boolean;
  iommuEnabled: boolean;
  iommuReady: boolean;
}

/** Reads host files under configurable roots. */
export class HostProbe {
  constructor(
    private readonly paths: HostPaths = DEFAULT_HOST_PATHS,
    /** Directory whose filesystem is reported as the host's disk in hostStats(). */
    private readonly dataDir: string,
  ) {}

  /** Everything /host/fact needs that does not come from libvirt. */
  async probe(): Promise<ProbedHost> {
    const p = this.paths;
    const [cpuinfo, meminfo, osRelease, cmdline, kernel, hostname, iommuGroups] = await Promise.all([
      readText(join(p.procRoot, "cpuinfo")),
      readText(join(p.procRoot, "meminfo")),
      readText(p.osReleasePath),
      readText(join(p.procRoot, "cmdline")),
      readText(join(p.procRoot, "sys/kernel/osrelease")),
      readText(join(p.procRoot, "sys/kernel/hostname")),
      readdir(join(p.sysRoot, "kernel/iommu_groups")).catch(() => [] as string[]),
    ]);
    const cpus = await this.fillTopologyFromSysfs(parseCpuInfo(cpuinfo));
    const mem = parseMemInfo(meminfo);
    const release = parseOsRelease(osRelease);
    const arch = os.machine();
    return {
      ...cpuTopology(cpus),
      cpuModelName: cpus.find((c) => c.modelName)?.modelName ?? `${arch} CPU`,
      cpuFlags: cpus[0]?.flags ?? [],
      totalMemory: mem.MemTotal ?? 0,
      availableMemory: mem.MemAvailable ?? mem.MemFree ?? 0,
      hostname: hostname.trim() || os.hostname(),
      osDistribution: release.ID ?? "unknown",
      osVersion: release.VERSION_ID ?? "",
      osPrettyName: release.PRETTY_NAME ?? "",
      kernelVersion: kernel.trim(),
      architecture: arch,
      kvmDevicePresent: existsSync(p.kvmDevicePath),
      iommuEnabled: iommuEnabledOnCmdline(cmdline),
      iommuReady: iommuGroups.length > 0,
    };
  }

  /** CPU, memory, disk and network counters for /metrics. */
  async hostStats(): Promise<HostStats> {
    const p = this.paths;
    const [stat, meminfo, netdev, fs] = await Promise.all([
      readText(join(p.procRoot, "stat")),
      readText(join(p.procRoot, "meminfo")),
      readText(join(p.procRoot, "net/dev")),
      statfs(this.dataDir),
    ]);
    const mem = parseMemInfo(meminfo);
    return {
      cpuSecondsByMode: parseProcStatCpu(stat),
      memoryTotal: mem.MemTotal ?? 0,
      memoryAvailable: mem.MemAvailable ?? mem.MemFree ?? 0,
      // bavail, not bfree: blocks reserved for root are not usable for VM images.
      disk: { path: this.dataDir, totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize },
      interfaces: parseNetDev(netdev),
    };
  }

  /**
   * aarch64's /proc/cpuinfo has no socket/core ids; lscpu takes them from sysfs topology files,
   * and so do we when cpuinfo lacks them.
   */
  private async fillTopologyFromSysfs(cpus: CpuInfoEntry[]): Promise<CpuInfoEntry[]> {
    if (cpus.every((c) => c.physicalId !== undefined && c.coreId !== undefined)) return cpus;
    return Promise.all(
      cpus.map(async (c) => {
        const dir = join(this.paths.sysRoot, `devices/system/cpu/cpu${c.processor}/topology`);
        const [pkg, core] = await Promise.all([
          readText(join(dir, "physical_package_id")),
          readText(join(dir, "core_id")),
        ]);
        const int = (s: string): number | undefined => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : undefined);
        return { ...c, physicalId: c.physicalId ?? int(pkg), coreId: c.coreId ?? int(core) };
      }),
    );
  }
}

/** Reads a text file, or "" when it does not exist (absent files mean "feature absent"). */
async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return "";
  }
}
