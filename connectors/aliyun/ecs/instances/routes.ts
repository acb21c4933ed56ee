import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import type { EcsInstanceCreator } from "./create.ts";
import {
  CreateEcsInstanceBody, EcsActionBody, EcsInstanceInventory, EcsInstanceTypeQuery, EcsInstanceTypeView, SyncEcsInstanceBody,
  UpdateEcsInstanceBody, UpdateVncPasswordBody,
} from "./schema.ts";
import type { EcsAction, EcsInstanceService } from "./service.ts";
import type { AliyunContext } from "../../context.ts";

const DataCenterParams = z.object({ dataCenterUuid: UuidParams.shape.uuid });

/** REST routes of ECS instances (ZStack CreateEcsInstanceFromEcsImage, StartEcsInstance, QueryEcsInstanceFromLocal, ...). */
export function registerEcsInstanceRoutes(api: Api, ctx: AliyunContext, instances: EcsInstanceService, creator: EcsInstanceCreator): void {
  const tag = "hybrid: ECS instances";
  api.route({
    method: "post", path: "/hybrid/aliyun/ecs", apiName: "CreateEcsInstanceFromEcsImage", tag, access: "authenticated", successStatus: 202,
    summary: "Create ECS instances from an ECS image",
    description: "ZStack CreateEcsInstanceFromEcsImageAction, a job: RunInstances (Amount = `amount`, a ClientToken fixed before the " +
      "first call so retries never make extra instances), then waits until every instance is Running. Each instance is also a " +
      "VmInstance (provider Aliyun). Result `{ inventory, inventories }` (EcsInstanceInventory). Errors: SYS.1003 unknown image/VSwitch/" +
      "group, SYS.1006 image not Available, SYS.1007 VSwitch and group in different VPCs or unknown instance type, ID.1003 quotas " +
      "vm.num/vm.cpuNum/vm.memorySize; in the job ALIYUN.* as Alibaba answers.",
    body: CreateEcsInstanceBody, response: JobAccepted,
    handler: (req) => creator.create(req.auth, jobRequest("CreateEcsInstanceFromEcsImage", req), req.body),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/ecs", apiName: "QueryEcsInstanceFromLocal", tag, access: "authenticated",
    summary: "Query ECS instances", description: "ZStack QueryEcsInstanceFromLocalAction (EcsInstanceInventory; memorySize bytes).",
    query: QueryParams, response: InventoriesReply(EcsInstanceInventory),
    handler: (req) => instances.query(req.auth, req.rawQuery),
  });
  const actions: { key: string; api: string; action: EcsAction; text: string }[] = [
    { key: "startEcsInstance", api: "StartEcsInstance", action: "start", text: "StartInstance (Stopped only), then waits for Running." },
    { key: "stopEcsInstance", api: "StopEcsInstance", action: "stop", text: "StopInstance (Running only), then waits for Stopped." },
    { key: "rebootEcsInstance", api: "RebootEcsInstance", action: "reboot", text: "RebootInstance (Running only), then waits for Running." },
  ];
  for (const a of actions) {
    api.action("hybrid/aliyun/ecs", {
      action: a.key, apiName: a.api, access: "authenticated", successStatus: 202, body: EcsActionBody, response: JobAccepted,
      summary: `${a.api}`, description: `ZStack ${a.api}Action: ${a.text} Alibaba's refusal comes at once as ALIYUN.IncorrectInstanceStatus (409).`,
      handler: (req) => instances.action(req.auth, jobRequest(a.api, req), req.params.uuid, a.action),
    });
  }
  api.route({
    method: "delete", path: "/hybrid/aliyun/ecs/{uuid}/remote", apiName: "DeleteEcsInstance", tag, access: "authenticated",
    summary: "Delete an ECS instance on Alibaba",
    description: "ZStack DeleteEcsInstanceAction: DeleteInstance, then the EcsInstance and VmInstance records. As in ZStack it does not " +
      "stop the instance first: Alibaba deletes Stopped instances only, so a Running one gets ALIYUN.IncorrectInstanceStatus (409).",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await instances.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/ecs/{uuid}", apiName: "DeleteEcsInstanceLocal", tag, access: "authenticated",
    summary: "Delete an ECS instance's records", description: "ZStack DeleteEcsInstanceLocalAction: Strata's records only; the next sync brings the instance back if it still exists.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await instances.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/ecs/{dataCenterUuid}/sync", apiName: "SyncEcsInstanceFromRemote", tag, access: "authenticated", successStatus: 202,
    summary: "Sync a data center's ECS instances",
    description: "ZStack SyncEcsInstanceFromRemoteAction, a job: every instance of the region gets VmInstance + EcsInstance records, " +
      "changed ones are updated, deleted ones removed. Result `{ results: { EcsInstance: {created, updated, deleted} } }`.",
    params: DataCenterParams, body: SyncEcsInstanceBody, response: JobAccepted,
    handler: async (req) => ctx.sync.submit(req.auth, jobRequest("SyncEcsInstanceFromRemote", req),
      await ctx.dataCenters.get(req.auth, req.params.dataCenterUuid), ["EcsInstance"]),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/{uuid}/ecs", apiName: "UpdateEcsInstance", tag, access: "authenticated",
    summary: "Update an ECS instance", description: "ZStack UpdateEcsInstanceAction → ModifyInstanceAttribute: name, description, root password (effective after a restart).",
    params: UuidParams, body: UpdateEcsInstanceBody, response: InventoryReply(EcsInstanceInventory),
    handler: async (req) => ({ body: { inventory: await instances.update(req.auth, req.params.uuid, req.body.params) } }),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/ecs-vnc/{uuid}", apiName: "GetEcsInstanceVncUrl", tag, access: "authenticated",
    summary: "Web VNC URL of an ECS instance", description: "ZStack GetEcsInstanceVncUrlAction → DescribeInstanceVncUrl (Running instances; the URL is valid ~15 s).",
    params: UuidParams, response: z.object({ ecsId: z.string(), vncUrl: z.string() }),
    handler: async (req) => ({ body: await instances.vncUrl(req.auth, req.params.uuid) }),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/{uuid}/ecs-vnc", apiName: "UpdateEcsInstanceVncPassword", tag, access: "authenticated",
    summary: "Set the VNC password of an ECS instance", description: "ZStack UpdateEcsInstanceVncPasswordAction → ModifyInstanceVncPasswd (6 letters or digits).",
    params: UuidParams, body: UpdateVncPasswordBody,
    handler: async (req) => {
      await instances.setVncPassword(req.auth, req.params.uuid, req.body.params.password);
      return { body: {} };
    },
  });
  api.route({
    method: "get", path: "/hybrid/ecs/type", apiName: "GetEcsInstanceType", tag, access: "authenticated",
    summary: "ECS instance types of an identity zone",
    description: "ZStack GetEcsInstanceTypeAction → DescribeZones + DescribeInstanceTypes: `{ types: [{typeId, cpu (vCPU), memory (bytes), typeFamily, generation}] }` " +
      "of the types the zone offers. `ecsImageUuid` is accepted for ZStack compatibility and does not narrow the list.",
    query: EcsInstanceTypeQuery, response: z.object({ types: z.array(EcsInstanceTypeView) }),
    handler: async (req) => ({ body: { types: await instances.instanceTypes(req.auth, req.query.identityZoneUuid) } }),
  });
}
