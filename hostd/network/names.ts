/**
 * Linux interface names hostd's network commands create. The management node imports these
 * too, so that both sides agree on every name without asking the other.
 *
 * Linux refuses interface names longer than IFNAMSIZ - 1 = 15 bytes. ZStack names bridges
 * `br_<physicalInterface>` (L2NoVlanNetwork) and `br_<physicalInterface>_<vlan>` (L2VlanNetwork)
 * and VLAN sub-interfaces `<physicalInterface>.<vlan>` (KVMRealizeL2NoVlanNetworkBackend /
 * KVMRealizeL2VlanNetworkBackend); a name that would be too long keeps its prefix and suffix and
 * shortens the middle, adding 4 hex digits of a hash of the full middle so two long interface
 * names that share a prefix still give different names.
 */
import { createHash } from "node:crypto";

/** Longest Linux interface name, in bytes (IFNAMSIZ - 1). */
export const IFNAME_MAX = 15;

/** Characters hostd accepts in an interface name it is given (no `/`, spaces or `:`). */
export const IFNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

/** `prefix + core + suffix`, shortened as described above when longer than 15 characters. */
export function fitInterfaceName(prefix: string, core: string, suffix: string): string {
  const full = `${prefix}${core}${suffix}`;
  if (full.length <= IFNAME_MAX) return full;
  const hash = createHash("sha1").update(core).digest("hex").slice(0, 4);
  const room = IFNAME_MAX - prefix.length - suffix.length - hash.length;
  if (room < 0) throw new Error(`cannot fit ${full} into ${IFNAME_MAX} characters`);
  return `${prefix}${core.slice(0, room)}${hash}${suffix}`;
}

/** Bridge of an L2 network: `br_<physicalInterface>` or `br_<physicalInterface>_<vlan>` (ZStack). */
export function bridgeName(physicalInterface: string, vlan?: number | null): string {
  return vlan == null ? fitInterfaceName("br_", physicalInterface, "") : fitInterfaceName("br_", physicalInterface, `_${vlan}`);
}

/** VLAN sub-interface of an L2 vlan network: `<physicalInterface>.<vlan>` (ZStack). */
export function vlanInterfaceName(physicalInterface: string, vlan: number): string {
  return fitInterfaceName("", physicalInterface, `.${vlan}`);
}

/** First 8 hex characters of an L3 uuid: what the per-L3 DHCP names are built from. */
function shortL3(l3NetworkUuid: string): string {
  return l3NetworkUuid.replace(/[^0-9a-zA-Z]/g, "").slice(0, 8).toLowerCase();
}

/** Network namespace of an L3 network's DHCP server: `strata-dhcp-<first 8 of the l3 uuid>`. */
export function dhcpNamespace(l3NetworkUuid: string): string {
  return `strata-dhcp-${shortL3(l3NetworkUuid)}`;
}

/**
 * The veth pair joining a DHCP namespace to its bridge: `sd<8>o` stays outside (a bridge port),
 * `sd<8>i` lives in the namespace and holds the DHCP server address.
 */
export function dhcpVethNames(l3NetworkUuid: string): { outer: string; inner: string } {
  const s = shortL3(l3NetworkUuid);
  return { outer: `sd${s}o`, inner: `sd${s}i` };
}
