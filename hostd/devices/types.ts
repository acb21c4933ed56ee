/**
 * Shapes of host devices as hostd reports them (/host/devices/scan) and as VM specs carry them
 * for pass-through. Field names follow ZStack's PciDeviceInventory / UsbDeviceInventory where
 * one exists, so the management node stores them as they come.
 */

/** ZStack PciDeviceType (org.zstack.sdk.PciDeviceType), the subset hostd can tell from sysfs. */
export type PciDeviceType =
  | "GPU_Video_Controller"
  | "GPU_3D_Controller"
  | "GPU_Audio_Controller"
  | "GPU_USB_Controller"
  | "GPU_Serial_Controller"
  | "Ethernet_Controller"
  | "Audio_Controller"
  | "USB_Controller"
  | "Serial_Controller"
  | "RAID_Controller"
  | "SATA_Controller"
  | "Memory_Controller"
  | "Non_Volatile_Memory_Controller"
  | "Fibre_Channel"
  | "System_Peripheral"
  | "ISA_Bridge"
  | "PCI_Bridge"
  | "Host_Bridge"
  | "Generic";

/** One PCI function found under `<root>/sys/bus/pci/devices/`. */
export interface ScannedPciDevice {
  /** Domain:bus:slot.function, e.g. "0000:01:00.0" (the sysfs directory name). */
  pciDeviceAddress: string;
  /** Class code without the programming interface, 4 hex digits, e.g. "0300" (VGA). */
  classCode: string;
  type: PciDeviceType;
  /** 4 lowercase hex digits without 0x, e.g. "10de". */
  vendorId: string;
  deviceId: string;
  subvendorId?: string;
  subdeviceId?: string;
  /** Revision, 2 hex digits. */
  rev?: string;
  /** Vendor name from the PCI ID database; undefined when no database or no entry. */
  vendor?: string;
  /** Device (chip) name from the PCI ID database, as lspci shows it. */
  device?: string;
  /** IOMMU group number as a string ("13"); undefined when the IOMMU is off. */
  iommuGroup?: string;
  /** Kernel driver bound to it (e.g. "vfio-pci", "nvidia"); undefined when none. */
  driver?: string;
  /** NUMA node; undefined when sysfs says -1 or has no file. */
  numaNode?: number;
}

/** One USB device found under `<root>/sys/bus/usb/devices/` (hubs and interfaces left out). */
export interface ScannedUsbDevice {
  /** sysfs name, e.g. "1-2" (port path); changes when the device moves to another port. */
  sysfsName: string;
  /** Bus number, 3 digits as lsusb prints it, e.g. "001". */
  busNum: string;
  /** Device number on the bus, 3 digits, e.g. "003"; changes on every re-plug. */
  devNum: string;
  /** 4 lowercase hex digits. */
  idVendor: string;
  idProduct: string;
  /** Manufacturer string descriptor, when the device has one. */
  iManufacturer?: string;
  iProduct?: string;
  iSerial?: string;
  /** Protocol generation: "1.1", "2.0" or "3.0" (from the device's bcdUSB `version`). */
  usbVersion: "1.1" | "2.0" | "3.0";
  /** Link speed in Mbit/s as sysfs gives it ("1.5", "12", "480", "5000"). */
  speed?: string;
}

/** IOMMU as the host's kernel sees it. */
export interface IommuState {
  /** The kernel command line asks for an IOMMU (intel_iommu=on, amd_iommu=on or iommu=pt). */
  enabled: boolean;
  /** `/sys/kernel/iommu_groups` has groups: the IOMMU is active now. */
  ready: boolean;
}

/** Everything /host/devices/scan reports. */
export interface DeviceScan {
  pciDevices: ScannedPciDevice[];
  usbDevices: ScannedUsbDevice[];
  iommu: IommuState;
}

/** A PCI function to pass through to a VM (libvirt `<hostdev type='pci' managed='yes'>`). */
export interface PciHostDevice {
  /** "0000:01:00.0". */
  pciDeviceAddress: string;
}

/** A USB device to pass through to a VM (libvirt `<hostdev type='usb'>`). */
export interface UsbHostDevice {
  /** 4 hex digits. */
  idVendor: string;
  idProduct: string;
  /** Host bus and device numbers (decimal strings); they pick one of several identical devices. */
  busNum: string;
  devNum: string;
  /** Decides the guest USB controller the device is plugged into. */
  usbVersion: "1.1" | "2.0" | "3.0";
}

/** The pass-through devices of a VM. */
export interface HostDevices {
  pci?: PciHostDevice[];
  usb?: UsbHostDevice[];
}
