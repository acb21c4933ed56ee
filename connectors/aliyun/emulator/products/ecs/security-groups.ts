import { AliyunError, Errors } from "../../core/errors.ts";
import { list, objects, oneOf, page, str, tokenPage } from "../../core/params.ts";
import { aliyunTime, newResourceId, type RpcAction, type RpcCall, withClientToken } from "../../core/rpc.ts";
import { publicView, type StoredResource } from "../../core/state.ts";
import { checkDescription, checkName, matchesTagFilter, requireRegion, table, tagsParam, type Tag } from "./common.ts";
import type { InstanceRow } from "./instance-row.ts";

/** A rule as DescribeSecurityGroupAttribute shows it (`Permissions.Permission[]`). */
export interface Permission {
  SecurityGroupRuleId: string;
  Direction: "ingress" | "egress";
  /** TCP, UDP, ICMP, GRE or ALL (upper case, as Alibaba returns them). */
  IpProtocol: string;
  /** `from/to`; `-1/-1` for ICMP, GRE and ALL. */
  PortRange: string;
  SourceCidrIp: string;
  SourceGroupId: string;
  SourcePortRange: string;
  DestCidrIp: string;
  DestGroupId: string;
  /** Accept or Drop. */
  Policy: string;
  /** "1" (highest) … "100", a string in the response model. */
  Priority: string;
  NicType: string;
  Description: string;
  CreateTime: string;
  Ipv6SourceCidrIp: string;
  Ipv6DestCidrIp: string;
  SourcePrefixListId: string;
  DestPrefixListId: string;
}

/** Table "SecurityGroup"; rules live in `__rules` because DescribeSecurityGroups does not show them. */
export type SecurityGroupRow = StoredResource & {
  SecurityGroupId: string;
  SecurityGroupName: string;
  Description: string;
  VpcId: string;
  SecurityGroupType: "normal" | "enterprise";
  CreationTime: string;
  Tags: { Tag: Tag[] };
  __rules: Permission[];
};

/** `InvalidSecurityGroupId.NotFound` (404). */
export const securityGroupNotFound = (id: string) => Errors.notFound("InvalidSecurityGroupId", id, "SecurityGroupId");

/** The security group `id` in the call's region. @throws InvalidSecurityGroupId.NotFound (404). */
export function requireSecurityGroup(call: RpcCall, id: string, regionId = call.regionId): SecurityGroupRow {
  const row = table<SecurityGroupRow>(call, "SecurityGroup", regionId)[id];
  if (!row) throw securityGroupNotFound(id);
  return row;
}

function instancesIn(call: RpcCall, regionId: string, groupId: string): InstanceRow[] {
  return Object.values(table<InstanceRow>(call, "Instance", regionId)).filter((i) => i.SecurityGroupIds.SecurityGroupId.includes(groupId));
}

/**
 * CreateSecurityGroup (RegionId, VpcId, SecurityGroupName, Description, SecurityGroupType,
 * Tag.N, ClientToken) → `{ SecurityGroupId }`. The VPC must exist (VPC product's "Vpc" table).
 * @throws InvalidVpcId.NotFound (404).
 */
export const createSecurityGroup: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const vpcId = str(call, "VpcId", { required: true });
  const name = checkName(call, "SecurityGroupName");
  const description = checkDescription(call);
  const type = oneOf(call, "SecurityGroupType", ["normal", "enterprise"] as const, "normal")!;
  const tags = tagsParam(call);
  if (!table(call, "Vpc", regionId)[vpcId]) throw new AliyunError("InvalidVpcId.NotFound", `The specified VpcId "${vpcId}" does not exist.`, 404);
  return withClientToken(call, () => {
    const id = newResourceId("sg");
    const row: SecurityGroupRow = {
      SecurityGroupId: id, SecurityGroupName: name ?? "", Description: description ?? "", VpcId: vpcId, SecurityGroupType: type,
      CreationTime: aliyunTime(call.now), ResourceGroupId: "", ServiceManaged: false, Tags: { Tag: tags }, __rules: [],
    };
    table<SecurityGroupRow>(call, "SecurityGroup", regionId)[id] = row;
    return { SecurityGroupId: id };
  });
};

/**
 * DescribeSecurityGroups (RegionId; VpcId, SecurityGroupId, SecurityGroupIds JSON array,
 * SecurityGroupName, Tag.N; PageNumber/PageSize ≤ 50 or NextToken/MaxResults) →
 * `{ RegionId, SecurityGroups: { SecurityGroup: [...] }, TotalCount, PageNumber, PageSize, NextToken }`.
 */
