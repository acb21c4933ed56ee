import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, int, oneOf, page, str } from "../../core/params.ts";
import type { RpcCall } from "../../core/rpc.ts";
import { checkDescription } from "./file-systems.ts";
import {
  accessGroups, accessRules, DEFAULT_VPC_GROUP, findAccessGroup, mountTargets, nasRegion, nasTime, nasUtcTime, seedDefaultAccessGroup,
  type AccessGroupRow, type AccessRuleRow,
} from "./tables.ts";

/** Access groups per region (NAS quota) and rules per group. */
export const ACCESS_GROUP_QUOTA = 20;
export const ACCESS_RULE_QUOTA = 300;

/**
 * CreateAccessGroup(AccessGroupName, AccessGroupType Vpc|Classic, Description, FileSystemType = standard)
 * → `{ AccessGroupName }`. Names are 3–64 characters: letters, digits, `_` and `-`, starting with a letter.
 * @throws MissingParameter, InvalidParameter, InvalidAccessGroup.AlreadyExist, QuotaExceeded.AccessGroup.
 */
export function createAccessGroup(call: RpcCall): Record<string, unknown> {
  const region = nasRegion(call);
  seedDefaultAccessGroup(call);
  const name = str(call, "AccessGroupName", { required: true });
  if (!/^[A-Za-z][A-Za-z0-9_-]{2,63}$/.test(name)) throw Errors.invalidParameter("AccessGroupName", "must be 3–64 letters, digits, _ or -, starting with a letter");
  const type = oneOf(call, "AccessGroupType", ["Vpc", "Classic"] as const);
  if (!type) throw Errors.missingParameter("AccessGroupType");
  oneOf(call, "FileSystemType", ["standard"] as const, "standard");
  const description = str(call, "Description", { default: "" })!;
  checkDescription(description);
  const groups = accessGroups(call);
  if (groups[name]) throw new AliyunError("InvalidAccessGroup.AlreadyExist", "The specified access group already exists.", 400);
  if (Object.keys(groups).length >= ACCESS_GROUP_QUOTA) throw new AliyunError("QuotaExceeded.AccessGroup", "The maximum number of access groups is reached.", 400);
  groups[name] = { AccessGroupName: name, AccessGroupType: type, Description: description, FileSystemType: "standard", RegionId: region.RegionId, created: call.now, nextRuleId: 1 };
  call.state.changed();
  return { AccessGroupName: name };
}

function rulesOf(call: RpcCall, group: string): AccessRuleRow[] {
  return Object.values(accessRules(call)).filter((r) => r.AccessGroupName === group);
}

function presentGroup(call: RpcCall, g: AccessGroupRow, utc: boolean): Record<string, unknown> {
  return {
    AccessGroupName: g.AccessGroupName, AccessGroupType: g.AccessGroupType, Description: g.Description, FileSystemType: g.FileSystemType,
    RegionId: g.RegionId, CreateTime: utc ? nasUtcTime(g.created) : nasTime(g.created), RuleCount: rulesOf(call, g.AccessGroupName).length,
    MountTargetCount: Object.values(mountTargets(call)).filter((m) => m.AccessGroupName === g.AccessGroupName).length,
  };
}

/**
 * DescribeAccessGroups(AccessGroupName, FileSystemType, UseUTCDateTime, PageNumber, PageSize ≤ 100) →
 * `{ TotalCount, PageNumber, PageSize, AccessGroups: { AccessGroup: [{ ..., RuleCount, MountTargetCount }] } }`.
 */
export function describeAccessGroups(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  seedDefaultAccessGroup(call);
  const name = str(call, "AccessGroupName");
  const utc = bool(call, "UseUTCDateTime", false);
  const matching = Object.values(accessGroups(call)).filter((g) => name === undefined || g.AccessGroupName === name);
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { ...fields, AccessGroups: { AccessGroup: items.map((g) => presentGroup(call, g, utc)) } };
}

/**
 * DeleteAccessGroup(AccessGroupName) → `{}`, with its rules.
 * @throws InvalidAccessGroup.NotFound 404, OperationDenied.DefaultAccessGroup (the default group),
 *   OperationDenied.AccessGroupInUse (a mount target uses it; code modelled, not from a published table).
 */
