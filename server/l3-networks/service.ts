import type { z } from "zod";
import type { IpRange, L3Network, NetworkServiceL3NetworkRef, PrismaClient } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import { NetworkErrors } from "./errors.ts";
import type { IpamService } from "./ipam.ts";
import { broadcastOf, ipToLong, longToIp, netmaskToPrefix, networkOf, parseCidr, prefixToNetmask } from "./ipv4.ts";
import {
  ipRangeQuerySpec, l3NetworkQuerySpec, type AddIpRangeInput, type CreateL3Input, type UpdateL3Body,
} from "./schema.ts";

type L3Full = L3Network & { ipRanges: IpRange[]; services: NetworkServiceL3NetworkRef[] };
const FULL = { ipRanges: true, services: true } as const;
/** Most addresses one reserved range may cover. */
const MAX_RESERVED = 65_536;

/** ZStack IpRangeInventory as sent on the wire. */
export function ipRangeInventory(r: IpRange) {
  return {
    uuid: r.uuid, name: r.name, description: r.description, l3NetworkUuid: r.l3NetworkUuid, startIp: r.startIp, endIp: r.endIp,
    netmask: r.netmask, gateway: r.gateway, networkCidr: r.networkCidr, prefixLen: netmaskToPrefix(r.netmask) ?? 0, ipVersion: r.ipVersion,
    accountUuid: r.accountUuid, createDate: r.createDate.toISOString(), lastOpDate: r.lastOpDate.toISOString(),
  };
}

/** ZStack L3NetworkInventory as sent on the wire (with its IP ranges and network services). */
export function l3NetworkInventory(l3: L3Full) {
  return {
    uuid: l3.uuid, name: l3.name, description: l3.description, type: l3.type, category: l3.category, l2NetworkUuid: l3.l2NetworkUuid,
    zoneUuid: l3.zoneUuid, state: l3.state as "Enabled" | "Disabled", system: l3.system, dnsDomain: l3.dnsDomain, dns: l3.dns, ipVersion: 4,
    ipRanges: [...l3.ipRanges].sort((a, b) => ipToLong(a.startIp) - ipToLong(b.startIp)).map(ipRangeInventory),
    networkServices: l3.services.map((s) => ({
      l3NetworkUuid: s.l3NetworkUuid, networkServiceProviderUuid: s.networkServiceProviderUuid, networkServiceType: s.networkServiceType,
    })),
    accountUuid: l3.accountUuid, createDate: l3.createDate.toISOString(), lastOpDate: l3.lastOpDate.toISOString(),
  };
}

/**
 * L3 networks, their IPv4 ranges, DNS servers and reserved addresses (ZStack L3NetworkManager,
 * L3BasicNetwork). Addresses are handed out by {@link IpamService}.
 */
