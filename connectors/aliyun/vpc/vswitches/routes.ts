import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import type { AliyunSyncService } from "../../sync/service.ts";
import { CreateEcsVSwitchBody, EcsVSwitchInventory, SyncEcsVSwitchBody, UpdateEcsVSwitchBody } from "./schema.ts";
import { ecsVSwitchInventory, type EcsVSwitchService } from "./service.ts";

/** REST routes of Alibaba VSwitches (ZStack CreateEcsVSwitchRemote, QueryEcsVSwitchFromLocal, ...). */
export function registerEcsVSwitchRoutes(api: Api, vswitches: EcsVSwitchService, dataCenters: DataCenterService, sync: AliyunSyncService): void {
  const tag = "hybrid: aliyun vswitches";
  api.route({
    method: "post", path: "/hybrid/aliyun/vswitch", apiName: "CreateEcsVSwitchRemote", tag, access: "authenticated",
    summary: "Create a VSwitch on Alibaba Cloud",
    description: "ZStack CreateEcsVSwitchRemoteAction `{vpcUuid, identityZoneUuid, cidrBlock, name, description?}`. A DryRun of VPC CreateVSwitch " +
      "checks it first, so Alibaba's refusals answer at once (400: ALIYUN.InvalidCidrBlock.Overlapped, ALIYUN.InvalidCidrBlock.Malformed, " +
      "ALIYUN.InvalidCirdrBlock.MaskLength, ALIYUN.InvalidParameter outside the VPC; 409: ALIYUN.IncorrectVpcStatus). Then a job (202) creates it " +
      "and waits until it is Available; result `{inventory}`. SYS.1003 unknown VPC or zone.",
    body: CreateEcsVSwitchBody, response: JobAccepted, successStatus: 202,
    handler: (req) => vswitches.create(req.auth, jobRequest("CreateEcsVSwitchRemote", req), req.body),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/vswitch", apiName: "QueryEcsVSwitchFromLocal", tag, access: "authenticated",
    summary: "Query VSwitches", description: "ZStack QueryEcsVSwitchFromLocalAction.",
    query: QueryParams, response: InventoriesReply(EcsVSwitchInventory),
    handler: (req) => vswitches.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/vswitch/{uuid}", apiName: "GetEcsVSwitch", tag, access: "authenticated",
    summary: "Get a VSwitch", description: "`{ inventories: [vswitch] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(EcsVSwitchInventory),
    handler: async (req) => ({ body: { inventories: [ecsVSwitchInventory(await vswitches.get(req.auth, req.params.uuid))] } }),
  });
  api.action("hybrid/aliyun/vswitch", {
    action: "updateEcsVSwitch", apiName: "UpdateEcsVSwitch", access: "authenticated",
    summary: "Rename or re-describe a VSwitch",
    description: "ZStack UpdateEcsVSwitchAction `{name?, description?}`: VPC ModifyVSwitchAttribute, then the record. Errors: SYS.1003, ALIYUN.<code>.",
    body: UpdateEcsVSwitchBody, response: InventoryReply(EcsVSwitchInventory),
    handler: async (req) => ({ body: { inventory: await vswitches.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/vswitch/{dataCenterUuid}/sync", apiName: "SyncEcsVSwitchFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's VSwitches",
    description: "ZStack SyncEcsVSwitchFromRemoteAction: a job syncing the VSwitches (VPC DescribeVSwitches) of the VPCs Strata records in the " +
      "data center. Result `{results: {EcsVSwitch: {created, updated, deleted}}}`.",
    params: z.object({ dataCenterUuid: Uuid }), body: SyncEcsVSwitchBody, response: JobAccepted, successStatus: 202,
    handler: async (req) => sync.submit(req.auth, jobRequest("SyncEcsVSwitchFromRemote", req), await dataCenters.get(req.auth, req.params.dataCenterUuid), ["EcsVSwitch"]),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/vswitch/remote/{uuid}", apiName: "DeleteEcsVSwitchRemote", tag, access: "authenticated",
    summary: "Delete a VSwitch on Alibaba Cloud",
    description: "ZStack DeleteEcsVSwitchRemoteAction: VPC DeleteVSwitch, then the record. Errors: SYS.1003, ALIYUN.DependencyViolation (409) while " +
      "instances use it, ALIYUN.IncorrectVSwitchStatus (409) while Pending.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await vswitches.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/vswitch/{uuid}", apiName: "DeleteEcsVSwitchInLocal", tag, access: "authenticated",
    summary: "Delete a VSwitch record locally",
    description: "ZStack DeleteEcsVSwitchInLocalAction: Strata's record only; the VSwitch stays on Alibaba Cloud and a sync brings it back. SYS.1003 when not found.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await vswitches.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
