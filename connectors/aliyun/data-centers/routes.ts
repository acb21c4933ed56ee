import { z } from "zod";
import type { Api } from "../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../http.ts";
import type { AliyunSyncService } from "../sync/service.ts";
import { AddDataCenterBody, DataCenterInventory, DataCenterProperty } from "./schema.ts";
import { dataCenterInventory, type DataCenterService } from "./service.ts";

/** REST routes of data centers (ZStack AddDataCenterFromRemote, QueryDataCenterFromLocal, ...). */
export function registerDataCenterRoutes(api: Api, dataCenters: DataCenterService, sync: AliyunSyncService): void {
  const tag = "hybrid: data centers";
  api.route({
    method: "get", path: "/hybrid/data-center/remote", apiName: "GetDataCenterFromRemote", tag, access: "authenticated",
    summary: "List Alibaba regions", description: "ZStack GetDataCenterFromRemoteAction: ECS DescribeRegions with your current key. HYBRID.NO_KEY without one.",
    query: z.object({ type: z.literal("aliyun").default("aliyun"), endpoint: z.string().optional() }).strict(),
    response: z.object({ inventories: z.array(DataCenterProperty) }),
    handler: async (req) => ({ body: { inventories: await dataCenters.listRemote(req.auth) } }),
  });
  api.route({
    method: "post", path: "/hybrid/data-center", apiName: "AddDataCenterFromRemote", tag, access: "authenticated",
    summary: "Add an Alibaba region",
    description: "ZStack AddDataCenterFromRemoteAction `{regionId, type: aliyun, syncZones?}`. Checks the region with DescribeRegions. " +
      "Errors: HYBRID.NO_KEY (409), HYBRID.REMOTE_NOT_FOUND (404) unknown region, SYS.1002 already added.",
    body: AddDataCenterBody, response: InventoryReply(DataCenterInventory),
    handler: async (req) => ({ body: { inventory: await dataCenters.add(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/data-center", apiName: "QueryDataCenterFromLocal", tag, access: "authenticated",
    summary: "Query data centers", description: "ZStack QueryDataCenterFromLocalAction.",
    query: QueryParams, response: InventoriesReply(DataCenterInventory),
    handler: (req) => dataCenters.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hybrid/data-center/{uuid}", apiName: "GetDataCenter", tag, access: "authenticated",
    summary: "Get a data center", description: "`{ inventories: [dataCenter] }`; SYS.1003 when not found.",
    params: UuidParams, response: InventoriesReply(DataCenterInventory),
    handler: async (req) => ({ body: { inventories: [dataCenterInventory(await dataCenters.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "get", path: "/hybrid/data-center/{uuid}/sync", apiName: "SyncDataCenterFromRemote", tag, access: "authenticated",
    summary: "Sync a data center with Alibaba Cloud",
    description: "ZStack SyncDataCenterFromRemoteAction (a GET that starts a job, as in ZStack): brings identity zones and everything below " +
      "(VPCs, VSwitches, VRouters, route entries, security groups, images, ECS instances, disks, EIPs, OSS buckets) in line with Alibaba Cloud. " +
      "Idempotent; resources created or deleted on the Alibaba side appear or disappear. Job result `{results: {<type>: {created, updated, deleted}}}`; " +
      "a failing remote call fails the job with ALIYUN.<Alibaba code>.",
    params: UuidParams, response: JobAccepted, successStatus: 202,
    handler: async (req) => sync.submit(req.auth, jobRequest("SyncDataCenterFromRemote", req), await dataCenters.get(req.auth, req.params.uuid)),
  });
  api.route({
    method: "delete", path: "/hybrid/data-center/{uuid}", apiName: "DeleteDataCenterInLocal", tag, access: "authenticated",
    summary: "Delete a data center locally",
    description: "ZStack DeleteDataCenterInLocalAction: removes Strata's records only; nothing on Alibaba Cloud changes. " +
      "Permissive (default) refuses with SYS.1004 while records of its resources remain; Enforcing removes them too.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await dataCenters.delete(req.auth, req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
}
