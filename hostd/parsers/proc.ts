/**
 * Pure parsers for Linux /proc and /etc files that hostd reads to describe its host.
 *
 * Every function takes the file's text and returns plain data, so they are unit-tested on sample
 * text (tests/hostd/parsers.test.ts) and the I/O stays in drivers/host-probe.ts.
 */

/** One `processor` block of /proc/cpuinfo, reduced to the fields hostd uses. */
export interface CpuInfoEntry {
  /** Logical CPU number (`processor`). */
  processor: number;
  /** `model name` (x86) or undefined where the kernel does not print one (most aarch64). */
  modelName?: string;
  /** Socket id (`physical id`); undefined on architectures that do not print it. */
  physicalId?: number;
  /** Core id within the socket (`core id`); undefined where not printed. */
  coreId?: number;
  /** CPU feature flags (`flags` on x86, `Features` on aarch64). */
  flags: string[];
}

/**
 * Splits /proc/cpuinfo into one entry per logical CPU.
 * Blocks without a `processor` line (the trailing summary block on aarch64) are ignored.
 */
export function parseCpuInfo(text: string): CpuInfoEntry[] {
  const entries: CpuInfoEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const processor = fields.get("processor");
    if (processor === undefined || !/^\d+$/.test(processor)) continue;
    const flags = fields.get("flags") ?? fields.get("features") ?? "";
    entries.push({
      processor: Number(processor),
      modelName: fields.get("model name") || undefined,
      physicalId: optionalInt(fields.get("physical id")),
      coreId: optionalInt(fields.get("core id")),
      flags: flags.split(/\s+/).filter(Boolean),
    });
  }
  return entries;
}

/** CPU topology in the shape ZStack's host inventory uses. */
export interface CpuTopology {
  /** Logical CPUs the kernel schedules on (what `nproc` counts). */
  cpuNum: number;
  /** Physical packages. */
  cpuSockets: number;
  /** Cores per socket. */
  cpuCores: number;
  /** Hardware threads per core (2 with SMT/Hyper-Threading, else 1). */
  cpuThreads: number;
}

/**
 * Derives sockets/cores/threads from per-CPU socket and core ids, like lscpu does.
 * Missing ids (aarch64 cpuinfo has none unless filled in from sysfs) count each logical CPU as
 * its own core in socket 0, which is what lscpu reports for such machines too.
 */
export function cpuTopology(entries: readonly CpuInfoEntry[]): CpuTopology {
  const cpuNum = entries.length;
  if (cpuNum === 0) return { cpuNum: 0, cpuSockets: 0, cpuCores: 0, cpuThreads: 0 };
  const sockets = new Set<number>();
  const cores = new Set<string>();
  for (const e of entries) {
    const socket = e.physicalId ?? 0;
    sockets.add(socket);
    cores.add(`${socket}/${e.coreId ?? `cpu${e.processor}`}`);
  }
  const cpuSockets = sockets.size;
  const cpuCores = Math.max(1, Math.round(cores.size / cpuSockets));
  const cpuThreads = Math.max(1, Math.round(cpuNum / (cpuSockets * cpuCores)));
  return { cpuNum, cpuSockets, cpuCores, cpuThreads };
}

/**
 * Parses /proc/meminfo into bytes per key (`MemTotal`, `MemAvailable`, ...).
 * The kernel prints "kB" but means KiB; unit-less lines (HugePages_Total) are kept as counts.
 */
export function parseMemInfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?/.exec(line);
    if (!m) continue;
    const value = Number(m[2]);
    out[m[1]!] = m[3] ? value * 1024 : value;
  }
  return out;
}

/**
 * Clock ticks per second for /proc/stat. USER_HZ is fixed at 100 on every architecture Linux
 * exposes to user space (it is what `getconf CLK_TCK` prints); reading it would need a child
 * process for no gain.
 */
export const USER_HZ = 100;

/** Names of the columns of the `cpu` line of /proc/stat, in kernel order. */
export const PROC_STAT_CPU_MODES = [
  "user",
  "nice",
  "system",
  "idle",
  "iowait",
  "irq",
  "softirq",
  "steal",
] as const;

/**
 * Reads the aggregate `cpu` line of /proc/stat as seconds spent per mode, summed over all CPUs.
 * `guest`/`guest_nice` are left out because the kernel already counts them inside user/nice.
 */
export function parseProcStatCpu(text: string): Record<string, number> {
  const line = text.split("\n").find((l) => /^cpu\s/.test(l));
  const out: Record<string, number> = {};
  if (!line) return out;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  PROC_STAT_CPU_MODES.forEach((mode, i) => {
    const ticks = values[i];
    if (ticks !== undefined && Number.isFinite(ticks)) out[mode] = ticks / USER_HZ;
  });
  return out;
}

/** Byte counters of one network interface from /proc/net/dev. */
export interface NetDevCounters {
  interface: string;
  rxBytes: number;
  txBytes: number;
}

/** Parses /proc/net/dev (two header lines, then `name: rx_bytes ... tx_bytes ...`). */
export function parseNetDev(text: string): NetDevCounters[] {
  const out: NetDevCounters[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([^:\s|]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const cols = m[2]!.trim().split(/\s+/).map(Number);
    // Receive has 8 columns (bytes first), transmit starts at column 9 (bytes first).
    if (cols.length < 9 || cols.some((c) => !Number.isFinite(c))) continue;
    out.push({ interface: m[1]!, rxBytes: cols[0]!, txBytes: cols[8]! });
  }
  return out;
}

/** Parses /etc/os-release (`KEY=value`, values optionally quoted) into a map. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1).replace(/\\(["'\\$`])/g, "$1");
    out[m[1]!] = value;
  }
  return out;
}

/**
 * Whether the kernel command line turns an IOMMU on: `intel_iommu=on`, `amd_iommu=on` or
 * `iommu=pt` (pass-through mode, which also needs a working IOMMU). This is what PCI
 * pass-through needs configured; whether it actually took effect is iommuReady.
 */
export function iommuEnabledOnCmdline(cmdline: string): boolean {
  const args = cmdline.trim().split(/\s+/);
  return args.some((a) => a === "intel_iommu=on" || a === "amd_iommu=on" || a === "iommu=pt");
}

function optionalInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
