/**
 * Finds the host's PCI and USB devices and its IOMMU state by reading sysfs and procfs under a
 * configurable root ("/" on a real host; a recorded tree such as tests/fixtures/sysfs/gpu-host
 * in tests and on simulated hosts). Reads files only — no lspci/lsusb — so a recorded tree
 * behaves exactly like the real one.
 *
 * Paths below the root:
 * - `sys/bus/pci/devices/<addr>/{class,vendor,device,subsystem_vendor,subsystem_device,revision,numa_node}`,
 *   symlinks `iommu_group` and `driver`;
 * - `sys/bus/usb/devices/<name>/{busnum,devnum,idVendor,idProduct,manufacturer,product,serial,version,speed,bDeviceClass}`;
 * - `sys/kernel/iommu_groups/*` (present = IOMMU active) and `proc/cmdline` (asks for it);
 * - the PCI ID database at `usr/share/misc/pci.ids`, `usr/share/hwdata/pci.ids` or `pci.ids`.
 */
import { readFile, readdir, readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { iommuEnabledOnCmdline } from "../parsers/proc.ts";
import { lookupPciNames, parsePciIds, type PciIdDatabase } from "./pci-ids.ts";
import type { DeviceScan, IommuState, PciDeviceType, ScannedPciDevice, ScannedUsbDevice } from "./types.ts";

/** Where the scanner looks. */
export interface DeviceScanPaths {
  /** Root the sysfs/procfs paths are taken under; "/" on a real host. */
  root: string;
  /** Kernel command line file; default `<root>/proc/cmdline`. */
  cmdlinePath?: string;
  /** PCI ID database; default: the first of the usual places under the root that exists. */
  pciIdsPath?: string;
}

const PCI_IDS_CANDIDATES = ["usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids", "pci.ids"];
const GPU_CLASSES = new Set(["0300", "0302"]);

/**
 * ZStack's PciDeviceType for a class code (4 hex digits). Functions that sit in the same slot
 * as a GPU (its HDMI audio, USB-C or UCSI serial functions) get the GPU_* variant: they have
 * to travel with the GPU, which lives in the same IOMMU group.
 */
export function pciDeviceType(classCode: string, besideGpu = false): PciDeviceType {
  const cls = classCode.toLowerCase();
  if (cls === "0300") return "GPU_Video_Controller";
  if (cls === "0302") return "GPU_3D_Controller";
  if (cls === "0403" || cls === "0401") return besideGpu ? "GPU_Audio_Controller" : "Audio_Controller";
  if (cls === "0c03") return besideGpu ? "GPU_USB_Controller" : "USB_Controller";
  if (cls === "0c80" || cls.startsWith("07")) return besideGpu ? "GPU_Serial_Controller" : "Serial_Controller";
  if (cls === "0200") return "Ethernet_Controller";
  if (cls === "0104") return "RAID_Controller";
  if (cls === "0106") return "SATA_Controller";
  if (cls === "0108") return "Non_Volatile_Memory_Controller";
  if (cls === "0c04") return "Fibre_Channel";
  if (cls.startsWith("05")) return "Memory_Controller";
  if (cls.startsWith("08")) return "System_Peripheral";
  if (cls === "0600") return "Host_Bridge";
  if (cls === "0601") return "ISA_Bridge";
  if (cls === "0604") return "PCI_Bridge";
  return "Generic";
}

/** Reads one host's devices; create one per root, scan() as often as needed (nothing is cached but pci.ids). */
export class SysfsDeviceScanner {
  private pciIds?: Promise<PciIdDatabase | undefined>;

  constructor(private readonly paths: DeviceScanPaths) {}

  /** PCI devices, USB devices and IOMMU state, each sorted by address. */
  async scan(): Promise<DeviceScan> {
    const [pciDevices, usbDevices, iommu] = await Promise.all([this.scanPci(), this.scanUsb(), this.iommu()]);
    return { pciDevices, usbDevices, iommu };
  }

  /** IOMMU asked for on the kernel command line (enabled) and active (ready). */
  async iommu(): Promise<IommuState> {
    const cmdline = await readText(this.paths.cmdlinePath ?? join(this.paths.root, "proc/cmdline"));
    const groups = await readdir(join(this.paths.root, "sys/kernel/iommu_groups")).catch(() => [] as string[]);
    return { enabled: iommuEnabledOnCmdline(cmdline ?? ""), ready: groups.length > 0 };
  }

  /** Every PCI function, typed and named. */
  async scanPci(): Promise<ScannedPciDevice[]> {
    const dir = join(this.paths.root, "sys/bus/pci/devices");
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(n)).sort();
    const db = await this.loadPciIds();
    const raw = await Promise.all(names.map(async (addr) => {
      const d = join(dir, addr);
      const [cls, vendor, device, subv, subd, rev, numa, group, driver] = await Promise.all([
        readText(join(d, "class")), readText(join(d, "vendor")), readText(join(d, "device")),
        readText(join(d, "subsystem_vendor")), readText(join(d, "subsystem_device")), readText(join(d, "revision")),
        readText(join(d, "numa_node")), linkName(join(d, "iommu_group")), linkName(join(d, "driver")),
      ]);
      return { addr, cls: hex(cls, 6), vendor: hex(vendor, 4), device: hex(device, 4), subv: hex(subv, 4), subd: hex(subd, 4), rev: hex(rev, 2), numa, group, driver };
    }));
    // A slot (domain:bus:slot) holding a GPU: its other functions are the GPU's companions.
    const gpuSlots = new Set(raw.filter((r) => r.cls && GPU_CLASSES.has(r.cls.slice(0, 4))).map((r) => r.addr.slice(0, -2)));
    const out: ScannedPciDevice[] = [];
    for (const r of raw) {
      if (!r.cls || !r.vendor || !r.device) continue; // not a readable function (partial tree)
      const classCode = r.cls.slice(0, 4);
      const ids = { vendorId: r.vendor, deviceId: r.device, subvendorId: r.subv, subdeviceId: r.subd };
      const names = lookupPciNames(db, ids);
      const numa = r.numa !== undefined && /^\d+$/.test(r.numa.trim()) ? Number(r.numa.trim()) : undefined;
      out.push({
        pciDeviceAddress: r.addr.toLowerCase(), classCode, type: pciDeviceType(classCode, gpuSlots.has(r.addr.slice(0, -2))),
        ...ids, rev: r.rev, vendor: names.vendor, device: names.device, iommuGroup: r.group, driver: r.driver, numaNode: numa,
      });
    }
    return out;
  }

  /** USB devices other than hubs (root hubs and external ones); interfaces are not devices. */
  async scanUsb(): Promise<ScannedUsbDevice[]> {
    const dir = join(this.paths.root, "sys/bus/usb/devices");
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.includes(":")).sort();
    const out: ScannedUsbDevice[] = [];
    for (const name of names) {
      const d = join(dir, name);
      const [busnum, devnum, idVendor, idProduct, manufacturer, product, serial, version, speed, devClass] = await Promise.all(
        ["busnum", "devnum", "idVendor", "idProduct", "manufacturer", "product", "serial", "version", "speed", "bDeviceClass"]
          .map((f) => readText(join(d, f)).then((v) => v?.trim())),
      );
      if (!busnum || !devnum || !idVendor || !idProduct) continue;
      if (devClass === "09" || name.startsWith("usb")) continue; // hubs cannot be passed through usefully
      out.push({
        sysfsName: name, busNum: busnum.padStart(3, "0"), devNum: devnum.padStart(3, "0"),
        idVendor: idVendor.toLowerCase(), idProduct: idProduct.toLowerCase(),
        iManufacturer: manufacturer || undefined, iProduct: product || undefined, iSerial: serial || undefined,
        usbVersion: usbGeneration(version), speed: speed || undefined,
      });
    }
    return out;
  }

  private loadPciIds(): Promise<PciIdDatabase | undefined> {
    this.pciIds ??= (async () => {
      const candidates = this.paths.pciIdsPath ? [this.paths.pciIdsPath] : PCI_IDS_CANDIDATES.map((p) => join(this.paths.root, p));
      for (const path of candidates) {
        const text = await readText(path);
        if (text !== undefined) return parsePciIds(text);
      }
      return undefined;
    })();
    return this.pciIds;
  }
}

/**
 * "1.10" → "1.1", "2.00"/"2.10" → "2.0", "3.00".."3.20" → "3.0" (bcdUSB of the device). An
 * unreadable version counts as 2.0, the most common and the most permissive limit.
 */
export function usbGeneration(version: string | undefined): "1.1" | "2.0" | "3.0" {
  const major = Number.parseInt(version?.trim() ?? "", 10);
  if (major === 1) return "1.1";
  if (major >= 3) return "3.0";
  return "2.0";
}

/** "0x10de\n" → "10de" padded to `width`; undefined when absent or not hex. */
function hex(value: string | undefined, width: number): string | undefined {
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(value?.trim() ?? "");
  return m ? m[1]!.toLowerCase().padStart(width, "0").slice(-width) : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The last path element a symlink points to ("../../kernel/iommu_groups/13" → "13"). */
async function linkName(path: string): Promise<string | undefined> {
  try {
    return basename(await readlink(path));
  } catch {
    return undefined;
  }
}
