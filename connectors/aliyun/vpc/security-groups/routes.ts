import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { LocalDeleteQuery } from "../../http.ts";
import { CreateEcsSecurityGroupBody, EcsSecurityGroupInventory, SyncEcsSecurityGroupBody, UpdateEcsSecurityGroupBody } from "./schema.ts";
import { securityGroupInventory, type SecurityGroupService } from "./service.ts";

/** REST routes of ECS security groups (ZStack CreateEcsSecurityGroupRemote, QueryEcsSecurityGroupFromLocal, ...). */
export function registerSecurityGroupRoutes(api: Api, groups: SecurityGroupService): void {
  const tag = "hybrid: aliyun security groups";
  api.route({
    method: "post", path: "/hybrid/aliyun/security-group/remote", apiName: "CreateEcsSecurityGroupRemote", tag, access: "authenticated",
    summary: "Create a security group on Alibaba Cloud",
    description: "ZStack CreateEcsSecurityGroupRemoteAction `{vpcUuid, name, description?, strategy?}`: ECS CreateSecurityGroup in the VPC, then the " +
      "record; `{inventory}`. Errors: SYS.1003 unknown VPC, ALIYUN.<code> when Alibaba refuses (e.g. InvalidSecurityGroupName.Malformed, 400).",
    body: CreateEcsSecurityGroupBody, response: InventoryReply(EcsSecurityGroupInventory),
    handler: async (req) => ({ body: { inventory: await groups.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/security-group", apiName: "QueryEcsSecurityGroupFromLocal", tag, access: "authenticated",
    summary: "Query security groups", description: "ZStack QueryEcsSecurityGroupFromLocalAction.",
    query: QueryParams, response: InventoriesReply(EcsSecurityGroupInventory),
    handler: (req) => groups.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/security-group/{uuid}", apiName: "GetEcsSecurityGroup", tag, access: "authenticated",
    summary: "Get a security group", description: "`{ inventories: [group] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(EcsSecurityGroupInventory),
    handler: async (req) => ({ body: { inventories: [securityGroupInventory(await groups.get(req.auth, req.params.uuid))] } }),
  });
  api.action("hybrid/aliyun/security-group", {
    action: "updateEcsSecurityGroup", apiName: "UpdateEcsSecurityGroup", access: "authenticated",
    summary: "Rename or re-describe a security group",
    description: "ZStack UpdateEcsSecurityGroupAction `{name?, description?}`: ECS ModifySecurityGroupAttribute, then the record. Errors: SYS.1003, ALIYUN.<code>.",
    body: UpdateEcsSecurityGroupBody, response: InventoryReply(EcsSecurityGroupInventory),
    handler: async (req) => ({ body: { inventory: await groups.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/security-group/{ecsVpcUuid}/sync", apiName: "SyncEcsSecurityGroupFromRemote", tag, access: "authenticated",
    summary: "Sync the security groups of a VPC",
    description: "ZStack SyncEcsSecurityGroupFromRemoteAction `{securityGroupId?}`: ECS DescribeSecurityGroups of the VPC and, for each group, " +
      "DescribeSecurityGroupAttribute for its rules; records are created, updated or removed to match. Answers directly with `{inventories}`. " +
      "Errors: SYS.1003 unknown VPC, ALIYUN.<code>.",
    params: z.object({ ecsVpcUuid: Uuid }), body: SyncEcsSecurityGroupBody, response: InventoriesReply(EcsSecurityGroupInventory),
    handler: async (req) => ({
      body: { inventories: await groups.syncVpc(req.auth, req.params.ecsVpcUuid, req.body.syncEcsSecurityGroupFromRemote?.securityGroupId) },
    }),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/security-group/remote/{uuid}", apiName: "DeleteEcsSecurityGroupRemote", tag, access: "authenticated",
    summary: "Delete a security group on Alibaba Cloud",
    description: "ZStack DeleteEcsSecurityGroupRemoteAction: ECS DeleteSecurityGroup, then the record and its rules. Errors: SYS.1003, " +
      "ALIYUN.DependencyViolation (409) while instances use the group or other groups' rules name it.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await groups.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/security-group/{uuid}", apiName: "DeleteEcsSecurityGroupInLocal", tag, access: "authenticated",
    summary: "Delete a security group record locally",
    description: "ZStack DeleteEcsSecurityGroupInLocalAction: Strata's record and its rules only; the group stays on Alibaba Cloud and a sync brings it back.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await groups.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
