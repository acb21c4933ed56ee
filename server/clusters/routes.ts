import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { ChangeClusterStateBody, ClusterInventory, CreateClusterBody, UpdateClusterBody } from "./schema.ts";
import { clusterInventory, type ClusterService } from "./service.ts";

/** REST routes of clusters, following ZStack's `/v1/clusters` API. */
export function registerClusterRoutes(api: Api, clusters: ClusterService): void {
  const tag = "clusters";
  api.route({
    method: "post", path: "/clusters", apiName: "CreateCluster", tag, access: "admin",
    summary: "Create a cluster",
    description: "Creates a KVM cluster in a zone (ZStack APICreateClusterMsg); architecture x86_64 (default) or aarch64. " +
      "Errors: SYS.1003 unknown zone, SYS.1007 bad input.",
    body: CreateClusterBody, response: InventoryReply(ClusterInventory),
    handler: async (req) => ({ body: { inventory: await clusters.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/clusters", apiName: "QueryCluster", tag, access: "authenticated",
    summary: "Query clusters",
    description: "ZStack APIQueryClusterMsg; joined fields zone.<field>; format=csv exports.",
    query: QueryParams, response: InventoriesReply(ClusterInventory),
    handler: (req) => clusters.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/clusters/{uuid}", apiName: "GetCluster", tag, access: "authenticated",
    summary: "Get a cluster", description: "Returns `{ inventories: [cluster] }`; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(ClusterInventory),
    handler: async (req) => ({ body: { inventories: [clusterInventory(await clusters.get(req.auth, req.params.uuid))] } }),
  });
  api.action("clusters", {
    action: "updateCluster", apiName: "UpdateCluster", access: "admin",
    summary: "Update a cluster", description: "Changes name or description (ZStack APIUpdateClusterMsg).",
    body: UpdateClusterBody, response: InventoryReply(ClusterInventory),
    handler: async (req) => ({ body: { inventory: await clusters.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("clusters", {
    action: "changeClusterState", apiName: "ChangeClusterState", access: "admin",
    summary: "Enable or disable a cluster", description: "stateEvent enable|disable (ZStack APIChangeClusterStateMsg).",
    body: ChangeClusterStateBody, response: InventoryReply(ClusterInventory),
    handler: async (req) => ({ body: { inventory: await clusters.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/clusters/{uuid}", apiName: "DeleteCluster", tag, access: "admin",
    summary: "Delete a cluster", description: "ZStack APIDeleteClusterMsg.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await clusters.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
