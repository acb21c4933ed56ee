import type { z } from "zod";
import type { Host, L2Network, L2NetworkClusterRef, PrismaClient } from "../../generated/prisma/client.ts";
import { bridgeName } from "../../hostd/network/names.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import type { Logger } from "../logger.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import { NetworkErrors } from "../l3-networks/errors.ts";
import { l2NetworkQuerySpec, type CreateL2Input, type UpdateL2Body } from "./schema.ts";

type L2WithClusters = L2Network & { clusters: L2NetworkClusterRef[] };

/** hostd's reply to createbridge (hostd/network/types.ts BridgeResult). */
export interface BridgeResult { bridgeName: string; uplink: string; createdBridge: boolean; createdVlanInterface: boolean }

export const L2_JOB_TYPES = {
  attach: "AttachL2NetworkToCluster", detach: "DetachL2NetworkFromCluster", delete: "DeleteL2Network",
} as const;

/** The bridge of an L2 network on every host: `br_<physicalInterface>[_<vlan>]` (ZStack), at most 15 characters. */
export function l2BridgeName(l2: Pick<L2Network, "physicalInterface" | "vlan">): string {
  return bridgeName(l2.physicalInterface, l2.vlan);
}

/** ZStack L2NetworkInventory (L2VlanNetworkInventory with `vlan`) as sent on the wire. */
export function l2NetworkInventory(l2: L2WithClusters) {
  return {
    uuid: l2.uuid, name: l2.name, description: l2.description, type: l2.type as "L2NoVlanNetwork" | "L2VlanNetwork",
    zoneUuid: l2.zoneUuid, physicalInterface: l2.physicalInterface, vlan: l2.vlan, bridgeName: l2BridgeName(l2),
    attachedClusterUuids: l2.clusters.map((c) => c.clusterUuid).sort(),
    accountUuid: l2.accountUuid, createDate: l2.createDate.toISOString(), lastOpDate: l2.lastOpDate.toISOString(),
  };
}

/**
 * L2 networks (ZStack L2NetworkManager, KVMRealizeL2NoVlanNetworkBackend/KVMRealizeL2VlanNetworkBackend):
 * a physical interface (and VLAN) that becomes a Linux bridge on every Connected host of the
 * clusters it is attached to. Attaching, detaching and deleting touch hosts and so are durable jobs;
 * a host that (re)connects gets the bridges of its cluster in its handshake ({@link prepareHost}).
 */
