/**
 * The PCI ID database (`pci.ids`, https://pci-ids.ucw.cz/ — what lspci names devices from).
 * Pure parsing; sysfs.ts finds and reads the file.
 *
 * Format: a vendor line `vvvv  Vendor name`, under it device lines `\tdddd  Device name`, under
 * those subsystem lines `\t\tsvsv sdsd  Subsystem name`; `#` comments; the class list at the
 * end starts with lines `C xx  Class name` and is not needed here.
 */

/** Names looked up by lowercase hex ids. */
export interface PciIdDatabase {
  vendors: Map<string, string>;
  /** Key `vendor:device`. */
  devices: Map<string, string>;
  /** Key `vendor:device:subvendor:subdevice`. */
  subsystems: Map<string, string>;
}

/** Parses pci.ids text. Unknown or malformed lines are skipped, never fatal. */
export function parsePciIds(text: string): PciIdDatabase {
  const db: PciIdDatabase = { vendors: new Map(), devices: new Map(), subsystems: new Map() };
  let vendor: string | undefined;
  let device: string | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    // The class section comes last; nothing after it is a vendor.
    if (line.startsWith("C ")) break;
    let m: RegExpExecArray | null;
    if ((m = /^([0-9a-f]{4})\s+(.+)$/i.exec(line))) {
      vendor = m[1]!.toLowerCase();
      device = undefined;
      db.vendors.set(vendor, m[2]!.trim());
    } else if (vendor && (m = /^\t([0-9a-f]{4})\s+(.+)$/i.exec(line))) {
      device = m[1]!.toLowerCase();
      db.devices.set(`${vendor}:${device}`, m[2]!.trim());
    } else if (vendor && device && (m = /^\t\t([0-9a-f]{4}) ([0-9a-f]{4})\s+(.+)$/i.exec(line))) {
      db.subsystems.set(`${vendor}:${device}:${m[1]!.toLowerCase()}:${m[2]!.toLowerCase()}`, m[3]!.trim());
    }
  }
  return db;
}

/**
 * Vendor and device names for a function, as lspci shows them: the device's own name (the
 * chip), not the subsystem's (the board), which goes into `subsystem`.
 */
export function lookupPciNames(db: PciIdDatabase | undefined, ids: { vendorId: string; deviceId: string; subvendorId?: string; subdeviceId?: string }):
  { vendor?: string; device?: string; subsystem?: string } {
  if (!db) return {};
  return {
    vendor: db.vendors.get(ids.vendorId),
    device: db.devices.get(`${ids.vendorId}:${ids.deviceId}`),
    subsystem: ids.subvendorId && ids.subdeviceId
      ? db.subsystems.get(`${ids.vendorId}:${ids.deviceId}:${ids.subvendorId}:${ids.subdeviceId}`)
      : undefined,
  };
}