export class L3NetworkService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    readonly ipam: IpamService,
  ) {}

  /** Creates an L3 network on an L2 network (APICreateL3NetworkMsg); state Enabled. @throws SYS.1003 L2, SYS.1007, SYS.1002. */
  async create(caller: Caller, input: CreateL3Input) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const l2 = await this.prisma.l2Network.findFirst({ where: { uuid: p.l2NetworkUuid, ...ownedBy(caller) } });
    if (!l2) throw Errors.resourceNotFound("L2Network", p.l2NetworkUuid);
    const uuid = p.resourceUuid ?? newUuid();
    if (await this.prisma.l3Network.findUnique({ where: { uuid } })) throw Errors.duplicate("An L3 network with that uuid", uuid);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const l3 = await tx.l3Network.create({
        data: {
          uuid, name: p.name, description: p.description ?? null, type: p.type, category: p.category, l2NetworkUuid: l2.uuid,
          zoneUuid: l2.zoneUuid, state: "Enabled", system: p.system, dnsDomain: p.dnsDomain ?? null, accountUuid: caller.accountUuid,
        },
        include: FULL,
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "L3Network", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "L3Network", newState: "Enabled", accountUuid: caller.accountUuid });
      return l3;
    });
    return l3NetworkInventory(row);
  }

  /** The L3 network if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<L3Full> {
    const l3 = await this.prisma.l3Network.findFirst({ where: { uuid, ...ownedBy(caller) }, include: FULL });
    if (!l3) throw Errors.resourceNotFound("L3Network", uuid);
    return l3;
  }

  /** Queries L3 networks (APIQueryL3NetworkMsg); joined fields ipRanges.<field>. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: l3NetworkQuerySpec, delegate: this.prisma.l3Network as never, caller, raw,
      scope: ownedBy(caller), include: FULL, toInventory: l3NetworkInventory, csvName: "l3-networks",
    });
  }

  /** Changes name, description, category, system or dnsDomain (APIUpdateL3NetworkMsg). */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateL3Body>) {
    await this.get(caller, uuid);
    return l3NetworkInventory(await this.prisma.l3Network.update({ where: { uuid }, data: p, include: FULL }));
  }

  /** Enables or disables an L3 network (APIChangeL3NetworkStateMsg); a Disabled one hands out no address. */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    const before = await this.get(caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    if (before.state === state) return l3NetworkInventory(before);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.l3Network.update({ where: { uuid }, data: { state }, include: FULL });
      await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "L3Network", oldState: before.state, newState: state, accountUuid: r.accountUuid });
      return r;
    });
    return l3NetworkInventory(row);
  }

  /**
   * Deletes an L3 network with its IP ranges, reservations and service attachments
   * (APIDeleteL3NetworkMsg). Refused in both modes (SYS.1004) while VM NICs use it.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const l3 = await this.get(caller, uuid);
    const nics = await this.prisma.vmNic.count({ where: { l3NetworkUuid: uuid } });
    if (nics) throw Errors.deleteRefused("VM NICs still use this L3 network; delete those NICs or VMs first", `${nics} NIC(s)`);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.usedIp.deleteMany({ where: { l3NetworkUuid: uuid } });
      for (const r of l3.ipRanges) await this.tags.detachAll(tx, r.uuid);
      await tx.l3Network.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "L3Network", oldState: l3.state, accountUuid: l3.accountUuid });
    });
  }

  /**
   * Adds an IPv4 range (APIAddIpRangeMsg). Rules (each failure is SYS.1007, 400, naming the field):
   * start ≤ end; netmask contiguous; start, end and gateway in one subnet; the range holds
   * neither the network nor the broadcast address nor the gateway; it overlaps no other range of
   * the L3; and all ranges of an L3 share one gateway and netmask (ZStack L3NetworkApiInterceptor),
   * since guests of one L3 share one subnet and one DHCP server.
   */
  async addIpRange(caller: Caller, l3NetworkUuid: string, input: AddIpRangeInput) {
    TagService.validate(input.systemTags, input.userTags);
    const l3 = await this.get(caller, l3NetworkUuid);
    const p = input.params;
    const bad = (field: string, why: string) => Errors.invalidArgument(`Invalid IP range: ${field} ${why}`, `${field}: ${why}`);
    const prefix = netmaskToPrefix(p.netmask);
    if (prefix === undefined || prefix < 1 || prefix > 30) throw bad("netmask", `${p.netmask} is not a netmask of /1 to /30`);
    const start = ipToLong(p.startIp);
    const end = ipToLong(p.endIp);
    const gateway = ipToLong(p.gateway);
    if (start > end) throw bad("startIp", `${p.startIp} is after endIp ${p.endIp}`);
    const network = networkOf(gateway, prefix);
    const broadcast = broadcastOf(gateway, prefix);
    const cidr = `${longToIp(network)}/${prefix}`;
    if (networkOf(start, prefix) !== network) throw bad("startIp", `${p.startIp} is not in the gateway's subnet ${cidr}`);
    if (networkOf(end, prefix) !== network) throw bad("endIp", `${p.endIp} is not in the gateway's subnet ${cidr}`);
    if (start === network) throw bad("startIp", `${p.startIp} is the network address of ${cidr}`);
    if (end === broadcast) throw bad("endIp", `${p.endIp} is the broadcast address of ${cidr}`);
    if (gateway === network || gateway === broadcast) throw bad("gateway", `${p.gateway} is the network or broadcast address of ${cidr}`);
    if (start <= gateway && gateway <= end) throw bad("gateway", `${p.gateway} is inside the range ${p.startIp}-${p.endIp}; it must be outside`);
    for (const r of l3.ipRanges) {
      if (r.gateway !== p.gateway || r.netmask !== p.netmask) {
        throw bad("gateway", `the L3 network's ranges use gateway ${r.gateway} and netmask ${r.netmask}; a new range must use the same`);
      }
      if (start <= ipToLong(r.endIp) && ipToLong(r.startIp) <= end) {
        throw bad("startIp", `${p.startIp}-${p.endIp} overlaps IP range ${r.name} (${r.startIp}-${r.endIp})`);
      }
    }
    const uuid = p.resourceUuid ?? newUuid();
    if (await this.prisma.ipRange.findUnique({ where: { uuid } })) throw Errors.duplicate("An IP range with that uuid", uuid);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.ipRange.create({
        data: {
          uuid, l3NetworkUuid, name: p.name, description: p.description ?? null, startIp: p.startIp, endIp: p.endIp,
          netmask: p.netmask, gateway: p.gateway, networkCidr: cidr, ipVersion: 4, accountUuid: l3.accountUuid,
        },
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "IpRange", accountUuid: l3.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "IpRange", accountUuid: l3.accountUuid });
      return r;
    });
    return ipRangeInventory(row);
  }

  /**
   * Adds the whole of a network CIDR as a range (APIAddIpRangeByNetworkCidrMsg): the gateway is
   * the first usable address unless given (then it must be the first or the last usable one), and
   * the range is every other usable address.
   */
  async addIpRangeByCidr(caller: Caller, l3NetworkUuid: string, input: { params: { name: string; description?: string; networkCidr: string; gateway?: string; resourceUuid?: string }; systemTags?: string[]; userTags?: string[] }) {
    const p = input.params;
    const c = parseCidr(p.networkCidr);
    if (!c || c.prefix < 1 || c.prefix > 30) {
      throw Errors.invalidArgument("Invalid IP range: networkCidr must be a network address with a prefix of /1 to /30, e.g. 10.0.0.0/24",
        `networkCidr: ${p.networkCidr}`);
    }
    const first = c.network + 1;
    const last = broadcastOf(c.network, c.prefix) - 1;
    const gw = p.gateway === undefined ? first : ipToLong(p.gateway);
    if (gw !== first && gw !== last) {
      throw Errors.invalidArgument("Invalid IP range: gateway must be the first or the last usable address of networkCidr",
        `gateway: ${p.gateway} (first ${longToIp(first)}, last ${longToIp(last)})`);
    }
    const [startIp, endIp] = gw === first ? [first + 1, last] : [first, last - 1];
    return this.addIpRange(caller, l3NetworkUuid, {
      params: {
        name: p.name, description: p.description, startIp: longToIp(startIp), endIp: longToIp(endIp), netmask: prefixToNetmask(c.prefix),
        gateway: longToIp(gw), resourceUuid: p.resourceUuid,
      },
      systemTags: input.systemTags, userTags: input.userTags,
    });
  }

  /** Queries IP ranges (APIQueryIpRangeMsg). */
  queryIpRanges(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ipRangeQuerySpec, delegate: this.prisma.ipRange as never, caller, raw,
      scope: ownedBy(caller), toInventory: ipRangeInventory, csvName: "ip-ranges",
    });
  }

  /**
   * Deletes an IP range (APIDeleteIpRangeMsg). Refused (SYS.1004) while VM NICs hold addresses
   * in it; its reservations and a DHCP server address in it go with it.
   */
  async deleteIpRange(caller: Caller, uuid: string): Promise<void> {
    const r = await this.prisma.ipRange.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!r) throw Errors.resourceNotFound("IpRange", uuid);
    const inRange = { l3NetworkUuid: r.l3NetworkUuid, ipInLong: { gte: BigInt(ipToLong(r.startIp)), lte: BigInt(ipToLong(r.endIp)) } };
    const used = await this.prisma.usedIp.findMany({ where: { ...inRange, usedFor: "VmNic" }, select: { ip: true }, take: 10 });
    if (used.length) {
      throw Errors.deleteRefused("VM NICs still use addresses of this IP range; delete those NICs or VMs first", used.map((u) => u.ip).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.usedIp.deleteMany({ where: inRange });
      await tx.ipRange.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "IpRange", accountUuid: r.accountUuid });
    });
  }

  /** Adds a DNS server handed to guests (APIAddDnsToL3NetworkMsg). @throws SYS.1002 already listed. */
  async addDns(caller: Caller, uuid: string, dns: string) {
    const l3 = await this.get(caller, uuid);
    if (l3.dns.includes(dns)) throw Errors.duplicate("That DNS server on the L3 network", dns);
    return l3NetworkInventory(await this.prisma.l3Network.update({ where: { uuid }, data: { dns: [...l3.dns, dns] }, include: FULL }));
  }

  /** Removes a DNS server (APIRemoveDnsFromL3NetworkMsg). @throws SYS.1007 not listed. */
  async removeDns(caller: Caller, uuid: string, dns: string) {
    const l3 = await this.get(caller, uuid);
    if (!l3.dns.includes(dns)) throw Errors.invalidArgument("That DNS server is not on the L3 network", `dns: ${dns}; listed: ${l3.dns.join(", ") || "none"}`);
    return l3NetworkInventory(await this.prisma.l3Network.update({ where: { uuid }, data: { dns: l3.dns.filter((d) => d !== dns) }, include: FULL }));
  }

  /**
   * Reserves startIp..endIp so IPAM never hands them out (APIAddReservedIpRangeMsg), as UsedIp
   * rows with usedFor Reserved, in one transaction: all or nothing.
   * @throws SYS.1007 bad order, outside the L3's ranges or too large; IPAM.IP_IN_USE (409) when one is already used.
   */
  async reserveIpRange(caller: Caller, uuid: string, startIp: string, endIp: string) {
    const l3 = await this.get(caller, uuid);
    const start = ipToLong(startIp);
    const end = ipToLong(endIp);
    if (start > end) throw Errors.invalidArgument("Invalid reserved range: startIp is after endIp", `startIp: ${startIp} > endIp ${endIp}`);
    if (end - start + 1 > MAX_RESERVED) throw Errors.invalidArgument(`A reserved range covers at most ${MAX_RESERVED} addresses`, `startIp: ${startIp}-${endIp}`);
    const rows: Array<{ uuid: string; ipRangeUuid: string; l3NetworkUuid: string; ip: string; ipInLong: bigint; usedFor: string }> = [];
    for (let ip = start; ip <= end; ip++) {
      const range = l3.ipRanges.find((r) => ipToLong(r.startIp) <= ip && ip <= ipToLong(r.endIp));
      if (!range) throw Errors.invalidArgument("Invalid reserved range: every address must be inside an IP range of the L3 network", `startIp: ${longToIp(ip)} is not`);
      rows.push({ uuid: newUuid(), ipRangeUuid: range.uuid, l3NetworkUuid: uuid, ip: longToIp(ip), ipInLong: BigInt(ip), usedFor: "Reserved" });
    }
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.usedIp.createMany({ data: rows, skipDuplicates: true });
      if (count !== rows.length) {
        const taken = await tx.usedIp.findFirst({ where: { l3NetworkUuid: uuid, ipInLong: { gte: BigInt(start), lte: BigInt(end) }, uuid: { notIn: rows.map((r) => r.uuid) } } });
        throw NetworkErrors.ipInUse(taken?.ip ?? `${startIp}-${endIp}`, uuid);
      }
    });
    return { l3NetworkUuid: uuid, startIp, endIp, count: rows.length };
  }

  /** Frees reserved addresses startIp..endIp (APIDeleteReservedIpRangeMsg); addresses used otherwise stay. */
  async unreserveIpRange(caller: Caller, uuid: string, startIp: string, endIp: string) {
    await this.get(caller, uuid);
    const { count } = await this.prisma.usedIp.deleteMany({
      where: { l3NetworkUuid: uuid, usedFor: "Reserved", ipInLong: { gte: BigInt(ipToLong(startIp)), lte: BigInt(ipToLong(endIp)) } },
    });
    return { l3NetworkUuid: uuid, startIp, endIp, count };
  }

  /** Free addresses (APIGetFreeIpMsg). */
  async freeIps(caller: Caller, uuid: string, q: { limit: number; ipRangeUuid?: string; start?: string }) {
    await this.get(caller, uuid);
    return this.ipam.freeIps(uuid, q);
  }

  /** Address counts (APIGetIpAddressCapacityMsg for one L3). */
  async ipStatistic(caller: Caller, uuid: string) {
    await this.get(caller, uuid);
    return this.ipam.capacity(uuid);
  }
}
