import type { DataCenter, EcsSecurityGroup, EcsVpc, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { AliyunApiError } from "../../client/errors.ts";
import { HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import type { VpcLocalRows } from "../local-rows.ts";
import type { SecurityGroupRuleService } from "../security-group-rules/service.ts";
import { orNull } from "../wire.ts";
import { ecsSecurityGroupQuerySpec, type CreateEcsSecurityGroupInput, type UpdateEcsSecurityGroupInput } from "./schema.ts";

/** A group as ECS DescribeSecurityGroups lists it. */
interface AliyunSecurityGroup {
  SecurityGroupId: string;
  SecurityGroupName: string;
  Description?: string;
  VpcId: string;
}

/** ZStack EcsSecurityGroupInventory. */
export function securityGroupInventory(g: EcsSecurityGroup) {
  return {
    uuid: g.uuid, ecsVpcUuid: g.ecsVpcUuid, securityGroupId: g.securityGroupId, name: g.name, description: g.description,
    dataCenterUuid: g.dataCenterUuid, accountUuid: g.accountUuid, createDate: g.createDate.toISOString(), lastOpDate: g.lastOpDate.toISOString(),
  };
}

function groupFields(g: AliyunSecurityGroup, vpc: EcsVpc) {
  return { ecsVpcUuid: vpc.uuid, name: g.SecurityGroupName || g.SecurityGroupId, description: orNull(g.Description) };
}

/**
 * ECS security groups of VPCs (ZStack CreateEcsSecurityGroupRemote, DeleteEcsSecurityGroupRemote,
 * DeleteEcsSecurityGroupInLocal, QueryEcsSecurityGroupFromLocal, SyncEcsSecurityGroupFromRemote,
 * UpdateEcsSecurityGroup); the sync brings each group's rules along. The ECS part launches
 * instances into these rows: {@link SecurityGroupService.get} (or `prisma.ecsSecurityGroup`),
 * `securityGroupId` is Alibaba's id.
 */
export class SecurityGroupService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly rules: SecurityGroupRuleService,
    private readonly rows: VpcLocalRows,
  ) {}

  /** The group if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<EcsSecurityGroup> {
    const g = await this.prisma.ecsSecurityGroup.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!g) throw Errors.resourceNotFound("EcsSecurityGroup", uuid);
    return g;
  }

  /** ZStack QueryEcsSecurityGroupFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ecsSecurityGroupQuerySpec, delegate: this.prisma.ecsSecurityGroup as never, caller, raw,
      scope: ownedBy(caller), toInventory: securityGroupInventory, csvName: "ecs-security-groups",
    });
  }

  /**
   * CreateEcsSecurityGroupRemote: ECS CreateSecurityGroup in the VPC (with a ClientToken), then
   * the record. Quick, so synchronous.
   * @throws SYS.1003 unknown VPC, ALIYUN.InvalidVpcId.NotFound, ALIYUN.InvalidSecurityGroupName.Malformed.
   */
  async create(caller: Caller, input: CreateEcsSecurityGroupInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const vpc = await this.prisma.ecsVpc.findFirst({ where: { uuid: p.vpcUuid, ...ownedBy(caller) } });
    if (!vpc) throw Errors.resourceNotFound("EcsVpc", p.vpcUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vpc.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const { SecurityGroupId } = await remote(() => conn.rpc.call<{ SecurityGroupId: string }>("Ecs", dc.regionId, "CreateSecurityGroup",
      { VpcId: vpc.ecsVpcId, SecurityGroupName: p.name, Description: p.description }, { clientToken: true }));
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const g = await tx.ecsSecurityGroup.upsert({
        where: { dataCenterUuid_securityGroupId: { dataCenterUuid: dc.uuid, securityGroupId: SecurityGroupId } },
        create: { uuid, dataCenterUuid: dc.uuid, ecsVpcUuid: vpc.uuid, securityGroupId: SecurityGroupId, name: p.name, description: p.description ?? null, accountUuid: dc.accountUuid },
        update: {},
      });
      if (g.uuid === uuid) {
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "EcsSecurityGroup", accountUuid: dc.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsSecurityGroup", accountUuid: dc.accountUuid });
      }
      return g;
    });
    return securityGroupInventory(row);
  }

  /** UpdateEcsSecurityGroup: ECS ModifySecurityGroupAttribute, then the record. @throws SYS.1003, ALIYUN.*. */
  async update(caller: Caller, uuid: string, input: UpdateEcsSecurityGroupInput) {
    const g = await this.get(caller, uuid);
    if (input.name !== undefined || input.description !== undefined) {
      const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: g.dataCenterUuid } });
      const conn = await this.aliyun.forDataCenter(dc);
      await remote(() => conn.rpc.call("Ecs", dc.regionId, "ModifySecurityGroupAttribute",
        { SecurityGroupId: g.securityGroupId, SecurityGroupName: input.name, Description: input.description }));
    }
    return securityGroupInventory(await this.prisma.ecsSecurityGroup.update({ where: { uuid }, data: { name: input.name, description: input.description } }));
  }

  /** DeleteEcsSecurityGroupInLocal: the record and its rules only; Alibaba keeps the group. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const g = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteSecurityGroups(tx, emit, [g]));
  }

  /**
   * DeleteEcsSecurityGroupRemote: ECS DeleteSecurityGroup, then the record and its rules. A
   * group Alibaba no longer has is just removed here.
   * @throws SYS.1003, ALIYUN.DependencyViolation (409) while instances use it or other groups' rules name it.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const g = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: g.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    try {
      await conn.rpc.call("Ecs", dc.regionId, "DeleteSecurityGroup", { SecurityGroupId: g.securityGroupId });
    } catch (err) {
      if (!(err instanceof AliyunApiError)) throw err;
      if (err.code !== "InvalidSecurityGroupId.NotFound") throw HybridErrors.fromAliyun(err);
    }
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteSecurityGroups(tx, emit, [g]));
  }

  /**
   * SyncEcsSecurityGroupFromRemote: the groups (and their rules) of one VPC, or only
   * `securityGroupId`. @returns the VPC's groups after the sync. @throws SYS.1003, ALIYUN.*.
   */
  async syncVpc(caller: Caller, vpcUuid: string, securityGroupId?: string) {
    const vpc = await this.prisma.ecsVpc.findFirst({ where: { uuid: vpcUuid, ...ownedBy(caller) } });
    if (!vpc) throw Errors.resourceNotFound("EcsVpc", vpcUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vpc.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => this.syncGroups(dc, conn, [vpc], securityGroupId));
    return (await this.prisma.ecsSecurityGroup.findMany({ where: { ecsVpcUuid: vpc.uuid }, orderBy: { createDate: "asc" } })).map(securityGroupInventory);
  }

  /** Sync step "EcsSecurityGroup": groups of every recorded VPC, with their rules (counted together). */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    return this.syncGroups(dc, conn, await this.prisma.ecsVpc.findMany({ where: { dataCenterUuid: dc.uuid } }));
  }

  private async syncGroups(dc: DataCenter, conn: AliyunConnection, vpcs: EcsVpc[], onlyId?: string): Promise<ReconcileResult> {
    const vpcById = new Map(vpcs.map((v) => [v.ecsVpcId, v]));
    const single = vpcs.length === 1 ? vpcs[0]!.ecsVpcId : undefined;
    const groups = (await conn.rpc.describeAll<AliyunSecurityGroup>("Ecs", dc.regionId, "DescribeSecurityGroups", ["SecurityGroups", "SecurityGroup"],
      { VpcId: single, SecurityGroupId: onlyId }, 50)).filter((g) => vpcById.has(g.VpcId));
    const local = (await this.prisma.ecsSecurityGroup.findMany({ where: { dataCenterUuid: dc.uuid, ecsVpcUuid: { in: vpcs.map((v) => v.uuid) } } }))
      .filter((g) => !onlyId || g.securityGroupId === onlyId);
    const result = await reconcile({
      remote: groups, remoteId: (g) => g.SecurityGroupId, local, localId: (l) => l.securityGroupId,
      create: async (g) => {
        await this.events.transaction(this.prisma, async (tx, emit) => {
          const uuid = newUuid();
          const row = await tx.ecsSecurityGroup.upsert({
            where: { dataCenterUuid_securityGroupId: { dataCenterUuid: dc.uuid, securityGroupId: g.SecurityGroupId } },
            create: { uuid, dataCenterUuid: dc.uuid, securityGroupId: g.SecurityGroupId, accountUuid: dc.accountUuid, ...groupFields(g, vpcById.get(g.VpcId)!) },
            update: {},
          });
          if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsSecurityGroup", accountUuid: dc.accountUuid });
        });
      },
      changes: (l, g) => changedFields(l, groupFields(g, vpcById.get(g.VpcId)!)),
      update: async (l, data) => void await this.prisma.ecsSecurityGroup.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteSecurityGroups(tx, emit, [l])),
    });
    const kept = await this.prisma.ecsSecurityGroup.findMany({
      where: { dataCenterUuid: dc.uuid, securityGroupId: { in: groups.map((g) => g.SecurityGroupId) } },
    });
    for (const g of kept) {
      const r = await this.rules.syncRules(conn, dc.regionId, g);
      result.created += r.created;
      result.updated += r.updated;
      result.deleted += r.deleted;
    }
    return result;
  }
}
