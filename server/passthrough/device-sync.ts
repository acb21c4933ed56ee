/**
 * Keeps the PciDevice/UsbDevice rows of a host in step with what its agent finds (hostd
 * /host/devices/scan). Runs as a connect hook, so on adding a host and on every reconnect.
 *
 * Matching (ZStack's rule): a row and a scanned device are the same device when address and
 * identity agree — PCI address + vendor/device/subsystem ids; USB bus + device number + ids +
 * serial. A row nothing matches (the device vanished, or moved to another address) becomes
 * Unavailable; a scanned device no row matches gets a new row (Enabled, Ready); an
 * Unavailable row that matches again comes back (Ready, or Attached if a VM still holds it).
 * Names, descriptions and states the operator set are kept. Devices still held by a VM that is
 * gone or destroyed (a release that was missed) are given back.
 *
 * IOMMU: the host's `iommuReady` follows every scan; `iommuEnabled` (the operator's switch) is
 * taken from the kernel command line at the first scan only (扫描物理机IOMMU设置).
 */
import type { Logger } from "pino";
import type { PciDevice, PrismaClient, UsbDevice } from "../../generated/prisma/client.ts";
import { callHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";
import { newUuid } from "../ids.ts";
import { PCI_DEVICE_TYPE, USB_DEVICE_TYPE } from "./common.ts";

/** A PCI device as hostd reports it (hostd/devices/types.ts ScannedPciDevice). */
interface ScannedPci {
  pciDeviceAddress: string; classCode: string; type: string; vendorId: string; deviceId: string;
  subvendorId?: string; subdeviceId?: string; rev?: string; vendor?: string; device?: string;
  iommuGroup?: string; driver?: string; numaNode?: number;
}

/** A USB device as hostd reports it (hostd/devices/types.ts ScannedUsbDevice). */
interface ScannedUsb {
  busNum: string; devNum: string; idVendor: string; idProduct: string; iManufacturer?: string; iProduct?: string;
  iSerial?: string; usbVersion: string; speed?: string;
}

/** Answer of /host/devices/scan. */
interface ScanReply { pciDevices: ScannedPci[]; usbDevices: ScannedUsb[]; iommu: { enabled: boolean; ready: boolean } }

/** What one rescan changed, for logs and tests. */
export interface RescanResult {
  pci: { added: number; unavailable: number; back: number };
  usb: { added: number; unavailable: number; back: number };
  /** False when the agent could not scan (an older hostd, or a failure): rows were left alone. */
  scanned: boolean;
}

const samePci = (r: PciDevice, s: ScannedPci) =>
  r.pciDeviceAddress === s.pciDeviceAddress && r.vendorId === s.vendorId && r.deviceId === s.deviceId &&
  (r.subvendorId ?? undefined) === s.subvendorId && (r.subdeviceId ?? undefined) === s.subdeviceId;

const sameUsb = (r: UsbDevice, s: ScannedUsb) =>
  r.busNum === s.busNum && r.devNum === s.devNum && r.idVendor === s.idVendor && r.idProduct === s.idProduct &&
  (r.iSerial ?? undefined) === s.iSerial;

/** The rescan that runs on every (re)connect of a host. */
export class HostDeviceSync {
  constructor(private readonly prisma: PrismaClient, private readonly hosts: HostService, private readonly log: Logger) {}

  /**
   * Scans the host and reconciles its device rows in one transaction. A scan that fails is
   * logged and changes nothing: devices are not worth refusing a host's connection for.
   */
  async rescan(hostUuid: string): Promise<RescanResult> {
    const none = { added: 0, unavailable: 0, back: 0 };
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: hostUuid } });
    let scan: ScanReply;
    try {
      const r = await callHostd<ScanReply>(this.hosts.endpoint(host), "/host/devices/scan", {}, 30_000);
      if (!r.success) throw new Error(`${r.code ?? ""} ${r.error}`);
      scan = r;
    } catch (err) {
      this.log.warn({ hostUuid, err: (err as Error).message }, "device scan failed; pass-through devices left as they were");
      return { pci: none, usb: none, scanned: false };
    }
    const result = await this.prisma.$transaction(async (tx) => {
      const pci = { ...none };
      const pciRows = await tx.pciDevice.findMany({ where: { hostUuid } });
      const matched = new Set<string>();
      for (const s of scan.pciDevices) {
        const row = pciRows.find((r) => !matched.has(r.uuid) && samePci(r, s));
        const fields = {
          type: s.type, classCode: s.classCode, rev: s.rev ?? null, vendor: s.vendor ?? null, device: s.device ?? null,
          iommuGroup: s.iommuGroup ?? null, driver: s.driver ?? null, numaNode: s.numaNode ?? null,
        };
        if (row) {
          matched.add(row.uuid);
          const back = row.status === "Unavailable";
          if (back) pci.back++;
          await tx.pciDevice.update({ where: { uuid: row.uuid }, data: { ...fields, ...(back ? { status: row.vmInstanceUuid ? "Attached" : "Ready" } : {}) } });
        } else {
          pci.added++;
          await tx.pciDevice.create({
            data: {
              uuid: newUuid(), name: s.device ?? `${s.vendorId}:${s.deviceId}`, hostUuid, state: "Enabled", status: "Ready",
              pciDeviceAddress: s.pciDeviceAddress, vendorId: s.vendorId, deviceId: s.deviceId, subvendorId: s.subvendorId ?? null,
              subdeviceId: s.subdeviceId ?? null, accountUuid: host.accountUuid, ...fields,
            },
          });
        }
      }
      const lostPci = pciRows.filter((r) => !matched.has(r.uuid) && r.status !== "Unavailable").map((r) => r.uuid);
      pci.unavailable = (await tx.pciDevice.updateMany({ where: { uuid: { in: lostPci } }, data: { status: "Unavailable" } })).count;

      const usb = { ...none };
      const usbRows = await tx.usbDevice.findMany({ where: { hostUuid } });
      matched.clear();
      for (const s of scan.usbDevices) {
        const row = usbRows.find((r) => !matched.has(r.uuid) && sameUsb(r, s));
        const fields = { iManufacturer: s.iManufacturer ?? null, iProduct: s.iProduct ?? null, usbVersion: s.usbVersion, speed: s.speed ?? null };
        if (row) {
          matched.add(row.uuid);
          const back = row.status === "Unavailable";
          if (back) usb.back++;
          await tx.usbDevice.update({ where: { uuid: row.uuid }, data: { ...fields, ...(back ? { status: row.vmInstanceUuid ? "Attached" : "Ready" } : {}) } });
        } else {
          usb.added++;
          await tx.usbDevice.create({
            data: {
              uuid: newUuid(), name: s.iProduct ?? `${s.idVendor}:${s.idProduct}`, hostUuid, state: "Enabled", status: "Ready",
              busNum: s.busNum, devNum: s.devNum, idVendor: s.idVendor, idProduct: s.idProduct, iSerial: s.iSerial ?? null,
              accountUuid: host.accountUuid, ...fields,
            },
          });
        }
      }
      const lostUsb = usbRows.filter((r) => !matched.has(r.uuid) && r.status !== "Unavailable").map((r) => r.uuid);
      usb.unavailable = (await tx.usbDevice.updateMany({ where: { uuid: { in: lostUsb } }, data: { status: "Unavailable" } })).count;

      // Devices still held by VMs that are gone or destroyed (a missed release) are given back.
      const holders = [...new Set([...pciRows, ...usbRows].map((r) => r.vmInstanceUuid).filter((v): v is string => v !== null))];
      const alive = new Set((await tx.vmInstance.findMany({ where: { uuid: { in: holders }, state: { notIn: ["Destroyed", "Expunging"] } }, select: { uuid: true } }))
        .map((v) => v.uuid));
      const orphaned = holders.filter((v) => !alive.has(v));
      if (orphaned.length) {
        const held = { hostUuid, vmInstanceUuid: { in: orphaned } };
        await tx.pciDevice.updateMany({ where: { ...held, status: "Attached" }, data: { status: "Ready", vmInstanceUuid: null } });
        await tx.pciDevice.updateMany({ where: held, data: { vmInstanceUuid: null } });
        await tx.usbDevice.updateMany({ where: { ...held, status: "Attached" }, data: { status: "Ready", vmInstanceUuid: null, attachType: null } });
        await tx.usbDevice.updateMany({ where: held, data: { vmInstanceUuid: null, attachType: null } });
      }

      await tx.host.update({
        where: { uuid: hostUuid },
        data: { iommuReady: scan.iommu.ready, ...(host.iommuEnabled === null ? { iommuEnabled: scan.iommu.enabled } : {}) },
      });
      return { pci, usb, scanned: true };
    });
    if (result.pci.added + result.pci.unavailable + result.usb.added + result.usb.unavailable > 0) {
      this.log.info({ hostUuid, ...result }, "pass-through devices changed");
    }
    return result;
  }

  /**
   * Forgets the sharing of devices that no longer exist: a deleted host takes its device rows
   * with it (foreign-key cascade), but SharedResource rows have no foreign key.
   */
  async forgetGoneDevices(): Promise<void> {
    const shared = await this.prisma.sharedResource.findMany({
      where: { resourceType: { in: [PCI_DEVICE_TYPE, USB_DEVICE_TYPE] } }, select: { resourceUuid: true, resourceType: true },
    });
    const pci = shared.filter((s) => s.resourceType === PCI_DEVICE_TYPE).map((s) => s.resourceUuid);
    const usb = shared.filter((s) => s.resourceType === USB_DEVICE_TYPE).map((s) => s.resourceUuid);
    const live = new Set([
      ...(await this.prisma.pciDevice.findMany({ where: { uuid: { in: pci } }, select: { uuid: true } })).map((d) => d.uuid),
      ...(await this.prisma.usbDevice.findMany({ where: { uuid: { in: usb } }, select: { uuid: true } })).map((d) => d.uuid),
    ]);
    const gone = [...pci, ...usb].filter((u) => !live.has(u));
    if (gone.length) await this.prisma.sharedResource.deleteMany({ where: { resourceUuid: { in: gone } } });
  }
}
