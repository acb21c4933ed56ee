import { z } from "zod";
import type { Api } from "../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../server/http/common-schemas.ts";
import type { DataCenterService } from "../data-centers/service.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../http.ts";
import type { AliyunSyncService } from "../sync/service.ts";
import { AddIdentityZoneBody, IdentityZoneInventory, IdentityZoneProperty } from "./schema.ts";
import { identityZoneInventory, type IdentityZoneService } from "./service.ts";

/** REST routes of identity zones (ZStack AddIdentityZoneFromRemote, QueryIdentityZoneFromLocal, ...). */
export function registerIdentityZoneRoutes(api: Api, zones: IdentityZoneService, dataCenters: DataCenterService, sync: AliyunSyncService): void {
  const tag = "hybrid: identity zones";
  api.route({
    method: "get", path: "/hybrid/identity-zone/remote", apiName: "GetIdentityZoneFromRemote", tag, access: "authenticated",
    summary: "List the zones of a data center's region", description: "ZStack GetIdentityZoneFromRemoteAction: ECS DescribeZones.",
    query: z.object({ dataCenterUuid: Uuid, type: z.literal("aliyun").optional(), regionId: z.string().optional() }).strict(),
    response: z.object({ inventories: z.array(IdentityZoneProperty) }),
    handler: async (req) => ({ body: { inventories: await zones.listRemote(await dataCenters.get(req.auth, req.query.dataCenterUuid)) } }),
  });
  api.route({
    method: "post", path: "/hybrid/identity-zone", apiName: "AddIdentityZoneFromRemote", tag, access: "authenticated",
    summary: "Add an identity zone",
    description: "ZStack AddIdentityZoneFromRemoteAction `{dataCenterUuid, zoneId}`. Errors: HYBRID.REMOTE_NOT_FOUND unknown zone, SYS.1002 already added.",
    body: AddIdentityZoneBody, response: InventoryReply(IdentityZoneInventory),
    handler: async (req) => ({ body: { inventory: await zones.add(req.auth, await dataCenters.get(req.auth, req.body.params.dataCenterUuid), req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/identity-zone", apiName: "QueryIdentityZoneFromLocal", tag, access: "authenticated",
    summary: "Query identity zones", description: "ZStack QueryIdentityZoneFromLocalAction.",
    query: QueryParams, response: InventoriesReply(IdentityZoneInventory),
    handler: (req) => zones.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/identity-zone/{uuid}", apiName: "GetIdentityZone", tag, access: "authenticated",
    summary: "Get an identity zone", description: "`{ inventories: [zone] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(IdentityZoneInventory),
    handler: async (req) => ({ body: { inventories: [identityZoneInventory(await zones.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "get", path: "/hybrid/identity-zone/{uuid}/sync", apiName: "SyncIdentityFromRemote", tag, access: "authenticated",
    summary: "One-click sync of a data center's zones",
    description: "ZStack SyncIdentityFromRemoteAction; `{uuid}` is the data center. A job: every zone of the region gets a record; " +
      "zones Alibaba no longer lists are removed.",
    params: UuidParams, response: JobAccepted, successStatus: 202,
    handler: async (req) => sync.submit(req.auth, jobRequest("SyncIdentityFromRemote", req), await dataCenters.get(req.auth, req.params.uuid), ["IdentityZone"]),
  });
  api.route({
    method: "delete", path: "/hybrid/identity-zone/{uuid}", apiName: "DeleteIdentityZoneInLocal", tag, access: "authenticated",
    summary: "Delete an identity zone locally", description: "ZStack DeleteIdentityZoneInLocalAction: Strata's record only.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await zones.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
