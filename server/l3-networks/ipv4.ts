/**
 * IPv4 arithmetic for IP ranges and IPAM. Addresses are handled as unsigned 32-bit numbers
 * ("ipInLong", as ZStack's UsedIpVO stores them) so ranges compare and iterate cheaply.
 */
import { isIPv4 } from "node:net";

/** True for a dotted-quad IPv4 address such as 10.0.0.1. */
export function isIpv4(s: string): boolean {
  return isIPv4(s);
}

/** `a.b.c.d` → 0..2^32-1. The caller has checked {@link isIpv4}. */
export function ipToLong(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** 0..2^32-1 → `a.b.c.d`. */
export function longToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Prefix length of a contiguous netmask (255.255.255.0 → 24), or undefined when not a valid netmask. */
export function netmaskToPrefix(netmask: string): number | undefined {
  if (!isIpv4(netmask)) return undefined;
  const n = ipToLong(netmask);
  for (let p = 0; p <= 32; p++) if (prefixToLong(p) === n) return p;
  return undefined;
}

function prefixToLong(prefix: number): number {
  return prefix === 0 ? 0 : (2 ** 32 - 2 ** (32 - prefix));
}

/** 24 → 255.255.255.0. */
export function prefixToNetmask(prefix: number): string {
  return longToIp(prefixToLong(prefix));
}

/** Network address (as a number) of `ip` in a /prefix. */
export function networkOf(ip: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(ip / size) * size;
}

/** Broadcast address (as a number) of `ip` in a /prefix. */
export function broadcastOf(ip: number, prefix: number): number {
  return networkOf(ip, prefix) + 2 ** (32 - prefix) - 1;
}

/** `10.0.0.0/24` → { network, prefix }, or undefined when malformed or host bits are set. */
export function parseCidr(cidr: string): { network: number; prefix: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIpv4(m[1]!)) return undefined;
  const prefix = Number(m[2]);
  if (prefix > 32) return undefined;
  const network = ipToLong(m[1]!);
  return networkOf(network, prefix) === network ? { network, prefix } : undefined;
}
