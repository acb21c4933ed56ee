import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Zone } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import { newUuid } from "../ids.ts";
import { TagService } from "../tags/service.ts";
import type { ApiReply } from "../http/api.ts";
import { queryReply } from "../query/run.ts";
import { zoneQuerySpec, type CreateZoneInput } from "./schema.ts";
import type { z } from "zod";
import type { UpdateZoneBody } from "./schema.ts";

/** ZStack ZoneInventory as sent on the wire. */
export function zoneInventory(z: Zone) {
  return {
    uuid: z.uuid, name: z.name, description: z.description, state: z.state, type: z.type, isDefault: z.isDefault,
    accountUuid: z.accountUuid, createDate: z.createDate.toISOString(), lastOpDate: z.lastOpDate.toISOString(),
  };
}

/** Zones: the top of the private-cloud hierarchy (ZStack ZoneManager). */
export class ZoneService {
  constructor(private readonly prisma: PrismaClient, private readonly events: EventBus, private readonly tags: TagService) {}

  /** Creates a zone (APICreateZoneMsg); state starts Enabled. @throws SYS.1007, SYS.1002 (uuid taken). */
  async create(caller: Caller, input: CreateZoneInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const uuid = p.resourceUuid ?? newUuid();
    const zone = await this.events.transaction(this.prisma, async (tx, emit) => {
      if (p.isDefault) await tx.zone.updateMany({ where: { isDefault: true }, data: { isDefault: false } });
      const row = await tx.zone.create({
        data: { uuid, name: p.name, description: p.description ?? null, state: "Enabled", isDefault: p.isDefault ?? false, accountUuid: caller.accountUuid },
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "Zone", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "Zone", newState: "Enabled", accountUuid: caller.accountUuid });
      return row;
    });
    return zoneInventory(zone);
  }

  /** The zone if the caller can see it. @throws ApiError SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<Zone> {
    const zone = await this.prisma.zone.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("Zone", uuid);
    return zone;
  }

  /** Queries zones (APIQueryZoneMsg). */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: zoneQuerySpec, delegate: this.prisma.zone as never, caller, raw,
      scope: ownedBy(caller), toInventory: zoneInventory, csvName: "zones",
    });
  }

  /** Updates name/description/isDefault (APIUpdateZoneMsg). */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateZoneBody>) {
    await this.get(caller, uuid);
    const zone = await this.prisma.$transaction(async (tx) => {
      if (p.isDefault) await tx.zone.updateMany({ where: { isDefault: true, uuid: { not: uuid } }, data: { isDefault: false } });
      return tx.zone.update({ where: { uuid }, data: p });
    });
    return zoneInventory(zone);
  }

  /** Enables or disables a zone (APIChangeZoneStateMsg) and emits a state event when it changes. */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    const before = await this.get(caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    if (before.state === state) return zoneInventory(before);
    const zone = await this.events.transaction(this.prisma, async (tx, emit) => {
      const row = await tx.zone.update({ where: { uuid }, data: { state } });
      await emit({
        type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "Zone", oldState: before.state, newState: state, accountUuid: row.accountUuid,
      });
      return row;
    });
    return zoneInventory(zone);
  }

  /**
   * Deletes a zone (APIDeleteZoneMsg). Permissive refuses while clusters remain (SYS.1004,
   * naming them); Enforcing deletes its clusters first, as ZStack's cascade does. In both modes
   * backup storage attached to the zone is detached from it (its BackupStorageZoneRef rows go),
   * the backup storage itself and its images stay, as ZStack's BackupStorageCascadeExtension does.
   * @throws ApiError SYS.1003 unknown zone, SYS.1004 hosts remain (or clusters, Permissive).
   */
  async delete(caller: Caller, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<void> {
    const zone = await this.get(caller, uuid);
    const hosts = await this.prisma.host.findMany({ where: { zoneUuid: uuid }, select: { uuid: true, name: true } });
    if (hosts.length) {
      throw Errors.deleteRefused("The zone still has hosts; delete them first (DELETE /v1/hosts/{uuid})",
        hosts.map((h) => `${h.name} (${h.uuid})`).join(", "));
    }
    const clusters = await this.prisma.cluster.findMany({ where: { zoneUuid: uuid }, select: { uuid: true, name: true, accountUuid: true } });
    if (clusters.length && deleteMode === "Permissive") {
      throw Errors.deleteRefused("The zone still has clusters; delete them first or use deleteMode=Enforcing",
        clusters.map((c) => `${c.name} (${c.uuid})`).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      for (const c of clusters) {
        await tx.cluster.delete({ where: { uuid: c.uuid } });
        await this.tags.detachAll(tx, c.uuid);
        await emit({ type: "ResourceDeleted", resourceUuid: c.uuid, resourceType: "Cluster", accountUuid: c.accountUuid });
      }
      // No foreign key ties the attachment to the zone: it has to be removed here.
      await tx.backupStorageZoneRef.deleteMany({ where: { zoneUuid: uuid } });
      await tx.zone.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "Zone", oldState: zone.state, accountUuid: zone.accountUuid });
    });
  }
}
