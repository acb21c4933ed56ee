/**
 * The contract between hostd's network service and the thing that really changes the host's
 * network: drivers/linux (iproute2 + dnsmasq) on a KVM host, drivers/sim (records state in
 * memory) on simulator hosts. Drivers do I/O only; idempotency of entries, per-resource
 * locking and persistence of the DHCP entry lists live in service.ts.
 */

/** A bridge as an L2 network wants it (ZStack KVMRealizeL2NoVlanNetworkBackend / ...VlanNetworkBackend). */
export interface BridgeSpec {
  /** Bridge to create, e.g. `br_eth0_100`. */
  bridgeName: string;
  /** Host interface the bridge is uplinked to (never created or deleted by hostd). */
  physicalInterface: string;
  /** 802.1Q VLAN id 1–4094; the uplink is then the sub-interface `<physicalInterface>.<vlan>`. */
  vlan?: number;
}

/** What ensureBridge did. */
export interface BridgeResult {
  bridgeName: string;
  /** The interface enslaved to the bridge: the physical interface or its VLAN sub-interface. */
  uplink: string;
  /** True when this call created the bridge (false: it existed already). */
  createdBridge: boolean;
  /** True when this call created the VLAN sub-interface. */
  createdVlanInterface: boolean;
}

/** A bridge on the host and the interfaces enslaved to it. */
export interface BridgeInfo {
  bridgeName: string;
  interfaces: string[];
}

/** One DHCP host entry: the NIC with this MAC always gets this address. */
export interface DhcpEntry {
  /** Lowercase `xx:xx:xx:xx:xx:xx`. */
  mac: string;
  /** IPv4 address handed out. */
  ip: string;
  /** Hostname handed out (DHCP option 12); an RFC 1123 label. */
  hostname?: string;
}

/** Everything a flat-network DHCP server of one L3 network needs (ZStack FlatDhcpBackend). */
export interface DhcpNetworkSpec {
  l3NetworkUuid: string;
  /** Bridge of the L3's L2 network on this host; must exist. */
  bridgeName: string;
  /** Address of the DHCP server itself, reserved for it in the L3's IPAM. */
  dhcpServerIp: string;
  /** Default route handed out (option 3). */
  gateway: string;
  /** Dotted netmask of the L3's ranges (option 1). */
  netmask: string;
  /** DNS servers handed out (option 6), in order. */
  dns: string[];
  /** DNS search domain (option 15). */
  dnsDomain?: string;
  /** Every entry the server must know (the full list, not a delta). */
  entries: DhcpEntry[];
}

/** A DHCP server as the driver sees it. */
export interface DhcpStatus {
  l3NetworkUuid: string;
  namespace: string;
  /** True when the DHCP server process is alive. */
  running: boolean;
  /** Its pid (linux driver), when running. */
  pid?: number;
}

/** Network operations on one host. Methods reject with NetworkDriverError. */
export interface NetworkDriver {
  readonly kind: "linux" | "sim";
  /** Creates the bridge (and VLAN sub-interface) if missing, enslaves the uplink, brings all up. */
  ensureBridge(spec: BridgeSpec): Promise<BridgeResult>;
  /** Deletes the bridge and, for a VLAN, the sub-interface; never the physical interface. Missing is fine. */
  deleteBridge(spec: { bridgeName: string; physicalInterface?: string; vlan?: number }): Promise<{ deleted: boolean }>;
  listBridges(): Promise<BridgeInfo[]>;
  /** Starts (or reconfigures and reloads) the DHCP server of one L3 with exactly `spec.entries`. */
  applyDhcp(spec: DhcpNetworkSpec): Promise<DhcpStatus>;
  /** Stops the DHCP server of one L3 and removes its namespace; missing is fine. */
  stopDhcp(l3NetworkUuid: string): Promise<void>;
  dhcpStatus(l3NetworkUuid: string): Promise<DhcpStatus>;
}

/** A network operation that failed on the host; the reply carries code COMMAND_FAILED and this message. */
export class NetworkDriverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkDriverError";
  }
}
