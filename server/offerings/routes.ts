import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { RevokeResourceSharingBody, ShareResourceBody } from "../sharing/schema.ts";
import {
  ChangeOfferingStateBody, CreateDiskOfferingBody, CreateInstanceOfferingBody, DiskOfferingInventory, InstanceOfferingInventory,
  UpdateDiskOfferingBody, UpdateInstanceOfferingBody,
} from "./schema.ts";
import { diskOfferingInventory, instanceOfferingInventory, type OfferingService } from "./service.ts";

const SHARE_DESCRIPTION = "ZStack APIShareResourceMsg (operation ids are per resource type so that each is its own OpenAPI entry): accountUuids and/or toPublic. Receivers see the offering in queries and may " +
  "create VMs/volumes from it; only the owner (or an admin) changes it. Errors: SYS.1003 unknown offering or account, ID.1002 not the owner.";
const REVOKE_DESCRIPTION = "ZStack APIRevokeResourceSharingMsg: accountUuids, toPublic and/or all. Revoking what was not shared is a no-op.";

/** REST routes of instance and disk offerings, following ZStack's `/v1/instance-offerings` and `/v1/disk-offerings`. */
export function registerOfferingRoutes(api: Api, offerings: OfferingService): void {
  let tag = "instance-offerings";
  api.route({
    method: "post", path: "/instance-offerings", apiName: "CreateInstanceOffering", tag, access: "admin",
    summary: "Create an instance offering",
    description: "ZStack APICreateInstanceOfferingMsg: cpuNum (vCPUs, 1–1024), memorySize (bytes, ≥ 16 MiB), allocatorStrategy, " +
      "type (UserVm). State starts Enabled. Errors: SYS.1007 bad input, SYS.1002 resourceUuid taken.",
    body: CreateInstanceOfferingBody, response: InventoryReply(InstanceOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.createInstanceOffering(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/instance-offerings", apiName: "QueryInstanceOffering", tag, access: "authenticated",
    summary: "Query instance offerings",
    description: "ZStack APIQueryInstanceOfferingMsg: the caller's own, shared-with-it and public offerings (admin: all); format=csv exports.",
    query: QueryParams, response: InventoriesReply(InstanceOfferingInventory),
    handler: (req) => offerings.queryInstanceOfferings(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/instance-offerings/{uuid}", apiName: "GetInstanceOffering", tag, access: "authenticated",
    summary: "Get an instance offering", description: "`{ inventories: [offering] }`; SYS.1003 (404) when missing or not visible.",
    params: UuidParams, response: InventoriesReply(InstanceOfferingInventory),
    handler: async (req) => ({ body: { inventories: [instanceOfferingInventory(await offerings.getInstanceOffering(req.auth, req.params.uuid))] } }),
  });
  api.action("instance-offerings", {
    action: "updateInstanceOffering", apiName: "UpdateInstanceOffering", access: "admin",
    summary: "Update an instance offering", description: "ZStack APIUpdateInstanceOfferingMsg: name, description, allocatorStrategy.",
    body: UpdateInstanceOfferingBody, response: InventoryReply(InstanceOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.updateInstanceOffering(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("instance-offerings", {
    action: "changeInstanceOfferingState", apiName: "ChangeInstanceOfferingState", access: "admin",
    summary: "Enable or disable an instance offering",
    description: "ZStack APIChangeInstanceOfferingStateMsg: stateEvent enable|disable. A Disabled offering cannot be used for new VMs.",
    body: ChangeOfferingStateBody, response: InventoryReply(InstanceOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.changeInstanceOfferingState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.action("instance-offerings", {
    action: "shareResource", apiName: "ShareInstanceOffering", access: "admin",
    summary: "Share an instance offering", description: SHARE_DESCRIPTION,
    body: ShareResourceBody, response: InventoryReply(InstanceOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.share("instance", req.auth, req.params.uuid, req.body) } }),
  });
  api.action("instance-offerings", {
    action: "revokeResourceSharing", apiName: "RevokeInstanceOfferingSharing", access: "admin",
    summary: "Stop sharing an instance offering", description: REVOKE_DESCRIPTION,
    body: RevokeResourceSharingBody, response: InventoryReply(InstanceOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.revokeSharing("instance", req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "delete", path: "/instance-offerings/{uuid}", apiName: "DeleteInstanceOffering", tag, access: "admin",
    summary: "Delete an instance offering",
    description: "ZStack APIDeleteInstanceOfferingMsg. VMs keep the sizes they were created with, so both delete modes delete it.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await offerings.delete("instance", req.auth, req.params.uuid);
      return { body: {} };
    },
  });

  tag = "disk-offerings";
  api.route({
    method: "post", path: "/disk-offerings", apiName: "CreateDiskOffering", tag, access: "admin",
    summary: "Create a disk offering",
    description: "ZStack APICreateDiskOfferingMsg: diskSize (bytes, ≥ 1 MiB). State starts Enabled. Errors: SYS.1007, SYS.1002.",
    body: CreateDiskOfferingBody, response: InventoryReply(DiskOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.createDiskOffering(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/disk-offerings", apiName: "QueryDiskOffering", tag, access: "authenticated",
    summary: "Query disk offerings",
    description: "ZStack APIQueryDiskOfferingMsg: the caller's own, shared-with-it and public offerings (admin: all); format=csv exports.",
    query: QueryParams, response: InventoriesReply(DiskOfferingInventory),
    handler: (req) => offerings.queryDiskOfferings(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/disk-offerings/{uuid}", apiName: "GetDiskOffering", tag, access: "authenticated",
    summary: "Get a disk offering", description: "`{ inventories: [offering] }`; SYS.1003 (404) when missing or not visible.",
    params: UuidParams, response: InventoriesReply(DiskOfferingInventory),
    handler: async (req) => ({ body: { inventories: [diskOfferingInventory(await offerings.getDiskOffering(req.auth, req.params.uuid))] } }),
  });
  api.action("disk-offerings", {
    action: "updateDiskOffering", apiName: "UpdateDiskOffering", access: "admin",
    summary: "Update a disk offering", description: "ZStack APIUpdateDiskOfferingMsg: name, description.",
    body: UpdateDiskOfferingBody, response: InventoryReply(DiskOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.updateDiskOffering(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("disk-offerings", {
    action: "changeDiskOfferingState", apiName: "ChangeDiskOfferingState", access: "admin",
    summary: "Enable or disable a disk offering",
    description: "ZStack APIChangeDiskOfferingStateMsg: stateEvent enable|disable. A Disabled offering cannot be used for new volumes.",
    body: ChangeOfferingStateBody, response: InventoryReply(DiskOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.changeDiskOfferingState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.action("disk-offerings", {
    action: "shareResource", apiName: "ShareDiskOffering", access: "admin",
    summary: "Share a disk offering", description: SHARE_DESCRIPTION,
    body: ShareResourceBody, response: InventoryReply(DiskOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.share("disk", req.auth, req.params.uuid, req.body) } }),
  });
  api.action("disk-offerings", {
    action: "revokeResourceSharing", apiName: "RevokeDiskOfferingSharing", access: "admin",
    summary: "Stop sharing a disk offering", description: REVOKE_DESCRIPTION,
    body: RevokeResourceSharingBody, response: InventoryReply(DiskOfferingInventory),
    handler: async (req) => ({ body: { inventory: await offerings.revokeSharing("disk", req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "delete", path: "/disk-offerings/{uuid}", apiName: "DeleteDiskOffering", tag, access: "admin",
    summary: "Delete a disk offering",
    description: "ZStack APIDeleteDiskOfferingMsg. Volumes keep their size, so both delete modes delete it.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await offerings.delete("disk", req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
