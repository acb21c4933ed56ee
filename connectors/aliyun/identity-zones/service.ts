import type { DataCenter, IdentityZone, PrismaClient } from "../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../server/db/errors.ts";
import { Errors } from "../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../server/events/service.ts";
import type { ApiReply } from "../../../server/http/api.ts";
import { newUuid } from "../../../server/ids.ts";
import { queryReply } from "../../../server/query/run.ts";
import { TagService } from "../../../server/tags/service.ts";
import { HybridErrors, remote } from "../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../sync/reconcile.ts";
import { identityZoneQuerySpec, type AddIdentityZoneInput } from "./schema.ts";

/** ZStack IdentityZoneInventory. */
export function identityZoneInventory(z: IdentityZone) {
  return {
    uuid: z.uuid, dataCenterUuid: z.dataCenterUuid, zoneId: z.zoneId, zoneName: z.zoneName, type: "aliyun" as const,
    description: z.description, accountUuid: z.accountUuid, createDate: z.createDate.toISOString(), lastOpDate: z.lastOpDate.toISOString(),
  };
}

/** A zone as ECS DescribeZones returns it. */
interface AliyunZone {
  ZoneId: string;
  LocalName: string;
  AvailableInstanceTypes?: { InstanceTypes?: string[] };
  AvailableResourceCreation?: { ResourceTypes?: string[] };
  AvailableDiskCategories?: { DiskCategories?: string[] };
}

/**
 * Identity zones (可用区): the availability zones of a data center that Strata uses (ZStack
 * AddIdentityZoneFromRemote, DeleteIdentityZoneInLocal, SyncIdentityFromRemote).
 */
export class IdentityZoneService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
  ) {}

  /** Zones of the data center's region on Alibaba Cloud (GetIdentityZoneFromRemote). */
  async listRemote(dc: DataCenter) {
    const conn = await this.aliyun.forDataCenter(dc);
    const zones = await remote(() => this.describeZones(conn, dc.regionId));
    return zones.map((z) => ({
      zoneId: z.ZoneId, localName: z.LocalName,
      availableInstanceTypes: z.AvailableInstanceTypes?.InstanceTypes ?? [],
      availableResourceCreation: z.AvailableResourceCreation?.ResourceTypes ?? [],
      availableDiskCategories: z.AvailableDiskCategories?.DiskCategories ?? [],
    }));
  }

  /** Adds one zone of a data center (AddIdentityZoneFromRemote). @throws HYBRID.REMOTE_NOT_FOUND, SYS.1002. */
  async add(caller: Caller, dc: DataCenter, input: AddIdentityZoneInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const conn = await this.aliyun.forDataCenter(dc);
    const zone = (await remote(() => this.describeZones(conn, dc.regionId))).find((z) => z.ZoneId === p.zoneId);
    if (!zone) throw HybridErrors.remoteNotFound(`zone in region ${dc.regionId}`, p.zoneId);
    const uuid = p.resourceUuid ?? newUuid();
    try {
      const row = await this.events.transaction(this.prisma, async (tx, emit) => {
        const r = await tx.identityZone.create({
          data: { uuid, dataCenterUuid: dc.uuid, zoneId: zone.ZoneId, zoneName: zone.LocalName, description: p.description ?? null, accountUuid: dc.accountUuid },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "IdentityZone", accountUuid: dc.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "IdentityZone", accountUuid: caller.accountUuid });
        return r;
      });
      return identityZoneInventory(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("This zone in the data center", p.zoneId);
      throw err;
    }
  }

  /** The zone if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<IdentityZone> {
    const z = await this.prisma.identityZone.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!z) throw Errors.resourceNotFound("IdentityZone", uuid);
    return z;
  }

  /** ZStack QueryIdentityZoneFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: identityZoneQuerySpec, delegate: this.prisma.identityZone as never, caller, raw,
      scope: ownedBy(caller), toInventory: identityZoneInventory, csvName: "identity-zones",
    });
  }

  /** Deletes the local record only (DeleteIdentityZoneInLocal); VSwitches in it keep their rows with the zone unset. */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const z = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.ecsVSwitch.updateMany({ where: { identityZoneUuid: uuid }, data: { identityZoneUuid: null } });
      await tx.identityZone.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "IdentityZone", accountUuid: z.accountUuid });
    });
  }

  /**
   * One-click sync of a data center's zones (SyncIdentityFromRemote): every zone of the
   * region gets a row, renamed ones are updated, ones Alibaba no longer lists are removed.
   */
  async syncZones(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const zones = await remote(() => this.describeZones(conn, dc.regionId));
    const local = await this.prisma.identityZone.findMany({ where: { dataCenterUuid: dc.uuid } });
    return reconcile({
      remote: zones, remoteId: (z) => z.ZoneId, local, localId: (l) => l.zoneId,
      create: async (z) => {
        await this.events.transaction(this.prisma, async (tx, emit) => {
          const uuid = newUuid();
          const row = await tx.identityZone.upsert({
            where: { dataCenterUuid_zoneId: { dataCenterUuid: dc.uuid, zoneId: z.ZoneId } },
            create: { uuid, dataCenterUuid: dc.uuid, zoneId: z.ZoneId, zoneName: z.LocalName, accountUuid: dc.accountUuid },
            update: {},
          });
          if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "IdentityZone", accountUuid: dc.accountUuid });
        });
      },
      changes: (l, z) => changedFields(l, { zoneName: z.LocalName }),
      update: async (l, data) => void await this.prisma.identityZone.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => {
        await this.events.transaction(this.prisma, async (tx, emit) => {
          await tx.ecsVSwitch.updateMany({ where: { identityZoneUuid: l.uuid }, data: { identityZoneUuid: null } });
          await tx.identityZone.delete({ where: { uuid: l.uuid } });
          await emit({ type: "ResourceDeleted", resourceUuid: l.uuid, resourceType: "IdentityZone", accountUuid: l.accountUuid });
        });
      },
    });
  }

  private async describeZones(conn: AliyunConnection, regionId: string): Promise<AliyunZone[]> {
    const r = await conn.rpc.call<{ Zones?: { Zone?: AliyunZone[] } }>("Ecs", regionId, "DescribeZones");
    return r.Zones?.Zone ?? [];
  }
}