export function deleteAccessGroup(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const group = findAccessGroup(call, str(call, "AccessGroupName", { required: true }));
  if (group.AccessGroupName === DEFAULT_VPC_GROUP) throw new AliyunError("OperationDenied.DefaultAccessGroup", "The default access group cannot be deleted.", 400);
  if (Object.values(mountTargets(call)).some((m) => m.AccessGroupName === group.AccessGroupName)) {
    throw new AliyunError("OperationDenied.AccessGroupInUse", "The specified access group is used by a mount target.", 400);
  }
  const rules = accessRules(call);
  for (const r of rulesOf(call, group.AccessGroupName)) delete rules[`${r.AccessGroupName}/${r.AccessRuleId}`];
  delete accessGroups(call)[group.AccessGroupName];
  call.state.changed();
  return {};
}

/** An IPv4 address or CIDR block, as SourceCidrIp takes it. */
function sourceCidr(text: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) {
    throw Errors.invalidParameter("SourceCidrIp", "must be an IPv4 address or CIDR block");
  }
  return text;
}

/**
 * CreateAccessRule(AccessGroupName, SourceCidrIp, RWAccessType = RDWR, UserAccessType = no_squash,
 * Priority 1–100 = 1, FileSystemType) → `{ AccessRuleId }` (numbered per group: "1", "2", …).
 * @throws InvalidAccessGroup.NotFound 404, MissingParameter, InvalidParameter, QuotaExceeded.AccessRule.
 */
export function createAccessRule(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const group = findAccessGroup(call, str(call, "AccessGroupName", { required: true }));
  const source = sourceCidr(str(call, "SourceCidrIp", { required: true }));
  const rw = oneOf(call, "RWAccessType", ["RDWR", "RDONLY"] as const, "RDWR")!;
  const user = oneOf(call, "UserAccessType", ["no_squash", "root_squash", "all_squash"] as const, "no_squash")!;
  const priority = int(call, "Priority", { default: 1, min: 1, max: 100 })!;
  if (rulesOf(call, group.AccessGroupName).length >= ACCESS_RULE_QUOTA) throw new AliyunError("QuotaExceeded.AccessRule", "The maximum number of access rules is reached.", 400);
  const AccessRuleId = String(group.nextRuleId++);
  accessRules(call)[`${group.AccessGroupName}/${AccessRuleId}`] = {
    AccessGroupName: group.AccessGroupName, AccessRuleId, SourceCidrIp: source, RWAccess: rw, UserAccess: user, Priority: priority,
  };
  call.state.changed();
  return { AccessRuleId };
}

/**
 * DescribeAccessRules(AccessGroupName, AccessRuleId, FileSystemType, PageNumber, PageSize ≤ 100) →
 * `{ TotalCount, PageNumber, PageSize, AccessRules: { AccessRule: [{ AccessRuleId, SourceCidrIp, Priority, RWAccess, UserAccess, ... }] } }`.
 */
export function describeAccessRules(call: RpcCall): Record<string, unknown> {
  const region = nasRegion(call);
  const group = findAccessGroup(call, str(call, "AccessGroupName", { required: true }));
  const id = str(call, "AccessRuleId");
  const matching = rulesOf(call, group.AccessGroupName).filter((r) => id === undefined || r.AccessRuleId === id);
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return {
    ...fields,
    AccessRules: {
      AccessRule: items.map((r) => ({
        AccessRuleId: r.AccessRuleId, AccessGroupName: r.AccessGroupName, SourceCidrIp: r.SourceCidrIp, Ipv6SourceCidrIp: "",
        Priority: r.Priority, RWAccess: r.RWAccess, UserAccess: r.UserAccess, FileSystemType: "standard", RegionId: region.RegionId,
      })),
    },
  };
}

/** DeleteAccessRule(AccessGroupName, AccessRuleId) → `{}`. @throws InvalidAccessGroup.NotFound / InvalidAccessRule.NotFound 404. */
export function deleteAccessRule(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const group = findAccessGroup(call, str(call, "AccessGroupName", { required: true }));
  const key = `${group.AccessGroupName}/${str(call, "AccessRuleId", { required: true })}`;
  const rules = accessRules(call);
  if (!rules[key]) throw new AliyunError("InvalidAccessRule.NotFound", "The specified access rule does not exist.", 404);
  delete rules[key];
  call.state.changed();
  return {};
}
