/**
 * Request bodies of the /vm/* commands. Every one may also carry taskUuid + callbackUrl to run
 * in the background (tasks.ts).
 */
import { z } from "zod";
import { HostDevicesSchema } from "../device/schema.ts";
import { AsyncFieldsSchema } from "../validate.ts";

/** Libvirt accepts uuids with or without dashes; ZStack's have none. */
const VmUuid = z
  .string()
  .regex(/^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, "must be a uuid");

const AbsolutePath = z.string().min(2).max(4096).regex(/^\//, "must be an absolute path");

const Volume = z.object({
  /** Absolute host path of the image file. */
  installPath: AbsolutePath,
  /** Image format; qcow2 unless stated. */
  format: z.enum(["qcow2", "raw"]).optional(),
});

/** POST /vm/start */
export const StartVmCmd = z.object({
  ...AsyncFieldsSchema,
  /** VM uuid; becomes the libvirt domain name and uuid. */
  vmInstanceUuid: VmUuid,
  /** Number of vCPUs. */
  cpuNum: z.number().int().min(1).max(512),
  /** Guest memory in bytes (at least 16 MiB). */
  memorySize: z.number().int().min(16 * 1024 * 1024),
  /** vCPUs the running VM may grow to (hot-plug headroom); default cpuNum. */
  maxCpuNum: z.number().int().min(1).max(512).optional(),
  /** Bytes of memory the running VM may grow to (DIMM hot-plug); default memorySize. */
  maxMemorySize: z.number().int().min(16 * 1024 * 1024).optional(),
  /** Domain type; defaults to the host's (see /host/fact domainType). */
  domainType: z.enum(["kvm", "qemu"]).optional(),
  /** Boot disk. */
  rootVolume: Volume,
  /** Extra disks, attached as vdb, vdc, ... in order. */
  dataVolumes: z.array(Volume).max(24).optional(),
  /** NICs; without bridgeName a NIC uses QEMU user-mode networking. */
  /** NoCloud config drive made by /vm/configdrive/create, attached as a CD-ROM. */
  configDrive: z.object({ installPath: AbsolutePath }).optional(),
  /** VNC password (the graphics `passwd` attribute). */
  consolePassword: z.string().min(1).max(8).optional(),
  /** PCI/USB pass-through devices (`<hostdev>`). */
  hostDevices: HostDevicesSchema.optional(),
  nics: z
    .array(
      z.object({
        mac: z.string().regex(/^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/i, "must be a MAC address"),
        bridgeName: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, "must be a Linux interface name").optional(),
      }),
    )
    .max(16)
    .optional(),
});

/** POST /vm/configdrive/create: a NoCloud config drive (ISO 9660 labelled cidata). */
export const CreateConfigDriveCmd = z.object({
  ...AsyncFieldsSchema,
  /** Absolute path of the ISO to write (replaced if it exists). */
  installPath: AbsolutePath,
  /** cloud-init meta-data: instance-id, local-hostname. */
  metaData: z.object({
    "instance-id": z.string().min(1).max(128),
    "local-hostname": z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, "must be a host name").optional(),
    /** SSH public keys for the default user (cloud-init NoCloud `public-keys`). */
    "public-keys": z.array(z.string().regex(/^[\w@.+=/:-]+( [\w@.+=/:-]+){1,2}$/, "must be one OpenSSH public key line")).max(32).optional(),
  }),
  /** cloud-init user-data, verbatim (a #cloud-config document or a #! script). Up to 16 MiB. */
  userData: z.string().max(16 * 1024 * 1024).default(""),
});

/** POST /vm/volume/attach (ZStack kvmagent /vm/attachdatavolume): hot-plug into a running VM. */
export const AttachVolumeCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  installPath: AbsolutePath,
  format: z.enum(["qcow2", "raw"]).optional(),
  /** virtio target, e.g. vdc; default: the first name the domain does not use. */
  target: z.string().regex(/^vd[a-z]{1,2}$/, "must be a virtio disk name such as vdc").optional(),
});

