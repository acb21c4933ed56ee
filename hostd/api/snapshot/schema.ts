/**
 * Request bodies of the volume snapshot and volume export commands (ZStack kvmagent's
 * /volume/snapshot/* and the image-store upload of a volume).
 */
import { z } from "zod";

const AbsolutePath = z.string().min(2).max(4096).regex(/^\/(?!.*\/\.\.(\/|$))/, "must be an absolute path without '..'");
/** A qcow2 internal snapshot name: the management node uses the snapshot's uuid. */
const SnapshotName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_'");
/** A libvirt domain name (= the VM's uuid). */
const DomainName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a VM uuid");

/** POST /volume/snapshot/create|delete|revert */
export const VolumeSnapshotCmd = z.object({
  /** The qcow2 file of the volume. */
  installPath: AbsolutePath,
  /** Name of the internal snapshot in the file. */
  snapshotName: SnapshotName,
  /**
   * The VM the volume is attached to, if any. When its domain is running, create and delete go
   * through libvirt (the file is locked by QEMU); revert always needs it shut off.
   */
  vmInstanceUuid: DomainName.optional(),
});
export type VolumeSnapshotCmd = z.infer<typeof VolumeSnapshotCmd>;

/** POST /volume/resize/live */
export const LiveResizeCmd = z.object({
  installPath: AbsolutePath,
  /** New virtual size in bytes; must not be smaller than the current one. */
  size: z.number().int().positive(),
  /** The running VM whose disk this is. */
  vmInstanceUuid: DomainName,
});
export type LiveResizeCmd = z.infer<typeof LiveResizeCmd>;

/** POST /volume/export */
export const ExportVolumeCmd = z.object({
  /** The volume's file; its backing chain is flattened into the exported image. */
  installPath: AbsolutePath,
  /** Export this internal snapshot's state instead of the current one. */
  snapshotName: SnapshotName.optional(),
  /** Where to PUT the qcow2 file: the management node's image store. */
  uploadUrl: z.url({ protocol: /^https?$/ }),
  /** Bearer token for uploadUrl. */
  token: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ExportVolumeCmd = z.infer<typeof ExportVolumeCmd>;
