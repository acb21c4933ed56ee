import { z } from "zod";
import type { Api } from "../http/api.ts";
import { createBody, Description, InventoriesReply, InventoryReply, QueryParams, StateEvent, Uuid, UuidParams } from "../http/common-schemas.ts";
import { accessKeyInventory, type AccessKeyService } from "./service.ts";

const AccessKeyInventory = z.object({
  uuid: z.string(), accountUuid: z.string(), userUuid: z.string().nullable(), AccessKeyID: z.string(),
  state: z.enum(["Enabled", "Disabled"]), description: z.string().nullable(), createDate: z.string(), lastOpDate: z.string(),
});

/** REST routes of access keys, following ZStack's `/v1/accesskeys` API. */
export function registerAccessKeyRoutes(api: Api, keys: AccessKeyService): void {
  const tag = "access-keys";
  api.route({
    method: "post", path: "/accesskeys", apiName: "CreateAccessKey", tag, access: "authenticated",
    summary: "Create an access key",
    description: "ZStack APICreateAccessKeyMsg: a key for your account or user (admin: for accountUuid/userUuid). " +
      "The reply carries AccessKeySecret once; it is never shown again. Sign requests as described in README 'Access keys'.",
    body: createBody(z.object({ accountUuid: Uuid.optional(), userUuid: Uuid.optional(), description: Description.optional() })),
    response: InventoryReply(AccessKeyInventory.extend({ AccessKeySecret: z.string() })),
    handler: async (req) => ({ body: { inventory: await keys.create(req.auth, req.body.params) } }),
  });
  api.route({
    method: "get", path: "/accesskeys", apiName: "QueryAccessKey", tag, access: "authenticated",
    summary: "Query access keys", description: "ZStack APIQueryAccessKeyMsg; secrets are never returned.",
    query: QueryParams, response: InventoriesReply(AccessKeyInventory),
    handler: (req) => keys.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/accesskeys/{uuid}", apiName: "GetAccessKey", tag, access: "authenticated",
    summary: "Get an access key", description: "SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(AccessKeyInventory),
    handler: async (req) => ({ body: { inventories: [accessKeyInventory(await keys.get(req.auth, req.params.uuid))] } }),
  });
  api.action("accesskeys", {
    action: "changeAccessKeyState", apiName: "ChangeAccessKeyState", access: "authenticated",
    summary: "Enable or disable an access key", description: "A disabled key's signatures are refused (ID.1001).",
    body: z.object({ stateEvent: StateEvent }).strict(), response: InventoryReply(AccessKeyInventory),
    handler: async (req) => ({ body: { inventory: await keys.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/accesskeys/{uuid}", apiName: "DeleteAccessKey", tag, access: "authenticated",
    summary: "Delete an access key", description: "ZStack APIDeleteAccessKeyMsg.",
    params: UuidParams,
    handler: async (req) => {
      await keys.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
