/**
 * Network driver of real KVM hosts: iproute2 for bridges, VLAN sub-interfaces, veth pairs and
 * namespaces; dnsmasq for DHCP. Every command is an argument vector (drivers/exec.ts), never a
 * shell string.
 *
 * Flat network DHCP follows ZStack's FlatDhcpBackend (kvmagent `flat_network` plugin): per L3
 * network a namespace `strata-dhcp-<8>` joined to the L3's bridge by a veth pair, holding the
 * DHCP server address the management node reserved, and one dnsmasq inside it that answers
 * only the MACs in its hosts file (`--dhcp-range=<network>,static`). dnsmasq runs as a daemon
 * with a pid file under `<dataDir>/dnsmasq/<l3 uuid>/`, so it keeps serving guests while hostd
 * restarts; editing the hosts file is followed by SIGHUP, which makes dnsmasq re-read it.
 */
import { readFile, rename, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { run, ExecError } from "../drivers/exec.ts";
import { dhcpNamespace, dhcpVethNames, vlanInterfaceName } from "./names.ts";
import {
  NetworkDriverError,
  type BridgeInfo,
  type BridgeResult,
  type BridgeSpec,
  type DhcpNetworkSpec,
  type DhcpStatus,
  type NetworkDriver,
} from "./types.ts";

/** `ip -j -d link show` entry (the fields used here). */
interface IpLink {
  ifname: string;
  master?: string;
  operstate?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number } };
}

/** dnsmasq lease time handed out; guests renew after half of it (seconds). */
const LEASE_SECONDS = 3600;
/** How long stopDhcp waits for dnsmasq to exit after SIGTERM before SIGKILL, in ms. */
const STOP_WAIT_MS = 3000;

/** Options of the linux network driver. */
export interface LinuxNetworkDriverOptions {
  /** hostd data dir; dnsmasq files go under `<dataDir>/dnsmasq/<l3 uuid>/`. */
  dataDir: string;
  log: Logger;
  /** dnsmasq binary; default `dnsmasq` from PATH. */
  dnsmasq?: string;
}

/** iproute2 + dnsmasq driver (see file comment). */
export class LinuxNetworkDriver implements NetworkDriver {
  readonly kind = "linux" as const;
  private readonly dnsmasq: string;

  constructor(private readonly opts: LinuxNetworkDriverOptions) {
    this.dnsmasq = opts.dnsmasq ?? "dnsmasq";
  }

  async ensureBridge(spec: BridgeSpec): Promise<BridgeResult> {
    const phy = await link(spec.physicalInterface);
    if (!phy) throw new NetworkDriverError(`physical interface ${spec.physicalInterface} does not exist on this host`);
    const created: string[] = [];
    try {
      let uplink = spec.physicalInterface;
      let createdVlanInterface = false;
      if (spec.vlan !== undefined) {
        uplink = vlanInterfaceName(spec.physicalInterface, spec.vlan);
        const v = await link(uplink);
        if (!v) {
          await ip("link", "add", "link", spec.physicalInterface, "name", uplink, "type", "vlan", "id", String(spec.vlan));
          created.push(uplink);
          createdVlanInterface = true;
        } else if (v.linkinfo?.info_kind !== "vlan" || v.linkinfo.info_data?.id !== spec.vlan) {
          throw new NetworkDriverError(`interface ${uplink} exists but is not VLAN ${spec.vlan} of ${spec.physicalInterface}`);
        }
      }
      const br = await link(spec.bridgeName);
      let createdBridge = false;
      if (!br) {
        await ip("link", "add", "name", spec.bridgeName, "type", "bridge");
        created.push(spec.bridgeName);
        createdBridge = true;
      } else if (br.linkinfo?.info_kind !== "bridge") {
        throw new NetworkDriverError(`interface ${spec.bridgeName} exists but is not a bridge`);
      }
      const up = (await link(uplink))!;
      if (up.master && up.master !== spec.bridgeName) {
        throw new NetworkDriverError(`interface ${uplink} is already enslaved to ${up.master}; it cannot join ${spec.bridgeName}`);
      }
      if (!up.master) await ip("link", "set", "dev", uplink, "master", spec.bridgeName);
      await ip("link", "set", "dev", spec.physicalInterface, "up");
      await ip("link", "set", "dev", uplink, "up");
      await ip("link", "set", "dev", spec.bridgeName, "up");
      return { bridgeName: spec.bridgeName, uplink, createdBridge, createdVlanInterface };
    } catch (err) {
      // Leave the host as it was: remove what this call created, newest first.
      for (const name of created.reverse()) await ip("link", "del", "dev", name).catch(() => undefined);
      throw asDriverError(err);
    }
  }

