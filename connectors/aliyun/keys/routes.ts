import { z } from "zod";
import type { Api } from "../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../server/http/common-schemas.ts";
import { AddAliyunKeyBody, HybridAccountInventory, UpdateAliyunKeyBody } from "./schema.ts";
import { aliyunKeyInventory, type AliyunKeyService } from "./service.ts";

/** `{ <verb>: {} }` bodies of ZStack's PUT .../attach and .../detach; an empty body is accepted too. */
const verbBody = (verb: string) => z.object({ [verb]: z.object({}).strict().optional() }).strict();

/** REST routes of Alibaba AccessKeys (ZStack AddAliyunKeySecret, QueryHybridKeySecret, ...). */
export function registerAliyunKeyRoutes(api: Api, keys: AliyunKeyService): void {
  const tag = "hybrid: keys";
  api.route({
    method: "post", path: "/hybrid/aliyun/key", apiName: "AddAliyunKeySecret", tag, access: "authenticated",
    summary: "Add an Alibaba Cloud AccessKey",
    description: "ZStack AddAliyunKeySecretAction `{name, key, secret}`. The key is checked with ECS DescribeRegions first; " +
      "the secret is stored encrypted and never returned. The account's first key becomes current. " +
      "Errors: ALIYUN.InvalidAccessKeyId.NotFound / ALIYUN.SignatureDoesNotMatch (401) for a wrong key or secret, SYS.1002 duplicate AccessKeyId.",
    body: AddAliyunKeyBody, response: InventoryReply(HybridAccountInventory),
    handler: async (req) => ({ body: { inventory: await keys.add(req.auth, req.body) } }),
  });
  for (const [path, apiName] of [["/hybrid/hybrid/key", "QueryHybridKeySecret"], ["/hybrid/aliyun/key", "QueryAliyunKeySecret"]] as const) {
    api.route({
      method: "get", path, apiName, tag, access: "authenticated",
      summary: "Query Alibaba Cloud AccessKeys",
      description: "ZStack QueryHybridKeySecretAction (and its older path). HybridAccountInventory without the secret.",
      query: QueryParams, response: InventoriesReply(HybridAccountInventory),
      handler: (req) => keys.query(req.auth, req.rawQuery),
    });
  }
  api.route({
    method: "get", path: "/hybrid/aliyun/key/{uuid}", apiName: "GetAliyunKeySecret", tag, access: "authenticated",
    summary: "Get an Alibaba Cloud AccessKey", description: "`{ inventories: [key] }`; SYS.1003 when it does not exist or is not yours.",
    params: UuidParams, response: InventoriesReply(HybridAccountInventory),
    handler: async (req) => ({ body: { inventories: [aliyunKeyInventory(await keys.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "post", path: "/hybrid/aliyun/{uuid}/key", apiName: "UpdateAliyunKeySecret", tag, access: "authenticated",
    summary: "Rename an Alibaba Cloud AccessKey", description: "ZStack UpdateAliyunKeySecretAction `{params: {name?, description?}}`.",
    params: UuidParams, body: UpdateAliyunKeyBody, response: InventoryReply(HybridAccountInventory),
    handler: async (req) => ({ body: { inventory: await keys.update(req.auth, req.params.uuid, req.body.params) } }),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/key/{uuid}/attach", apiName: "AttachAliyunKey", tag, access: "authenticated",
    summary: "Make an AccessKey current", description: "ZStack AttachAliyunKeyAction: the account's Alibaba calls use this key from now on; the previous one is no longer current.",
    params: UuidParams, body: verbBody("attachAliyunKey"), response: InventoryReply(HybridAccountInventory),
    handler: async (req) => ({ body: { inventory: await keys.attach(req.auth, req.params.uuid) } }),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/key/{uuid}/detach", apiName: "DetachAliyunKey", tag, access: "authenticated",
    summary: "Stop using an AccessKey", description: "ZStack DetachAliyunKeyAction: the key stays stored but is no longer current.",
    params: UuidParams, body: verbBody("detachAliyunKey"), response: InventoryReply(HybridAccountInventory),
    handler: async (req) => ({ body: { inventory: await keys.detach(req.auth, req.params.uuid) } }),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/key/{uuid}", apiName: "DeleteAliyunKeySecret", tag, access: "authenticated",
    summary: "Delete an Alibaba Cloud AccessKey",
    description: "ZStack DeleteAliyunKeySecretAction. Nothing on Alibaba Cloud changes. When it was current, the oldest remaining key becomes current.",
    params: UuidParams, query: z.object({ deleteMode: z.enum(["Permissive", "Enforcing"]).optional() }).strict(),
    handler: async (req) => {
      await keys.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
