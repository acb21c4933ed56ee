import type { DataCenter, PrismaClient } from "../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../server/db/errors.ts";
import { Errors } from "../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../server/events/service.ts";
import type { ApiReply } from "../../../server/http/api.ts";
import { newUuid } from "../../../server/ids.ts";
import { queryReply } from "../../../server/query/run.ts";
import { TagService } from "../../../server/tags/service.ts";
import { HybridErrors, remote } from "../errors.ts";
import type { AliyunRemote } from "../remote.ts";
import type { IdentityZoneService } from "../identity-zones/service.ts";
import { dataCenterQuerySpec, type AddDataCenterInput } from "./schema.ts";

/** ZStack DataCenterInventory. */
export function dataCenterInventory(d: DataCenter) {
  return {
    uuid: d.uuid, regionId: d.regionId, regionName: d.regionName, dcType: "aliyun" as const, description: d.description,
    endpoint: d.endpoint, accountUuid: d.accountUuid, lastSyncDate: d.lastSyncDate?.toISOString() ?? null,
    createDate: d.createDate.toISOString(), lastOpDate: d.lastOpDate.toISOString(),
  };
}

/** Region as ECS DescribeRegions returns it. */
interface AliyunRegion { RegionId: string; LocalName: string; RegionEndpoint?: string }

/**
 * Data centers: the Alibaba regions an account works in (ZStack AddDataCenterFromRemote,
 * DeleteDataCenterInLocal, GetDataCenterFromRemote). Everything Alibaba-side hangs below one.
 */
export class DataCenterService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly identityZones: IdentityZoneService,
  ) {}

  /** Regions the caller's current key can use (ECS DescribeRegions). @throws HYBRID.NO_KEY, ALIYUN.*. */
  async listRemote(caller: Caller): Promise<{ regionId: string; regionName: string }[]> {
    const conn = await this.aliyun.forAccount(caller.accountUuid);
    const regions = await remote(() => this.describeRegions(conn.rpc));
    return regions.map((r) => ({ regionId: r.RegionId, regionName: r.LocalName }));
  }

  /**
   * Adds a region (AddDataCenterFromRemote) after checking Alibaba knows it; with syncZones,
   * its identity zones too. @throws HYBRID.REMOTE_NOT_FOUND for an unknown region, SYS.1002
   * when the account already added it, HYBRID.NO_KEY.
   */
  async add(caller: Caller, input: AddDataCenterInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const conn = await this.aliyun.forAccount(caller.accountUuid);
    const regions = await remote(() => this.describeRegions(conn.rpc));
    const region = regions.find((r) => r.RegionId === p.regionId);
    if (!region) throw HybridErrors.remoteNotFound("region", `${p.regionId} (known: ${regions.map((r) => r.RegionId).join(", ")})`);
    const uuid = p.resourceUuid ?? newUuid();
    let dc: DataCenter;
    try {
      dc = await this.events.transaction(this.prisma, async (tx, emit) => {
        const row = await tx.dataCenter.create({
          data: {
            uuid, regionId: p.regionId, regionName: region.LocalName, description: p.description ?? null,
            endpoint: p.endpoint ?? region.RegionEndpoint ?? null, keyUuid: conn.keyUuid, accountUuid: caller.accountUuid,
          },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "DataCenter", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "DataCenter", accountUuid: caller.accountUuid });
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("This region in your account", p.regionId);
      throw err;
    }
    if (p.syncZones) await this.identityZones.syncZones(dc, conn);
    return dataCenterInventory(dc);
  }

  /** The data center if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<DataCenter> {
    const dc = await this.prisma.dataCenter.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!dc) throw Errors.resourceNotFound("DataCenter", uuid);
    return dc;
  }

  /** ZStack QueryDataCenterFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: dataCenterQuerySpec, delegate: this.prisma.dataCenter as never, caller, raw,
      scope: ownedBy(caller), toInventory: dataCenterInventory, csvName: "data-centers",
    });
  }

  /**
   * Deletes a data center locally (DeleteDataCenterInLocal): nothing on Alibaba Cloud changes.
   * Permissive refuses while local records of its resources remain (naming how many);
   * Enforcing removes them all, ECS instances included.
   */
  async delete(caller: Caller, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<void> {
    const dc = await this.get(caller, uuid);
    const where = { dataCenterUuid: uuid };
    const counts = {
      EcsInstance: await this.prisma.ecsInstance.count({ where }),
      EcsVpc: await this.prisma.ecsVpc.count({ where }),
      OssBucket: await this.prisma.ossBucket.count({ where }),
      HybridEipAddress: await this.prisma.hybridEipAddress.count({ where }),
      AliyunDisk: await this.prisma.aliyunDisk.count({ where }),
    };
    const remaining = Object.entries(counts).filter(([, n]) => n > 0);
    if (remaining.length && deleteMode === "Permissive") {
      throw Errors.deleteRefused("The data center still has local records of Alibaba resources; delete them or use deleteMode=Enforcing",
        remaining.map(([t, n]) => `${n} ${t}`).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const ecs = await tx.ecsInstance.findMany({ where, select: { uuid: true } });
      await tx.vmInstance.deleteMany({ where: { uuid: { in: ecs.map((e) => e.uuid) } } });
      for (const model of [tx.ecsInstance, tx.aliyunDisk, tx.hybridEipAddress, tx.ecsImage, tx.vpcVirtualRouteEntry, tx.vpcVirtualRouter,
        tx.ecsSecurityGroup, tx.ecsVSwitch, tx.ecsVpc, tx.ossBucket] as unknown as { deleteMany(a: unknown): Promise<unknown> }[]) {
        await model.deleteMany({ where });
      }
      await tx.dataCenter.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "DataCenter", accountUuid: dc.accountUuid });
    });
  }

  private async describeRegions(rpc: { call<T>(p: "Ecs", r: string, a: string): Promise<T> }): Promise<AliyunRegion[]> {
    const r = await rpc.call<{ Regions?: { Region?: AliyunRegion[] } }>("Ecs", "cn-hangzhou", "DescribeRegions");
    return r.Regions?.Region ?? [];
  }
}
