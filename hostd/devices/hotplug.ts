/**
 * Hot-plugging pass-through devices into running domains, per driver: `virsh attach-device
 * --live` / `detach-device --live` for real libvirt, the domain spec for the sim driver. Only
 * running or paused domains are touched — a stopped VM gets its devices in the spec of its
 * next /vm/start.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecError, run } from "../drivers/exec.ts";
import type { SimDriver } from "../drivers/sim.ts";
import { DriverError } from "../drivers/types.ts";
import { parseHostdevs, pciHostdevXml, usbHostdevXml, type ParsedHostdev } from "./hostdev-xml.ts";
import type { HostDevices, UsbHostDevice } from "./types.ts";

/** Live attach/detach of pass-through devices. Rejects with DriverError. */
export interface HostdevHotplug {
  attach(domain: string, devices: HostDevices): Promise<void>;
  /** Absent devices are not an error. */
  detach(domain: string, devices: HostDevices): Promise<void>;
  /** The `<hostdev>` elements the domain has now (live for an active domain). */
  list(domain: string): Promise<ParsedHostdev[]>;
}

/** libvirt through virsh. */
export class VirshHostdevHotplug implements HostdevHotplug {
  constructor(private readonly uri = "qemu:///system", private readonly detachTimeoutMs = 10_000) {}

  async attach(domain: string, devices: HostDevices): Promise<void> {
    for (const xml of elements(devices)) await this.withXml(xml, (file) => this.virsh(["attach-device", domain, file, "--live"]));
  }

  async detach(domain: string, devices: HostDevices): Promise<void> {
    const present = await this.list(domain);
    for (const [xml, dev] of elements(devices).map((x, i) => [x, flat(devices)[i]!] as const)) {
      if (!present.some((p) => sameDevice(p, dev))) continue;
      await this.withXml(xml, (file) => this.virsh(["detach-device", domain, file, "--live"]));
    }
    // A PCI unplug completes when the guest acknowledges it (ACPI hot-unplug), as for NICs.
    for (let waited = 0; waited < this.detachTimeoutMs; waited += 250) {
      const now = await this.list(domain);
      if (!flat(devices).some((d) => now.some((p) => sameDevice(p, d)))) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new DriverError(`the guest did not release its pass-through device(s) within ${this.detachTimeoutMs / 1000} s; ` +
      "it needs ACPI PCI hot-unplug support, or stop the VM and detach", "DETACH_TIMEOUT");
  }

  async list(domain: string): Promise<ParsedHostdev[]> {
    return parseHostdevs((await this.virsh(["dumpxml", domain])).stdout);
  }

  private async withXml(xml: string, fn: (file: string) => Promise<unknown>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "hostd-hostdev-"));
    try {
      await writeFile(join(dir, "hostdev.xml"), xml);
      await fn(join(dir, "hostdev.xml"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async virsh(args: string[]) {
    try {
      return await run("virsh", ["-c", this.uri, ...args]);
    } catch (err) {
      if (err instanceof ExecError && /failed to get domain|Domain not found/i.test(err.stderr)) throw new DriverError(err.message, "DOMAIN_NOT_FOUND");
      throw new DriverError(err instanceof Error ? err.message : String(err));
    }
  }
}

/** The sim driver: the domain's spec is its live definition. */
export class SimHostdevHotplug implements HostdevHotplug {
  constructor(private readonly sim: SimDriver) {}

  async attach(domain: string, devices: HostDevices): Promise<void> {
    this.sim.patchDomainSpec(domain, (spec) => ({
      ...spec,
      hostDevices: {
        pci: [...(spec.hostDevices?.pci ?? []), ...(devices.pci ?? [])],
        usb: [...(spec.hostDevices?.usb ?? []), ...(devices.usb ?? [])],
      },
    }));
  }

  async detach(domain: string, devices: HostDevices): Promise<void> {
    const gone = flat(devices);
    this.sim.patchDomainSpec(domain, (spec) => ({
      ...spec,
      hostDevices: {
        pci: (spec.hostDevices?.pci ?? []).filter((p) => !gone.some((g) => "pciDeviceAddress" in g && g.pciDeviceAddress === p.pciDeviceAddress)),
        usb: (spec.hostDevices?.usb ?? []).filter((u) => !gone.some((g) => "busNum" in g && sameUsb(g, u))),
      },
    }));
  }

  async list(domain: string): Promise<ParsedHostdev[]> {
    const spec = this.sim.domainSpec(domain);
    if (!spec) throw new DriverError(`domain ${domain} not found`, "DOMAIN_NOT_FOUND");
    return [
      ...(spec.hostDevices?.pci ?? []).map((p) => ({ type: "pci" as const, pciDeviceAddress: p.pciDeviceAddress })),
      ...(spec.hostDevices?.usb ?? []).map((u) => ({
        type: "usb" as const, idVendor: u.idVendor, idProduct: u.idProduct, busNum: String(Number(u.busNum)), devNum: String(Number(u.devNum)),
      })),
    ];
  }
}

type AnyDevice = { pciDeviceAddress: string } | UsbHostDevice;

function flat(devices: HostDevices): AnyDevice[] {
  return [...(devices.pci ?? []), ...(devices.usb ?? [])];
}

function elements(devices: HostDevices): string[] {
  return [
    ...(devices.pci ?? []).map((d) => pciHostdevXml(d, "").join("\n")),
    ...(devices.usb ?? []).map((d) => usbHostdevXml(d, undefined, "").join("\n")),
  ];
}

function sameUsb(a: UsbHostDevice, b: UsbHostDevice): boolean {
  return Number(a.busNum) === Number(b.busNum) && Number(a.devNum) === Number(b.devNum);
}

function sameDevice(p: ParsedHostdev, d: AnyDevice): boolean {
  if (p.type === "pci") return "pciDeviceAddress" in d && d.pciDeviceAddress.toLowerCase() === p.pciDeviceAddress.toLowerCase();
  return "busNum" in d && Number(p.busNum) === Number(d.busNum) && Number(p.devNum) === Number(d.devNum);
}
