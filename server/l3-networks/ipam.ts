/**
 * IP address management of L3 networks (ZStack L3NetworkManager + IpAllocatorStrategy).
 *
 * Every address handed out is a UsedIp row; the unique (l3NetworkUuid, ip) is what makes a
 * duplicate impossible however many allocations race, on PostgreSQL and on PGlite alike.
 *
 * How a race is resolved (the choice the brief asked for): an allocation attempt inserts its
 * candidate with `INSERT ... ON CONFLICT DO NOTHING` (Prisma `createMany({ skipDuplicates })`)
 * inside the caller's transaction. A taken address inserts nothing (count 0) instead of raising
 * a unique violation, so the caller's transaction is never aborted and no SAVEPOINT is needed;
 * the attempt then re-reads what is used (READ COMMITTED sees the winners' commits), and tries
 * another address, at most {@link MAX_ATTEMPTS} times. If another transaction holds the same
 * address uncommitted, PostgreSQL makes the insert wait for it, then skips or inserts: never both.
 *
 * Callers: allocate at most one address per L3 network in one transaction (two transactions
 * each holding one uncommitted address and waiting for the other's would deadlock, and
 * PostgreSQL would abort one of them).
 */
import { randomBytes, randomInt } from "node:crypto";
import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { Errors } from "../errors/catalogue.ts";
import { newUuid } from "../ids.ts";
import { NetworkErrors } from "./errors.ts";
import { ipToLong, isIpv4, longToIp } from "./ipv4.ts";

/** A Prisma interactive-transaction client (or the client itself). */
export type Tx = Prisma.TransactionClient | PrismaClient;

/** ZStack's IP allocator strategies (L3NetworkConstant). */
export const IP_ALLOCATOR_STRATEGIES = ["FirstAvailableIpAllocatorStrategy", "RandomIpAllocatorStrategy"] as const;
export type IpAllocatorStrategy = (typeof IP_ALLOCATOR_STRATEGIES)[number];

/** What a UsedIp row is for: a VM NIC, an operator's reservation, or the flat network's DHCP server. */
export type UsedFor = "VmNic" | "Reserved" | "DHCP";

/** Most insert attempts of one allocation before it gives up with IPAM.NO_FREE_IP. */
export const MAX_ATTEMPTS = 64;
/** After a lost race, FirstAvailable picks at random among this many lowest free addresses, so racers spread out. */
const SPREAD = 16;

/** An allocated address. */
export interface AllocatedIp {
  usedIpUuid: string;
  ip: string;
  netmask: string;
  gateway: string;
  ipRangeUuid: string;
}

interface Range { uuid: string; start: number; end: number; netmask: string; gateway: string }

