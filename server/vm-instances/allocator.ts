import type { Host, PrismaClient } from "../../generated/prisma/client.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";

/** What a VM needs from a host. */
export interface HostRequirements {
  zoneUuid: string;
  clusterUuid?: string;
  hostUuid?: string;
  /** Prefer (LastHostPreferred) or require (local storage) this host. */
  lastHostUuid?: string;
  requireHostUuid?: string;
  architecture: string;
  cpuNum: number;
  /** bytes */
  memorySize: bigint;
  /** Every one must be attached (through its L2) to the host's cluster. */
  l3NetworkUuids: string[];
  strategy: string;
  /** Hosts already tried. */
  exclude?: string[];
}

/**
 * ZStack's host allocator: filters Connected, Enabled hosts in Enabled clusters of the zone
 * whose cluster has the VM's L2 networks and a primary storage attached and the image's CPU
 * architecture, orders them by strategy (DefaultHostAllocatorStrategy: most free memory;
 * LeastVmPreferredHostAllocatorStrategy: fewest VMs; LastHostPreferredAllocatorStrategy: the
 * VM's last host first), then reserves CPU and memory on the first host that still has them
 * with one conditional UPDATE, so concurrent creates never push a host past its
 * over-provisioned capacity.
 */
export class HostAllocator {
  constructor(private readonly prisma: PrismaClient, private readonly configs: GlobalConfigService) {}

  /** Reserves capacity on a host and returns it; undefined when no host fits. */
  async allocate(r: HostRequirements): Promise<Host | undefined> {
    const l3s = await this.prisma.l3Network.findMany({ where: { uuid: { in: r.l3NetworkUuids } }, select: { l2NetworkUuid: true } });
    const l2s = [...new Set(l3s.map((l) => l.l2NetworkUuid))];
    const clusters = await this.prisma.cluster.findMany({
      where: {
        zoneUuid: r.zoneUuid, state: "Enabled", architecture: r.architecture,
        ...(r.clusterUuid ? { uuid: r.clusterUuid } : {}),
      },
      select: { uuid: true },
    });
    const eligible: string[] = [];
    for (const c of clusters) {
      const attached = await this.prisma.l2NetworkClusterRef.count({ where: { clusterUuid: c.uuid, l2NetworkUuid: { in: l2s } } });
      const storage = await this.prisma.primaryStorageClusterRef.count({ where: { clusterUuid: c.uuid } });
      if (attached === l2s.length && storage > 0) eligible.push(c.uuid);
    }
    if (!eligible.length) return undefined;
    const hostFilter = r.requireHostUuid ?? r.hostUuid;
    let hosts = await this.prisma.host.findMany({
      where: {
        clusterUuid: { in: eligible }, status: "Connected", state: "Enabled",
        ...(hostFilter ? { uuid: hostFilter } : {}), ...(r.exclude?.length ? { uuid: { notIn: r.exclude } } : {}),
      },
    });
    hosts = await this.order(hosts, r);
    for (const h of hosts) {
      if (await this.reserveOn(h.uuid, r.cpuNum, r.memorySize)) return h;
    }
    return undefined;
  }

  /** Whether a host's over-provisioned capacity has `cpuNum` vCPUs and `memorySize` bytes free (as read; {@link reserveOn} decides). */
  fits(h: Host, cpuNum: number, memorySize: bigint): boolean {
    const cpuRatio = Number(this.configs.get("host", "cpu.overProvisioning.ratio"));
    const memRatio = Number(this.configs.get("host", "memory.overProvisioning.ratio"));
    return Math.floor(h.cpuNum * cpuRatio) - h.allocatedCpu >= cpuNum
      && BigInt(Math.floor(Number(h.totalPhysicalMemory) * memRatio)) - h.allocatedMemory >= memorySize;
  }

  /**
   * Reserves `cpuNum` vCPUs and `memorySize` bytes on one Connected, Enabled host if its
   * over-provisioned capacity still has them (one conditional UPDATE); false when it has not.
   */
  async reserveOn(hostUuid: string, cpuNum: number, memorySize: bigint): Promise<boolean> {
    const cpuRatio = Number(this.configs.get("host", "cpu.overProvisioning.ratio"));
    const memRatio = Number(this.configs.get("host", "memory.overProvisioning.ratio"));
    const n = await this.prisma.$executeRaw`
      UPDATE "Host" SET "allocatedCpu" = "allocatedCpu" + ${cpuNum}, "allocatedMemory" = "allocatedMemory" + ${memorySize}
      WHERE "uuid" = ${hostUuid} AND "status" = 'Connected' AND "state" = 'Enabled'
        AND floor("cpuNum" * ${cpuRatio}::float8) - "allocatedCpu" >= ${cpuNum}
        AND floor("totalPhysicalMemory" * ${memRatio}::float8) - "allocatedMemory" >= ${memorySize}`;
    return n === 1;
  }

  /** Gives back what {@link allocate} reserved. */
  async release(hostUuid: string, cpuNum: number, memorySize: bigint): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Host" SET "allocatedCpu" = GREATEST(0, "allocatedCpu" - ${cpuNum}),
        "allocatedMemory" = GREATEST(0, "allocatedMemory" - ${memorySize}) WHERE "uuid" = ${hostUuid}`;
  }

  private async order(hosts: Host[], r: HostRequirements): Promise<Host[]> {
    const free = (h: Host) => Number(h.totalPhysicalMemory) - Number(h.allocatedMemory);
    const shuffled = hosts.map((h) => ({ h, k: Math.random() })).sort((a, b) => a.k - b.k).map((x) => x.h);
    if (r.strategy === "LeastVmPreferredHostAllocatorStrategy") {
      const counts = new Map<string, number>();
      for (const h of hosts) counts.set(h.uuid, await this.prisma.vmInstance.count({ where: { hostUuid: h.uuid } }));
      return shuffled.sort((a, b) => counts.get(a.uuid)! - counts.get(b.uuid)!);
    }
    const byFree = shuffled.sort((a, b) => free(b) - free(a));
    if (r.strategy === "LastHostPreferredAllocatorStrategy" && r.lastHostUuid) {
      return [...byFree.filter((h) => h.uuid === r.lastHostUuid), ...byFree.filter((h) => h.uuid !== r.lastHostUuid)];
    }
    return byFree;
  }
}
