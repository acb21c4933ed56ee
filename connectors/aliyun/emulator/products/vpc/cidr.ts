/**
 * IPv4 CIDR arithmetic for VPC, VSwitch and route entry validation. Addresses are kept as
 * unsigned 32-bit numbers; `size` is the number of addresses in the block.
 */
export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

/** Parses `a.b.c.d/n`; a bare address counts as /32 (as CreateRouteEntry documents). Undefined when malformed. */
export function parseCidr(text: string, opts: { allowBareAddress?: boolean } = {}): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  if (m[5] === undefined && !opts.allowBareAddress) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (prefix > 32) return undefined;
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  // Alibaba normalises host bits away rather than rejecting them (192.168.0.1/24 → 192.168.0.0/24).
  return { base: addr - (addr % size), prefix, size };
}

/** Canonical text of a block, e.g. `192.168.0.0/24`. */
export function formatCidr(c: Cidr): string {
  const b = c.base;
  return `${Math.floor(b / 2 ** 24) % 256}.${Math.floor(b / 2 ** 16) % 256}.${Math.floor(b / 2 ** 8) % 256}.${b % 256}/${c.prefix}`;
}

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** True when the two blocks share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The RFC 1918 blocks a VPC may use (CreateVpc: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and their subnets). */
export const PRIVATE_BLOCKS: readonly Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => parseCidr(t)!);

/** Alibaba's carrier-grade NAT block, reserved for its cloud services inside every VPC. */
export const SERVICE_BLOCK: Cidr = parseCidr("100.64.0.0/10")!;