export class L2NetworkService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly hosts: HostService,
    private readonly log: Logger,
  ) {
    jobs.register<{ l2NetworkUuid: string; clusterUuid: string }>({
      name: L2_JOB_TYPES.attach, resumable: true, perform: (i) => this.performAttach(i.l2NetworkUuid, i.clusterUuid),
    });
    jobs.register<{ l2NetworkUuid: string; clusterUuid: string }>({
      name: L2_JOB_TYPES.detach, resumable: true, perform: (i) => this.performDetach(i.l2NetworkUuid, i.clusterUuid),
    });
    jobs.register<{ l2NetworkUuid: string }>({
      name: L2_JOB_TYPES.delete, resumable: true, perform: (i) => this.performDelete(i.l2NetworkUuid),
    });
  }

  /**
   * Creates an L2 network (APICreateL2NoVlanNetworkMsg / APICreateL2VlanNetworkMsg). No host is
   * touched until it is attached to a cluster. @throws SYS.1003 unknown zone, SYS.1007, SYS.1002 uuid taken.
   */
  async create(caller: Caller, input: CreateL2Input, type: "L2NoVlanNetwork" | "L2VlanNetwork") {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const zone = await this.prisma.zone.findFirst({ where: { uuid: p.zoneUuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("Zone", p.zoneUuid);
    const uuid = p.resourceUuid ?? newUuid();
    if (await this.prisma.l2Network.findUnique({ where: { uuid } })) throw Errors.duplicate("An L2 network with that uuid", uuid);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const l2 = await tx.l2Network.create({
        data: {
          uuid, name: p.name, description: p.description ?? null, type, physicalInterface: p.physicalInterface,
          vlan: "vlan" in p ? p.vlan : null, zoneUuid: p.zoneUuid, accountUuid: caller.accountUuid,
        },
        include: { clusters: true },
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "L2Network", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "L2Network", accountUuid: caller.accountUuid });
      return l2;
    });
    return l2NetworkInventory(row);
  }

  /** The L2 network if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<L2WithClusters> {
    const l2 = await this.prisma.l2Network.findFirst({ where: { uuid, ...ownedBy(caller) }, include: { clusters: true } });
    if (!l2) throw Errors.resourceNotFound("L2Network", uuid);
    return l2;
  }

  /** Queries L2 networks (APIQueryL2NetworkMsg); `q=clusters.clusterUuid=...` finds those attached to a cluster. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: l2NetworkQuerySpec, delegate: this.prisma.l2Network as never, caller, raw,
      scope: ownedBy(caller), include: { clusters: true }, toInventory: l2NetworkInventory, csvName: "l2-networks",
    });
  }

  /** Changes name or description (APIUpdateL2NetworkMsg). */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateL2Body>) {
    await this.get(caller, uuid);
    return l2NetworkInventory(await this.prisma.l2Network.update({ where: { uuid }, data: p, include: { clusters: true } }));
  }

  /**
   * Deletes an L2 network (APIDeleteL2NetworkMsg) as a job: removes its bridges from the hosts of
   * attached clusters (best effort: an unreachable host keeps a harmless bridge), then the network.
   * Permissive refuses (SYS.1004) while L3 networks use it; Enforcing deletes them with their IP
   * ranges, but refuses while VM NICs hold addresses on them.
   */
  async delete(caller: Caller, req: JobRequest, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<ApiReply> {
    await this.get(caller, uuid);
    const l3s = await this.prisma.l3Network.findMany({ where: { l2NetworkUuid: uuid }, select: { uuid: true, name: true } });
    if (l3s.length && deleteMode === "Permissive") {
      throw Errors.deleteRefused("The L2 network still has L3 networks; delete them first or use deleteMode=Enforcing",
        l3s.map((l) => `${l.name} (${l.uuid})`).join(", "));
    }
    const nics = await this.prisma.vmNic.count({ where: { l3NetworkUuid: { in: l3s.map((l) => l.uuid) } } });
    if (nics) {
      throw Errors.deleteRefused("VM NICs still use IP addresses of this L2 network's L3 networks; delete those NICs or VMs first",
        `${nics} NIC(s)`);
    }
    return this.jobs.submit(caller, req, L2_JOB_TYPES.delete, { l2NetworkUuid: uuid });
  }

  /**
   * Attaches an L2 network to a cluster (APIAttachL2NetworkToClusterMsg) as a job: every Connected
   * host of the cluster creates the bridge (and VLAN sub-interface). A failure on any host fails the
   * job with NETWORK.HOST_FAILED and removes what the job created on the others.
   * @throws SYS.1003, SYS.1007 different zones, SYS.1006 already attached or another attached L2 uses the same bridge.
   */
  async attach(caller: Caller, req: JobRequest, l2NetworkUuid: string, clusterUuid: string): Promise<ApiReply> {
    const l2 = await this.get(caller, l2NetworkUuid);
    const cluster = await this.prisma.cluster.findFirst({ where: { uuid: clusterUuid, ...ownedBy(caller) } });
    if (!cluster) throw Errors.resourceNotFound("Cluster", clusterUuid);
    if (cluster.zoneUuid !== l2.zoneUuid) {
      throw Errors.invalidArgument("The L2 network and the cluster are in different zones; attach it to a cluster of its zone",
        `L2 zone ${l2.zoneUuid}, cluster zone ${cluster.zoneUuid}`);
    }
    if (l2.clusters.some((c) => c.clusterUuid === clusterUuid)) {
      throw Errors.operationNotAllowed("Attaching the L2 network", `it is already attached to cluster ${cluster.name}`);
    }
    const others = await this.prisma.l2Network.findMany({ where: { clusters: { some: { clusterUuid } }, uuid: { not: l2.uuid } } });
    const clash = others.find((o) => l2BridgeName(o) === l2BridgeName(l2));
    if (clash) {
      throw Errors.operationNotAllowed("Attaching the L2 network",
        `L2 network ${clash.name} (${clash.uuid}) attached to this cluster already uses bridge ${l2BridgeName(l2)} (physicalInterface and vlan)`);
    }
    return this.jobs.submit(caller, req, L2_JOB_TYPES.attach, { l2NetworkUuid, clusterUuid });
  }

  /**
   * Detaches an L2 network from a cluster (APIDetachL2NetworkFromClusterMsg) as a job: forgets the
   * attachment, then removes the bridge from the cluster's Connected hosts (best effort).
   * @throws SYS.1003, SYS.1006 not attached.
   */
  async detach(caller: Caller, req: JobRequest, l2NetworkUuid: string, clusterUuid: string): Promise<ApiReply> {
    const l2 = await this.get(caller, l2NetworkUuid);
    if (!l2.clusters.some((c) => c.clusterUuid === clusterUuid)) {
      throw Errors.operationNotAllowed("Detaching the L2 network", `it is not attached to cluster ${clusterUuid}`);
    }
    return this.jobs.submit(caller, req, L2_JOB_TYPES.detach, { l2NetworkUuid, clusterUuid });
  }

  /**
   * Creates the bridges of every L2 network attached to the host's cluster on that host. Called
   * in the host handshake (connect, reconnect, management-node restart for simulators), so a
   * host always has its cluster's bridges before it is Connected (ZStack's host-connect extension
   * of L2 networks). @throws NETWORK.HOST_FAILED.
   */
  async prepareHost(hostUuid: string): Promise<void> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) throw Errors.resourceNotFound("Host", hostUuid);
    const l2s = await this.prisma.l2Network.findMany({ where: { clusters: { some: { clusterUuid: host.clusterUuid } } } });
    for (const l2 of l2s) await this.ensureBridge(host, l2);
  }

  /** Creates the L2's bridge on one host (idempotent). @throws NETWORK.HOST_FAILED. */
  async ensureBridge(host: Host, l2: L2Network): Promise<BridgeResult> {
    const body = { physicalInterface: l2.physicalInterface, bridgeName: l2BridgeName(l2), ...(l2.vlan != null ? { vlan: l2.vlan } : {}) };
    try {
      return await commandHostd<BridgeResult>(this.hosts.endpoint(host), l2.vlan != null ? "/network/l2vlan/createbridge" : "/network/l2novlan/createbridge", body);
    } catch (err) {
      throw NetworkErrors.hostFailed(`Creating bridge ${body.bridgeName} of L2 network ${l2.name}`, host, err);
    }
  }

  /** Removes the L2's bridge (and the VLAN sub-interface when `vlanToo`) from one host. */
  private async removeBridge(host: Host, l2: L2Network, vlanToo = true): Promise<void> {
    await commandHostd(this.hosts.endpoint(host), "/network/bridge/delete", {
      bridgeName: l2BridgeName(l2), ...(vlanToo && l2.vlan != null ? { physicalInterface: l2.physicalInterface, vlan: l2.vlan } : {}),
    });
  }

  private connectedHosts(clusterUuid: string): Promise<Host[]> {
    return this.prisma.host.findMany({ where: { clusterUuid, status: "Connected" }, orderBy: { name: "asc" } });
  }

  private async performAttach(l2NetworkUuid: string, clusterUuid: string) {
    const l2 = await this.prisma.l2Network.findUnique({ where: { uuid: l2NetworkUuid } });
    if (!l2) throw Errors.resourceNotFound("L2Network", l2NetworkUuid);
    const hosts = await this.connectedHosts(clusterUuid);
    const results = await Promise.allSettled(hosts.map((h) => this.ensureBridge(h, l2)));
    const failed = results.findIndex((r) => r.status === "rejected");
    if (failed >= 0) {
      // Undo what this job created; bridges that were there before stay.
      await Promise.all(results.map(async (r, i) => {
        if (r.status !== "fulfilled" || !r.value.createdBridge) return;
        await this.removeBridge(hosts[i]!, l2, r.value.createdVlanInterface)
          .catch((err: unknown) => this.log.warn({ err, hostUuid: hosts[i]!.uuid }, "could not remove bridge after failed attach"));
      }));
      throw (results[failed] as PromiseRejectedResult).reason;
    }
    await this.prisma.l2NetworkClusterRef.createMany({ data: [{ l2NetworkUuid, clusterUuid }], skipDuplicates: true });
    return { inventory: l2NetworkInventory(await this.prisma.l2Network.findUniqueOrThrow({ where: { uuid: l2NetworkUuid }, include: { clusters: true } })) };
  }

  private async performDetach(l2NetworkUuid: string, clusterUuid: string) {
    const l2 = await this.prisma.l2Network.findUnique({ where: { uuid: l2NetworkUuid } });
    if (!l2) throw Errors.resourceNotFound("L2Network", l2NetworkUuid);
    await this.prisma.l2NetworkClusterRef.deleteMany({ where: { l2NetworkUuid, clusterUuid } });
    await this.removeFromHosts(l2, await this.connectedHosts(clusterUuid));
    return { inventory: l2NetworkInventory(await this.prisma.l2Network.findUniqueOrThrow({ where: { uuid: l2NetworkUuid }, include: { clusters: true } })) };
  }

  private async performDelete(l2NetworkUuid: string) {
    const l2 = await this.prisma.l2Network.findUnique({ where: { uuid: l2NetworkUuid }, include: { clusters: true } });
    if (!l2) return {};
    const hosts = await this.prisma.host.findMany({ where: { clusterUuid: { in: l2.clusters.map((c) => c.clusterUuid) }, status: "Connected" } });
    await this.removeFromHosts(l2, hosts);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const l3s = await tx.l3Network.findMany({ where: { l2NetworkUuid } });
      for (const l3 of l3s) {
        await tx.usedIp.deleteMany({ where: { l3NetworkUuid: l3.uuid } });
        const ranges = await tx.ipRange.findMany({ where: { l3NetworkUuid: l3.uuid }, select: { uuid: true } });
        for (const r of ranges) await this.tags.detachAll(tx, r.uuid);
        await tx.l3Network.delete({ where: { uuid: l3.uuid } });
        await this.tags.detachAll(tx, l3.uuid);
        await emit({ type: "ResourceDeleted", resourceUuid: l3.uuid, resourceType: "L3Network", oldState: l3.state, accountUuid: l3.accountUuid });
      }
      await tx.l2Network.delete({ where: { uuid: l2NetworkUuid } });
      await this.tags.detachAll(tx, l2NetworkUuid);
      await emit({ type: "ResourceDeleted", resourceUuid: l2NetworkUuid, resourceType: "L2Network", accountUuid: l2.accountUuid });
    });
    return {};
  }

  /** Best effort: a host that cannot remove the bridge keeps it (an unused bridge is harmless) and is logged. */
  private async removeFromHosts(l2: L2Network, hosts: Host[]): Promise<void> {
    await Promise.all(hosts.map((h) => this.removeBridge(h, l2)
      .catch((err: unknown) => this.log.warn({ err, hostUuid: h.uuid, l2NetworkUuid: l2.uuid }, "could not remove an L2 network's bridge from a host"))));
  }
}
