import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { LocalDeleteQuery } from "../../http.ts";
import { OssBucketBody, OssBucketInventory, OssBucketProperty, UpdateOssBucketBody } from "./schema.ts";
import { ossBucketInventory, type OssBucketService } from "./service.ts";

/** `{ <verb>: {} }` bodies of ZStack's PUT .../attach and .../detach; an empty body is accepted too. */
const verbBody = (verb: string) => z.object({ [verb]: z.object({}).strict().optional() }).strict();
const BucketParams = z.object({ ossBucketUuid: Uuid });

/** REST routes of OSS buckets (ZStack AddOssBucketFromRemote, CreateOssBucketRemote, QueryOssBucketFileName, ...). */
export function registerOssBucketRoutes(api: Api, buckets: OssBucketService): void {
  const tag = "hybrid: aliyun oss buckets";
  api.route({
    method: "post", path: "/hybrid/aliyun/oss-bucket", apiName: "AddOssBucketFromRemote", tag, access: "authenticated",
    summary: "Add an existing OSS bucket",
    description: "ZStack AddOssBucketFromRemoteAction `{bucketName, dataCenterUuid, description?}`: checks the bucket with OSS GetBucketInfo and " +
      "records it. Errors: HYBRID.REMOTE_NOT_FOUND (404) no such bucket of your account, SYS.1007 bucket in another region, SYS.1002 already added.",
    body: OssBucketBody, response: InventoryReply(OssBucketInventory),
    handler: async (req) => ({ body: { inventory: await buckets.add(req.auth, req.body) } }),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/oss-bucket/remote", apiName: "CreateOssBucketRemote", tag, access: "authenticated",
    summary: "Create an OSS bucket on Alibaba Cloud",
    description: "ZStack CreateOssBucketRemoteAction `{bucketName, dataCenterUuid, description?}`: OSS PutBucket in the data center's region, then " +
      "the record. Errors: ALIYUN.BucketAlreadyExists (409; bucket names are global across all accounts), ALIYUN.InvalidBucketName (400), SYS.1002.",
    body: OssBucketBody, response: InventoryReply(OssBucketInventory),
    handler: async (req) => ({ body: { inventory: await buckets.createRemote(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/oss/{dataCenterUuid}/remote", apiName: "GetOssBucketNameFromRemote", tag, access: "authenticated",
    summary: "List the OSS buckets of a data center's region on Alibaba Cloud",
    description: "ZStack GetOssBucketNameFromRemoteAction: OSS ListBuckets, limited to the data center's region; nothing is recorded. " +
      "`{inventories: [{bucketName, regionId}]}`. Errors: SYS.1003, ALIYUN.<OSS code>.",
    params: z.object({ dataCenterUuid: Uuid }), response: z.object({ inventories: z.array(OssBucketProperty) }),
    handler: async (req) => ({ body: { inventories: await buckets.listRemote(req.auth, req.params.dataCenterUuid) } }),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/oss-bucket", apiName: "QueryOssBucketFileName", tag, access: "authenticated",
    summary: "Query OSS buckets", description: "ZStack QueryOssBucketFileNameAction: Strata's records of OSS buckets.",
    query: QueryParams, response: InventoriesReply(OssBucketInventory),
    handler: (req) => buckets.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/oss-bucket/{uuid}", apiName: "GetOssBucket", tag, access: "authenticated",
    summary: "Get an OSS bucket record", description: "`{ inventories: [bucket] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(OssBucketInventory),
    handler: async (req) => ({ body: { inventories: [ossBucketInventory(await buckets.get(req.auth, req.params.uuid))] } }),
  });
  api.action("hybrid/aliyun/oss-bucket", {
    action: "updateOssBucket", apiName: "UpdateOssBucket", access: "authenticated",
    summary: "Update an OSS bucket record", description: "ZStack UpdateOssBucketAction `{description?}` (Strata's record only). SYS.1003 when not found.",
    body: UpdateOssBucketBody, response: InventoryReply(OssBucketInventory),
    handler: async (req) => ({ body: { inventory: await buckets.update(req.auth, req.params.uuid, req.body.description) } }),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/oss-bucket/{ossBucketUuid}/attach", apiName: "AttachOssBucketToEcsDataCenter", tag, access: "authenticated",
    summary: "Make a bucket its data center's current one",
    description: "ZStack AttachOssBucketToEcsDataCenterAction: the bucket becomes `current` (where image uploads to ECS are staged); any other " +
      "current bucket of the data center is detached. SYS.1003 when not found.",
    params: BucketParams, body: verbBody("attachOssBucketToEcsDataCenter"), response: InventoryReply(OssBucketInventory),
    handler: async (req) => ({ body: { inventory: await buckets.attach(req.auth, req.params.ossBucketUuid) } }),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/oss-bucket/{ossBucketUuid}/detach", apiName: "DetachOssBucketFromEcsDataCenter", tag, access: "authenticated",
    summary: "Stop a bucket being current", description: "ZStack DetachOssBucketFromEcsDataCenterAction: unsets `current`. SYS.1003 when not found.",
    params: BucketParams, body: verbBody("detachOssBucketFromEcsDataCenter"), response: InventoryReply(OssBucketInventory),
    handler: async (req) => ({ body: { inventory: await buckets.detach(req.auth, req.params.ossBucketUuid) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/oss-bucket/remote/{uuid}", apiName: "DeleteOssBucketRemote", tag, access: "authenticated",
    summary: "Delete an OSS bucket on Alibaba Cloud",
    description: "ZStack DeleteOssBucketRemoteAction: OSS DeleteBucket, then the record. Errors: SYS.1003, ALIYUN.BucketNotEmpty (409) while the " +
      "bucket holds objects or unfinished multipart uploads.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await buckets.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/oss-bucket/{uuid}", apiName: "DeleteOssBucketNameLocal", tag, access: "authenticated",
    summary: "Delete an OSS bucket record locally",
    description: "ZStack DeleteOssBucketNameLocalAction: Strata's record only; the bucket and its objects stay on Alibaba Cloud. SYS.1003 when not found.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await buckets.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
