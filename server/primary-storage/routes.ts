import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import type { JobRequest } from "../hosts/service.ts";
import {
  AddLocalPrimaryStorageBody, AddNfsPrimaryStorageBody, AddSmpPrimaryStorageBody, ChangePrimaryStorageStateBody,
  ClusterPrimaryStorageParams, HostCapacityQuery, LocalStorageHostCapacityReply, PrimaryStorageCapacityReply,
  PrimaryStorageInventory, UpdatePrimaryStorageBody,
} from "./schema.ts";
import { primaryStorageInventory, type PrimaryStorageService } from "./service.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** REST routes of primary storage, following ZStack's `/v1/primary-storage` API. */
export function registerPrimaryStorageRoutes(api: Api, storage: PrimaryStorageService): void {
  const tag = "primary-storage";
  const common = "Starts Enabled with zero capacity; capacity appears once attached to a cluster. Errors: SYS.1007 bad input, " +
    "SYS.1003 unknown zone, SYS.1002 same url already added in the zone or resourceUuid taken.";
  api.route({
    method: "post", path: "/primary-storage/local-storage", apiName: "AddLocalPrimaryStorage", tag, access: "admin",
    summary: "Add a LocalStorage primary storage",
    description: `ZStack APIAddLocalPrimaryStorageMsg: url is a directory on each host; volumes stay on their host. ${common}`,
    body: AddLocalPrimaryStorageBody, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.add(req.auth, "LocalStorage", req.body) } }),
  });
  api.route({
    method: "post", path: "/primary-storage/nfs", apiName: "AddNfsPrimaryStorage", tag, access: "admin",
    summary: "Add an NFS primary storage",
    description: "ZStack APIAddNfsPrimaryStorageMsg: url server:/export, mounted on every host of the attached clusters at " +
      `/opt/strata/nfsprimarystorage/prim-<uuid> (mount -t nfs, with mountOptions). ${common}`,
    body: AddNfsPrimaryStorageBody, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.add(req.auth, "NFS", req.body) } }),
  });
  api.route({
    method: "post", path: "/primary-storage/smp", apiName: "AddSharedMountPointPrimaryStorage", tag, access: "admin",
    summary: "Add a SharedMountPoint primary storage",
    description: "ZStack APIAddSharedMountPointPrimaryStorageMsg: url is a shared filesystem's mount point that must already be " +
      `a directory on every host (attaching fails on hosts where it is not). ${common}`,
    body: AddSmpPrimaryStorageBody, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.add(req.auth, "SharedMountPoint", req.body) } }),
  });
  api.route({
    method: "get", path: "/primary-storage", apiName: "QueryPrimaryStorage", tag, access: "admin",
    summary: "Query primary storage",
    description: "ZStack APIQueryPrimaryStorageMsg; joined fields clusters.clusterUuid; format=csv exports. Capacities in bytes.",
    query: QueryParams, response: InventoriesReply(PrimaryStorageInventory),
    handler: (req) => storage.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/primary-storage/local-storage/{uuid}/host-capacities", apiName: "GetLocalStorageHostDiskCapacity", tag, access: "admin",
    summary: "Per-host capacity of a LocalStorage",
    description: "ZStack APIGetLocalStorageHostDiskCapacityMsg: total/available (reservable) and physical capacity of each host, bytes. " +
      "SYS.1007 when the storage is not LocalStorage.",
    params: UuidParams, query: HostCapacityQuery, response: LocalStorageHostCapacityReply,
    handler: async (req) => ({ body: await storage.hostCapacities(req.auth, req.params.uuid, req.query.hostUuid) }),
  });
  api.route({
    method: "get", path: "/primary-storage/{uuid}", apiName: "GetPrimaryStorage", tag, access: "admin",
    summary: "Get a primary storage", description: "`{ inventories: [storage] }`; SYS.1003 (404) when missing.",
    params: UuidParams, response: InventoriesReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventories: [primaryStorageInventory(await storage.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "get", path: "/primary-storage/{uuid}/capacity", apiName: "GetPrimaryStorageCapacity", tag, access: "admin",
    summary: "Capacity of a primary storage",
    description: "ZStack APIGetPrimaryStorageCapacityMsg: total/available (reservable after over-provisioning) and physical capacity, bytes.",
    params: UuidParams, response: PrimaryStorageCapacityReply,
    handler: async (req) => ({ body: await storage.capacityOf(req.auth, req.params.uuid) }),
  });
  api.action("primary-storage", {
    action: "updatePrimaryStorage", apiName: "UpdatePrimaryStorage", access: "admin",
    summary: "Update a primary storage", description: "Changes name or description (ZStack APIUpdatePrimaryStorageMsg).",
    body: UpdatePrimaryStorageBody, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("primary-storage", {
    action: "changePrimaryStorageState", apiName: "ChangePrimaryStorageState", access: "admin",
    summary: "Enable, disable or maintain a primary storage",
    description: "ZStack APIChangePrimaryStorageStateMsg: enable | disable | maintain. Only Enabled storage takes new volumes.",
    body: ChangePrimaryStorageStateBody, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/primary-storage/{uuid}", apiName: "DeletePrimaryStorage", tag, access: "admin",
    summary: "Delete a primary storage",
    description: "ZStack APIDeletePrimaryStorageMsg. Refused (SYS.1004, listing them) while volumes are on it in either deleteMode; " +
      "cluster attachments and image-cache records are removed with it.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await storage.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/clusters/{clusterUuid}/primary-storage/{primaryStorageUuid}", apiName: "AttachPrimaryStorageToCluster",
    tag, access: "admin", successStatus: 202,
    summary: "Attach a primary storage to a cluster",
    description: "ZStack APIAttachPrimaryStorageToClusterMsg, a job: every Connected host of the cluster prepares the storage " +
      "(mkdir; mount -t nfs for NFS; SharedMountPoint must already be a directory) and reports capacity (statfs). Hosts that " +
      "join later are prepared when they connect. The job fails with PS.INIT_FAILED listing the failed hosts, leaving the " +
      "storage unattached. Synchronous: SYS.1003, SYS.1006 other zone, SYS.1002 already attached.",
    params: ClusterPrimaryStorageParams, body: z.object({ params: z.object({}).strict().optional() }).strict(), response: Accepted,
    handler: (req) => storage.attach(req.auth, jobRequest("AttachPrimaryStorageToCluster", req), req.params.clusterUuid, req.params.primaryStorageUuid),
  });
  api.route({
    method: "delete", path: "/clusters/{clusterUuid}/primary-storage/{primaryStorageUuid}", apiName: "DetachPrimaryStorageFromCluster",
    tag, access: "admin",
    summary: "Detach a primary storage from a cluster",
    description: "ZStack APIDetachPrimaryStorageFromClusterMsg. SYS.1006 while volumes on it belong to VMs of the cluster; " +
      "SYS.1003 when not attached. LocalStorage capacity of the cluster's hosts is dropped. NFS is unmounted from the cluster's " +
      "Connected hosts (a host that fails is logged; the detach stands); a SharedMountPoint, the user's own mount, is left as is. " +
      "A shared storage left attached to no cluster goes back to zero capacity until attached again.",
    params: ClusterPrimaryStorageParams, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.detach(req.auth, req.params.clusterUuid, req.params.primaryStorageUuid) } }),
  });
}
