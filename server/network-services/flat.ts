import type { Host, PrismaClient } from "../../generated/prisma/client.ts";
import { Errors } from "../errors/catalogue.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";
import { l2BridgeName, type L2NetworkService } from "../l2-networks/service.ts";
import { NetworkErrors } from "../l3-networks/errors.ts";
import type { IpamService } from "../l3-networks/ipam.ts";
import { ipToLong, isIpv4 } from "../l3-networks/ipv4.ts";
import type { NetworkServiceService } from "./service.ts";

/** One NIC to serve by DHCP. */
export interface DhcpNicEntry {
  l3NetworkUuid: string;
  /** `xx:xx:xx:xx:xx:xx` (any case; sent lowercase). */
  mac: string;
  /** The NIC's address from IPAM. */
  ip: string;
  /** Guest hostname (DHCP option 12): letters, digits and '-', 1–63 characters. */
  hostname?: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * The flat network service on hosts (ZStack FlatNetworkServiceProvider: FlatDhcpBackend): each
 * host serves DHCP to its own VMs from a namespace per L3 network on that L3's bridge, with a
 * DHCP server address reserved once per L3 in IPAM (UsedIp usedFor "DHCP", the highest free one).
 * The VM service calls these when it starts, migrates and stops VMs.
 *
 * Known limit: hosts on one L2 segment all use the L3's one DHCP server address; ZStack isolates
 * them with ebtables rules, which Strata does not install yet.
 */
export class FlatNetworkService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly hosts: HostService,
    private readonly l2Networks: L2NetworkService,
    private readonly ipam: IpamService,
    private readonly services: NetworkServiceService,
  ) {}

  /**
   * Ensures the bridges of these L3 networks exist on the host (idempotent); returns
   * l3NetworkUuid → bridge name, for the VM's `<interface type='bridge'>`.
   * @throws SYS.1003 host or L3, SYS.1006 the L3's L2 network is not attached to the host's cluster, NETWORK.HOST_FAILED.
   */
  async prepareHostNetworks(hostUuid: string, l3NetworkUuids: string[]): Promise<Record<string, string>> {
    const host = await this.host(hostUuid);
    const out: Record<string, string> = {};
    for (const uuid of new Set(l3NetworkUuids)) out[uuid] = await this.bridgeFor(host, uuid);
    return out;
  }

  /**
   * Serves DHCP for these NICs on the host: each MAC gets its ip with the L3's netmask, gateway,
   * DNS servers and dnsDomain, and its hostname. Idempotent per MAC (a repeated MAC replaces its
   * entry). L3 networks without the Flat provider's DHCP service attached are skipped, as ZStack
   * applies DHCP only where the service is attached.
   * @throws SYS.1007 bad MAC/hostname or an ip outside the L3's ranges, SYS.1003, SYS.1006, NETWORK.HOST_FAILED.
   */
  async applyDhcp(hostUuid: string, entries: DhcpNicEntry[]): Promise<void> {
    const host = await this.host(hostUuid);
    for (const [l3NetworkUuid, list] of groupByL3(entries)) {
      for (const e of list) {
        if (!MAC.test(e.mac)) throw Errors.invalidArgument("mac must be xx:xx:xx:xx:xx:xx", `mac: ${e.mac}`);
        if (!isIpv4(e.ip)) throw Errors.invalidArgument("ip must be an IPv4 address", `ip: ${e.ip}`);
        if (e.hostname !== undefined && !HOSTNAME.test(e.hostname)) {
          throw Errors.invalidArgument("hostname must be 1-63 letters, digits or '-', not starting or ending with '-'", `hostname: ${e.hostname}`);
        }
      }
      if (!(await this.services.hasFlatService(l3NetworkUuid, "DHCP"))) continue;
      const l3 = await this.prisma.l3Network.findUnique({ where: { uuid: l3NetworkUuid }, include: { ipRanges: true } });
      if (!l3) throw Errors.resourceNotFound("L3Network", l3NetworkUuid);
      for (const e of list) {
        const ip = ipToLong(e.ip);
        if (!l3.ipRanges.some((r) => ipToLong(r.startIp) <= ip && ip <= ipToLong(r.endIp))) {
          throw Errors.invalidArgument("ip is not inside an IP range of the L3 network", `ip: ${e.ip} on ${l3.name}`);
        }
      }
      const bridgeName = await this.bridgeFor(host, l3NetworkUuid);
      const server = await this.ipam.dhcpServerIp(l3NetworkUuid);
      await this.command(host, "Serving DHCP", "/network/flatdhcp/apply", {
        l3NetworkUuid, bridgeName, dhcpServerIp: server.ip, gateway: server.gateway, netmask: server.netmask, dns: l3.dns,
        ...(l3.dnsDomain ? { dnsDomain: l3.dnsDomain } : {}),
        entries: list.map((e) => ({ mac: e.mac, ip: e.ip, ...(e.hostname ? { hostname: e.hostname } : {}) })),
      });
    }
  }

  /**
   * Stops serving DHCP to these MACs on the host; the last MAC of an L3 network stops its DHCP
   * server there. Unknown MACs are not errors. @throws SYS.1003 host, NETWORK.HOST_FAILED.
   */
  async releaseDhcp(hostUuid: string, entries: Array<{ l3NetworkUuid: string; mac: string }>): Promise<void> {
    const host = await this.host(hostUuid);
    for (const [l3NetworkUuid, list] of groupByL3(entries)) {
      await this.command(host, "Releasing DHCP entries", "/network/flatdhcp/release", { l3NetworkUuid, entries: list.map((e) => ({ mac: e.mac })) });
    }
  }

  private async host(hostUuid: string): Promise<Host> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) throw Errors.resourceNotFound("Host", hostUuid);
    return host;
  }

  private async bridgeFor(host: Host, l3NetworkUuid: string): Promise<string> {
    const l3 = await this.prisma.l3Network.findUnique({ where: { uuid: l3NetworkUuid }, include: { l2Network: { include: { clusters: true } } } });
    if (!l3) throw Errors.resourceNotFound("L3Network", l3NetworkUuid);
    if (!l3.l2Network.clusters.some((c) => c.clusterUuid === host.clusterUuid)) {
      throw Errors.operationNotAllowed(`Using L3 network ${l3.name} on host ${host.name}`,
        `its L2 network ${l3.l2Network.name} is not attached to the host's cluster ${host.clusterUuid}; attach it first`);
    }
    await this.l2Networks.ensureBridge(host, l3.l2Network);
    return l2BridgeName(l3.l2Network);
  }

  private async command(host: Host, what: string, path: string, body: unknown): Promise<void> {
    try {
      await commandHostd(this.hosts.endpoint(host), path, body);
    } catch (err) {
      throw NetworkErrors.hostFailed(what, host, err);
    }
  }
}

function groupByL3<T extends { l3NetworkUuid: string; mac: string }>(entries: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const e of entries) {
    const n = { ...e, mac: e.mac.toLowerCase() };
    out.set(e.l3NetworkUuid, [...(out.get(e.l3NetworkUuid) ?? []), n]);
  }
  return out;
}
