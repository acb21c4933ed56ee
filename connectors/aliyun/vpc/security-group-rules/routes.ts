import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { CreateEcsSecurityGroupRuleBody, EcsSecurityGroupRuleInventory, SyncEcsSecurityGroupRuleBody } from "./schema.ts";
import type { SecurityGroupRuleService } from "./service.ts";

/** REST routes of security-group rules (ZStack CreateEcsSecurityGroupRuleRemote, DeleteEcsSecurityGroupRuleRemote, ...). */
export function registerSecurityGroupRuleRoutes(api: Api, rules: SecurityGroupRuleService): void {
  const tag = "hybrid: aliyun security group rules";
  api.route({
    method: "post", path: "/hybrid/aliyun/security-group-rule", apiName: "CreateEcsSecurityGroupRuleRemote", tag, access: "authenticated",
    summary: "Add a rule to a security group on Alibaba Cloud",
    description: "ZStack CreateEcsSecurityGroupRuleRemoteAction `{groupUuid, direction ingress|egress, protocol tcp|udp|icmp|gre|all, portRange " +
      "\"1/65535\" (-1/-1 for icmp, gre, all), cidr, policy accept|drop, priority 1–100, nictype intranet, description}`: ECS AuthorizeSecurityGroup " +
      "or AuthorizeSecurityGroupEgress, then the record; `{inventory}`. Errors: SYS.1003 unknown group, SYS.1002 rule already recorded, " +
      "ALIYUN.InvalidPortRange.Malformed / ALIYUN.InvalidParameter (400).",
    body: CreateEcsSecurityGroupRuleBody, response: InventoryReply(EcsSecurityGroupRuleInventory),
    handler: async (req) => ({ body: { inventory: await rules.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/security-group-rule", apiName: "QueryEcsSecurityGroupRuleFromLocal", tag, access: "authenticated",
    summary: "Query security-group rules", description: "ZStack QueryEcsSecurityGroupRuleFromLocalAction.",
    query: QueryParams, response: InventoriesReply(EcsSecurityGroupRuleInventory),
    handler: (req) => rules.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/security-group-rule/remote/{uuid}", apiName: "DeleteEcsSecurityGroupRuleRemote", tag, access: "authenticated",
    summary: "Delete a security-group rule on Alibaba Cloud",
    description: "ZStack DeleteEcsSecurityGroupRuleRemoteAction (ZStack has no local-only rule delete): ECS RevokeSecurityGroup(Egress), then the record. " +
      "Errors: SYS.1003, ALIYUN.<code>.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await rules.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/security-group-rule/{uuid}/sync", apiName: "SyncEcsSecurityGroupRuleFromRemote", tag, access: "authenticated",
    summary: "Sync the rules of a security group",
    description: "ZStack SyncEcsSecurityGroupRuleFromRemoteAction; `{uuid}` is the security group's. ECS DescribeSecurityGroupAttribute; rule records " +
      "are created, updated or removed to match. Answers directly with `{inventories}`. Errors: SYS.1003, ALIYUN.<code>.",
    params: UuidParams, body: SyncEcsSecurityGroupRuleBody, response: InventoriesReply(EcsSecurityGroupRuleInventory),
    handler: async (req) => ({ body: { inventories: await rules.syncGroup(req.auth, req.params.uuid) } }),
  });
}
