/**
 * libvirt XML for pass-through devices. Pure; used by domain-xml.ts (devices a VM starts with)
 * and hotplug.ts (`virsh attach-device` / `detach-device`).
 *
 * - PCI: `<hostdev mode='subsystem' type='pci' managed='yes'>` with the host address; managed
 *   lets libvirt unbind the function from its host driver and bind vfio-pci at start, and give
 *   it back at stop (ZStack's kvmagent does the same).
 * - USB: `<hostdev mode='subsystem' type='usb' managed='yes'>` naming vendor and product plus
 *   the host bus/device, which picks one of several identical devices.
 * - A VM started with USB devices gets one guest controller per USB generation — piix3-uhci
 *   (USB 1.1, bus 1), ehci (USB 2.0, bus 2), qemu-xhci (USB 3.0, bus 3) — and each device is
 *   plugged into its generation's bus. Their port counts are where the per-VM limits come from
 *   (see USB_PORTS).
 */
import type { HostDevices, PciHostDevice, UsbHostDevice } from "./types.ts";

const PCI_ADDRESS_RE = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;
const HEX4_RE = /^[0-9a-f]{4}$/i;

/** Guest USB ports per generation: the most devices of that generation one VM can take. */
export const USB_PORTS: Record<UsbHostDevice["usbVersion"], number> = { "1.1": 1, "2.0": 6, "3.0": 4 };

/** Guest controller per generation: libvirt model and controller index (= USB bus number). */
const USB_CONTROLLERS: Record<UsbHostDevice["usbVersion"], { index: number; model: string }> = {
  "1.1": { index: 1, model: "piix3-uhci" },
  "2.0": { index: 2, model: "ehci" },
  "3.0": { index: 3, model: "qemu-xhci" },
};

/**
 * `<hostdev>` for one PCI function, indented for `<devices>`.
 * @throws Error for an address that is not `dddd:bb:ss.f`.
 */
export function pciHostdevXml(dev: PciHostDevice, indent = "    "): string[] {
  const m = PCI_ADDRESS_RE.exec(dev.pciDeviceAddress);
  if (!m) throw new Error(`invalid PCI address: ${dev.pciDeviceAddress}`);
  return [
    `${indent}<hostdev mode='subsystem' type='pci' managed='yes'>`,
    `${indent}  <source>`,
    `${indent}    <address domain='0x${m[1]!.toLowerCase()}' bus='0x${m[2]!.toLowerCase()}' slot='0x${m[3]!.toLowerCase()}' function='0x${m[4]}'/>`,
    `${indent}  </source>`,
    `${indent}</hostdev>`,
  ];
}

/**
 * `<hostdev>` for one USB device. `guestPort` places it on its generation's controller (a VM
 * being defined); without it libvirt picks a free port (hot-plug).
 * @throws Error for ids that are not 4 hex digits or bus/device numbers that are not numbers.
 */
export function usbHostdevXml(dev: UsbHostDevice, guestPort?: number, indent = "    "): string[] {
  if (!HEX4_RE.test(dev.idVendor) || !HEX4_RE.test(dev.idProduct)) throw new Error(`invalid USB ids: ${dev.idVendor}:${dev.idProduct}`);
  if (!/^\d{1,3}$/.test(dev.busNum) || !/^\d{1,3}$/.test(dev.devNum)) throw new Error(`invalid USB bus/device: ${dev.busNum}/${dev.devNum}`);
  return [
    `${indent}<hostdev mode='subsystem' type='usb' managed='yes'>`,
    `${indent}  <source>`,
    `${indent}    <vendor id='0x${dev.idVendor.toLowerCase()}'/>`,
    `${indent}    <product id='0x${dev.idProduct.toLowerCase()}'/>`,
    `${indent}    <address bus='${Number(dev.busNum)}' device='${Number(dev.devNum)}'/>`,
    `${indent}  </source>`,
    ...(guestPort !== undefined
      ? [`${indent}  <address type='usb' bus='${USB_CONTROLLERS[dev.usbVersion].index}' port='${guestPort}'/>`]
      : []),
    `${indent}</hostdev>`,
  ];
}

/**
 * The `<devices>` lines for a VM's pass-through devices: USB controllers for the generations
 * used, then one `<hostdev>` per device.
 * @throws Error when more USB devices of one generation are given than USB_PORTS allows.
 */
export function hostDevicesXml(devices: HostDevices | undefined): string[] {
  const pci = devices?.pci ?? [];
  const usb = devices?.usb ?? [];
  const lines: string[] = [];
  const used = new Map<UsbHostDevice["usbVersion"], number>();
  const usbLines: string[] = [];
  for (const dev of usb) {
    const port = (used.get(dev.usbVersion) ?? 0) + 1;
    if (port > USB_PORTS[dev.usbVersion]) throw new Error(`too many USB ${dev.usbVersion} devices: at most ${USB_PORTS[dev.usbVersion]}`);
    used.set(dev.usbVersion, port);
    usbLines.push(...usbHostdevXml(dev, port));
  }
  for (const version of ["1.1", "2.0", "3.0"] as const) {
    if (!used.has(version)) continue;
    const c = USB_CONTROLLERS[version];
    const ports = version === "3.0" ? ` ports='${USB_PORTS["3.0"]}'` : "";
    lines.push(`    <controller type='usb' index='${c.index}' model='${c.model}'${ports}/>`);
  }
  for (const dev of pci) lines.push(...pciHostdevXml(dev));
  lines.push(...usbLines);
  return lines;
}

/** One `<hostdev>` element as found in `virsh dumpxml`. */
export type ParsedHostdev = { type: "pci"; pciDeviceAddress: string } | { type: "usb"; idVendor?: string; idProduct?: string; busNum?: string; devNum?: string };

/** The `<hostdev>` elements of a domain XML (from `virsh dumpxml`), in document order. */
export function parseHostdevs(domainXml: string): ParsedHostdev[] {
  const out: ParsedHostdev[] = [];
  for (const m of domainXml.matchAll(/<hostdev\b[^>]*type=['"](pci|usb)['"][^>]*>([\s\S]*?)<\/hostdev>/g)) {
    const source = /<source[^>]*>([\s\S]*?)<\/source>/.exec(m[2]!)?.[1] ?? "";
    const attr = (el: string, name: string) => new RegExp(`<${el}\\b[^>]*\\b${name}=['"]([^'"]+)['"]`).exec(source)?.[1];
    if (m[1] === "pci") {
      const h = (name: string, width: number) => (attr("address", name) ?? "0").replace(/^0x/, "").padStart(width, "0");
      out.push({ type: "pci", pciDeviceAddress: `${h("domain", 4)}:${h("bus", 2)}:${h("slot", 2)}.${h("function", 1)}` });
    } else {
      out.push({
        type: "usb", idVendor: attr("vendor", "id")?.replace(/^0x/, ""), idProduct: attr("product", "id")?.replace(/^0x/, ""),
        busNum: attr("address", "bus"), devNum: attr("address", "device"),
      });
    }
  }
  return out;
}
