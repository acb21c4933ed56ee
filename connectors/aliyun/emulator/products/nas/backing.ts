import type { EmulatorState } from "../../core/state.ts";

/**
 * What stands behind an emulated mount target. Alibaba's MountTargetDomain resolves to an NFS
 * server inside the VPC; the emulator has none, so a test (or the operator) names a real local
 * NFS export (`host:/path`, e.g. a Debian nfs-kernel-server export) that plays the part — or,
 * where no NFS server can run (no kernel nfsd in a container), an absolute local directory that
 * clients use in place of the mount, the way a SharedMountPoint is used.
 *
 * - `byDomain`: exports for particular mount targets, set at any time;
 * - `defaultExport`: given to every mount target created while it is set; when unset, the
 *   environment variable `ALIYUN_EMULATOR_NAS_LOCAL_EXPORT` is used (the standalone emulator's knob).
 * The export a mount target got at creation is kept in its state row (`__localExport`, visible in
 * `GET /__emulator/state`); {@link mountTargetBacking} reads both.
 */
export const nasBacking: { defaultExport?: string; byDomain: Map<string, string> } = { byDomain: new Map() };

/** The export a new mount target gets ("" when none is configured). */
export function exportForNewMountTarget(): string {
  return nasBacking.defaultExport ?? process.env.ALIYUN_EMULATOR_NAS_LOCAL_EXPORT ?? "";
}

/** What a mount target's backing lookup answers. */
export interface MountTargetBacking {
  mountTargetDomain: string;
  fileSystemId: string;
  accountId: string;
  regionId: string;
  status: string;
  /** `host:/path` of the local NFS export standing in, an absolute directory, or "" when none is configured. */
  localExport: string;
}

/**
 * Finds a mount target by domain in every account and region and says which local export backs
 * it — the answer an admin endpoint `GET /__emulator/nas/mount-targets/<domain>` would give.
 * Undefined when no such mount target exists.
 */
export function mountTargetBacking(state: EmulatorState, domain: string): MountTargetBacking | undefined {
  for (const accountId of state.accountIds()) {
    for (const regionId of state.regionsWith(accountId, "NasMountTarget")) {
      const row = state.table(accountId, regionId, "NasMountTarget")[domain];
      if (!row) continue;
      return {
        mountTargetDomain: domain, fileSystemId: String(row.FileSystemId), accountId, regionId, status: String(row.Status),
        localExport: nasBacking.byDomain.get(domain) ?? String(row.__localExport ?? ""),
      };
    }
  }
  return undefined;
}
