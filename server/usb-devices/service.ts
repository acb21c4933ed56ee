import type { TagService } from "../tags/service.ts";
import type { PrismaClient, UsbDevice, VmInstance } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { JobService } from "../jobs/service.ts";
import { assertAttachable, deviceScope, hostsOfVmDevices, hotplug, USB_DEVICE_TYPE, usbHostDevice, vmForDeviceChange } from "../passthrough/common.ts";
import { PassthroughErrors } from "../passthrough/errors.ts";
import { queryReply } from "../query/run.ts";
import type { RevokeResourceSharingInput, ShareResourceInput } from "../sharing/schema.ts";
import type { SharingService } from "../sharing/service.ts";
import { usbDeviceQuerySpec, type UpdateUsbDeviceInput } from "./schema.ts";

/** Job type names of the USB device APIs. */
export const USB_JOBS = { attach: "AttachUsbDeviceToVm", detach: "DetachUsbDeviceFromVm" } as const;

/**
 * USB devices one VM may have per generation: the ports of the guest controller each
 * generation is plugged into (hostd/devices/hostdev-xml.ts USB_PORTS, ZStack's limits).
 */
export const USB_LIMITS: Record<string, number> = { "1.1": 1, "2.0": 6, "3.0": 4 };

/** ZStack UsbDeviceInventory as sent on the wire (plus status and speed). */
export function usbDeviceInventory(d: UsbDevice) {
  return {
    uuid: d.uuid, name: d.name, description: d.description, hostUuid: d.hostUuid, vmInstanceUuid: d.vmInstanceUuid,
    state: d.state as "Enabled" | "Disabled", status: d.status as "Ready" | "Attached" | "Unavailable",
    busNum: d.busNum, devNum: d.devNum, idVendor: d.idVendor, idProduct: d.idProduct,
    iManufacturer: d.iManufacturer, iProduct: d.iProduct, iSerial: d.iSerial, usbVersion: d.usbVersion as "1.1" | "2.0" | "3.0",
    speed: d.speed, attachType: d.attachType, accountUuid: d.accountUuid,
    createDate: d.createDate.toISOString(), lastOpDate: d.lastOpDate.toISOString(),
  };
}

/**
 * USB devices of hosts (ZStack UsbDeviceManager): listing, renaming, enabling/disabling,
 * sharing, deleting devices a host lost, and giving them to VMs.
 *
 * Attach rules (409s with their own codes): Enabled, Ready and not another VM's; a running
 * (or paused) VM takes only devices of the host it runs on; a stopped VM with no devices may
 * take a device of any host of its cluster, but all of a VM's devices are on one host (which
 * then pins where it starts); at most 1 USB 1.x, 6 USB 2.0 and 4 USB 3.0 devices per VM.
 */
