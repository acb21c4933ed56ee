/**
 * What PCI and USB pass-through share: who may see a device, which host a VM's devices pin it
 * to, the VM states attach/detach accept, and hot-plug calls to hostd.
 */
import type { Host, PciDevice, PrismaClient, UsbDevice, VmInstance } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";
import type { SharingService } from "../sharing/service.ts";
import { PassthroughErrors, type DeviceKind } from "./errors.ts";

/** Resource types of devices as stored on SharedResource, tags and events. */
export const PCI_DEVICE_TYPE = "PciDevice";
export const USB_DEVICE_TYPE = "UsbDevice";

/** VM states in which devices may be attached or detached (hot-plug while Running/Paused). */
export const DEVICE_CHANGE_STATES = ["Running", "Stopped", "Paused"];

/** The hostd `hostDevices` entry of a PCI device row. */
export function pciHostDevice(d: PciDevice) {
  return { pciDeviceAddress: d.pciDeviceAddress };
}

/** The hostd `hostDevices` entry of a USB device row. */
export function usbHostDevice(d: UsbDevice) {
  return { idVendor: d.idVendor, idProduct: d.idProduct, busNum: d.busNum, devNum: d.devNum, usbVersion: d.usbVersion as "1.1" | "2.0" | "3.0" };
}

/**
 * Prisma `where` for devices of `resourceType` the caller may see: all for an admin; its own,
 * those shared with its account and public ones (全局共享) otherwise.
 */
export function deviceScope(sharing: SharingService, caller: Caller, resourceType: string): Promise<Record<string, unknown>> {
  return sharing.visibleScope(caller, resourceType);
}

/**
 * The VM if the caller may change its devices, with the state checked.
 * @throws SYS.1003 (not the caller's), SYS.1006 (state, or not a KVM VM).
 */
export async function vmForDeviceChange(prisma: PrismaClient, caller: Caller, vmUuid: string, what: string): Promise<VmInstance> {
  const vm = await prisma.vmInstance.findFirst({ where: { uuid: vmUuid, ...(caller.isAdmin ? {} : { accountUuid: caller.accountUuid }) } });
  if (!vm) throw Errors.resourceNotFound("VmInstance", vmUuid);
  if (vm.provider !== "KVM") throw Errors.operationNotAllowed(what, `VM ${vm.name} is an ${vm.provider} instance; only KVM VMs take host devices`);
  if (!DEVICE_CHANGE_STATES.includes(vm.state)) {
    throw Errors.operationNotAllowed(what, `the VM is ${vm.state}; it needs one of ${DEVICE_CHANGE_STATES.join(", ")}`);
  }
  return vm;
}

/** The hosts the VM's attached PCI and USB devices are on (normally zero or one). */
export async function hostsOfVmDevices(prisma: PrismaClient, vmUuid: string): Promise<string[]> {
  const [pci, usb] = await Promise.all([
    prisma.pciDevice.findMany({ where: { vmInstanceUuid: vmUuid }, select: { hostUuid: true } }),
    prisma.usbDevice.findMany({ where: { vmInstanceUuid: vmUuid }, select: { hostUuid: true } }),
  ]);
  return [...new Set([...pci, ...usb].map((d) => d.hostUuid))];
}

/** The device's state and status allow attaching it. @throws *.DEVICE_DISABLED, *.DEVICE_UNAVAILABLE, *.DEVICE_IN_USE. */
export function assertAttachable(kind: DeviceKind, d: { name: string; state: string; status: string; vmInstanceUuid: string | null }): void {
  if (d.status === "Unavailable") throw PassthroughErrors.deviceUnavailable(kind, d.name);
  if (d.vmInstanceUuid) throw PassthroughErrors.deviceInUse(kind, d.name, d.vmInstanceUuid);
  if (d.state !== "Enabled") throw PassthroughErrors.deviceDisabled(kind, d.name);
}

/** Hot-plugs into (or out of) the VM when it runs on a host; a stopped VM gets its devices at the next start. */
export async function hotplug(prisma: PrismaClient, hosts: HostService, vm: VmInstance, op: "attach" | "detach",
  hostDevices: { pci?: unknown[]; usb?: unknown[] }): Promise<boolean> {
  if (!vm.hostUuid || (vm.state !== "Running" && vm.state !== "Paused")) return false;
  const host: Host = await prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } });
  await commandHostd(hosts.endpoint(host), `/vm/hostdev/${op}`, { vmInstanceUuid: vm.uuid, hostDevices }, 60_000);
  return true;
}
