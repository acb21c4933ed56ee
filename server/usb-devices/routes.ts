import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { RevokeResourceSharingBody, ShareResourceBody } from "../sharing/schema.ts";
import { AttachUsbDeviceBody, DetachUsbDeviceBody, UsbDeviceInventory, UsbDeviceUuidParams, UpdateUsbDeviceBody } from "./schema.ts";
import { usbDeviceInventory, type UsbDeviceService } from "./service.ts";

const RULES = "Rules (409 each): USB.DEVICE_DISABLED, USB.DEVICE_UNAVAILABLE, USB.DEVICE_IN_USE (a device is one VM's), " +
  "USB.HOST_MISMATCH (a running VM takes devices of its current host only), USB.CLUSTER_MISMATCH (a stopped VM: any host of its " +
  "cluster), USB.HOSTS_DIFFER (all of a VM's devices on one host), USB.TOO_MANY_DEVICES (per VM: USB 1.x 1, 2.0 6, 3.0 4); SYS.1006 for a VM " +
  "that is not Running, Paused or Stopped.";

/** REST routes of USB devices, following ZStack's `/v1/usb-device/usb-devices` API. */
export function registerUsbDeviceRoutes(api: Api, usb: UsbDeviceService): void {
  const tag = "usb-devices";
  const collection = "usb-device/usb-devices";
  api.route({
    method: "get", path: "/usb-device/usb-devices", apiName: "QueryUsbDevice", tag, access: "authenticated",
    summary: "Query USB devices",
    description: "ZStack APIQueryUsbDeviceMsg. Per host: q=hostUuid=<uuid>; per cluster: q=host.clusterUuid=<uuid>; by generation: " +
      "q=usbVersion=3.0. Normal accounts see devices shared with them.",
    query: QueryParams, response: InventoriesReply(UsbDeviceInventory),
    handler: (req) => usb.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/usb-device/usb-devices/{uuid}", apiName: "GetUsbDevice", tag, access: "authenticated",
    summary: "Get a USB device", description: "Returns `{ inventories: [device] }`; SYS.1003 when it does not exist or is not visible.",
    params: UuidParams, response: InventoriesReply(UsbDeviceInventory),
    handler: async (req) => ({ body: { inventories: [usbDeviceInventory(await usb.get(req.auth, req.params.uuid))] } }),
  });
  api.action(collection, {
    action: "updateUsbDevice", apiName: "UpdateUsbDevice", access: "admin",
    summary: "Rename, enable or disable a USB device",
    description: "ZStack APIUpdateUsbDeviceMsg: name, description, state Enabled|Disabled. A Disabled device cannot be attached; " +
      "one already attached stays attached.",
    body: UpdateUsbDeviceBody, response: InventoryReply(UsbDeviceInventory),
    handler: async (req) => ({ body: { inventory: await usb.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action(collection, {
    action: "shareResource", apiName: "ShareUsbDevice", access: "admin",
    summary: "Share a USB device (全局共享: toPublic)",
    description: "ZStack APIShareResourceMsg: toPublic shares with every normal account, or accountUuids with some. Receivers see the " +
      "device and may attach it to their VMs.",
    body: ShareResourceBody, response: InventoryReply(UsbDeviceInventory),
    handler: async (req) => ({ body: { inventory: await usb.share(req.auth, req.params.uuid, req.body) } }),
  });
  api.action(collection, {
    action: "revokeResourceSharing", apiName: "RevokeUsbDeviceSharing", access: "admin",
    summary: "Recall a USB device (全局召回: all)",
    description: "ZStack APIRevokeResourceSharingMsg: accountUuids, toPublic and/or all. VMs that have the device keep it until detached.",
    body: RevokeResourceSharingBody, response: InventoryReply(UsbDeviceInventory),
    handler: async (req) => ({ body: { inventory: await usb.revokeSharing(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/usb-device/usb-devices/{usbDeviceUuid}/attach", apiName: "AttachUsbDeviceToVm", tag, access: "authenticated",
    summary: "Attach a USB device to a VM",
    description: "ZStack APIAttachUsbDeviceToVmMsg (attachType PassThrough), a job (202). A running VM gets the device hot-plugged; a " +
      `stopped one at its next start, which then happens on the device's host. ${RULES}`,
    params: UsbDeviceUuidParams, body: AttachUsbDeviceBody, successStatus: 202,
    handler: (req) => usb.attach(req.auth, { apiName: "AttachUsbDeviceToVm", jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl },
      req.params.usbDeviceUuid, req.body.params.vmInstanceUuid),
  });
  api.route({
    method: "post", path: "/usb-device/usb-devices/{usbDeviceUuid}/detach", apiName: "DetachUsbDeviceFromVm", tag, access: "authenticated",
    summary: "Detach a USB device from its VM",
    description: "ZStack APIDetachUsbDeviceFromVmMsg, a job (202): hot-unplugs from a running VM. USB.NOT_ATTACHED (409) when no VM has it.",
    params: UsbDeviceUuidParams, body: DetachUsbDeviceBody, successStatus: 202,
    handler: (req) => usb.detach(req.auth, { apiName: "DetachUsbDeviceFromVm", jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl },
      req.params.usbDeviceUuid, req.body.params.vmInstanceUuid),
  });
  api.route({
    method: "delete", path: "/usb-device/usb-devices/{uuid}", apiName: "DeleteUsbDevice", tag, access: "admin",
    summary: "Delete a USB device the host lost",
    description: "Only Unavailable devices (not found at their address by the host's last scan) may be deleted: USB.DELETE_REFUSED (409) otherwise.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await usb.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