  async deleteBridge(spec: { bridgeName: string; physicalInterface?: string; vlan?: number }): Promise<{ deleted: boolean }> {
    let deleted = false;
    try {
      const br = await link(spec.bridgeName);
      if (br) {
        if (br.linkinfo?.info_kind !== "bridge") throw new NetworkDriverError(`interface ${spec.bridgeName} is not a bridge; not deleting it`);
        await ip("link", "del", "dev", spec.bridgeName);
        deleted = true;
      }
      if (spec.physicalInterface && spec.vlan !== undefined) {
        const name = vlanInterfaceName(spec.physicalInterface, spec.vlan);
        const v = await link(name);
        if (v?.linkinfo?.info_kind === "vlan" && !v.master) await ip("link", "del", "dev", name);
      }
      return { deleted };
    } catch (err) {
      throw asDriverError(err);
    }
  }

  async listBridges(): Promise<BridgeInfo[]> {
    const links = JSON.parse((await ip("-j", "-d", "link", "show")) || "[]") as IpLink[];
    return links
      .filter((l) => l.linkinfo?.info_kind === "bridge")
      .map((b) => ({ bridgeName: b.ifname, interfaces: links.filter((l) => l.master === b.ifname).map((l) => l.ifname) }));
  }

  private dir(l3NetworkUuid: string): string {
    return join(this.opts.dataDir, "dnsmasq", l3NetworkUuid);
  }

