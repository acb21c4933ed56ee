/**
 * Request bodies of the /network/* commands (ZStack kvmagent's network plugins: `/network/l2novlan/createbridge`,
 * `/network/l2vlan/createbridge`, and the flat network's `/flatnetworkprovider/dhcp/apply`, here `/network/flatdhcp/apply`).
 */
import { isIPv4 } from "node:net";
import { z } from "zod";
import { IFNAME_PATTERN } from "../../network/names.ts";

/** A Linux interface name: 1–15 characters, letters, digits, `_`, `.`, `-`. */
const IfName = z.string().regex(IFNAME_PATTERN, "must be a Linux interface name of 1-15 characters [A-Za-z0-9_.-]");
const Ipv4 = z.string().refine((s) => isIPv4(s), "must be an IPv4 address");
/** Lowercase or uppercase `xx:xx:xx:xx:xx:xx`; stored lowercase. */
const Mac = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, "must be a MAC address xx:xx:xx:xx:xx:xx").transform((s) => s.toLowerCase());
/** 802.1Q VLAN id. */
const Vlan = z.number().int().min(1).max(4094);
const L3Uuid = z.string().regex(/^[0-9a-zA-Z-]{8,64}$/, "must be an L3 network uuid");

/** POST /network/l2novlan/createbridge */
export const CreateNoVlanBridgeCmd = z.object({
  /** Host interface to uplink the bridge to, e.g. eth0 (ZStack L2NetworkVO.physicalInterface). */
  physicalInterface: IfName,
  /** Bridge to create, e.g. br_eth0. */
  bridgeName: IfName,
});

/** POST /network/l2vlan/createbridge */
export const CreateVlanBridgeCmd = CreateNoVlanBridgeCmd.extend({ vlan: Vlan });

/** POST /network/bridge/delete */
export const DeleteBridgeCmd = z.object({
  bridgeName: IfName,
  /** With `vlan`: also delete the VLAN sub-interface `<physicalInterface>.<vlan>` hostd created. */
  physicalInterface: IfName.optional(),
  vlan: Vlan.optional(),
});

/** One DHCP host entry. */
const DhcpEntrySchema = z.object({
  mac: Mac,
  ip: Ipv4,
  /** Hostname for DHCP option 12: an RFC 1123 label. */
  hostname: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, "must be a hostname label (letters, digits, '-')").optional(),
});

/** POST /network/flatdhcp/apply */
export const ApplyDhcpCmd = z.object({
  l3NetworkUuid: L3Uuid,
  /** Bridge of the L3's L2 network on this host; must already exist. */
  bridgeName: IfName,
  /** Address of the DHCP server, reserved for it in IPAM by the management node. */
  dhcpServerIp: Ipv4,
  gateway: Ipv4,
  netmask: Ipv4,
  dns: z.array(Ipv4).max(8).default([]),
  dnsDomain: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "must be a DNS domain").optional(),
  /** Entries to add or replace (by MAC); entries of other MACs stay. */
  entries: z.array(DhcpEntrySchema).max(10_000),
});

/** POST /network/flatdhcp/release */
export const ReleaseDhcpCmd = z.object({
  l3NetworkUuid: L3Uuid,
  entries: z.array(z.object({ mac: Mac })).max(10_000),
});

/** POST /network/flatdhcp/delete */
export const DeleteDhcpCmd = z.object({ l3NetworkUuid: L3Uuid });

/** POST /network/sim/fail (sim driver only) */
export const SimNetworkFailCmd = z.object({
  op: z.enum(["ensureBridge", "deleteBridge", "applyDhcp", "stopDhcp"]).optional(),
  error: z.string().max(500).optional(),
  /** true: forget every forced failure. */
  clear: z.boolean().optional(),
});
