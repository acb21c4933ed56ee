/**
 * Network driver of simulator hosts: records bridges and DHCP servers in memory and touches
 * nothing on the machine, so hundreds of simulated hosts can share one process. Failures can
 * be forced per operation (`/network/sim/fail`) to test the management node's rollback.
 */
import { vlanInterfaceName } from "./names.ts";
import {
  NetworkDriverError,
  type BridgeInfo,
  type BridgeResult,
  type BridgeSpec,
  type DhcpNetworkSpec,
  type DhcpStatus,
  type NetworkDriver,
} from "./types.ts";

/** Operations of the sim network driver that can be forced to fail. */
export const SIM_NETWORK_OPS = ["ensureBridge", "deleteBridge", "applyDhcp", "stopDhcp"] as const;
export type SimNetworkOp = (typeof SIM_NETWORK_OPS)[number];

/** In-memory network driver (see file comment). */
export class SimNetworkDriver implements NetworkDriver {
  readonly kind = "sim" as const;
  private readonly bridges = new Map<string, { uplink: string; vlanInterface?: string }>();
  private readonly dhcp = new Map<string, DhcpNetworkSpec>();
  private readonly failures = new Map<SimNetworkOp, string>();

  /** Makes every later call of `op` fail with `message` until {@link clearFailures}. */
  forceFailure(op: SimNetworkOp, message = `injected failure of ${op}`): void {
    this.failures.set(op, message);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** The DHCP servers as last applied, for tests and `/network/flatdhcp/list`. */
  dhcpSpecs(): DhcpNetworkSpec[] {
    return [...this.dhcp.values()];
  }

  private check(op: SimNetworkOp): void {
    const message = this.failures.get(op);
    if (message !== undefined) throw new NetworkDriverError(message);
  }

  async ensureBridge(spec: BridgeSpec): Promise<BridgeResult> {
    this.check("ensureBridge");
    const vlanInterface = spec.vlan === undefined ? undefined : vlanInterfaceName(spec.physicalInterface, spec.vlan);
    const uplink = vlanInterface ?? spec.physicalInterface;
    const existing = this.bridges.get(spec.bridgeName);
    if (existing && existing.uplink !== uplink) {
      throw new NetworkDriverError(`bridge ${spec.bridgeName} exists with uplink ${existing.uplink}, not ${uplink}`);
    }
    if (!existing) this.bridges.set(spec.bridgeName, { uplink, vlanInterface });
    return { bridgeName: spec.bridgeName, uplink, createdBridge: !existing, createdVlanInterface: !existing && vlanInterface !== undefined };
  }

  async deleteBridge(spec: { bridgeName: string }): Promise<{ deleted: boolean }> {
    this.check("deleteBridge");
    return { deleted: this.bridges.delete(spec.bridgeName) };
  }

  async listBridges(): Promise<BridgeInfo[]> {
    const dhcpPorts = (bridge: string) => [...this.dhcp.values()].filter((d) => d.bridgeName === bridge).map((d) => `dhcp:${d.l3NetworkUuid}`);
    return [...this.bridges.entries()].map(([bridgeName, b]) => ({ bridgeName, interfaces: [b.uplink, ...dhcpPorts(bridgeName)] }));
  }

  async applyDhcp(spec: DhcpNetworkSpec): Promise<DhcpStatus> {
    this.check("applyDhcp");
    if (!this.bridges.has(spec.bridgeName)) throw new NetworkDriverError(`bridge ${spec.bridgeName} does not exist on this host`);
    this.dhcp.set(spec.l3NetworkUuid, structuredClone(spec));
    return this.dhcpStatus(spec.l3NetworkUuid);
  }

  async stopDhcp(l3NetworkUuid: string): Promise<void> {
    this.check("stopDhcp");
    this.dhcp.delete(l3NetworkUuid);
  }

  async dhcpStatus(l3NetworkUuid: string): Promise<DhcpStatus> {
    return { l3NetworkUuid, namespace: `sim:${l3NetworkUuid}`, running: this.dhcp.has(l3NetworkUuid) };
  }
}