  async applyDhcp(spec: DhcpNetworkSpec): Promise<DhcpStatus> {
    try {
      const br = await link(spec.bridgeName);
      if (br?.linkinfo?.info_kind !== "bridge") throw new NetworkDriverError(`bridge ${spec.bridgeName} does not exist on this host`);
      const ns = dhcpNamespace(spec.l3NetworkUuid);
      const { outer, inner } = dhcpVethNames(spec.l3NetworkUuid);
      const namespaces = (await ip("netns", "list")).split("\n").map((l) => l.split(" ")[0]);
      if (!namespaces.includes(ns)) await ip("netns", "add", ns);
      if (!(await link(outer))) await ip("link", "add", outer, "type", "veth", "peer", "name", inner, "netns", ns);
      // The bridge may have been deleted and created again since: always (re)join it.
      await ip("link", "set", "dev", outer, "master", spec.bridgeName, "up");
      await ip("-n", ns, "link", "set", "dev", "lo", "up");
      await ip("-n", ns, "link", "set", "dev", inner, "up");
      const cidr = `${spec.dhcpServerIp}/${prefixLength(spec.netmask)}`;
      const addrs = JSON.parse((await ip("-n", ns, "-j", "addr", "show", "dev", inner)) || "[]") as
        Array<{ addr_info?: Array<{ family: string; local: string; prefixlen: number }> }>;
      const v4 = (addrs[0]?.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`);
      if (v4.length !== 1 || v4[0] !== cidr) {
        await ip("-n", ns, "addr", "flush", "dev", inner);
        await ip("-n", ns, "addr", "add", cidr, "dev", inner);
      }

      const dir = this.dir(spec.l3NetworkUuid);
      await mkdir(dir, { recursive: true });
      const hosts = spec.entries.map((e) => [e.mac, e.ip, ...(e.hostname ? [e.hostname] : [])].join(",")).join("\n");
      await atomicWrite(join(dir, "hosts"), hosts ? `${hosts}\n` : "");
      const conf = dnsmasqConf(spec, dir, inner);
      const confPath = join(dir, "dnsmasq.conf");
      const oldConf = await readFile(confPath, "utf8").catch(() => "");
      await atomicWrite(confPath, conf);

      const pid = await this.livePid(spec.l3NetworkUuid);
      if (pid && oldConf === conf) {
        process.kill(pid, "SIGHUP"); // re-reads the dhcp-hostsfile
        return { l3NetworkUuid: spec.l3NetworkUuid, namespace: ns, running: true, pid };
      }
      if (pid) await this.kill(pid);
      await rm(join(dir, "dnsmasq.pid"), { force: true });
      // Daemon mode: dnsmasq checks its configuration and binds its sockets before it forks, so
      // a failure is this command's exit status; success leaves the daemon and its pid file.
      await run("ip", ["netns", "exec", ns, this.dnsmasq, `--conf-file=${confPath}`]);
      const started = await this.livePid(spec.l3NetworkUuid);
      if (!started) throw new NetworkDriverError(`dnsmasq for L3 network ${spec.l3NetworkUuid} did not stay up; see ${join(dir, "dnsmasq.log")}`);
      this.opts.log.info({ l3NetworkUuid: spec.l3NetworkUuid, namespace: ns, pid: started }, "dnsmasq started");
      return { l3NetworkUuid: spec.l3NetworkUuid, namespace: ns, running: true, pid: started };
    } catch (err) {
      throw asDriverError(err);
    }
  }

  async stopDhcp(l3NetworkUuid: string): Promise<void> {
    try {
      const pid = await this.livePid(l3NetworkUuid);
      if (pid) await this.kill(pid);
      const { outer } = dhcpVethNames(l3NetworkUuid);
      if (await link(outer)) await ip("link", "del", "dev", outer); // takes its peer with it
      const ns = dhcpNamespace(l3NetworkUuid);
      if ((await ip("netns", "list")).split("\n").some((l) => l.split(" ")[0] === ns)) await ip("netns", "del", ns);
      await rm(this.dir(l3NetworkUuid), { recursive: true, force: true });
    } catch (err) {
      throw asDriverError(err);
    }
  }

  async dhcpStatus(l3NetworkUuid: string): Promise<DhcpStatus> {
    const pid = await this.livePid(l3NetworkUuid);
    return { l3NetworkUuid, namespace: dhcpNamespace(l3NetworkUuid), running: pid !== undefined, ...(pid ? { pid } : {}) };
  }

  /** The pid in the L3's pid file if that process is alive and is our dnsmasq (not a reused pid). */
  private async livePid(l3NetworkUuid: string): Promise<number | undefined> {
    const dir = this.dir(l3NetworkUuid);
    const pid = Number.parseInt(await readFile(join(dir, "dnsmasq.pid"), "utf8").catch(() => ""), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    return cmdline.includes(join(dir, "dnsmasq.conf")) ? pid : undefined;
  }

  private async kill(pid: number): Promise<void> {
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const end = Date.now() + STOP_WAIT_MS;
    while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    if (alive()) process.kill(pid, "SIGKILL");
  }
}

/** dnsmasq configuration of one L3's DHCP server: DHCP only (port=0 turns DNS off), known MACs only. */
function dnsmasqConf(spec: DhcpNetworkSpec, dir: string, iface: string): string {
  const lines = [
    `# Written by hostd for L3 network ${spec.l3NetworkUuid}; do not edit.`,
    `interface=${iface}`,
    "bind-interfaces",
    "except-interface=lo",
    "port=0",
    "no-resolv",
    "no-hosts",
    "user=root",
    "dhcp-authoritative",
    `dhcp-range=${networkAddress(spec.dhcpServerIp, spec.netmask)},static,${spec.netmask},${LEASE_SECONDS}`,
    `dhcp-hostsfile=${join(dir, "hosts")}`,
    `dhcp-leasefile=${join(dir, "leases")}`,
    `pid-file=${join(dir, "dnsmasq.pid")}`,
    `log-facility=${join(dir, "dnsmasq.log")}`,
    "log-dhcp",
    `dhcp-option=3,${spec.gateway}`,
    ...(spec.dns.length ? [`dhcp-option=6,${spec.dns.join(",")}`] : []),
    ...(spec.dnsDomain ? [`dhcp-option=15,${spec.dnsDomain}`, `domain=${spec.dnsDomain}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}

async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, path);
}

function toLong(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Prefix length of a dotted netmask, e.g. 255.255.255.0 → 24. */
export function prefixLength(netmask: string): number {
  const n = toLong(netmask);
  let len = 0;
  for (let bit = 31; bit >= 0 && Math.floor(n / 2 ** bit) % 2 === 1; bit--) len++;
  return len;
}

/** Network address of `ip` under `netmask`, dotted. */
export function networkAddress(ip: string, netmask: string): string {
  const a = ip.split(".").map(Number);
  const m = netmask.split(".").map(Number);
  return a.map((o, i) => o & m[i]!).join(".");
}

async function ip(...args: string[]): Promise<string> {
  return (await run("ip", args)).stdout;
}

/** The link named `name`, or undefined when it does not exist. */
async function link(name: string): Promise<IpLink | undefined> {
  try {
    const out = JSON.parse(await ip("-j", "-d", "link", "show", "dev", name)) as IpLink[];
    return out[0];
  } catch (err) {
    if (err instanceof ExecError && /does not exist|Cannot find device/i.test(err.message)) return undefined;
    throw err;
  }
}

function asDriverError(err: unknown): NetworkDriverError {
  return err instanceof NetworkDriverError ? err : new NetworkDriverError((err as Error).message);
}
