/**
 * Request bodies of the pass-through commands (/host/devices/scan, /host/iommu/set,
 * /vm/hostdev/*) and the `hostDevices` field /vm/start carries.
 */
import { z } from "zod";
import { AsyncFieldsSchema } from "../validate.ts";

const VmUuid = z
  .string()
  .regex(/^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, "must be a uuid");
const Hex4 = z.string().regex(/^[0-9a-f]{4}$/i, "must be 4 hex digits");
const UsbNumber = z.string().regex(/^\d{1,3}$/, "must be a USB bus or device number");

/** A VM's pass-through devices: PCI functions by host address, USB devices by ids and bus/device. */
export const HostDevicesSchema = z.object({
  pci: z.array(z.object({
    /** Host PCI address, e.g. "0000:01:00.0". */
    pciDeviceAddress: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i, "must be a PCI address such as 0000:01:00.0"),
  }).strict()).max(16).optional(),
  usb: z.array(z.object({
    idVendor: Hex4,
    idProduct: Hex4,
    busNum: UsbNumber,
    devNum: UsbNumber,
    /** Picks the guest controller: "1.1", "2.0" or "3.0". */
    usbVersion: z.enum(["1.1", "2.0", "3.0"]),
  }).strict()).max(11).optional(),
}).strict();

/** POST /host/devices/scan: no fields. */
export const ScanDevicesCmd = z.object({}).passthrough();

/** POST /host/iommu/set */
export const SetIommuCmd = z.object({
  /** true: add the IOMMU kernel arguments for the next boot; false: remove them. */
  enabled: z.boolean(),
});

/** POST /vm/hostdev/attach and /vm/hostdev/detach: hot-plug into / out of a running VM. */
export const HostdevCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  hostDevices: HostDevicesSchema,
});

/** POST /vm/hostdev/list: the pass-through devices a defined domain has now. */
export const ListHostdevCmd = z.object({ vmInstanceUuid: VmUuid });