export const describeSecurityGroups: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const vpcId = str(call, "VpcId");
  const ids = new Set([...list(call, "SecurityGroupIds"), ...(str(call, "SecurityGroupId") ? [str(call, "SecurityGroupId")!] : [])]);
  const name = str(call, "SecurityGroupName");
  const matching = Object.values(table<SecurityGroupRow>(call, "SecurityGroup", regionId))
    .filter((g) => (!vpcId || g.VpcId === vpcId) && (!ids.size || ids.has(g.SecurityGroupId)) && (!name || g.SecurityGroupName === name) && matchesTagFilter(call, g))
    .map((g) => {
      const ecsCount = instancesIn(call, regionId, g.SecurityGroupId).length;
      return { ...publicView(g), EcsCount: ecsCount, AvailableInstanceAmount: 2000 - ecsCount, RuleCount: g.__rules.length, GroupToGroupRuleCount: g.__rules.filter((r) => r.SourceGroupId || r.DestGroupId).length };
    });
  if (call.params.MaxResults !== undefined || call.params.NextToken !== undefined) {
    const { items, fields } = tokenPage(call, matching, { defaultMax: 10, maxMax: 100 });
    return { RegionId: regionId, SecurityGroups: { SecurityGroup: items }, NextToken: fields.NextToken, TotalCount: fields.TotalCount };
  }
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { RegionId: regionId, SecurityGroups: { SecurityGroup: items }, ...fields, NextToken: "" };
};

/**
 * DescribeSecurityGroupAttribute (RegionId, SecurityGroupId, Direction all/ingress/egress) →
 * `{ RegionId, SecurityGroupId, SecurityGroupName, Description, VpcId, InnerAccessPolicy, Permissions: { Permission: [...] } }`.
 */
export const describeSecurityGroupAttribute: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const g = requireSecurityGroup(call, str(call, "SecurityGroupId", { required: true }), regionId);
  const direction = oneOf(call, "Direction", ["all", "ingress", "egress"] as const, "all");
  const rules = g.__rules.filter((r) => direction === "all" || r.Direction === direction)
    .sort((a, b) => Number(a.Priority) - Number(b.Priority));
  return {
    RegionId: regionId, SecurityGroupId: g.SecurityGroupId, SecurityGroupName: g.SecurityGroupName, Description: g.Description,
    VpcId: g.VpcId, InnerAccessPolicy: "Accept", Permissions: { Permission: rules },
  };
};

const PROTOCOLS = ["TCP", "UDP", "ICMP", "GRE", "ALL", "ICMPV6"];

/**
 * The rules a call names, in the flat form (`IpProtocol=tcp&PortRange=22/22&SourceCidrIp=…`) or
 * the list form (`Permissions.1.IpProtocol=…`), validated as Alibaba does.
 */
function rulesParam(call: RpcCall, direction: "ingress" | "egress"): RuleShape[] {
  const listed = objects(call, "Permissions");
  const raw = listed.length ? listed : [call.params];
  return raw.map((p, i) => {
    const where = listed.length ? `Permissions.${i + 1}.` : "";
    const protocol = (p.IpProtocol ?? "").toUpperCase();
    if (!protocol) throw Errors.missingParameter(`${where}IpProtocol`);
    if (!PROTOCOLS.includes(protocol)) throw new AliyunError("InvalidIpProtocol.Malformed", `The specified IpProtocol "${p.IpProtocol}" is not valid.`, 400);
    const portRange = p.PortRange ?? (["ICMP", "GRE", "ALL", "ICMPV6"].includes(protocol) ? "-1/-1" : "");
    checkPortRange(protocol, portRange, `${where}PortRange`);
    const policy = (p.Policy ?? "accept").toLowerCase();
    if (policy !== "accept" && policy !== "drop") throw Errors.invalidParameter(`${where}Policy`, "must be accept or drop");
    const priority = p.Priority ?? "1";
    if (!/^\d+$/.test(priority) || Number(priority) < 1 || Number(priority) > 100) throw new AliyunError("InvalidPriority.Malformed", "The specified Priority must be an integer in [1, 100].", 400);
    const peer = direction === "ingress"
      ? [p.SourceCidrIp, p.SourceGroupId, p.Ipv6SourceCidrIp, p.SourcePrefixListId]
      : [p.DestCidrIp, p.DestGroupId, p.Ipv6DestCidrIp, p.DestPrefixListId];
    if (!peer.some(Boolean)) throw Errors.missingParameter(`${where}${direction === "ingress" ? "SourceCidrIp" : "DestCidrIp"}`);
    for (const cidr of [p.SourceCidrIp, p.DestCidrIp]) {
      if (cidr && !/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(cidr)) throw Errors.invalidParameter(`${where}${direction === "ingress" ? "SourceCidrIp" : "DestCidrIp"}`, "is not an IPv4 address or CIDR block");
    }
    return {
      Direction: direction, IpProtocol: protocol, PortRange: portRange, SourceCidrIp: p.SourceCidrIp ?? "", SourceGroupId: p.SourceGroupId ?? "",
      SourcePortRange: p.SourcePortRange ?? "", DestCidrIp: p.DestCidrIp ?? "", DestGroupId: p.DestGroupId ?? "",
      Policy: policy === "accept" ? "Accept" : "Drop", Priority: String(Number(priority)), NicType: p.NicType ?? "intranet",
      Description: p.Description ?? "", Ipv6SourceCidrIp: p.Ipv6SourceCidrIp ?? "", Ipv6DestCidrIp: p.Ipv6DestCidrIp ?? "",
      SourcePrefixListId: p.SourcePrefixListId ?? "", DestPrefixListId: p.DestPrefixListId ?? "",
    };
  });
}

