import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import {
  AliyunDiskInventory, AttachAliyunDiskBody, CreateAliyunDiskBody, DetachAliyunDiskBody, SyncAliyunDiskBody, UpdateAliyunDiskBody,
} from "./schema.ts";
import type { AliyunDiskService } from "./service.ts";

/** REST routes of Alibaba disks (ZStack CreateAliyunDiskFromRemote, AttachAliyunDiskToEcs, QueryAliyunDiskFromLocal, ...). */
export function registerAliyunDiskRoutes(api: Api, disks: AliyunDiskService): void {
  const tag = "hybrid: Alibaba disks";
  api.route({
    method: "post", path: "/hybrid/aliyun/disk", apiName: "CreateAliyunDiskFromRemote", tag, access: "authenticated", successStatus: 202,
    summary: "Create a data disk", description: "ZStack CreateAliyunDiskFromRemoteAction, a job: CreateDisk in the identity zone " +
      "(sizeWithGB GiB, 20–32768), then waits for Available. Result `{ inventory }` (AliyunDiskInventory).",
    body: CreateAliyunDiskBody, response: JobAccepted,
    handler: (req) => disks.create(req.auth, jobRequest("CreateAliyunDiskFromRemote", req), req.body),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/disk/{diskUuid}/attach", apiName: "AttachAliyunDiskToEcs", tag, access: "authenticated", successStatus: 202,
    summary: "Attach a disk to an ECS instance", description: "ZStack AttachAliyunDiskToEcsAction: AttachDisk now (ALIYUN.IncorrectDiskStatus / " +
      "IncorrectInstanceStatus 409, InvalidDiskId.ZoneMismatch 409), then a job waits for In_use.",
    params: z.object({ diskUuid: Uuid }), body: AttachAliyunDiskBody, response: JobAccepted,
    handler: (req) => disks.attach(req.auth, jobRequest("AttachAliyunDiskToEcs", req), req.params.diskUuid, req.body.params),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/disk/{uuid}/detach", apiName: "DetachAliyunDiskFromEcs", tag, access: "authenticated", successStatus: 202,
    summary: "Detach a disk from its ECS instance", description: "ZStack DetachAliyunDiskFromEcsAction: DetachDisk now, then a job waits for Available.",
    params: UuidParams, body: DetachAliyunDiskBody, response: JobAccepted,
    handler: (req) => disks.detach(req.auth, jobRequest("DetachAliyunDiskFromEcs", req), req.params.uuid),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/disk/{uuid}/remote", apiName: "DeleteAliyunDiskFromRemote", tag, access: "authenticated",
    summary: "Delete a disk on Alibaba", description: "ZStack DeleteAliyunDiskFromRemoteAction: DeleteDisk (Available disks only: ALIYUN.IncorrectDiskStatus 409), then the record.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await disks.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/disk/{uuid}", apiName: "DeleteAliyunDiskFromLocal", tag, access: "authenticated",
    summary: "Delete a disk's record", description: "ZStack DeleteAliyunDiskFromLocalAction: Strata's record only.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await disks.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/disk", apiName: "QueryAliyunDiskFromLocal", tag, access: "authenticated",
    summary: "Query Alibaba disks", description: "ZStack QueryAliyunDiskFromLocalAction (AliyunDiskInventory; sizeWithGB GiB).",
    query: QueryParams, response: InventoriesReply(AliyunDiskInventory),
    handler: (req) => disks.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/disk/{identityUuid}/sync", apiName: "SyncDiskFromAliyunFromRemote", tag, access: "authenticated", successStatus: 202,
    summary: "Sync Alibaba disks", description: "ZStack SyncDiskFromAliyunFromRemoteAction, a job; `{identityUuid}` is an identity zone and " +
      "the disks of its data center are synced. Result `{ results: { AliyunDisk: {created, updated, deleted} } }`.",
    params: z.object({ identityUuid: Uuid }), body: SyncAliyunDiskBody, response: JobAccepted,
    handler: (req) => disks.submitSync(req.auth, jobRequest("SyncDiskFromAliyunFromRemote", req), req.params.identityUuid),
  });
  api.action("hybrid/aliyun/disk", {
    action: "updateAliyunDisk", apiName: "UpdateAliyunDisk", access: "authenticated",
    summary: "Update an Alibaba disk", description: "ZStack UpdateAliyunDiskAction → ModifyDiskAttribute: name, description, deleteWithInstance.",
    body: UpdateAliyunDiskBody, response: InventoryReply(AliyunDiskInventory),
    handler: async (req) => ({ body: { inventory: await disks.update(req.auth, req.params.uuid, req.body) } }),
  });
}
