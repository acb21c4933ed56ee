/**
 * GPU and USB pass-through (issue 8), wired into a management node: device rows follow hostd
 * scans on every host (re)connect, PCI/USB device and host IOMMU APIs, and the VM hooks that
 * pin a VM to its devices' host and hand the devices to /vm/start.
 *
 * Simulated hosts get devices from a recorded sysfs tree: `<dataDir>/simulators/<host uuid>/device-root`
 * when it exists, else SimulatorAgentInstaller.defaultDeviceRoot (see server/hosts/agents.ts).
 */
import type { TagService } from "../tags/service.ts";
import type { Logger } from "pino";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { EventBus } from "../events/service.ts";
import type { Api } from "../http/api.ts";
import type { HostService } from "../hosts/service.ts";
import type { JobService } from "../jobs/service.ts";
import { registerPciDeviceRoutes } from "../pci-devices/routes.ts";
import { PciDeviceService } from "../pci-devices/service.ts";
import type { ResourceRegistry } from "../resources/registry.ts";
import type { SharingService } from "../sharing/service.ts";
import { registerUsbDeviceRoutes } from "../usb-devices/routes.ts";
import { UsbDeviceService } from "../usb-devices/service.ts";
import type { VmInstanceService } from "../vm-instances/service.ts";
import { PCI_DEVICE_TYPE, USB_DEVICE_TYPE } from "./common.ts";
import { HostDeviceSync } from "./device-sync.ts";
import { registerHostIommuRoutes } from "./iommu-routes.ts";
import { HostIommuService } from "./iommu.ts";
import { PassthroughVmHooks } from "./vm-hooks.ts";

/** What the module needs from the node. */
export interface PassthroughDeps {
  prisma: PrismaClient;
  events: EventBus;
  jobs: JobService;
  hosts: HostService;
  vmInstances: VmInstanceService;
  sharing: SharingService;
  tags: TagService;
  resources: ResourceRegistry;
  log: Logger;
}

/** The pass-through module of a node. */
export interface PassthroughModule {
  pci: PciDeviceService;
  usb: UsbDeviceService;
  iommu: HostIommuService;
  sync: HostDeviceSync;
  vmHooks: PassthroughVmHooks;
  registerRoutes(api: Api): void;
}

/** Builds the module and hooks it into hosts, VMs and events. Call before jobs are recovered. */
export function createPassthroughModule(d: PassthroughDeps): PassthroughModule {
  const pci = new PciDeviceService(d.prisma, d.events, d.jobs, d.hosts, d.sharing, d.tags);
  const usb = new UsbDeviceService(d.prisma, d.events, d.jobs, d.hosts, d.sharing, d.tags);
  const iommu = new HostIommuService(d.prisma, d.hosts);
  const sync = new HostDeviceSync(d.prisma, d.hosts, d.log.child({ module: "passthrough" }));
  const vmHooks = new PassthroughVmHooks(d.prisma, pci, usb, d.log.child({ module: "passthrough" }));
  d.hosts.connectHooks.push(async (hostUuid) => void (await sync.rescan(hostUuid)));
  d.vmInstances.placementHooks.push((vm) => vmHooks.placement(vm));
  d.vmInstances.startOptionProviders.push((vm) => vmHooks.startOptions(vm));
  d.events.subscribe((e) => vmHooks.onEvent(e));
  d.events.subscribe((e) => {
    if (e.resourceType !== "Host" || e.type !== "ResourceDeleted") return;
    void sync.forgetGoneDevices().catch((err: unknown) => d.log.warn({ err }, "forgetting sharing of a deleted host's devices failed"));
  });
  d.resources.register(PCI_DEVICE_TYPE, (uuid) => d.prisma.pciDevice.findUnique({ where: { uuid }, select: { accountUuid: true } }));
  d.resources.register(USB_DEVICE_TYPE, (uuid) => d.prisma.usbDevice.findUnique({ where: { uuid }, select: { accountUuid: true } }));
  return {
    pci, usb, iommu, sync, vmHooks,
    registerRoutes(api) {
      registerPciDeviceRoutes(api, pci);
      registerUsbDeviceRoutes(api, usb);
      registerHostIommuRoutes(api, iommu);
    },
  };
}
