import type { PrimaryStorage, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { Logger } from "../../../../server/logger.ts";
import type { HostStorageSpec, PrimaryStorageService } from "../../../../server/primary-storage/service.ts";
import { NAS_MOUNT_OPTIONS, type NasMountSourceResolver } from "./mount-source.ts";
import type { AddAliyunNasPrimaryStorageInput } from "./schema.ts";

/** Where hosts mount an NFS-backed AliyunNAS storage (`{uuid}` is filled in by PrimaryStorageService.add). */
const NAS_MOUNT_ROOT = "/opt/strata/nfsprimarystorage";

/**
 * The AliyunNAS primary storage type (ZStack AddAliyunNasPrimaryStorage): a primary storage
 * made from a NAS file system and an access group, reached through one of the file system's
 * Active mount targets. It is an ordinary shared primary storage to the rest of Strata: attached
 * to clusters, prepared on their hosts by hostd — an NFS mount of the mount target at
 * /opt/strata/nfsprimarystorage/prim-<uuid>, or, when the mount target is backed by a local
 * directory (the emulator where no NFS server can run), that directory used the way a
 * SharedMountPoint is — and local VMs' volumes live below it.
 */
export class AliyunNasPrimaryStorageService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: PrimaryStorageService,
    private readonly resolver: NasMountSourceResolver,
    events: EventBus,
    log: Logger,
  ) {
    storage.registerType("AliyunNAS", { hostSpec: (ps) => this.hostSpec(ps) });
    // The storage's own row goes with it.
    events.subscribe((e) => {
      if (e.type === "ResourceDeleted" && e.resourceType === "PrimaryStorage") {
        this.prisma.aliyunNasPrimaryStorage.deleteMany({ where: { primaryStorageUuid: e.resourceUuid } })
          .catch((err: unknown) => log.warn({ err, primaryStorageUuid: e.resourceUuid }, "dropping the AliyunNAS row of a deleted primary storage failed"));
      }
    });
  }

  /**
   * AddAliyunNasPrimaryStorage: picks the file system's Active mount target with that access
   * group (the one in `url`, or in vSwitchUuid, if given), works out what hosts mount, and adds
   * a primary storage of type AliyunNAS (Enabled, zero capacity until attached). `{inventory}`
   * is a PrimaryStorageInventory.
   * @throws SYS.1003 unknown file system / access group / zone, SYS.1006 no usable mount target
   *   or no local backing behind an emulated one, SYS.1002 url already used in the zone.
   */
  async add(caller: Caller, input: AddAliyunNasPrimaryStorageInput) {
    const p = input.params;
    const fs = await this.prisma.aliyunNasFileSystem.findFirst({ where: { uuid: p.nasUuid, ...ownedBy(caller) } });
    if (!fs) throw Errors.resourceNotFound("AliyunNasFileSystem", p.nasUuid);
    const group = await this.prisma.aliyunNasAccessGroup.findFirst({ where: { uuid: p.accessGroupUuid, ...ownedBy(caller) } });
    if (!group) throw Errors.resourceNotFound("AliyunNasAccessGroup", p.accessGroupUuid);
    const [, domainInUrl, path] = /^(?:([A-Za-z0-9.-]+):)?(\/.*)$/.exec(p.url)!;
    const targets = await this.prisma.aliyunNasMountTarget.findMany({
      where: {
        nasFileSystemUuid: fs.uuid, accessGroupUuid: group.uuid, status: "Active",
        ...(domainInUrl ? { mountDomain: domainInUrl } : {}), ...(p.vSwitchUuid ? { vSwitchUuid: p.vSwitchUuid } : {}),
      },
      orderBy: { createDate: "asc" },
    });
    const target = targets[0];
    if (!target) {
      throw Errors.operationNotAllowed("Adding the AliyunNAS primary storage",
        `file system ${fs.fileSystemId} has no Active mount target with access group ${group.name}${domainInUrl ? ` at ${domainInUrl}` : ""}; create one (POST /v1/nas/aliyun/mount)`);
    }
    const source = await this.resolver.resolve(target.mountDomain, path!);
    const url = `${target.mountDomain}:${path}`;
    const inventory = await this.storage.add(caller, "AliyunNAS",
      { params: { name: p.name, description: p.description, url, zoneUuid: p.zoneUuid, resourceUuid: p.resourceUuid }, systemTags: input.systemTags, userTags: input.userTags },
      {
        mountPath: source.type === "NFS" ? `${NAS_MOUNT_ROOT}/prim-{uuid}` : source.source,
        onCreate: async (tx, uuid) => void await tx.aliyunNasPrimaryStorage.create({
          data: {
            primaryStorageUuid: uuid, nasFileSystemUuid: fs.uuid, accessGroupUuid: group.uuid, mountTargetUuid: target.uuid,
            vSwitchUuid: target.vSwitchUuid, mountSourceType: source.type, mountSource: source.source,
          },
        }),
      });
    return inventory;
  }

  /** What hostd's /storage/init gets for an AliyunNAS storage: an NFS mount, or the standing-in directory as a SharedMountPoint. */
  private async hostSpec(ps: PrimaryStorage): Promise<HostStorageSpec> {
    const row = await this.prisma.aliyunNasPrimaryStorage.findUnique({ where: { primaryStorageUuid: ps.uuid } });
    if (!row) throw Errors.resourceNotFound("AliyunNasPrimaryStorage", ps.uuid);
    return row.mountSourceType === "NFS"
      ? { type: "NFS", url: row.mountSource, mountPath: ps.mountPath!, mountOptions: NAS_MOUNT_OPTIONS }
      : { type: "SharedMountPoint", url: row.mountSource };
  }
}
