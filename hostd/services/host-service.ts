/**
 * Host-level commands: connect, ping, facts, capacity.
 */
import type { Logger } from "pino";
import type { DomainType, HostCapacity, HostFacts, HypervisorDriver } from "../drivers/types.ts";
import { HostdError } from "../errors.ts";
import type { ConnectionState, HostStore } from "../host-store.ts";

/** Input of connect(); mirrors the /host/connect body. */
export interface ConnectInput {
  hostUuid: string;
  managementNodeCallbackUrl?: string;
  sendCommandUrl?: string;
}

/** Connection state and host information. */
export class HostService {
  private domainTypeCache?: Promise<DomainType>;

  constructor(
    private readonly driver: HypervisorDriver,
    private readonly store: HostStore,
    private readonly log: Logger,
  ) {}

  /** The current connection state. */
  connection(): ConnectionState {
    return this.store.get();
  }

  /**
   * Records which host this is and where to report, persisting it so a restarted hostd still
   * answers pings for the same host and reports to the same management node.
   * @returns libvirt and QEMU versions (kvmagent's ConnectResponse fields).
   * @throws DriverError when libvirt is unreachable — a host without libvirt cannot be added.
   */
  async connect(input: ConnectInput): Promise<{ hostUuid: string; libvirtVersion?: string; qemuVersion?: string }> {
    const versions = await this.driver.versions();
    const previous = this.store.get().hostUuid;
    await this.store.save({
      hostUuid: input.hostUuid,
      managementNodeCallbackUrl: input.managementNodeCallbackUrl,
      sendCommandUrl: input.sendCommandUrl,
      connectedAt: new Date().toISOString(),
    });
    if (previous && previous !== input.hostUuid) {
      this.log.warn({ previous, hostUuid: input.hostUuid }, "host re-added with a new uuid");
    }
    this.log.info({ hostUuid: input.hostUuid, callback: input.managementNodeCallbackUrl }, "connected");
    return { hostUuid: input.hostUuid, ...versions };
  }

  /**
   * Confirms hostd still belongs to host `hostUuid`. A mismatch means the host was deleted and
   * re-added (or another management node took it over); the caller must reconnect.
   * @throws HostdError NOT_CONNECTED or HOST_UUID_MISMATCH.
   */
  ping(hostUuid: string): { hostUuid: string } {
    const current = this.store.get().hostUuid;
    if (!current) throw new HostdError("NOT_CONNECTED", "hostd is not connected yet; send /host/connect first");
    if (current !== hostUuid) {
      throw new HostdError(
        "HOST_UUID_MISMATCH",
        `host uuid mismatch: hostd belongs to host ${current}, ping was for ${hostUuid}; reconnect the host`,
      );
    }
    return { hostUuid: current };
  }

  /** Static host facts. */
  async facts(): Promise<HostFacts & { hostUuid?: string; driver: string }> {
    const facts = await this.driver.facts();
    this.domainTypeCache = Promise.resolve(facts.domainType);
    return { ...facts, hostUuid: this.store.get().hostUuid, driver: this.driver.kind };
  }

  /** CPU/memory totals and what domains use. */
  capacity(): Promise<HostCapacity> {
    return this.driver.capacity();
  }

  /** The domain type VMs get by default; probed once, then cached (it does not change). */
  domainType(): Promise<DomainType> {
    this.domainTypeCache ??= this.driver.facts().then(
      (f) => f.domainType,
      (err: unknown) => {
        this.domainTypeCache = undefined;
        throw err;
      },
    );
    return this.domainTypeCache;
  }
}
