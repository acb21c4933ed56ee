import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { RevokeResourceSharingBody, ShareResourceBody } from "../sharing/schema.ts";
import { AttachPciDeviceBody, DetachPciDeviceBody, PciDeviceInventory, PciDeviceUuidParams, UpdatePciDeviceBody } from "./schema.ts";
import { pciDeviceInventory, type PciDeviceService } from "./service.ts";

const RULES = "Rules (409 each): PCI.DEVICE_DISABLED, PCI.DEVICE_UNAVAILABLE, PCI.DEVICE_IN_USE (a device is one VM's), " +
  "PCI.HOST_MISMATCH (only devices of the VM's host), PCI.IOMMU_DISABLED / PCI.IOMMU_NOT_READY (the host's IOMMU); SYS.1006 for a VM " +
  "that is not Running, Paused or Stopped.";

/** REST routes of PCI devices, following ZStack's `/v1/pci-device/pci-devices` API. */
export function registerPciDeviceRoutes(api: Api, pci: PciDeviceService): void {
  const tag = "pci-devices";
  const collection = "pci-device/pci-devices";
  api.route({
    method: "get", path: "/pci-device/pci-devices", apiName: "QueryPciDevice", tag, access: "authenticated",
    summary: "Query PCI devices",
    description: "ZStack APIQueryPciDeviceMsg. Per host: q=hostUuid=<uuid>; per cluster: q=host.clusterUuid=<uuid>; GPUs: " +
      "q=type?=GPU_Video_Controller,GPU_3D_Controller. Normal accounts see devices shared with them.",
    query: QueryParams, response: InventoriesReply(PciDeviceInventory),
    handler: (req) => pci.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/pci-device/pci-devices/{uuid}", apiName: "GetPciDevice", tag, access: "authenticated",
    summary: "Get a PCI device", description: "Returns `{ inventories: [device] }`; SYS.1003 when it does not exist or is not visible.",
    params: UuidParams, response: InventoriesReply(PciDeviceInventory),
    handler: async (req) => ({ body: { inventories: [pciDeviceInventory(await pci.get(req.auth, req.params.uuid))] } }),
  });
  api.action(collection, {
    action: "updatePciDevice", apiName: "UpdatePciDevice", access: "admin",
    summary: "Rename, enable or disable a PCI device",
    description: "ZStack APIUpdatePciDeviceMsg: name, description, state Enabled|Disabled. A Disabled device cannot be attached; " +
      "one already attached stays attached.",
    body: UpdatePciDeviceBody, response: InventoryReply(PciDeviceInventory),
    handler: async (req) => ({ body: { inventory: await pci.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action(collection, {
    action: "shareResource", apiName: "SharePciDevice", access: "admin",
    summary: "Share a PCI device (全局共享: toPublic)",
    description: "ZStack APIShareResourceMsg: toPublic shares with every normal account, or accountUuids with some. Receivers see the " +
      "device and may attach it to their VMs.",
    body: ShareResourceBody, response: InventoryReply(PciDeviceInventory),
    handler: async (req) => ({ body: { inventory: await pci.share(req.auth, req.params.uuid, req.body) } }),
  });
  api.action(collection, {
    action: "revokeResourceSharing", apiName: "RevokePciDeviceSharing", access: "admin",
    summary: "Recall a PCI device (全局召回: all)",
    description: "ZStack APIRevokeResourceSharingMsg: accountUuids, toPublic and/or all. VMs that have the device keep it until detached.",
    body: RevokeResourceSharingBody, response: InventoryReply(PciDeviceInventory),
    handler: async (req) => ({ body: { inventory: await pci.revokeSharing(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/pci-device/pci-devices/{pciDeviceUuid}/attach", apiName: "AttachPciDeviceToVm", tag, access: "authenticated",
    summary: "Attach a PCI device (GPU) to a VM",
    description: "ZStack APIAttachPciDeviceToVmMsg, a job (202). A running VM gets the device hot-plugged; a stopped one at its next " +
      `start, which then happens on the device's host. ${RULES}`,
    params: PciDeviceUuidParams, body: AttachPciDeviceBody, successStatus: 202,
    handler: (req) => pci.attach(req.auth, { apiName: "AttachPciDeviceToVm", jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl },
      req.params.pciDeviceUuid, req.body.params.vmInstanceUuid),
  });
  api.route({
    method: "post", path: "/pci-device/pci-devices/{pciDeviceUuid}/detach", apiName: "DetachPciDeviceFromVm", tag, access: "authenticated",
    summary: "Detach a PCI device from its VM",
    description: "ZStack APIDetachPciDeviceFromVmMsg, a job (202): hot-unplugs from a running VM. PCI.NOT_ATTACHED (409) when no VM has it.",
    params: PciDeviceUuidParams, body: DetachPciDeviceBody, successStatus: 202,
    handler: (req) => pci.detach(req.auth, { apiName: "DetachPciDeviceFromVm", jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl },
      req.params.pciDeviceUuid, req.body.params.vmInstanceUuid),
  });
  api.route({
    method: "delete", path: "/pci-device/pci-devices/{uuid}", apiName: "DeletePciDevice", tag, access: "admin",
    summary: "Delete a PCI device the host lost",
    description: "Only Unavailable devices (not found at their address by the host's last scan) may be deleted: PCI.DELETE_REFUSED (409) otherwise.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await pci.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
