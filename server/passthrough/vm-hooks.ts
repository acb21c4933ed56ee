/**
 * How pass-through devices take part in a VM's life, through the hooks VmInstanceService
 * offers:
 * - placement (before a host is chosen, at create and start): GPUs named at creation with
 *   `pciDevice::<uuid>` system tags (ZStack's way) are claimed, then the host of the VM's
 *   devices is where the VM must run — with too little capacity there, the start fails with
 *   VM.NO_AVAILABLE_HOST naming that host and why;
 * - start options: `/vm/start` carries the devices as `hostDevices` (hostd writes `<hostdev>`);
 * - events: a VM destroyed (recycle bin) or deleted gives its devices back.
 */
import type { Logger } from "pino";
import type { PrismaClient, VmInstance } from "../../generated/prisma/client.ts";
import { Errors } from "../errors/catalogue.ts";
import type { ResourceEvent } from "../events/service.ts";
import type { PciDeviceService } from "../pci-devices/service.ts";
import type { UsbDeviceService } from "../usb-devices/service.ts";
import { hostsOfVmDevices, PCI_DEVICE_TYPE, pciHostDevice, usbHostDevice } from "./common.ts";
import { PassthroughErrors } from "./errors.ts";

const PCI_TAG = "pciDevice::";

/** The VM hooks of pass-through. */
export class PassthroughVmHooks {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pci: PciDeviceService,
    private readonly usb: UsbDeviceService,
    private readonly log: Logger,
  ) {}

  /**
   * Claims GPUs named by `pciDevice::<uuid>` system tags (the tags are consumed, so a GPU
   * detached later is not claimed again), then returns the host the VM's devices pin it to.
   * @throws SYS.1003 for a device the VM's owner cannot see, the PCI.* attach errors, and
   *   USB.HOSTS_DIFFER when devices ended up on two hosts.
   */
  async placement(vm: VmInstance): Promise<{ hostUuid: string; reason: string } | undefined> {
    const tags = await this.prisma.systemTag.findMany({ where: { resourceUuid: vm.uuid, tag: { startsWith: PCI_TAG } } });
    for (const t of tags) {
      const uuid = t.tag.slice(PCI_TAG.length);
      const d = await this.prisma.pciDevice.findUnique({ where: { uuid } });
      if (!d || !(await this.visibleTo(vm.accountUuid, d.uuid, d.accountUuid))) throw Errors.resourceNotFound("PciDevice", uuid);
      await this.pci.claim(d, vm.uuid, null, await hostsOfVmDevices(this.prisma, vm.uuid));
      await this.prisma.systemTag.delete({ where: { uuid: t.uuid } });
    }
    const hosts = await hostsOfVmDevices(this.prisma, vm.uuid);
    if (hosts.length > 1) throw PassthroughErrors.hostsDiffer(`VM ${vm.uuid} has devices on hosts ${hosts.join(", ")}`);
    return hosts[0] ? { hostUuid: hosts[0], reason: "its pass-through devices are there" } : undefined;
  }

  /**
   * `hostDevices` for /vm/start on the VM's host.
   * @throws PCI.DEVICE_UNAVAILABLE / USB.DEVICE_UNAVAILABLE for a device the host lost,
   *   *.HOST_MISMATCH when the VM was placed on another host than its devices.
   */
  async startOptions(vm: VmInstance): Promise<Record<string, unknown>> {
    const [pci, usb] = await Promise.all([
      this.prisma.pciDevice.findMany({ where: { vmInstanceUuid: vm.uuid }, orderBy: { pciDeviceAddress: "asc" } }),
      this.prisma.usbDevice.findMany({ where: { vmInstanceUuid: vm.uuid }, orderBy: [{ busNum: "asc" }, { devNum: "asc" }] }),
    ]);
    if (!pci.length && !usb.length) return {};
    for (const [kind, d] of [...pci.map((x) => ["PCI", x] as const), ...usb.map((x) => ["USB", x] as const)]) {
      if (d.status === "Unavailable") throw PassthroughErrors.startWithUnavailable(kind, d.name);
      if (vm.hostUuid && d.hostUuid !== vm.hostUuid) throw PassthroughErrors.hostMismatch(kind, `${d.name} is on host ${d.hostUuid}; the VM starts on ${vm.hostUuid}`);
    }
    return { hostDevices: { pci: pci.map(pciHostDevice), usb: usb.map(usbHostDevice) } };
  }

  /** Gives devices back when their VM is destroyed or deleted. */
  onEvent(e: ResourceEvent): void {
    if (e.resourceType !== "VmInstance") return;
    const gone = e.type === "ResourceDeleted" || (e.type === "ResourceStateChanged" && e.newState === "Destroyed");
    if (!gone) return;
    void this.releaseAll(e.resourceUuid).catch((err: unknown) => this.log.warn({ err, vm: e.resourceUuid }, "releasing pass-through devices failed"));
  }

  /** Detaches every device of a VM in the database (its domain is gone or going). */
  async releaseAll(vmUuid: string): Promise<void> {
    const [pci, usb] = await Promise.all([
      this.prisma.pciDevice.findMany({ where: { vmInstanceUuid: vmUuid }, select: { uuid: true } }),
      this.prisma.usbDevice.findMany({ where: { vmInstanceUuid: vmUuid }, select: { uuid: true } }),
    ]);
    for (const d of pci) await this.pci.release(d.uuid, vmUuid);
    for (const d of usb) await this.usb.release(d.uuid, vmUuid);
  }

  /** Whether the account may use the device: owns it, is an admin, or it is shared with it or public. */
  private async visibleTo(accountUuid: string, deviceUuid: string, ownerUuid: string): Promise<boolean> {
    if (accountUuid === ownerUuid) return true;
    const account = await this.prisma.account.findUnique({ where: { uuid: accountUuid }, select: { type: true } });
    if (account?.type === "SystemAdmin") return true;
    return (await this.prisma.sharedResource.count({
      where: { resourceType: PCI_DEVICE_TYPE, resourceUuid: deviceUuid, OR: [{ toPublic: true }, { receiverAccountUuid: accountUuid }] },
    })) > 0;
  }
}
