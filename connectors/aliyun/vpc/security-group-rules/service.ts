import type { EcsSecurityGroup, EcsSecurityGroupRule, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../../server/db/errors.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { orNull } from "../wire.ts";
import { ecsSecurityGroupRuleQuerySpec, type CreateEcsSecurityGroupRuleInput } from "./schema.ts";

/** A rule as ECS DescribeSecurityGroupAttribute lists it (`Permissions.Permission[]`). */
export interface AliyunPermission {
  Direction: string;
  IpProtocol: string;
  PortRange: string;
  SourceCidrIp?: string;
  SourceGroupId?: string;
  DestCidrIp?: string;
  DestGroupId?: string;
  Policy: string;
  Priority: string | number;
  NicType?: string;
  Description?: string;
}

/** ZStack EcsSecurityGroupRuleInventory. */
export function ruleInventory(r: EcsSecurityGroupRule) {
  return {
    uuid: r.uuid, ecsSecurityGroupUuid: r.ecsSecurityGroupUuid, protocol: r.protocol, portRange: r.portRange, cidrIp: r.cidrIp,
    priority: r.priority, direction: r.direction, nicType: r.nicType, policy: r.policy, description: r.description,
    accountUuid: r.accountUuid, createDate: r.createDate.toISOString(), lastOpDate: r.lastOpDate.toISOString(),
  };
}

type RuleKey = Pick<EcsSecurityGroupRule, "direction" | "protocol" | "portRange" | "cidrIp" | "policy" | "priority" | "nicType">;

/** The identifying columns of a rule in Strata's (lower-case) form; Alibaba's rules have no id in ZStack's model. */
function ruleKey(p: AliyunPermission): RuleKey {
  const ingress = p.Direction === "ingress";
  return {
    direction: p.Direction, protocol: p.IpProtocol.toLowerCase(), portRange: p.PortRange,
    cidrIp: (ingress ? p.SourceCidrIp || p.SourceGroupId : p.DestCidrIp || p.DestGroupId) ?? "",
    policy: p.Policy.toLowerCase(), priority: Number(p.Priority), nicType: p.NicType || "intranet",
  };
}

const keyText = (k: RuleKey) => [k.direction, k.protocol, k.portRange, k.cidrIp, k.policy, k.priority, k.nicType].join("|");

/** Alibaba's params naming one rule, for the Authorize and Revoke actions (flat form). */
function ruleParams(groupId: string, k: RuleKey, description?: string | null): Record<string, unknown> {
  const peer = /^sg-/.test(k.cidrIp)
    ? (k.direction === "ingress" ? { SourceGroupId: k.cidrIp } : { DestGroupId: k.cidrIp })
    : (k.direction === "ingress" ? { SourceCidrIp: k.cidrIp } : { DestCidrIp: k.cidrIp });
  return {
    SecurityGroupId: groupId, IpProtocol: k.protocol.toUpperCase(), PortRange: k.portRange, Policy: k.policy, Priority: String(k.priority),
    NicType: k.nicType, Description: description ?? undefined, ...peer,
  };
}

const authorizeAction = (direction: string) => direction === "ingress" ? "AuthorizeSecurityGroup" : "AuthorizeSecurityGroupEgress";
const revokeAction = (direction: string) => direction === "ingress" ? "RevokeSecurityGroup" : "RevokeSecurityGroupEgress";

/**
 * Security-group rules (ZStack CreateEcsSecurityGroupRuleRemote, DeleteEcsSecurityGroupRuleRemote,
 * QueryEcsSecurityGroupRuleFromLocal, SyncEcsSecurityGroupRuleFromRemote) over ECS
 * AuthorizeSecurityGroup(Egress), RevokeSecurityGroup(Egress) and DescribeSecurityGroupAttribute.
 * A rule is identified by (direction, protocol, portRange, cidrIp, policy, priority, nicType),
 * as Alibaba compares rules; re-authorising an existing rule changes nothing.
 */
export class SecurityGroupRuleService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
  ) {}

  /** The rule if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<EcsSecurityGroupRule> {
    const r = await this.prisma.ecsSecurityGroupRule.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!r) throw Errors.resourceNotFound("EcsSecurityGroupRule", uuid);
    return r;
  }

  /** ZStack QueryEcsSecurityGroupRuleFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ecsSecurityGroupRuleQuerySpec, delegate: this.prisma.ecsSecurityGroupRule as never, caller, raw,
      scope: ownedBy(caller), toInventory: ruleInventory, csvName: "ecs-security-group-rules",
    });
  }

  /**
   * CreateEcsSecurityGroupRuleRemote: ECS AuthorizeSecurityGroup (ingress) or
   * AuthorizeSecurityGroupEgress (egress), then the record.
   * @throws SYS.1003 unknown group, SYS.1002 the group already has this rule,
   *   ALIYUN.InvalidPortRange.Malformed / ALIYUN.InvalidIpProtocol.Malformed / ALIYUN.InvalidParameter (400).
   */
  async create(caller: Caller, input: CreateEcsSecurityGroupRuleInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const group = await this.prisma.ecsSecurityGroup.findFirst({ where: { uuid: p.groupUuid, ...ownedBy(caller) } });
    if (!group) throw Errors.resourceNotFound("EcsSecurityGroup", p.groupUuid);
    const key: RuleKey = {
      direction: p.direction, protocol: p.protocol, portRange: p.portRange, cidrIp: p.cidr, policy: p.policy, priority: p.priority,
      nicType: p.nictype ?? p.nicType ?? "intranet",
    };
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: group.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Ecs", dc.regionId, authorizeAction(key.direction), ruleParams(group.securityGroupId, key, p.description)));
    const uuid = p.resourceUuid ?? newUuid();
    try {
      const row = await this.events.transaction(this.prisma, async (tx, emit) => {
        const r = await tx.ecsSecurityGroupRule.create({
          data: { uuid, ecsSecurityGroupUuid: group.uuid, ...key, description: p.description ?? null, accountUuid: group.accountUuid },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "EcsSecurityGroupRule", accountUuid: group.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsSecurityGroupRule", accountUuid: group.accountUuid });
        return r;
      });
      return ruleInventory(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("This rule in the security group", keyText(key));
      throw err;
    }
  }

  /**
   * DeleteEcsSecurityGroupRuleRemote: ECS RevokeSecurityGroup(Egress) with the rule's fields,
   * then the record (Alibaba ignores a rule it no longer has). @throws SYS.1003, ALIYUN.*.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const r = await this.get(caller, uuid);
    const group = await this.prisma.ecsSecurityGroup.findUniqueOrThrow({ where: { uuid: r.ecsSecurityGroupUuid } });
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: group.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Ecs", dc.regionId, revokeAction(r.direction), ruleParams(group.securityGroupId, r)));
    await this.deleteRows([r]);
  }

  /**
   * SyncEcsSecurityGroupRuleFromRemote (`{uuid}` is the security group's): its rules as
   * DescribeSecurityGroupAttribute lists them. @returns the rules after the sync. @throws SYS.1003, ALIYUN.*.
   */
  async syncGroup(caller: Caller, groupUuid: string) {
    const group = await this.prisma.ecsSecurityGroup.findFirst({ where: { uuid: groupUuid, ...ownedBy(caller) } });
    if (!group) throw Errors.resourceNotFound("EcsSecurityGroup", groupUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: group.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => this.syncRules(conn, dc.regionId, group));
    return (await this.prisma.ecsSecurityGroupRule.findMany({ where: { ecsSecurityGroupUuid: group.uuid }, orderBy: { priority: "asc" } })).map(ruleInventory);
  }

  /** Brings one group's rule records in line with Alibaba (also a part of the EcsSecurityGroup sync step). */
  async syncRules(conn: AliyunConnection, regionId: string, group: EcsSecurityGroup): Promise<ReconcileResult> {
    const attr = await conn.rpc.call<{ Permissions?: { Permission?: AliyunPermission[] } }>("Ecs", regionId, "DescribeSecurityGroupAttribute",
      { SecurityGroupId: group.securityGroupId, Direction: "all" });
    const permissions = attr.Permissions?.Permission ?? [];
    const local = await this.prisma.ecsSecurityGroupRule.findMany({ where: { ecsSecurityGroupUuid: group.uuid } });
    return reconcile({
      remote: permissions, remoteId: (p) => keyText(ruleKey(p)), local, localId: (l) => keyText(l),
      create: async (p) => {
        await this.events.transaction(this.prisma, async (tx, emit) => {
          const uuid = newUuid();
          const key = ruleKey(p);
          const row = await tx.ecsSecurityGroupRule.upsert({
            where: { ecsSecurityGroupUuid_direction_protocol_portRange_cidrIp_policy_priority_nicType: { ecsSecurityGroupUuid: group.uuid, ...key } },
            create: { uuid, ecsSecurityGroupUuid: group.uuid, ...key, description: orNull(p.Description), accountUuid: group.accountUuid },
            update: {},
          });
          if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsSecurityGroupRule", accountUuid: group.accountUuid });
        });
      },
      changes: (l, p) => changedFields(l, { description: orNull(p.Description) }),
      update: async (l, data) => void await this.prisma.ecsSecurityGroupRule.update({ where: { uuid: l.uuid }, data }),
      remove: (l) => this.deleteRows([l]),
    });
  }

  private async deleteRows(rules: EcsSecurityGroupRule[]): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      for (const r of rules) {
        await tx.ecsSecurityGroupRule.deleteMany({ where: { uuid: r.uuid } });
        await this.tags.detachAll(tx, r.uuid);
        await emit({ type: "ResourceDeleted", resourceUuid: r.uuid, resourceType: "EcsSecurityGroupRule", accountUuid: r.accountUuid });
      }
    });
  }
}
