/**
 * Errors of GPU/USB pass-through (codes PCI.* and USB.*, in the spirit of ZStack's
 * PciDeviceErrors / UsbDeviceErrors). Each tells the caller what to fix; all are ApiErrors, so
 * the one error middleware sends them as `{ error: { code, description, details } }`.
 */
import { ApiError } from "../errors/catalogue.ts";

/** What kind of device an error is about, as the caller calls it. */
export type DeviceKind = "PCI" | "USB";

/** Pass-through error constructors. */
export const PassthroughErrors = {
  /** PCI.DEVICE_DISABLED / USB.DEVICE_DISABLED, 409: the operator disabled the device. */
  deviceDisabled: (kind: DeviceKind, name: string) =>
    new ApiError(`${kind}.DEVICE_DISABLED`, 409, `The ${kind} device is Disabled; enable it (state Enabled) before attaching it`, name),
  /** PCI.DEVICE_UNAVAILABLE / USB.DEVICE_UNAVAILABLE, 409: the host no longer has the device at that address. */
  deviceUnavailable: (kind: DeviceKind, name: string) =>
    new ApiError(`${kind}.DEVICE_UNAVAILABLE`, 409,
      `The ${kind} device is Unavailable: the host's last scan did not find it at that address; reconnect the host or delete the device`, name),
  /** PCI.DEVICE_IN_USE / USB.DEVICE_IN_USE, 409: a device belongs to one VM at a time. */
  deviceInUse: (kind: DeviceKind, name: string, vmUuid: string) =>
    new ApiError(`${kind}.DEVICE_IN_USE`, 409, `The ${kind} device is attached to another VM; detach it there first`, `${name} is attached to VM ${vmUuid}`),
  /** PCI.HOST_MISMATCH / USB.HOST_MISMATCH, 409: the device is on another host than the VM. */
  hostMismatch: (kind: DeviceKind, details: string) =>
    new ApiError(`${kind}.HOST_MISMATCH`, 409, `The ${kind} device is on a different host than the VM; pick a device of the VM's host`, details),
  /** PCI.IOMMU_DISABLED, 409: PCI pass-through needs the host's IOMMU switched on. */
  iommuDisabled: (hostName: string) =>
    new ApiError("PCI.IOMMU_DISABLED", 409,
      "IOMMU is disabled on the device's host; enable it (updateHostIommuState Enabled), reboot the host, then attach", `host ${hostName}`),
  /** PCI.IOMMU_NOT_READY, 409: switched on but not active yet. */
  iommuNotReady: (hostName: string) =>
    new ApiError("PCI.IOMMU_NOT_READY", 409,
      "IOMMU is enabled for the device's host but not active yet (no IOMMU groups); reboot the host and reconnect it", `host ${hostName}`),
  /** PCI.NOT_ATTACHED / USB.NOT_ATTACHED, 409: detaching a device no VM has. */
  notAttached: (kind: DeviceKind, name: string) =>
    new ApiError(`${kind}.NOT_ATTACHED`, 409, `The ${kind} device is not attached to a VM`, name),
  /** PCI.DELETE_REFUSED / USB.DELETE_REFUSED, 409: only devices the host lost may be deleted. */
  deleteRefused: (kind: DeviceKind, name: string, status: string) =>
    new ApiError(`${kind}.DELETE_REFUSED`, 409,
      `Only Unavailable ${kind} devices may be deleted; a device the host still has comes back at its next scan`, `${name} is ${status}`),
  /** USB.CLUSTER_MISMATCH, 409: a stopped VM takes devices of its own cluster only. */
  clusterMismatch: (details: string) =>
    new ApiError("USB.CLUSTER_MISMATCH", 409, "The USB device is on a host outside the VM's cluster; pick a device of a host in the VM's cluster", details),
  /** USB.HOSTS_DIFFER, 409: all USB (and PCI) devices of a VM are on one host. */
  hostsDiffer: (details: string) =>
    new ApiError("USB.HOSTS_DIFFER", 409,
      "All pass-through devices of a VM must be on one host; pick a device of the host its other devices are on, or detach those first", details),
  /** USB.TOO_MANY_DEVICES, 409: per-VM limit of a USB generation (1.x: 1, 2.0: 6, 3.0: 4). */
  tooManyUsb: (version: string, limit: number, vmUuid: string) =>
    new ApiError("USB.TOO_MANY_DEVICES", 409, `A VM takes at most ${limit} USB ${version} device(s); detach one first`, `VM ${vmUuid}`),
  /** PCI.DEVICE_UNAVAILABLE at start: the VM holds a device its host lost. */
  startWithUnavailable: (kind: DeviceKind, name: string) =>
    new ApiError(`${kind}.DEVICE_UNAVAILABLE`, 409,
      `The VM has a ${kind} device its host no longer has; detach it (or reconnect the host once the device is back) and start again`, name),
};
