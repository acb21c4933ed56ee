import type { AliyunNasAccessGroup, AliyunNasAccessRule, DataCenter, Prisma, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { deleteRemote, HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { describeAccessGroups, describeAccessRules, type AliyunAccessRule } from "../wire.ts";
import { nasAccessGroupQuerySpec, type CreateAccessGroupInput, type CreateAccessRuleInput } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** ZStack AliyunNasAccessRuleInventory. */
export function nasAccessRuleInventory(r: AliyunNasAccessRule) {
  return {
    uuid: r.uuid, accessGroupUuid: r.accessGroupUuid, sourceCidr: r.sourceCidr, rule: r.rule, priority: r.priority, userAccess: r.userAccess,
    ruleId: r.ruleId, createDate: r.createDate.toISOString(), lastOpDate: r.lastOpDate.toISOString(),
  };
}

/** ZStack AliyunNasAccessGroupInventory with its rules. */
export function nasAccessGroupInventory(g: AliyunNasAccessGroup & { rules: AliyunNasAccessRule[] }) {
  return {
    uuid: g.uuid, name: g.name, description: g.description, dataCenterUuid: g.dataCenterUuid, type: g.type,
    rules: [...g.rules].sort((a, b) => a.priority - b.priority || Number(a.ruleId) - Number(b.ruleId)).map(nasAccessRuleInventory),
    accountUuid: g.accountUuid, createDate: g.createDate.toISOString(), lastOpDate: g.lastOpDate.toISOString(),
  };
}

/**
 * NAS access groups and their rules (ZStack CreateAliyunNasAccessGroup, AddAliyunNasAccessGroup,
 * DeleteAliyunNasAccessGroup, QueryAliyunNasAccessGroup, GetAliyunNasAccessGroupRemote,
 * CreateAliyunNasAccessGroupRule, DeleteAliyunNasAccessGroupRule). NAS answers these calls at
 * once, so none needs a job.
 */
export class NasAccessGroupService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly dataCenters: DataCenterService,
  ) {}

  /** The group if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string) {
    const g = await this.prisma.aliyunNasAccessGroup.findFirst({ where: { uuid, ...ownedBy(caller) }, include: { rules: true } });
    if (!g) throw Errors.resourceNotFound("AliyunNasAccessGroup", uuid);
    return g;
  }

  /** ZStack QueryAliyunNasAccessGroup (rules included). */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: nasAccessGroupQuerySpec, delegate: this.prisma.aliyunNasAccessGroup as never, caller, raw,
      scope: ownedBy(caller), include: { rules: true }, toInventory: nasAccessGroupInventory, csvName: "nas-access-groups",
    });
  }

  private async connect(dataCenterUuid: string): Promise<{ dc: DataCenter; conn: AliyunConnection }> {
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: dataCenterUuid } });
    return { dc, conn: await this.aliyun.forDataCenter(dc) };
  }

  /**
   * CreateAliyunNasAccessGroup: NAS CreateAccessGroup, then the record.
   * @throws SYS.1003, ALIYUN.InvalidAccessGroup.AlreadyExist (400), ALIYUN.QuotaExceeded.AccessGroup.
   */
  async create(caller: Caller, input: CreateAccessGroupInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Nas", dc.regionId, "CreateAccessGroup",
      { AccessGroupName: p.name, AccessGroupType: p.networkType === "vpc" ? "Vpc" : "Classic", Description: p.description }));
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const g = await this.upsertGroup(tx, emit, dc, { name: p.name, description: p.description ?? null, type: p.networkType }, uuid);
      if (g.uuid === uuid) await this.tags.attachOnCreate(tx, { uuid, resourceType: "AliyunNasAccessGroup", accountUuid: dc.accountUuid }, input.systemTags, input.userTags);
      return g;
    });
    return nasAccessGroupInventory(await this.get(caller, row.uuid));
  }

  private async upsertGroup(tx: Tx, emit: Emit, dc: DataCenter, g: { name: string; description: string | null; type: string }, uuid: string) {
    const row = await tx.aliyunNasAccessGroup.upsert({
      where: { dataCenterUuid_name: { dataCenterUuid: dc.uuid, name: g.name } },
      create: { uuid, dataCenterUuid: dc.uuid, accountUuid: dc.accountUuid, ...g }, update: { description: g.description, type: g.type },
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "AliyunNasAccessGroup", accountUuid: dc.accountUuid });
    return row;
  }

  private async upsertRule(tx: Tx, group: AliyunNasAccessGroup, r: AliyunAccessRule, uuid = newUuid()) {
    const fields = { sourceCidr: r.SourceCidrIp, rule: r.RWAccess, userAccess: r.UserAccess, priority: Number(r.Priority) };
    return tx.aliyunNasAccessRule.upsert({
      where: { accessGroupUuid_ruleId: { accessGroupUuid: group.uuid, ruleId: String(r.AccessRuleId) } },
      create: { uuid, accessGroupUuid: group.uuid, ruleId: String(r.AccessRuleId), accountUuid: group.accountUuid, ...fields }, update: fields,
    });
  }

  /**
   * AddAliyunNasAccessGroup: records a group that exists on Alibaba (e.g. DEFAULT_VPC_GROUP_NAME)
   * with its rules.
   * @throws SYS.1003, HYBRID.REMOTE_NOT_FOUND, ALIYUN.*.
   */
  async add(caller: Caller, p: { dataCenterUuid: string; groupName: string; resourceUuid?: string }) {
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    const [g] = await remote(() => describeAccessGroups(conn, dc.regionId, p.groupName));
    if (!g) throw HybridErrors.remoteNotFound("NAS access group", p.groupName);
    const rules = await remote(() => describeAccessRules(conn, dc.regionId, g.AccessGroupName));
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const group = await this.upsertGroup(tx, emit, dc, { name: g.AccessGroupName, description: g.Description || null, type: g.AccessGroupType.toLowerCase() },
        p.resourceUuid ?? newUuid());
      for (const r of rules) await this.upsertRule(tx, group, r);
      return group;
    });
    return nasAccessGroupInventory(await this.get(caller, row.uuid));
  }

  /** GetAliyunNasAccessGroupRemote: Alibaba's groups, nothing stored. @throws SYS.1003, ALIYUN.*. */
  async listRemote(caller: Caller, dataCenterUuid: string, groupName?: string) {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    return (await remote(() => describeAccessGroups(conn, dc.regionId, groupName))).map((g) => ({
      groupName: g.AccessGroupName, type: g.AccessGroupType.toLowerCase(), description: g.Description || null,
      ruleCount: g.RuleCount ?? 0, mountTargetCount: g.MountTargetCount ?? 0,
    }));
  }

  /**
   * DeleteAliyunNasAccessGroup: NAS DeleteAccessGroup (with its rules), then the records.
   * @throws SYS.1003, ALIYUN.OperationDenied.AccessGroupInUse / .DefaultAccessGroup (409).
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const g = await this.get(caller, uuid);
    const { dc, conn } = await this.connect(g.dataCenterUuid);
    await deleteRemote(() => conn.rpc.call("Nas", dc.regionId, "DeleteAccessGroup", { AccessGroupName: g.name }), /^InvalidAccessGroup\.NotFound$/);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.aliyunNasMountTarget.updateMany({ where: { accessGroupUuid: uuid }, data: { accessGroupUuid: null } });
      await tx.aliyunNasAccessGroup.deleteMany({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "AliyunNasAccessGroup", accountUuid: g.accountUuid });
    });
  }

  /**
   * CreateAliyunNasAccessGroupRule: NAS CreateAccessRule, then the record; `{inventory}` is the rule.
   * @throws SYS.1003, ALIYUN.InvalidParameter, ALIYUN.QuotaExceeded.AccessRule.
   */
  async createRule(caller: Caller, input: CreateAccessRuleInput) {
    const p = input.params;
    const g = await this.get(caller, p.accessGroupUuid);
    const { dc, conn } = await this.connect(g.dataCenterUuid);
    const { AccessRuleId } = await remote(() => conn.rpc.call<{ AccessRuleId: string }>("Nas", dc.regionId, "CreateAccessRule", {
      AccessGroupName: g.name, SourceCidrIp: p.sourceCidrIp, RWAccessType: p.rwAccessType, UserAccessType: p.userAccessType, Priority: p.priority,
    }));
    const row = await this.prisma.$transaction((tx) => this.upsertRule(tx, g, {
      AccessRuleId, SourceCidrIp: p.sourceCidrIp, RWAccess: p.rwAccessType, UserAccess: p.userAccessType, Priority: p.priority,
    }, p.resourceUuid ?? newUuid()));
    return nasAccessRuleInventory(row);
  }

  /** DeleteAliyunNasAccessGroupRule: NAS DeleteAccessRule, then the record. @throws SYS.1003, ALIYUN.*. */
  async deleteRule(caller: Caller, uuid: string): Promise<void> {
    const r = await this.prisma.aliyunNasAccessRule.findFirst({ where: { uuid, ...ownedBy(caller) }, include: { accessGroup: true } });
    if (!r) throw Errors.resourceNotFound("AliyunNasAccessRule", uuid);
    const { dc, conn } = await this.connect(r.accessGroup.dataCenterUuid);
    await deleteRemote(() => conn.rpc.call("Nas", dc.regionId, "DeleteAccessRule", { AccessGroupName: r.accessGroup.name, AccessRuleId: r.ruleId }),
      /^InvalidAccess(Rule|Group)\.NotFound$/);
    await this.prisma.aliyunNasAccessRule.deleteMany({ where: { uuid } });
  }
}
