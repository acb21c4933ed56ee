import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import type { AliyunSyncService } from "../../sync/service.ts";
import { CreateEcsVpcBody, EcsVpcInventory, SyncEcsVpcBody, UpdateEcsVpcBody } from "./schema.ts";
import { ecsVpcInventory, type EcsVpcService } from "./service.ts";

/** REST routes of Alibaba VPCs (ZStack CreateEcsVpcRemote, QueryEcsVpcFromLocal, DeleteEcsVpcRemote, ...). */
export function registerEcsVpcRoutes(api: Api, vpcs: EcsVpcService, dataCenters: DataCenterService, sync: AliyunSyncService): void {
  const tag = "hybrid: aliyun vpcs";
  api.route({
    method: "post", path: "/hybrid/aliyun/vpc", apiName: "CreateEcsVpcRemote", tag, access: "authenticated",
    summary: "Create a VPC on Alibaba Cloud",
    description: "ZStack CreateEcsVpcRemoteAction `{dataCenterUuid, cidrBlock, name, vRouterName, description?}`. A DryRun of VPC CreateVpc " +
      "checks the request first, so ALIYUN.InvalidCidrBlock.Malformed / ALIYUN.InvalidParameter (400) answer at once. Then a job (202) creates " +
      "the VPC with a ClientToken, waits until it is Available and records it with its VRouter and route entries; result `{inventory}`. " +
      "Errors: SYS.1003 unknown data center, HYBRID.NO_KEY, ALIYUN.QuotaExceeded.Vpc, HYBRID.REMOTE_NOT_READY (recorded, not yet Available).",
    body: CreateEcsVpcBody, response: JobAccepted, successStatus: 202,
    handler: (req) => vpcs.create(req.auth, jobRequest("CreateEcsVpcRemote", req), req.body),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/vpc", apiName: "QueryEcsVpcFromLocal", tag, access: "authenticated",
    summary: "Query VPCs", description: "ZStack QueryEcsVpcFromLocalAction.",
    query: QueryParams, response: InventoriesReply(EcsVpcInventory),
    handler: (req) => vpcs.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/vpc/{uuid}", apiName: "GetEcsVpc", tag, access: "authenticated",
    summary: "Get a VPC", description: "`{ inventories: [vpc] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(EcsVpcInventory),
    handler: async (req) => ({ body: { inventories: [ecsVpcInventory(await vpcs.get(req.auth, req.params.uuid))] } }),
  });
  api.action("hybrid/aliyun/vpc", {
    action: "updateEcsVpc", apiName: "UpdateEcsVpc", access: "authenticated",
    summary: "Rename or re-describe a VPC",
    description: "ZStack UpdateEcsVpcAction `{name?, description?}`: VPC ModifyVpcAttribute on Alibaba, then the record. Errors: SYS.1003, ALIYUN.<code>.",
    body: UpdateEcsVpcBody, response: InventoryReply(EcsVpcInventory),
    handler: async (req) => ({ body: { inventory: await vpcs.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/vpc/{dataCenterUuid}/sync", apiName: "SyncEcsVpcFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's VPCs",
    description: "ZStack SyncEcsVpcFromRemoteAction: a job syncing the VPCs (VPC DescribeVpcs) and their VRouters (DescribeVRouters) of the " +
      "data center; VPCs made on Alibaba appear, vanished ones are removed with their VSwitches, VRouters, route entries and security groups. " +
      "Result `{results: {EcsVpc: {created, updated, deleted}, VpcVirtualRouter: {...}}}`.",
    params: z.object({ dataCenterUuid: Uuid }), body: SyncEcsVpcBody, response: JobAccepted, successStatus: 202,
    handler: async (req) => sync.submit(req.auth, jobRequest("SyncEcsVpcFromRemote", req), await dataCenters.get(req.auth, req.params.dataCenterUuid),
      ["EcsVpc", "VpcVirtualRouter"]),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/vpc/remote/{uuid}", apiName: "DeleteEcsVpcRemote", tag, access: "authenticated",
    summary: "Delete a VPC on Alibaba Cloud",
    description: "ZStack DeleteEcsVpcRemoteAction: VPC DeleteVpc, then Strata's records of the VPC and what hung below it. Alibaba refuses while " +
      "the VPC has VSwitches, security groups, custom route entries or instances: ALIYUN.DependencyViolation.VSwitch (etc.), 409. SYS.1003 when not found.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await vpcs.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/vpc/{uuid}", apiName: "DeleteEcsVpcInLocal", tag, access: "authenticated",
    summary: "Delete a VPC record locally",
    description: "ZStack DeleteEcsVpcInLocalAction: removes Strata's records of the VPC, its VSwitches, VRouter, route entries and security " +
      "groups; nothing changes on Alibaba Cloud and a sync brings them back. SYS.1003 when not found.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await vpcs.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
