/**
 * Request bodies of the /storage/* commands (primary storage on a host; ZStack's
 * LocalStorageKvmBackend, NfsPrimaryStorageKVMBackend and KvmBackend for SharedMountPoint).
 */
import { z } from "zod";

const AbsolutePath = z.string().min(2).max(4096).regex(/^\/(?!.*\/\.\.(\/|$))/, "must be an absolute path without '..'");

/** Primary storage types hostd knows (ZStack PrimaryStorageVO.type). */
export const StorageType = z.enum(["LocalStorage", "NFS", "SharedMountPoint"]);

/** POST /storage/init */
export const InitStorageCmd = z
  .object({
    type: StorageType,
    /**
     * LocalStorage: directory to create on this host. SharedMountPoint: directory that must
     * already exist (the shared filesystem's mount point). NFS: `server:/export`.
     */
    url: z.string().min(2).max(4096),
    /** NFS only: absolute directory the export is mounted on (created when missing). */
    mountPath: AbsolutePath.optional(),
    /** NFS only: `mount -o` options, e.g. `vers=4.1,nolock`. */
    mountOptions: z.string().regex(/^[A-Za-z0-9_=.,:-]{1,512}$/, "must be a comma list of mount options").optional(),
  })
  .superRefine((c, ctx) => {
    if (c.type === "NFS") {
      if (!/^[A-Za-z0-9.:[\]-]+:\/\S*$/.test(c.url)) ctx.addIssue({ code: "custom", path: ["url"], message: "must be server:/export" });
      if (!c.mountPath) ctx.addIssue({ code: "custom", path: ["mountPath"], message: "is required for NFS" });
    } else if (!AbsolutePath.safeParse(c.url).success) {
      ctx.addIssue({ code: "custom", path: ["url"], message: "must be an absolute path without '..'" });
    }
  });

/**
 * POST /storage/unmount: undoes an NFS /storage/init (ZStack NfsPrimaryStorageKVMBackend's
 * unmount on detach). Idempotent: an export not mounted there is no error.
 */
export const UnmountStorageCmd = z.object({
  /** The export, `server:/export`, as given to /storage/init. */
  url: z.string().regex(/^[A-Za-z0-9.:[\]-]+:\/\S*$/, "must be server:/export").max(4096),
  /** The directory it is mounted on; removed when empty afterwards. */
  mountPath: AbsolutePath,
});

/** POST /storage/capacity */
export const CapacityCmd = z.object({ path: AbsolutePath });

/** POST /storage/file/copy */
export const CopyFileCmd = z.object({
  /** File to copy; must exist on this host. */
  src: AbsolutePath,
  /** Destination; its directory is created. An existing file is replaced atomically. */
  dst: AbsolutePath,
});

/** POST /storage/volume/resize */
export const ResizeVolumeCmd = z.object({
  /** The qcow2 volume to grow. */
  installPath: AbsolutePath,
  /** New virtual size in bytes; must not be smaller than the current one. */
  size: z.number().int().positive(),
});

/** POST /storage/volume/convert: a flattened standalone qcow2 copy (clone, migration). */
export const ConvertVolumeCmd = z.object({
  /** Source volume; its backing chain is read through. */
  src: AbsolutePath,
  /** New file; must not exist. */
  dst: AbsolutePath,
});

/** GET /storage/file/download?path=... : a file of this host, for a peer host's /storage/file/pull. */
export const DownloadFileQuery = z.object({ path: AbsolutePath });

/** POST /storage/file/pull: download a file from a peer host's /storage/file/download. */
export const PullFileCmd = z.object({
  /** http(s) URL of the peer's GET /storage/file/download?path=... */
  url: z.url({ protocol: /^https?$/ }),
  /** The peer hostd's shared secret (sent as Bearer; never stored or logged here). */
  secret: z.string().min(1).max(1024),
  /** Destination on this host; must not exist. */
  dst: AbsolutePath,
});
