import type { TagService } from "../tags/service.ts";
import type { PciDevice, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { JobService } from "../jobs/service.ts";
import {
  assertAttachable, deviceScope, hostsOfVmDevices, hotplug, PCI_DEVICE_TYPE, pciHostDevice, vmForDeviceChange,
} from "../passthrough/common.ts";
import { PassthroughErrors } from "../passthrough/errors.ts";
import { queryReply } from "../query/run.ts";
import type { RevokeResourceSharingInput, ShareResourceInput } from "../sharing/schema.ts";
import type { SharingService } from "../sharing/service.ts";
import { pciDeviceQuerySpec, type UpdatePciDeviceInput } from "./schema.ts";

/** Job type names of the PCI device APIs. */
export const PCI_JOBS = { attach: "AttachPciDeviceToVm", detach: "DetachPciDeviceFromVm" } as const;

/** ZStack PciDeviceInventory as sent on the wire. */
export function pciDeviceInventory(d: PciDevice) {
  return {
    uuid: d.uuid, name: d.name, description: d.description, hostUuid: d.hostUuid, vmInstanceUuid: d.vmInstanceUuid,
    type: d.type, state: d.state as "Enabled" | "Disabled", status: d.status as "Ready" | "Attached" | "Unavailable",
    pciDeviceAddress: d.pciDeviceAddress, classCode: d.classCode, vendorId: d.vendorId, deviceId: d.deviceId,
    subvendorId: d.subvendorId, subdeviceId: d.subdeviceId, rev: d.rev, vendor: d.vendor, device: d.device,
    iommuGroup: d.iommuGroup, driver: d.driver, numaNode: d.numaNode, accountUuid: d.accountUuid,
    createDate: d.createDate.toISOString(), lastOpDate: d.lastOpDate.toISOString(),
  };
}

/**
 * PCI devices of hosts (ZStack PciDeviceManager): listing, renaming, enabling/disabling,
 * sharing with every normal account (全局共享) and recalling it (全局召回), deleting devices a
 * host lost, and giving GPUs to VMs. Rows come from hostd scans (passthrough/device-sync.ts).
 *
 * Attach rules (each a 409 with its own code): the device is Enabled and Ready, attached to no
 * other VM (exclusive), on the VM's host, and that host's IOMMU is switched on and active. A VM
 * may take several GPUs, of different kinds. Attaching reserves the device at once (a
 * conditional update, so two callers cannot both get it) and hot-plugs it in a job when the
 * VM runs; a stopped VM gets it at its next start, on the device's host.
 */
export class PciDeviceService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly jobs: JobService,
    private readonly hosts: HostService,
    private readonly sharing: SharingService,
    private readonly tags: TagService,
  ) {
    jobs.register<{ deviceUuid: string; vmUuid: string }>({
      name: PCI_JOBS.attach, resumable: false,
      perform: (i) => this.performAttach(i.deviceUuid, i.vmUuid),
    });
    jobs.register<{ deviceUuid: string; vmUuid: string }>({
      name: PCI_JOBS.detach, resumable: true,
      perform: (i) => this.performDetach(i.deviceUuid, i.vmUuid),
    });
  }

  /** The device if the caller can see it (own, shared, public). @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<PciDevice> {
    const scope = await deviceScope(this.sharing, caller, PCI_DEVICE_TYPE);
    const d = await this.prisma.pciDevice.findFirst({ where: { AND: [{ uuid }, scope] } });
    if (!d) throw Errors.resourceNotFound("PciDevice", uuid);
    return d;
  }

  /** Queries devices (APIQueryPciDeviceMsg); `q=hostUuid=` per host, `q=host.clusterUuid=` per cluster. */
  async query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: pciDeviceQuerySpec, delegate: this.prisma.pciDevice as never, caller, raw,
      scope: await deviceScope(this.sharing, caller, PCI_DEVICE_TYPE), toInventory: pciDeviceInventory, csvName: "pci-devices",
    });
  }

  /** Renames, describes, enables or disables a device (APIUpdatePciDeviceMsg). Disabling keeps an attached device attached. */
  async update(caller: Caller, uuid: string, p: UpdatePciDeviceInput) {
    const d = await this.get(caller, uuid);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.pciDevice.update({ where: { uuid }, data: { name: p.name, description: p.description, state: p.state } });
      if (p.state && p.state !== d.state) {
        await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: PCI_DEVICE_TYPE, oldState: d.state, newState: p.state, accountUuid: d.accountUuid });
      }
      return r;
    });
    return pciDeviceInventory(row);
  }

  /** Shares the device (全局共享: `toPublic`) or with accounts (APIShareResourceMsg). @throws SYS.1003, ID.1002. */
  async share(caller: Caller, uuid: string, input: ShareResourceInput) {
    const d = await this.get(caller, uuid);
    await this.sharing.share(caller, { resourceType: PCI_DEVICE_TYPE, uuid, accountUuid: d.accountUuid }, input);
    return pciDeviceInventory(d);
  }

  /** Withdraws sharing (全局召回: `all`); VMs that have the device keep it until detached. @throws SYS.1003, ID.1002. */
  async revokeSharing(caller: Caller, uuid: string, input: RevokeResourceSharingInput) {
    const d = await this.get(caller, uuid);
    await this.sharing.revoke(caller, { resourceType: PCI_DEVICE_TYPE, uuid, accountUuid: d.accountUuid }, input);
    return pciDeviceInventory(d);
  }

  /**
   * Deletes a device the host no longer has (APIDeletePciDeviceMsg).
   * @throws PCI.DELETE_REFUSED (409) unless it is Unavailable.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const d = await this.get(caller, uuid);
    if (d.status !== "Unavailable") throw PassthroughErrors.deleteRefused("PCI", d.name, d.status);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.pciDevice.delete({ where: { uuid } });
      await this.sharing.removeAll(tx, uuid);
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: PCI_DEVICE_TYPE, oldState: d.status, accountUuid: d.accountUuid });
    });
  }

  /**
   * Attaches a device to a VM (APIAttachPciDeviceToVmMsg): checks the rules, reserves the
   * device, then hot-plugs it in a job when the VM runs.
   * @throws SYS.1003 device/VM, SYS.1006 VM state, PCI.DEVICE_DISABLED, PCI.DEVICE_UNAVAILABLE,
   *   PCI.DEVICE_IN_USE, PCI.HOST_MISMATCH, PCI.IOMMU_DISABLED, PCI.IOMMU_NOT_READY (all 409).
   */
  async attach(caller: Caller, req: JobRequest, deviceUuid: string, vmUuid: string): Promise<ApiReply> {
    const d = await this.get(caller, deviceUuid);
    const vm = await vmForDeviceChange(this.prisma, caller, vmUuid, "Attaching a PCI device to this VM");
    const deviceHosts = await hostsOfVmDevices(this.prisma, vm.uuid);
    // A running VM is where it runs; a stopped one where its other devices are, else where it last ran.
    const running = vm.state === "Running" || vm.state === "Paused";
    await this.claim(d, vm.uuid, running ? vm.hostUuid : (deviceHosts[0] ?? vm.lastHostUuid), deviceHosts);
    return this.jobs.submit(caller, req, PCI_JOBS.attach, { deviceUuid, vmUuid });
  }

  /**
   * Checks the attach rules and reserves `d` for the VM (status Attached) in one conditional
   * update. Also used for GPUs named at VM creation (`pciDevice::<uuid>` system tags).
   * @param currentHost the host the VM is tied to now (runs on, its devices' host, or last ran on; null: never placed).
   * @param deviceHosts the hosts of the VM's other devices.
   */
  async claim(d: PciDevice, vmUuid: string, currentHost: string | null, deviceHosts: string[]): Promise<void> {
    if (d.vmInstanceUuid === vmUuid) return;
    assertAttachable("PCI", d);
    const pinned = currentHost ?? deviceHosts[0];
    if (pinned && pinned !== d.hostUuid) {
      throw PassthroughErrors.hostMismatch("PCI", `device ${d.name} is on host ${d.hostUuid}; the VM is on host ${pinned}`);
    }
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: d.hostUuid } });
    if (host.iommuEnabled !== true) throw PassthroughErrors.iommuDisabled(host.name);
    if (!host.iommuReady) throw PassthroughErrors.iommuNotReady(host.name);
    const n = await this.prisma.pciDevice.updateMany({
      where: { uuid: d.uuid, state: "Enabled", status: "Ready", vmInstanceUuid: null },
      data: { status: "Attached", vmInstanceUuid: vmUuid },
    });
    if (n.count === 0) {
      // Someone else got it (or changed it) between our read and the update.
      assertAttachable("PCI", await this.prisma.pciDevice.findUniqueOrThrow({ where: { uuid: d.uuid } }));
      throw PassthroughErrors.deviceInUse("PCI", d.name, "(changed meanwhile)");
    }
  }

  /**
   * Detaches a device from its VM (APIDetachPciDeviceFromVmMsg), hot-unplugging it when the VM
   * runs, as a job.
   * @throws SYS.1003, SYS.1006 VM state, PCI.NOT_ATTACHED (409).
   */
  async detach(caller: Caller, req: JobRequest, deviceUuid: string, vmUuid?: string): Promise<ApiReply> {
    const d = await this.get(caller, deviceUuid);
    if (!d.vmInstanceUuid || (vmUuid && vmUuid !== d.vmInstanceUuid)) throw PassthroughErrors.notAttached("PCI", d.name);
    const vm = await vmForDeviceChange(this.prisma, caller, d.vmInstanceUuid, "Detaching a PCI device from this VM");
    return this.jobs.submit(caller, req, PCI_JOBS.detach, { deviceUuid, vmUuid: vm.uuid });
  }

  private async performAttach(deviceUuid: string, vmUuid: string) {
    const d = await this.prisma.pciDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } });
    const vm = await this.prisma.vmInstance.findUniqueOrThrow({ where: { uuid: vmUuid } });
    try {
      await hotplug(this.prisma, this.hosts, vm, "attach", { pci: [pciHostDevice(d)] });
    } catch (err) {
      await this.release(deviceUuid, vmUuid);
      throw err;
    }
    return { inventory: pciDeviceInventory(await this.prisma.pciDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } })) };
  }

  private async performDetach(deviceUuid: string, vmUuid: string) {
    const d = await this.prisma.pciDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } });
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid: vmUuid } });
    // A device the host lost has nothing to unplug.
    if (vm && d.vmInstanceUuid === vmUuid && d.status !== "Unavailable") await hotplug(this.prisma, this.hosts, vm, "detach", { pci: [pciHostDevice(d)] });
    await this.release(deviceUuid, vmUuid);
    return { inventory: pciDeviceInventory(await this.prisma.pciDevice.findUniqueOrThrow({ where: { uuid: deviceUuid } })) };
  }

  /** Frees a device the VM holds: Ready again (an Unavailable one stays Unavailable). */
  async release(deviceUuid: string, vmUuid: string): Promise<void> {
    await this.prisma.pciDevice.updateMany({ where: { uuid: deviceUuid, vmInstanceUuid: vmUuid, status: "Attached" }, data: { status: "Ready", vmInstanceUuid: null } });
    await this.prisma.pciDevice.updateMany({ where: { uuid: deviceUuid, vmInstanceUuid: vmUuid }, data: { vmInstanceUuid: null } });
  }
}