export class UsbDeviceService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly jobs: JobService,
    private readonly hosts: HostService,
    private readonly sharing: SharingService,
    private readonly tags: TagService,
  ) {
    jobs.register<{ deviceUuid: string; vmUuid: string }>({
      name: USB_JOBS.attach, resumable: false,
      perform: (i) => this.performAttach(i.deviceUuid, i.vmUuid),
    });
    jobs.register<{ deviceUuid: string; vmUuid: string }>({
      name: USB_JOBS.detach, resumable: true,
      perform: (i) => this.performDetach(i.deviceUuid, i.vmUuid),
    });
  }

  /** The device if the caller can see it (own, shared, public). @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<UsbDevice> {
    const scope = await deviceScope(this.sharing, caller, USB_DEVICE_TYPE);
    const d = await this.prisma.usbDevice.findFirst({ where: { AND: [{ uuid }, scope] } });
    if (!d) throw Errors.resourceNotFound("UsbDevice", uuid);
    return d;
  }

  /** Queries devices (APIQueryUsbDeviceMsg); `q=hostUuid=` per host, `q=host.clusterUuid=` per cluster. */
  async query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: usbDeviceQuerySpec, delegate: this.prisma.usbDevice as never, caller, raw,
      scope: await deviceScope(this.sharing, caller, USB_DEVICE_TYPE), toInventory: usbDeviceInventory, csvName: "usb-devices",
    });
  }

  /** Renames, describes, enables or disables a device (APIUpdateUsbDeviceMsg). */
  async update(caller: Caller, uuid: string, p: UpdateUsbDeviceInput) {
    const d = await this.get(caller, uuid);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.usbDevice.update({ where: { uuid }, data: { name: p.name, description: p.description, state: p.state } });
      if (p.state && p.state !== d.state) {
        await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: USB_DEVICE_TYPE, oldState: d.state, newState: p.state, accountUuid: d.accountUuid });
      }
      return r;
    });
    return usbDeviceInventory(row);
  }

  /** Shares the device (APIShareResourceMsg). @throws SYS.1003, ID.1002. */
  async share(caller: Caller, uuid: string, input: ShareResourceInput) {
    const d = await this.get(caller, uuid);
    await this.sharing.share(caller, { resourceType: USB_DEVICE_TYPE, uuid, accountUuid: d.accountUuid }, input);
    return usbDeviceInventory(d);
  }

  /** Withdraws sharing (APIRevokeResourceSharingMsg). @throws SYS.1003, ID.1002. */
  async revokeSharing(caller: Caller, uuid: string, input: RevokeResourceSharingInput) {
    const d = await this.get(caller, uuid);
    await this.sharing.revoke(caller, { resourceType: USB_DEVICE_TYPE, uuid, accountUuid: d.accountUuid }, input);
    return usbDeviceInventory(d);
  }

  /** Deletes a device the host no longer has. @throws USB.DELETE_REFUSED (409) unless it is Unavailable. */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const d = await this.get(caller, uuid);
    if (d.status !== "Unavailable") throw PassthroughErrors.deleteRefused("USB", d.name, d.status);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.usbDevice.delete({ where: { uuid } });
      await this.sharing.removeAll(tx, uuid);
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: USB_DEVICE_TYPE, oldState: d.status, accountUuid: d.accountUuid });
    });
  }

  /**
   * Attaches a device to a VM (APIAttachUsbDeviceToVmMsg): checks the rules, reserves the
   * device, then hot-plugs it in a job when the VM runs.
   * @throws SYS.1003, SYS.1006 VM state, USB.DEVICE_DISABLED, USB.DEVICE_UNAVAILABLE,
   *   USB.DEVICE_IN_USE, USB.HOST_MISMATCH, USB.CLUSTER_MISMATCH, USB.HOSTS_DIFFER,
   *   USB.TOO_MANY_DEVICES (all 409).
   */
  async attach(caller: Caller, req: JobRequest, deviceUuid: string, vmUuid: string): Promise<ApiReply> {
    const d = await this.get(caller, deviceUuid);
    const vm = await vmForDeviceChange(this.prisma, caller, vmUuid, "Attaching a USB device to this VM");
    assertAttachable("USB", d);
    await this.assertPlacement(d, vm);
    const limit = USB_LIMITS[d.usbVersion] ?? 6;
    const same = await this.prisma.usbDevice.count({ where: { vmInstanceUuid: vm.uuid, usbVersion: d.usbVersion } });
    if (same >= limit) throw PassthroughErrors.tooManyUsb(d.usbVersion, limit, vm.uuid);
    const n = await this.prisma.usbDevice.updateMany({
      where: { uuid: d.uuid, state: "Enabled", status: "Ready", vmInstanceUuid: null },
      data: { status: "Attached", vmInstanceUuid: vm.uuid, attachType: "PassThrough" },
    });
    if (n.count === 0) {
      assertAttachable("USB", await this.prisma.usbDevice.findUniqueOrThrow({ where: { uuid: d.uuid } }));
      throw PassthroughErrors.deviceInUse("USB", d.name, "(changed meanwhile)");
    }
    return this.jobs.submit(caller, req, USB_JOBS.attach, { deviceUuid, vmUuid });
  }

  /** The host rules of attach (see the class comment). */
  private async assertPlacement(d: UsbDevice, vm: VmInstance): Promise<void> {
    if (vm.state === "Running" || vm.state === "Paused") {
      if (vm.hostUuid !== d.hostUuid) {
        throw PassthroughErrors.hostMismatch("USB", `a running VM takes only devices of its current host ${vm.hostUuid}; ${d.name} is on host ${d.hostUuid}`);
      }
      return;
    }
    const deviceHosts = await hostsOfVmDevices(this.prisma, vm.uuid);
    if (deviceHosts.length && !deviceHosts.includes(d.hostUuid)) {
      throw PassthroughErrors.hostsDiffer(`the VM's devices are on host ${deviceHosts.join(", ")}; ${d.name} is on host ${d.hostUuid}`);
    }
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: d.hostUuid } });
    const last = vm.lastHostUuid ? await this.prisma.host.findUnique({ where: { uuid: vm.lastHostUuid } }) : null;
    const cluster = vm.clusterUuid ?? last?.clusterUuid;
    if (cluster && host.clusterUuid !== cluster) {
      throw PassthroughErrors.clusterMismatch(`the VM is in cluster ${cluster}; ${d.name} is on host ${host.name} of cluster ${host.clusterUuid}`);
    }
    // Volumes on local storage keep the VM on their host whatever its devices say.
    const local = await this.prisma.volume.findFirst({ where: { vmInstanceUuid: vm.uuid, hostUuid: { not: null }, status: { not: "Expunged" } } });
    if (local?.hostUuid && local.hostUuid !== d.hostUuid) {
      throw PassthroughErrors.hostMismatch("USB", `the VM's volume ${local.name} is on local storage of host ${local.hostUuid}; ${d.name} is on host ${d.hostUuid}`);
    }
  }

  /**
   * Detaches a device from its VM (APIDetachUsbDeviceFromVmMsg), hot-unplugging it when the VM runs.
   * @throws SYS.1003, SYS.1006 VM state, USB.NOT_ATTACHED (409).
   */
  async detach(caller: Caller, req: JobRequest, deviceUuid: string, vmUuid?: string): Promise<ApiReply> {
    const d = await this.get(caller, deviceUuid);
    if (!d.vmInstanceUuid || (vmUuid && vmUuid !== d.vmInstanceUuid)) throw PassthroughErrors.notAttached("USB", d.name);
    const vm = await vmForDeviceChange(this.prisma, caller, d.vmInstanceUuid, "Detaching a USB device from this VM");
    return this.jobs.submit(caller, req, USB_JOBS.detach, { deviceUuid, vmUuid: vm.uuid });
  }

  private async performAttach(deviceUuid: string, vmUuid: string) {
    const d = await this.prisma.usbDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } });
    const vm = await this.prisma.vmInstance.findUniqueOrThrow({ where: { uuid: vmUuid } });
    try {
      await hotplug(this.prisma, this.hosts, vm, "attach", { usb: [usbHostDevice(d)] });
    } catch (err) {
      await this.release(deviceUuid, vmUuid);
      throw err;
    }
    return { inventory: usbDeviceInventory(await this.prisma.usbDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } })) };
  }

  private async performDetach(deviceUuid: string, vmUuid: string) {
    const d = await this.prisma.usbDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } });
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid: vmUuid } });
    if (vm && d.vmInstanceUuid === vmUuid && d.status !== "Unavailable") await hotplug(this.prisma, this.hosts, vm, "detach", { usb: [usbHostDevice(d)] });
    await this.release(deviceUuid, vmUuid);
    return { inventory: usbDeviceInventory(await this.prisma.usbDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } })) };
  }

  /** Frees a device the VM holds: Ready again (an Unavailable one stays Unavailable). */
  async release(deviceUuid: string, vmUuid: string): Promise<void> {
    await this.prisma.usbDevice.updateMany({ where: { uuid: deviceUuid, vmInstanceUuid: vmUuid, status: "Attached" }, data: { status: "Ready", vmInstanceUuid: null, attachType: null } });
    await this.prisma.usbDevice.updateMany({ where: { uuid: deviceUuid, vmInstanceUuid: vmUuid }, data: { vmInstanceUuid: null, attachType: null } });
  }
}