/** IPAM (see file comment). */
export class IpamService {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Allocates one IP on an L3 network inside `tx`. `staticIp` wins when given: it must be inside
   * an IP range and not the gateway (IPAM.IP_NOT_IN_RANGE, 400), and free (IPAM.IP_IN_USE, 409).
   * Otherwise `strategy` picks: FirstAvailableIpAllocatorStrategy (default: lowest free address)
   * or RandomIpAllocatorStrategy.
   * @throws SYS.1003 unknown L3, SYS.1006 L3 Disabled, SYS.1007 bad strategy/staticIp, IPAM.NO_FREE_IP (409) when full.
   */
  async allocate(tx: Tx, p: { l3NetworkUuid: string; strategy?: string; staticIp?: string; vmNicUuid?: string; usedFor?: UsedFor;
    /** Search from the highest address down (used for the DHCP server's address). */
    fromTop?: boolean }): Promise<AllocatedIp> {
    const l3 = await tx.l3Network.findUnique({ where: { uuid: p.l3NetworkUuid }, include: { ipRanges: true } });
    if (!l3) throw Errors.resourceNotFound("L3Network", p.l3NetworkUuid);
    if (l3.state !== "Enabled") {
      throw Errors.operationNotAllowed("Allocating an IP address on this L3 network", `L3 network ${l3.name} is ${l3.state}; enable it first`);
    }
    const ranges: Range[] = l3.ipRanges
      .map((r) => ({ uuid: r.uuid, start: ipToLong(r.startIp), end: ipToLong(r.endIp), netmask: r.netmask, gateway: r.gateway }))
      .sort((a, b) => a.start - b.start);
    const usedFor = p.usedFor ?? "VmNic";
    const insert = async (ip: number, range: Range): Promise<AllocatedIp | undefined> => {
      const uuid = newUuid();
      const { count } = await tx.usedIp.createMany({
        data: [{
          uuid, ipRangeUuid: range.uuid, l3NetworkUuid: p.l3NetworkUuid, ip: longToIp(ip), ipInLong: BigInt(ip), usedFor,
          vmNicUuid: p.vmNicUuid ?? null,
        }],
        skipDuplicates: true,
      });
      return count === 1 ? { usedIpUuid: uuid, ip: longToIp(ip), netmask: range.netmask, gateway: range.gateway, ipRangeUuid: range.uuid } : undefined;
    };

    if (p.staticIp !== undefined) {
      if (!isIpv4(p.staticIp)) throw Errors.invalidArgument("staticIp must be an IPv4 address", `staticIp ${JSON.stringify(p.staticIp)}`);
      const ip = ipToLong(p.staticIp);
      const range = ranges.find((r) => r.start <= ip && ip <= r.end);
      if (!range) throw NetworkErrors.ipNotInRange(p.staticIp, p.l3NetworkUuid);
      if (range.gateway === p.staticIp) throw NetworkErrors.ipNotInRange(p.staticIp, p.l3NetworkUuid, "is the gateway");
      const got = await insert(ip, range);
      if (!got) throw NetworkErrors.ipInUse(p.staticIp, p.l3NetworkUuid);
      return got;
    }

    const strategy = p.strategy ?? "FirstAvailableIpAllocatorStrategy";
    if (!(IP_ALLOCATOR_STRATEGIES as readonly string[]).includes(strategy)) {
      throw Errors.invalidArgument(`ipAllocatorStrategy must be one of ${IP_ALLOCATOR_STRATEGIES.join(", ")}`, `got ${strategy}`);
    }
    const tried = new Set<number>();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const rows = await tx.usedIp.findMany({ where: { l3NetworkUuid: p.l3NetworkUuid }, select: { ipInLong: true } });
      const taken = new Set<number>(rows.map((r) => Number(r.ipInLong)));
      for (const t of tried) taken.add(t);
      const pick = strategy === "RandomIpAllocatorStrategy"
        ? pickRandom(ranges, taken)
        : pickLowest(p.fromTop ? [...ranges].reverse() : ranges, taken, attempt === 0 ? 1 : SPREAD, p.fromTop ?? false);
      if (!pick) throw NetworkErrors.noFreeIp(p.l3NetworkUuid);
      const got = await insert(pick.ip, pick.range);
      if (got) return got;
      tried.add(pick.ip);
    }
    throw NetworkErrors.noFreeIp(p.l3NetworkUuid);
  }

  /** Gives an address back (ZStack ReturnIpMsg). Releasing an unknown uuid is not an error. */
  async release(tx: Tx, usedIpUuid: string): Promise<void> {
    await tx.usedIp.deleteMany({ where: { uuid: usedIpUuid } });
  }

  /**
   * The address of an L3 network's flat DHCP server, reserved on first use (usedFor "DHCP",
   * the highest free address) in its own short transaction under a transaction-scoped advisory
   * lock, so hosts asking at once agree on one address (ZStack FlatDhcpBackend's DHCP server IP).
   */
  async dhcpServerIp(l3NetworkUuid: string): Promise<AllocatedIp> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`strata-dhcp-ip:${l3NetworkUuid}`}))::text AS locked`;
      const existing = await tx.usedIp.findFirst({ where: { l3NetworkUuid, usedFor: "DHCP" } });
      if (existing) {
        const range = existing.ipRangeUuid ? await tx.ipRange.findUnique({ where: { uuid: existing.ipRangeUuid } }) : null;
        if (range) return { usedIpUuid: existing.uuid, ip: existing.ip, netmask: range.netmask, gateway: range.gateway, ipRangeUuid: range.uuid };
        await tx.usedIp.delete({ where: { uuid: existing.uuid } }); // its range was deleted: take a new one
      }
      return this.allocate(tx, { l3NetworkUuid, usedFor: "DHCP", fromTop: true });
    });
  }

  /**
   * Free addresses of an L3 network in ascending order (ZStack APIGetFreeIpMsg), at most `limit`,
   * optionally within one range and starting at `start`.
   */
  async freeIps(l3NetworkUuid: string, opts: { limit: number; ipRangeUuid?: string; start?: string }) {
    const ranges = await this.prisma.ipRange.findMany({ where: { l3NetworkUuid, ...(opts.ipRangeUuid ? { uuid: opts.ipRangeUuid } : {}) } });
    const used = new Set((await this.prisma.usedIp.findMany({ where: { l3NetworkUuid }, select: { ipInLong: true } })).map((r) => Number(r.ipInLong)));
    const from = opts.start ? ipToLong(opts.start) : 0;
    const out: Array<{ ipRangeUuid: string; ip: string; netmask: string; gateway: string }> = [];
    for (const r of ranges.sort((a, b) => ipToLong(a.startIp) - ipToLong(b.startIp))) {
      for (let ip = Math.max(ipToLong(r.startIp), from); ip <= ipToLong(r.endIp) && out.length < opts.limit; ip++) {
        if (!used.has(ip)) out.push({ ipRangeUuid: r.uuid, ip: longToIp(ip), netmask: r.netmask, gateway: r.gateway });
      }
    }
    return out;
  }

  /** Address counts of an L3 network (ZStack APIGetIpAddressCapacityMsg): total in ranges, used, available. */
  async capacity(l3NetworkUuid: string) {
    const ranges = await this.prisma.ipRange.findMany({ where: { l3NetworkUuid } });
    const totalCapacity = ranges.reduce((n, r) => n + ipToLong(r.endIp) - ipToLong(r.startIp) + 1, 0);
    const used = await this.prisma.usedIp.groupBy({ by: ["usedFor"], where: { l3NetworkUuid }, _count: { _all: true } });
    const byUse = Object.fromEntries(used.map((u) => [u.usedFor, u._count._all])) as Record<string, number>;
    const usedIpAddressNumber = Object.values(byUse).reduce((a, b) => a + b, 0);
    return {
      totalCapacity, availableCapacity: totalCapacity - usedIpAddressNumber, usedIpAddressNumber,
      vmNicIpAddressNumber: byUse.VmNic ?? 0, reservedIpAddressNumber: byUse.Reserved ?? 0, dhcpIpAddressNumber: byUse.DHCP ?? 0,
    };
  }
}

/** The lowest free address (or, after a lost race, one of the `spread` lowest, at random). */
function pickLowest(ranges: Range[], taken: Set<number>, spread: number, fromTop: boolean): { ip: number; range: Range } | undefined {
  const found: Array<{ ip: number; range: Range }> = [];
  for (const range of ranges) {
    const [first, last, step] = fromTop ? [range.end, range.start, -1] : [range.start, range.end, 1];
    for (let ip = first; fromTop ? ip >= last : ip <= last; ip += step) {
      if (taken.has(ip) || ip === ipToLong(range.gateway)) continue;
      found.push({ ip, range });
      if (found.length >= spread) return found[randomInt(found.length)];
    }
  }
  return found.length ? found[randomInt(found.length)] : undefined;
}

/** A uniformly random free address: a random start, then the next free one (wrapping around). */
function pickRandom(ranges: Range[], taken: Set<number>): { ip: number; range: Range } | undefined {
  const total = ranges.reduce((n, r) => n + r.end - r.start + 1, 0);
  if (total === 0) return undefined;
  const offset = randomInt(total);
  for (let i = 0; i < total; i++) {
    let k = (offset + i) % total;
    for (const range of ranges) {
      const size = range.end - range.start + 1;
      if (k < size) {
        const ip = range.start + k;
        if (!taken.has(ip) && ip !== ipToLong(range.gateway)) return { ip, range };
        break;
      }
      k -= size;
    }
  }
  return undefined;
}

/**
 * A random MAC address for a VM NIC: `fa:` + 5 random bytes, lowercase (ZStack's NetworkUtils
 * generates `fa:` MACs too; locally administered, unicast). The VmNic unique (l2NetworkUuid, mac)
 * catches the rare collision; the caller retries with a new one.
 */
export function generateMac(): string {
  return ["fa", ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}
