import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { AddAccessGroupBody, CreateAccessGroupBody, CreateAccessRuleBody, NasAccessGroupInventory, NasAccessRuleInventory, RemoteAccessGroupQuery } from "./schema.ts";
import type { NasAccessGroupService } from "./service.ts";

/** REST routes of NAS access groups and rules (ZStack's AliyunNasAccessGroup actions). */
export function registerNasAccessGroupRoutes(api: Api, groups: NasAccessGroupService): void {
  const tag = "hybrid: aliyun nas";
  api.route({
    method: "post", path: "/nas/aliyun/access", apiName: "CreateAliyunNasAccessGroup", tag, access: "authenticated",
    summary: "Create a NAS access group on Alibaba Cloud",
    description: "ZStack CreateAliyunNasAccessGroupAction `{dataCenterUuid, name, description?, networkType=vpc}`: NAS CreateAccessGroup, then the record; " +
      "`{inventory}` with its rules (none yet). Errors: SYS.1003, ALIYUN.InvalidAccessGroup.AlreadyExist, ALIYUN.QuotaExceeded.AccessGroup.",
    body: CreateAccessGroupBody, response: InventoryReply(NasAccessGroupInventory),
    handler: async (req) => ({ body: { inventory: await groups.create(req.auth, req.body) } }),
  });
  api.route({
    method: "put", path: "/nas/aliyun/access", apiName: "AddAliyunNasAccessGroup", tag, access: "authenticated",
    summary: "Pick an existing NAS access group",
    description: "ZStack AddAliyunNasAccessGroupAction `{addAliyunNasAccessGroup: {dataCenterUuid, groupName}}`: records a group Alibaba has " +
      "(e.g. DEFAULT_VPC_GROUP_NAME) with its rules. Errors: SYS.1003, HYBRID.REMOTE_NOT_FOUND.",
    body: AddAccessGroupBody, response: InventoryReply(NasAccessGroupInventory),
    handler: async (req) => ({ body: { inventory: await groups.add(req.auth, req.body.addAliyunNasAccessGroup) } }),
  });
  api.route({
    method: "get", path: "/nas/aliyun/access/remote", apiName: "GetAliyunNasAccessGroupRemote", tag, access: "authenticated",
    summary: "List Alibaba's NAS access groups", description: "ZStack GetAliyunNasAccessGroupRemoteAction `?dataCenterUuid=&groupName=`: nothing is stored.",
    query: RemoteAccessGroupQuery,
    response: InventoriesReply(z.object({ groupName: z.string(), type: z.string(), description: z.string().nullable(), ruleCount: z.number(), mountTargetCount: z.number() })),
    handler: async (req) => ({ body: { inventories: await groups.listRemote(req.auth, req.query.dataCenterUuid, req.query.groupName) } }),
  });
  api.route({
    method: "get", path: "/nas/aliyun/access", apiName: "QueryAliyunNasAccessGroup", tag, access: "authenticated",
    summary: "Query NAS access groups", description: "ZStack QueryAliyunNasAccessGroupAction; each inventory lists its rules.",
    query: QueryParams, response: InventoriesReply(NasAccessGroupInventory),
    handler: (req) => groups.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/nas/access/{uuid}", apiName: "DeleteAliyunNasAccessGroup", tag, access: "authenticated",
    summary: "Delete a NAS access group",
    description: "ZStack DeleteAliyunNasAccessGroupAction: NAS DeleteAccessGroup (rules go with it), then the records. " +
      "ALIYUN.OperationDenied.AccessGroupInUse (409) while a mount target uses it; SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await groups.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/nas/aliyun/rule", apiName: "CreateAliyunNasAccessGroupRule", tag, access: "authenticated",
    summary: "Add a rule to a NAS access group",
    description: "ZStack CreateAliyunNasAccessGroupRuleAction `{accessGroupUuid, sourceCidrIp, rwAccessType=RDWR, priority=1}` (+ userAccessType=no_squash): " +
      "NAS CreateAccessRule, then the record; `{inventory}` is the rule.",
    body: CreateAccessRuleBody, response: InventoryReply(NasAccessRuleInventory),
    handler: async (req) => ({ body: { inventory: await groups.createRule(req.auth, req.body) } }),
  });
  api.route({
    method: "delete", path: "/nas/access/rule/{uuid}", apiName: "DeleteAliyunNasAccessGroupRule", tag, access: "authenticated",
    summary: "Delete a NAS access rule", description: "ZStack DeleteAliyunNasAccessGroupRuleAction: NAS DeleteAccessRule, then the record. SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await groups.deleteRule(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
