/**
 * Pass-through on one host: device discovery, the IOMMU boot setting, and hot-plug of devices
 * into running VMs. Rules about who may have which device live on the management node; this
 * service only reports and does.
 */
import type { Logger } from "pino";
import type { HypervisorDriver } from "../drivers/types.ts";
import type { ParsedHostdev } from "./hostdev-xml.ts";
import type { HostdevHotplug } from "./hotplug.ts";
import { IommuConfigurator, type IommuConfigResult } from "./iommu-config.ts";
import { SysfsDeviceScanner } from "./sysfs.ts";
import type { DeviceScan, HostDevices } from "./types.ts";

/** Where a host's device information comes from. */
export interface DeviceServiceOptions {
  /**
   * Root of the sysfs/procfs tree to scan and of the GRUB defaults file to edit: "/" on a real
   * host, a recorded tree (tests/fixtures/sysfs/<name>) for tests and simulated hosts.
   * Undefined: the host has no devices to offer (a sim host without a tree).
   */
  root?: string;
}

/** Device commands of one hostd. */
export class DeviceService {
  private readonly scanner?: SysfsDeviceScanner;
  private readonly iommuConfig?: IommuConfigurator;

  constructor(
    private readonly driver: HypervisorDriver,
    private readonly hotplug: HostdevHotplug,
    options: DeviceServiceOptions,
    private readonly log: Logger,
  ) {
    if (options.root !== undefined) {
      this.scanner = new SysfsDeviceScanner({ root: options.root });
      this.iommuConfig = new IommuConfigurator({ root: options.root });
    }
  }

  /** PCI and USB devices and the IOMMU state, read fresh from the tree. */
  async scan(): Promise<DeviceScan> {
    if (!this.scanner) return { pciDevices: [], usbDevices: [], iommu: { enabled: false, ready: false } };
    return this.scanner.scan();
  }

  /**
   * Writes the IOMMU kernel arguments for the next boot (enabled) or removes them.
   * @throws Error when the host has no device tree or no way to change its boot configuration.
   */
  async setIommu(enabled: boolean): Promise<IommuConfigResult> {
    if (!this.scanner || !this.iommuConfig) throw new Error("this host has no device tree to configure (simulated host without one)");
    const running = await this.scanner.iommu();
    const result = await this.iommuConfig.set(enabled, running.enabled);
    this.log.info({ enabled, ...result }, "IOMMU boot setting changed");
    return result;
  }

  /** Hot-plugs devices into a running or paused VM; `attached: false` when it is not running (its next start carries them). */
  async attach(vmInstanceUuid: string, devices: HostDevices): Promise<{ attached: boolean }> {
    if (!(await this.active(vmInstanceUuid))) return { attached: false };
    await this.hotplug.attach(vmInstanceUuid, devices);
    return { attached: true };
  }

  /** Hot-unplugs devices from a running or paused VM; `detached: false` when it is not running. */
  async detach(vmInstanceUuid: string, devices: HostDevices): Promise<{ detached: boolean }> {
    if (!(await this.active(vmInstanceUuid))) return { detached: false };
    await this.hotplug.detach(vmInstanceUuid, devices);
    return { detached: true };
  }

  /** The `<hostdev>` devices the domain has (empty when the domain is not defined). */
  async list(vmInstanceUuid: string): Promise<{ hostDevices: ParsedHostdev[] }> {
    if ((await this.driver.domainState(vmInstanceUuid)) === undefined) return { hostDevices: [] };
    return { hostDevices: await this.hotplug.list(vmInstanceUuid) };
  }

  private async active(name: string): Promise<boolean> {
    const state = await this.driver.domainState(name);
    return state === "Running" || state === "Paused";
  }
}
