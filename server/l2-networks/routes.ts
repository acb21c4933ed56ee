import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import type { JobRequest } from "../hosts/service.ts";
import { CreateL2NoVlanBody, CreateL2VlanBody, L2ClusterParams, L2NetworkInventory, UpdateL2Body } from "./schema.ts";
import { l2NetworkInventory, type L2NetworkService } from "./service.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** REST routes of L2 networks, following ZStack's `/v1/l2-networks` API. */
export function registerL2NetworkRoutes(api: Api, l2: L2NetworkService): void {
  const tag = "l2-networks";
  api.route({
    method: "post", path: "/l2-networks/no-vlan", apiName: "CreateL2NoVlanNetwork", tag, access: "admin",
    summary: "Create an L2 network without VLAN",
    description: "ZStack APICreateL2NoVlanNetworkMsg. Hosts get bridge br_<physicalInterface> once it is attached to their cluster. " +
      "Errors: SYS.1007 bad input (field named), SYS.1003 zone.",
    body: CreateL2NoVlanBody, response: InventoryReply(L2NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l2.create(req.auth, req.body, "L2NoVlanNetwork") } }),
  });
  api.route({
    method: "post", path: "/l2-networks/vlan", apiName: "CreateL2VlanNetwork", tag, access: "admin",
    summary: "Create an L2 VLAN network",
    description: "ZStack APICreateL2VlanNetworkMsg. Hosts get VLAN sub-interface <physicalInterface>.<vlan> enslaved to bridge " +
      "br_<physicalInterface>_<vlan> once it is attached to their cluster. vlan 1-4094.",
    body: CreateL2VlanBody, response: InventoryReply(L2NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l2.create(req.auth, req.body, "L2VlanNetwork") } }),
  });
  api.route({
    method: "get", path: "/l2-networks", apiName: "QueryL2Network", tag, access: "authenticated",
    summary: "Query L2 networks", description: "ZStack APIQueryL2NetworkMsg; joined fields clusters.clusterUuid.",
    query: QueryParams, response: InventoriesReply(L2NetworkInventory),
    handler: (req) => l2.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/l2-networks/{uuid}", apiName: "GetL2Network", tag, access: "authenticated",
    summary: "Get an L2 network", description: "`{ inventories: [l2] }`; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(L2NetworkInventory),
    handler: async (req) => ({ body: { inventories: [l2NetworkInventory(await l2.get(req.auth, req.params.uuid))] } }),
  });
  api.action("l2-networks", {
    action: "updateL2Network", apiName: "UpdateL2Network", access: "admin",
    summary: "Update an L2 network", description: "ZStack APIUpdateL2NetworkMsg: name, description.",
    body: UpdateL2Body, response: InventoryReply(L2NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l2.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/l2-networks/{l2NetworkUuid}/clusters/{clusterUuid}", apiName: "AttachL2NetworkToCluster", tag,
    access: "admin", successStatus: 202,
    summary: "Attach an L2 network to a cluster",
    description: "ZStack APIAttachL2NetworkToClusterMsg, a job: every Connected host of the cluster creates the bridge. A failure on " +
      "any host fails the job with NETWORK.HOST_FAILED (cause: the host agent's error) and removes the bridges the job created. " +
      "Synchronous: SYS.1003, SYS.1007 other zone, SYS.1006 already attached or bridge name taken in the cluster.",
    params: L2ClusterParams, response: Accepted,
    handler: (req) => l2.attach(req.auth, jobRequest("AttachL2NetworkToCluster", req), req.params.l2NetworkUuid, req.params.clusterUuid),
  });
  api.route({
    method: "delete", path: "/l2-networks/{l2NetworkUuid}/clusters/{clusterUuid}", apiName: "DetachL2NetworkFromCluster", tag,
    access: "admin", successStatus: 202,
    summary: "Detach an L2 network from a cluster",
    description: "ZStack APIDetachL2NetworkFromClusterMsg, a job: forgets the attachment and removes the bridge from the cluster's " +
      "Connected hosts (best effort). SYS.1006 when not attached.",
    params: L2ClusterParams, response: Accepted,
    handler: (req) => l2.detach(req.auth, jobRequest("DetachL2NetworkFromCluster", req), req.params.l2NetworkUuid, req.params.clusterUuid),
  });
  api.route({
    method: "delete", path: "/l2-networks/{uuid}", apiName: "DeleteL2Network", tag, access: "admin", successStatus: 202,
    summary: "Delete an L2 network",
    description: "ZStack APIDeleteL2NetworkMsg, a job: removes its bridges from hosts (best effort), then the network. Permissive " +
      "(default) refuses with SYS.1004 while L3 networks use it; Enforcing deletes them too, but SYS.1004 while VM NICs hold their IPs.",
    params: UuidParams, query: DeleteQuery, response: Accepted,
    handler: (req) => l2.delete(req.auth, jobRequest("DeleteL2Network", req), req.params.uuid, req.query.deleteMode),
  });
}
