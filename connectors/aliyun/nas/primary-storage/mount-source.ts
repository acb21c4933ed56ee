import { Errors } from "../../../../server/errors/catalogue.ts";
import type { AliyunRemote } from "../../remote.ts";

/** What the hosts of an AliyunNAS primary storage mount. */
export interface MountSource {
  /** NFS: `server:/export` mounted with `mount -t nfs`; Directory: a local directory used in place of the mount (like a SharedMountPoint). */
  type: "NFS" | "Directory";
  source: string;
}

/** NFS options Alibaba recommends for general-purpose NAS over NFSv3. */
export const NAS_MOUNT_OPTIONS = "vers=3,nolock,proto=tcp,noresvport";

/**
 * Says what stands behind a NAS mount target. Against Alibaba Cloud it is the mount target
 * itself: `<MountTargetDomain>:<path>` over NFS. Against the emulator (ALIYUN_ENDPOINT_OVERRIDE)
 * the domain resolves nowhere, so the emulator is asked which local export backs it
 * (`GET /__emulator/nas/mount-targets/<domain>`): an NFS export (`host:/path`, e.g. Debian's
 * nfs-kernel-server) or — where no NFS server can run, as in containers without kernel nfsd —
 * a local directory that the hosts use in place of the mount.
 */
export class NasMountSourceResolver {
  constructor(private readonly aliyun: AliyunRemote) {}

  /**
   * @param path directory on the file system, `/` for its root.
   * @throws SYS.1006 when the emulated mount target has no local backing configured.
   */
  async resolve(domain: string, path: string): Promise<MountSource> {
    const sub = path === "/" ? "" : path.replace(/\/+$/, "");
    if (!this.aliyun.endpoints.overridden) return { type: "NFS", source: `${domain}:${sub || "/"}` };
    // With an override every product goes to one place, the emulator.
    const emulator = this.aliyun.endpoints.rpc("Nas", "");
    const r = await fetch(`${emulator}/__emulator/nas/mount-targets/${encodeURIComponent(domain)}`);
    const body = await r.json().catch(() => ({})) as { localExport?: string };
    const local = r.ok ? body.localExport ?? "" : "";
    if (!local) {
      throw Errors.operationNotAllowed("Mounting the emulated NAS mount target",
        `the emulator has no local export or directory behind ${domain}; set ALIYUN_EMULATOR_NAS_LOCAL_EXPORT (or nasBacking) before creating the mount target`);
    }
    if (local.startsWith("/")) return { type: "Directory", source: `${local.replace(/\/+$/, "")}${sub}` };
    return { type: "NFS", source: `${local.replace(/\/+$/, "")}${sub}` };
  }
}
