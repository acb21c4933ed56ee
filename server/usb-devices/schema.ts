import { z } from "zod";
import { Description, Name, Uuid } from "../http/common-schemas.ts";
import { hostQuerySpec } from "../hosts/schema.ts";
import { DeviceState } from "../pci-devices/schema.ts";
import type { QuerySpec } from "../query/spec.ts";

/** ZStack APIUpdateUsbDeviceMsg: rename, describe, enable/disable. */
export const UpdateUsbDeviceBody = z.object({
  name: Name.optional(),
  description: Description.optional(),
  state: DeviceState.optional().describe("Disabled devices cannot be attached; attached ones keep working"),
}).strict();
export type UpdateUsbDeviceInput = z.infer<typeof UpdateUsbDeviceBody>;

/** ZStack APIAttachUsbDeviceToVmMsg (`params`). */
export const AttachUsbDeviceBody = z.object({
  params: z.object({
    vmInstanceUuid: Uuid.describe("The VM to give the device to"),
    attachType: z.enum(["PassThrough"]).optional().describe("PassThrough (default; ZStack's Redirect is not supported)"),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();

/** ZStack APIDetachUsbDeviceFromVmMsg (`params` may be empty). */
export const DetachUsbDeviceBody = z.object({
  params: z.object({ vmInstanceUuid: Uuid.optional().describe("Must be the device's VM when given") }).strict().default({}),
}).strict();

/** `{usbDeviceUuid}` path parameter of attach/detach. */
export const UsbDeviceUuidParams = z.object({ usbDeviceUuid: Uuid });

/** ZStack UsbDeviceInventory, plus `status` (Ready/Attached/Unavailable) and `speed`. */
export const UsbDeviceInventory = z.object({
  uuid: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  hostUuid: z.string(),
  vmInstanceUuid: z.string().nullable(),
  state: DeviceState,
  status: z.enum(["Ready", "Attached", "Unavailable"]),
  busNum: z.string().describe("Host USB bus, 3 digits"),
  devNum: z.string().describe("Device number on the bus, 3 digits; changes when re-plugged"),
  idVendor: z.string(), idProduct: z.string(),
  iManufacturer: z.string().nullable(), iProduct: z.string().nullable(), iSerial: z.string().nullable(),
  usbVersion: z.enum(["1.1", "2.0", "3.0"]),
  speed: z.string().nullable().describe("Link speed, Mbit/s"),
  attachType: z.string().nullable(),
  accountUuid: z.string(),
  createDate: z.string(),
  lastOpDate: z.string(),
});

/** What `q=` may filter on; `host.clusterUuid=` lists a cluster's devices. */
export const usbDeviceQuerySpec: QuerySpec = {
  resourceType: "UsbDevice",
  fields: {
    uuid: "string", name: "string", description: "string", hostUuid: "string", vmInstanceUuid: "string", state: "string",
    status: "string", busNum: "string", devNum: "string", idVendor: "string", idProduct: "string", iManufacturer: "string",
    iProduct: "string", iSerial: "string", usbVersion: "string", attachType: "string", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "hostUuid", "state", "status", "busNum", "devNum", "idVendor", "idProduct", "usbVersion",
    "accountUuid", "createDate", "lastOpDate"],
  relations: { host: { spec: () => hostQuerySpec, many: false } },
};