/** POST /vm/volume/detach (ZStack kvmagent /vm/detachdatavolume). */
export const DetachVolumeCmd = z.object({ ...AsyncFieldsSchema, vmInstanceUuid: VmUuid, installPath: AbsolutePath });

/** POST /vm/stop and /vm/reboot */
export const StopVmCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  /** "grace" (default): ACPI power-off, destroy after `timeout`; "cold": destroy at once. */
  type: z.enum(["grace", "cold"]).optional(),
  /** Seconds to wait for the guest to power off; default 30. */
  timeout: z.number().min(0).max(3600).optional(),
});

/** POST /vm/pause, /vm/resume, /vm/destroy */
export const VmCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
});

/** POST /vm/migrate/prepare (on the destination host) */
export const PrepareMigrationCmd = z.object({ ...AsyncFieldsSchema, vmInstanceUuid: VmUuid });

/** POST /vm/migrate (on the source host) */
export const MigrateVmCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  /** libvirt URI of the destination's libvirtd (from its /vm/migrate/prepare, or qemu+tcp://<ip>/system). */
  destinationUri: z.string().min(1).max(1024),
  /** Where the destination QEMU receives memory, e.g. tcp://10.0.0.2. */
  dataUri: z.string().regex(/^tcp:\/\/[^\s/]+$/).optional(),
  /** The destination's console log path (from its /vm/migrate/prepare). */
  consoleLogPath: AbsolutePath,
  /** Every disk is on storage both hosts share (see MigrationTarget.sharedStorage). */
  sharedStorage: z.boolean(),
  /** Seconds allowed for the migration; default 1800. */
  timeout: z.number().int().min(1).max(86_400).optional(),
});

/** POST /vm/cpu-memory/hotplug */
export const HotplugCpuMemoryCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  /** vCPUs the VM has afterwards (not fewer than now). */
  cpuNum: z.number().int().min(1).max(512),
  /** Bytes of memory to add (one DIMM); 0 for none. */
  memoryIncrease: z.number().int().min(0),
});

/** POST /vm/vmsync */
export const VmSyncCmd = z.object({ ...AsyncFieldsSchema });

/** POST /vm/volume/create */
export const CreateVolumeCmd = z.object({
  ...AsyncFieldsSchema,
  /** Absolute path of the qcow2 file to create; must not exist yet. */
  installPath: AbsolutePath,
  /** Virtual size in bytes. */
  size: z.number().int().positive(),
  /** Optional backing image (e.g. a cached template); the new volume records only changes. */
  backingFile: AbsolutePath.optional(),
});

/** POST /vm/volume/delete */
export const DeleteVolumeCmd = z.object({
  ...AsyncFieldsSchema,
  installPath: AbsolutePath,
});

const Mac = z.string().regex(/^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/i, "must be a MAC address");

/** POST /vm/console/address: the VM's VNC port (it listens on 127.0.0.1). */
export const ConsoleAddressCmd = z.object({ ...AsyncFieldsSchema, vmInstanceUuid: VmUuid });

/** POST /vm/console/password: set (or, without consolePassword, remove) the VNC password of a running VM. */
export const ConsolePasswordCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  /** VNC uses at most 8 characters. */
  consolePassword: z.string().min(1).max(8).optional(),
});

/** POST /vm/nic/attach (ZStack kvmagent /vm/attachnic): hot-plug a virtio NIC into a running VM. */
export const AttachNicCmd = z.object({
  ...AsyncFieldsSchema,
  vmInstanceUuid: VmUuid,
  mac: Mac,
  bridgeName: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, "must be a Linux interface name"),
});

/** POST /vm/nic/detach (ZStack kvmagent /vm/detachnic). */
export const DetachNicCmd = z.object({ ...AsyncFieldsSchema, vmInstanceUuid: VmUuid, mac: Mac });
