/**
 * Pure parsers for `virsh` output and the libvirt → ZStack VM state mapping.
 * Unit-tested on sample output in tests/hostd/parsers.test.ts.
 */

/**
 * VM states hostd reports, named as ZStack's VmInstanceState. `Stopping` (guest shutting down)
 * and `Unknown` are transitional: the state reporter does not send them as changes.
 */
export type VmState = "Running" | "Paused" | "Stopping" | "Stopped" | "Crashed" | "Suspended" | "Unknown";

/**
 * Maps libvirt's `virDomainState` (the number `virsh domstats --state` prints as `state.state`)
 * to a VmState. `blocked` is a running domain waiting on I/O, so it counts as Running.
 */
export function vmStateFromLibvirt(code: number): VmState {
  switch (code) {
    case 1: // VIR_DOMAIN_RUNNING
    case 2: // VIR_DOMAIN_BLOCKED
      return "Running";
    case 3: // VIR_DOMAIN_PAUSED
      return "Paused";
    case 4: // VIR_DOMAIN_SHUTDOWN: the guest is being shut down
      return "Stopping";
    case 5: // VIR_DOMAIN_SHUTOFF
      return "Stopped";
    case 6: // VIR_DOMAIN_CRASHED
      return "Crashed";
    case 7: // VIR_DOMAIN_PMSUSPENDED
      return "Suspended";
    default: // VIR_DOMAIN_NOSTATE and anything newer than this code
      return "Unknown";
  }
}

/** Versions from `virsh version`. */
export interface VirshVersion {
  /** libvirt library version, e.g. "9.0.0". */
  libvirtVersion?: string;
  /** Version of the running hypervisor (QEMU), e.g. "7.2.22". */
  qemuVersion?: string;
}

/**
 * Parses `virsh version`, whose relevant lines are
 * `Using library: libvirt 9.0.0` and `Running hypervisor: QEMU 7.2.22`.
 */
export function parseVirshVersion(text: string): VirshVersion {
  const lib = /^Using library:\s*libvirt\s+(\S+)/m.exec(text);
  const hv = /^Running hypervisor:\s*QEMU\s+(\S+)/im.exec(text);
  return { libvirtVersion: lib?.[1], qemuVersion: hv?.[1] };
}

/** Per-disk counters of one domain. */
export interface DomainBlockStats {
  /** Target device name, e.g. "vda". */
  device: string;
  /** Host path of the disk image, when libvirt reports it. */
  path?: string;
  readBytes: number;
  writeBytes: number;
  readRequests: number;
  writeRequests: number;
  /** Virtual size in bytes. */
  capacityBytes?: number;
}

/** Per-interface counters of one domain. */
export interface DomainNetStats {
  /** Host-side device name, e.g. "vnet0". */
  device: string;
  rxBytes: number;
  txBytes: number;
}

/** Stats of one domain from `virsh domstats`, converted to base units (bytes, seconds). */
export interface DomainStats {
  /** Domain name (hostd names domains after the VM's uuid). */
  name: string;
  /** Mapped state, when the `--state` group was requested. */
  state?: VmState;
  /** Raw libvirt state code (`state.state`). */
  stateCode?: number;
  /** Total CPU time consumed, in seconds (`cpu.time`, reported in ns). */
  cpuTimeSeconds?: number;
  /** Current vCPU count (`vcpu.current`). */
  vcpus?: number;
  /** Memory the balloon currently gives the guest, in bytes (`balloon.current`, KiB). */
  balloonCurrentBytes?: number;
  /** Maximum guest memory, in bytes (`balloon.maximum`, KiB). */
  balloonMaximumBytes?: number;
  /** Resident set size of the QEMU process, in bytes (`balloon.rss`, KiB). */
  rssBytes?: number;
  blocks: DomainBlockStats[];
  nets: DomainNetStats[];
}

/**
 * Parses `virsh domstats` output:
 * ```
 * Domain: 'name'
 *   state.state=1
 *   cpu.time=405646000
 *   block.0.name=vda
 *   block.0.rd.bytes=0
 * ```
 * Domains are separated by blank lines; unknown keys are ignored.
 */
export function parseDomstats(text: string): DomainStats[] {
  const raw: Array<{ name: string; fields: Map<string, string> }> = [];
  let current: { name: string; fields: Map<string, string> } | undefined;
  for (const line of text.split("\n")) {
    const header = /^Domain:\s*'(.*)'\s*$/.exec(line);
    if (header) {
      current = { name: header[1]!, fields: new Map() };
      raw.push(current);
      continue;
    }
    const kv = /^\s+([^=\s]+)=(.*)$/.exec(line);
    if (kv && current) current.fields.set(kv[1]!, kv[2]!);
  }
  return raw.map(({ name, fields }) => toDomainStats(name, fields));
}

function toDomainStats(name: string, f: Map<string, string>): DomainStats {
  const num = (key: string): number | undefined => {
    const v = f.get(key);
    if (v === undefined || v === "") return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const stateCode = num("state.state");
  const cpuNs = num("cpu.time");
  const kib = (key: string): number | undefined => {
    const v = num(key);
    return v === undefined ? undefined : v * 1024;
  };

  const blocks: DomainBlockStats[] = [];
  for (let i = 0; i < (num("block.count") ?? 0); i++) {
    const p = `block.${i}.`;
    const device = f.get(`${p}name`);
    if (!device) continue;
    blocks.push({
      device,
      path: f.get(`${p}path`),
      readBytes: num(`${p}rd.bytes`) ?? 0,
      writeBytes: num(`${p}wr.bytes`) ?? 0,
      readRequests: num(`${p}rd.reqs`) ?? 0,
      writeRequests: num(`${p}wr.reqs`) ?? 0,
      capacityBytes: num(`${p}capacity`),
    });
  }
  const nets: DomainNetStats[] = [];
  for (let i = 0; i < (num("net.count") ?? 0); i++) {
    const p = `net.${i}.`;
    const device = f.get(`${p}name`);
    // User-mode NICs have no host device, so libvirt prints no per-NIC counters for them.
    if (!device) continue;
    nets.push({ device, rxBytes: num(`${p}rx.bytes`) ?? 0, txBytes: num(`${p}tx.bytes`) ?? 0 });
  }

  return {
    name,
    stateCode,
    state: stateCode === undefined ? undefined : vmStateFromLibvirt(stateCode),
    cpuTimeSeconds: cpuNs === undefined ? undefined : cpuNs / 1e9,
    vcpus: num("vcpu.current"),
    balloonCurrentBytes: kib("balloon.current"),
    balloonMaximumBytes: kib("balloon.maximum"),
    rssBytes: kib("balloon.rss"),
    blocks,
    nets,
  };
}
