import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import { CreateEcsImageBody, EcsImageInventory, ImageProgressParams, ProgressProperty, SyncEcsImageBody, UpdateEcsImageBody } from "./schema.ts";
import type { EcsImageService } from "./service.ts";
import type { EcsImageUploader } from "./upload.ts";

/** REST routes of ECS images (ZStack SyncEcsImageFromRemote, CreateEcsImageFromLocalImage, QueryEcsImageFromLocal, ...). */
export function registerEcsImageRoutes(api: Api, images: EcsImageService, uploader: EcsImageUploader): void {
  const tag = "hybrid: ECS images";
  api.route({
    method: "post", path: "/hybrid/aliyun/image/{dataCenterUuid}/sync", apiName: "SyncEcsImageFromRemote", tag, access: "authenticated", successStatus: 202,
    summary: "Sync a data center's ECS images",
    description: "ZStack SyncEcsImageFromRemoteAction, a job: DescribeImages (every status) of public (`type` system) and/or custom (self) " +
      "images; result `{ results: { EcsImage: {created, updated, deleted} } }`.",
    params: z.object({ dataCenterUuid: Uuid }), body: SyncEcsImageBody, response: JobAccepted,
    handler: (req) => images.submitSync(req.auth, jobRequest("SyncEcsImageFromRemote", req), req.params.dataCenterUuid, req.body.params.type),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/image", apiName: "CreateEcsImageFromLocalImage", tag, access: "authenticated", successStatus: 202,
    summary: "Upload a local image as an ECS custom image",
    description: "ZStack CreateEcsImageFromLocalImageAction, a job: multipart upload of the image file (ImageStore backup storage) to " +
      "the data center's OSS bucket (created when there is none), ImportImage, then waits for Available. Progress: " +
      "GET /v1/hybrid/aliyun/image/{dataCenterUuid}/{imageUuid}/progress. Result `{ inventory }` (EcsImageInventory). " +
      "SYS.1006 (409) for an image that is not Ready, not qcow2/raw, or whose file is missing.",
    body: CreateEcsImageBody, response: JobAccepted,
    handler: (req) => uploader.create(req.auth, jobRequest("CreateEcsImageFromLocalImage", req), req.body),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/image/{dataCenterUuid}/{imageUuid}/progress", apiName: "GetCreateEcsImageProgress", tag, access: "authenticated",
    summary: "Progress of an image upload",
    description: "ZStack GetCreateEcsImageProgressAction: `{ progress: ProgressProperty }` of the newest upload of local image `imageUuid`: " +
      "stage Uploading (percent of the OSS upload), then Alibaba's Waiting/Creating (import percent), Available (100%) or Failed.",
    params: ImageProgressParams, response: z.object({ progress: ProgressProperty }),
    handler: async (req) => ({ body: { progress: await images.progress(req.auth, req.params.dataCenterUuid, req.params.imageUuid) } }),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/image", apiName: "QueryEcsImageFromLocal", tag, access: "authenticated",
    summary: "Query ECS images", description: "ZStack QueryEcsImageFromLocalAction (EcsImageInventory; ecsImageSize bytes).",
    query: QueryParams, response: InventoriesReply(EcsImageInventory),
    handler: (req) => images.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/image/remote/{uuid}", apiName: "DeleteEcsImageRemote", tag, access: "authenticated",
    summary: "Delete a custom ECS image on Alibaba", description: "ZStack DeleteEcsImageRemoteAction: DeleteImage, then the record. Public images: SYS.1006 (409).",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await images.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/image/{uuid}", apiName: "DeleteEcsImageLocal", tag, access: "authenticated",
    summary: "Delete an ECS image's record", description: "ZStack DeleteEcsImageLocalAction: Strata's record only.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await images.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.action("hybrid/aliyun/image", {
    action: "updateEcsImage", apiName: "UpdateEcsImage", access: "authenticated",
    summary: "Update an ECS image", description: "ZStack UpdateEcsImageAction: name, description (ModifyImageAttribute for custom images).",
    body: UpdateEcsImageBody, response: InventoryReply(EcsImageInventory),
    handler: async (req) => ({ body: { inventory: await images.update(req.auth, req.params.uuid, req.body) } }),
  });
}
