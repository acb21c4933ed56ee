import { z } from "zod";
import { Description, Name, Uuid } from "../http/common-schemas.ts";
import { hostQuerySpec } from "../hosts/schema.ts";
import type { QuerySpec } from "../query/spec.ts";

/** Enabled | Disabled: the operator's switch (ZStack PciDeviceState). */
export const DeviceState = z.enum(["Enabled", "Disabled"]);

/** ZStack APIUpdatePciDeviceMsg: rename, describe, enable/disable. */
export const UpdatePciDeviceBody = z.object({
  name: Name.optional(),
  description: Description.optional(),
  state: DeviceState.optional().describe("Disabled devices cannot be attached; attached ones keep working"),
}).strict();
export type UpdatePciDeviceInput = z.infer<typeof UpdatePciDeviceBody>;

/** ZStack APIAttachPciDeviceToVmMsg / APIDetachPciDeviceFromVmMsg (`params`). */
export const AttachPciDeviceBody = z.object({
  params: z.object({ vmInstanceUuid: Uuid.describe("The VM to give the device to") }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();

/** POST .../detach: the VM is the one the device is attached to; `params` may be empty. */
export const DetachPciDeviceBody = z.object({
  params: z.object({ vmInstanceUuid: Uuid.optional().describe("Must be the device's VM when given") }).strict().default({}),
}).strict();

/** `{pciDeviceUuid}` path parameter of attach/detach. */
export const PciDeviceUuidParams = z.object({ pciDeviceUuid: Uuid });

/** ZStack PciDeviceInventory (the fields Strata has). */
export const PciDeviceInventory = z.object({
  uuid: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  hostUuid: z.string(),
  vmInstanceUuid: z.string().nullable(),
  type: z.string().describe("ZStack PciDeviceType: GPU_Video_Controller (class 0300), GPU_3D_Controller (0302), GPU_Audio_Controller, ..."),
  state: DeviceState,
  status: z.enum(["Ready", "Attached", "Unavailable"]),
  pciDeviceAddress: z.string().describe("Host PCI address, e.g. 0000:01:00.0"),
  classCode: z.string().describe("PCI class without programming interface, 4 hex digits"),
  vendorId: z.string(), deviceId: z.string(),
  subvendorId: z.string().nullable(), subdeviceId: z.string().nullable(), rev: z.string().nullable(),
  vendor: z.string().nullable().describe("Vendor name from the host's PCI ID database"),
  device: z.string().nullable().describe("Device name from the host's PCI ID database"),
  iommuGroup: z.string().nullable(),
  driver: z.string().nullable().describe("Host kernel driver bound when scanned"),
  numaNode: z.number().int().nullable(),
  accountUuid: z.string(),
  createDate: z.string(),
  lastOpDate: z.string(),
});

/** What `q=` may filter on; `host.clusterUuid=` lists a cluster's devices. */
export const pciDeviceQuerySpec: QuerySpec = {
  resourceType: "PciDevice",
  fields: {
    uuid: "string", name: "string", description: "string", hostUuid: "string", vmInstanceUuid: "string", type: "string",
    state: "string", status: "string", pciDeviceAddress: "string", classCode: "string", vendorId: "string", deviceId: "string",
    subvendorId: "string", subdeviceId: "string", vendor: "string", device: "string", iommuGroup: "string", driver: "string",
    numaNode: "number", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "hostUuid", "type", "state", "status", "pciDeviceAddress", "classCode", "vendorId", "deviceId",
    "accountUuid", "createDate", "lastOpDate"],
  relations: { host: { spec: () => hostQuerySpec, many: false } },
};