function checkPortRange(protocol: string, range: string, param: string): void {
  const m = /^(-?\d+)\/(-?\d+)$/.exec(range);
  const bad = () => new AliyunError("InvalidPortRange.Malformed", `The specified ${param} "${range}" is not valid for ${protocol}.`, 400);
  if (!m) throw bad();
  const [from, to] = [Number(m[1]), Number(m[2])];
  if (protocol === "TCP" || protocol === "UDP") {
    if (from < 1 || to > 65535 || from > to) throw bad();
  } else if (from !== -1 || to !== -1) {
    throw bad();
  }
}

type RuleShape = Omit<Permission, "SecurityGroupRuleId" | "CreateTime">;

/** Two rules are the same rule when everything but id, time and description agrees. */
function sameRule(a: RuleShape, b: RuleShape): boolean {
  const keys = ["Direction", "IpProtocol", "PortRange", "SourceCidrIp", "SourceGroupId", "DestCidrIp", "DestGroupId", "Policy", "Priority", "NicType", "SourcePortRange"] as const;
  return keys.every((k) => a[k] === b[k]);
}

function authorize(direction: "ingress" | "egress"): RpcAction {
  return (call) => {
    const regionId = requireRegion(call);
    const g = requireSecurityGroup(call, str(call, "SecurityGroupId", { required: true }), regionId);
    const rules = rulesParam(call, direction);
    for (const r of rules) {
      const peer = r.SourceGroupId || r.DestGroupId;
      if (peer) requireSecurityGroup(call, peer, regionId);
    }
    // Authorizing an existing rule again succeeds without adding a copy, as on Alibaba.
    const fresh = rules.filter((r, i) => !g.__rules.some((existing) => sameRule(r, existing)) && rules.findIndex((o) => sameRule(o, r)) === i);
    if (g.__rules.length + fresh.length > 200) throw new AliyunError("QuotaExceed.SecurityGroupRule", "The maximum number of rules in the security group is exceeded.", 400);
    for (const r of fresh) g.__rules.push({ ...r, SecurityGroupRuleId: newResourceId("sgr"), CreateTime: aliyunTime(call.now) });
    return {};
  };
}

function revoke(direction: "ingress" | "egress"): RpcAction {
  return (call) => {
    const regionId = requireRegion(call);
    const g = requireSecurityGroup(call, str(call, "SecurityGroupId", { required: true }), regionId);
    const ruleIds = list(call, "SecurityGroupRuleId");
    if (ruleIds.length) {
      g.__rules = g.__rules.filter((r) => !(r.Direction === direction && ruleIds.includes(r.SecurityGroupRuleId)));
      return {};
    }
    const rules = rulesParam(call, direction);
    g.__rules = g.__rules.filter((existing) => !rules.some((r) => sameRule(r, existing)));
    return {};
  };
}

/**
 * AuthorizeSecurityGroup / AuthorizeSecurityGroupEgress (RegionId, SecurityGroupId, IpProtocol,
 * PortRange, SourceCidrIp|SourceGroupId / DestCidrIp|DestGroupId, Policy, Priority, NicType,
 * Description, or the same as Permissions.N.*) → `{}`.
 */
export const authorizeSecurityGroup = authorize("ingress");
export const authorizeSecurityGroupEgress = authorize("egress");
/** RevokeSecurityGroup(/Egress): the same params, or SecurityGroupRuleId.N → `{}`; unknown rules are ignored. */
export const revokeSecurityGroup = revoke("ingress");
export const revokeSecurityGroupEgress = revoke("egress");

/**
 * DeleteSecurityGroup (RegionId, SecurityGroupId) → `{}`.
 * @throws DependencyViolation (403) while instances use the group or another group's rules refer to it.
 */
export const deleteSecurityGroup: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const id = str(call, "SecurityGroupId", { required: true });
  requireSecurityGroup(call, id, regionId);
  if (instancesIn(call, regionId, id).length) {
    throw new AliyunError("DependencyViolation", "There is still instance(s) in the specified security group.", 403);
  }
  const groups = table<SecurityGroupRow>(call, "SecurityGroup", regionId);
  if (Object.values(groups).some((g) => g.SecurityGroupId !== id && g.__rules.some((r) => r.SourceGroupId === id || r.DestGroupId === id))) {
    throw new AliyunError("DependencyViolation", "The specified security group has been authorized in another security group.", 403);
  }
  delete groups[id];
  return {};
};

/** ModifySecurityGroupAttribute (RegionId, SecurityGroupId, SecurityGroupName, Description) → `{}`. */
export const modifySecurityGroupAttribute: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const g = requireSecurityGroup(call, str(call, "SecurityGroupId", { required: true }), regionId);
  const name = checkName(call, "SecurityGroupName");
  const description = checkDescription(call);
  if (name !== undefined) g.SecurityGroupName = name;
  if (description !== undefined) g.Description = description;
  return {};
};
