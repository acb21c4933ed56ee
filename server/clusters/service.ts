import type { z } from "zod";
import type { Cluster, PrismaClient } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import { clusterQuerySpec, type CreateClusterInput, type UpdateClusterBody } from "./schema.ts";

/** ZStack ClusterInventory as sent on the wire. */
export function clusterInventory(c: Cluster) {
  return {
    uuid: c.uuid, name: c.name, description: c.description, zoneUuid: c.zoneUuid, state: c.state,
    hypervisorType: c.hypervisorType, type: c.type, architecture: c.architecture, accountUuid: c.accountUuid,
    createDate: c.createDate.toISOString(), lastOpDate: c.lastOpDate.toISOString(),
  };
}

/** Clusters: groups of hosts of one hypervisor type and CPU architecture (ZStack ClusterManager). */
export class ClusterService {
  constructor(private readonly prisma: PrismaClient, private readonly events: EventBus, private readonly tags: TagService) {}

  /** Creates a cluster in a zone (APICreateClusterMsg). @throws SYS.1003 unknown zone, SYS.1007, SYS.1002. */
  async create(caller: Caller, input: CreateClusterInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const zone = await this.prisma.zone.findFirst({ where: { uuid: p.zoneUuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("Zone", p.zoneUuid);
    const uuid = p.resourceUuid ?? newUuid();
    const cluster = await this.events.transaction(this.prisma, async (tx, emit) => {
      const row = await tx.cluster.create({
        data: {
          uuid, zoneUuid: p.zoneUuid, name: p.name, description: p.description ?? null, state: "Enabled",
          hypervisorType: p.hypervisorType, type: p.type, architecture: p.architecture, accountUuid: caller.accountUuid,
        },
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "Cluster", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "Cluster", newState: "Enabled", accountUuid: caller.accountUuid });
      return row;
    });
    return clusterInventory(cluster);
  }

  /** The cluster if the caller can see it. @throws ApiError SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<Cluster> {
    const c = await this.prisma.cluster.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!c) throw Errors.resourceNotFound("Cluster", uuid);
    return c;
  }

  /** Queries clusters (APIQueryClusterMsg); joined fields `zone.<field>`. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: clusterQuerySpec, delegate: this.prisma.cluster as never, caller, raw,
      scope: ownedBy(caller), toInventory: clusterInventory, csvName: "clusters",
    });
  }

  /** Updates name/description (APIUpdateClusterMsg). */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateClusterBody>) {
    await this.get(caller, uuid);
    return clusterInventory(await this.prisma.cluster.update({ where: { uuid }, data: p }));
  }

  /** Enables or disables a cluster (APIChangeClusterStateMsg); emits ResourceStateChanged when it changes. */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    const before = await this.get(caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    if (before.state === state) return clusterInventory(before);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.cluster.update({ where: { uuid }, data: { state } });
      await emit({
        type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "Cluster", oldState: before.state, newState: state, accountUuid: r.accountUuid,
      });
      return r;
    });
    return clusterInventory(row);
  }

  /** Deletes a cluster (APIDeleteClusterMsg). @throws SYS.1004 while it has hosts, in either delete mode. */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const c = await this.get(caller, uuid);
    // Hosts run agents that must be removed over the network (a job of their own), so even
    // Enforcing does not delete them from here.
    const hosts = await this.prisma.host.findMany({ where: { clusterUuid: uuid }, select: { uuid: true, name: true } });
    if (hosts.length) {
      throw Errors.deleteRefused("The cluster still has hosts; delete them first (DELETE /v1/hosts/{uuid})",
        hosts.map((h) => `${h.name} (${h.uuid})`).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.cluster.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "Cluster", oldState: c.state, accountUuid: c.accountUuid });
    });
  }
}
