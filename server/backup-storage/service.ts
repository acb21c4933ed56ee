import { constants } from "node:fs";
import { access, mkdir, rm, stat, statfs } from "node:fs/promises";
import { resolve } from "node:path";
import type { z } from "zod";
import type { BackupStorage, BackupStorageZoneRef, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { Logger } from "../logger.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import { backupStorageQuerySpec, type AddImageStoreBackupStorageInput, type UpdateBackupStorageBody } from "./schema.ts";

/** Resource type of backup storages on tags and events. */
export const BACKUP_STORAGE_TYPE = "BackupStorage";

type Row = BackupStorage & { zones: BackupStorageZoneRef[] };

/** ZStack ImageStoreBackupStorageInventory as sent on the wire (capacities in bytes). */
export function backupStorageInventory(b: Row) {
  return {
    uuid: b.uuid, name: b.name, description: b.description, url: b.url, hostname: b.hostname, type: b.type as "ImageStore",
    state: b.state, status: b.status, totalCapacity: Number(b.totalCapacity), availableCapacity: Number(b.availableCapacity),
    attachedZoneUuids: b.zones.map((z) => z.zoneUuid).sort(),
    accountUuid: b.accountUuid, createDate: b.createDate.toISOString(), lastOpDate: b.lastOpDate.toISOString(),
  };
}

/** Total and available bytes of the file system holding `dir` (statfs), or undefined when unreadable. */
export async function directoryCapacity(dir: string): Promise<{ total: bigint; available: bigint } | undefined> {
  try {
    const s = await statfs(dir, { bigint: true });
    return { total: s.bsize * s.blocks, available: s.bsize * s.bavail };
  } catch {
    return undefined;
  }
}

/**
 * Backup storages of type ImageStore (ZStack BackupStorageManager, ImageStoreBackupStorage):
 * a directory on the management node where image files live, served to hostds through
 * {@link ImageStoreService}. Capacity comes from statfs of the directory and is refreshed when
 * a backup storage is read or attached; a directory that cannot be read turns it Disconnected.
 * Backup storages are infrastructure: admins add and change them; every account may list them
 * (they are named when adding an image, as in ZStack's UI), and images can only go to ones
 * attached to a zone.
 */
export class BackupStorageService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly log: Logger,
  ) {}

  /**
   * Adds an ImageStore backup storage (APIAddImageStoreBackupStorageMsg): creates the
   * directory if missing, checks it is writable and reads its capacity. `requestHost` (the
   * request's Host, e.g. `192.0.2.1:8080`) is the default hostname; without either it stays
   * null and downloads use 127.0.0.1.
   * @throws ApiError SYS.1007 when the directory cannot be created or written, SYS.1002 when
   *   another backup storage already uses it or the uuid is taken.
   */
  async addImageStore(caller: Caller, input: AddImageStoreBackupStorageInput, requestHost: string | undefined) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const url = resolve(p.url);
    if (url === "/") throw Errors.invalidArgument("url must not be the root directory", url);
    const clash = await this.prisma.backupStorage.findFirst({ where: { url } });
    if (clash) throw Errors.duplicate("A backup storage on that directory", `${clash.name} (${clash.uuid}) uses ${url}`);
    try {
      await mkdir(url, { recursive: true, mode: 0o750 });
      if (!(await stat(url)).isDirectory()) throw new Error("not a directory");
      await access(url, constants.W_OK | constants.R_OK);
    } catch (err) {
      throw Errors.invalidArgument("url must be a directory the management node can create, read and write", `${url}: ${(err as Error).message}`);
    }
    const capacity = await directoryCapacity(url);
    const uuid = p.resourceUuid ?? newUuid();
    try {
      const row = await this.events.transaction(this.prisma, async (tx, emit) => {
        const created = await tx.backupStorage.create({
          data: {
            uuid, name: p.name, description: p.description ?? null, type: "ImageStore", url, hostname: p.hostname ?? requestHost ?? null,
            state: "Enabled", status: capacity ? "Connected" : "Disconnected",
            totalCapacity: capacity?.total ?? 0n, availableCapacity: capacity?.available ?? 0n, accountUuid: caller.accountUuid,
          },
          include: { zones: true },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: BACKUP_STORAGE_TYPE, accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: BACKUP_STORAGE_TYPE, newState: "Enabled", accountUuid: caller.accountUuid });
        return created;
      });
      return backupStorageInventory(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("A backup storage with that uuid", uuid);
      throw err;
    }
  }

  /** The backup storage with its zone refs, capacity refreshed. @throws ApiError SYS.1003. */
  async get(_caller: Caller, uuid: string): Promise<Row> {
    const row = await this.prisma.backupStorage.findUnique({ where: { uuid }, include: { zones: true } });
    if (!row) throw Errors.resourceNotFound("BackupStorage", uuid);
    return this.refresh(row);
  }

  /** Queries backup storages (APIQueryBackupStorageMsg / APIQueryImageStoreBackupStorageMsg), capacities refreshed first. */
  async query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    const all = await this.prisma.backupStorage.findMany({ include: { zones: true } });
    await Promise.all(all.map((b) => this.refresh(b)));
    return queryReply({
      prisma: this.prisma, spec: backupStorageQuerySpec, delegate: this.prisma.backupStorage as never, caller, raw,
      scope: {}, include: { zones: true }, toInventory: backupStorageInventory, csvName: "backup-storage",
    });
  }

  /** Changes name, description or hostname (APIUpdateBackupStorageMsg). @throws SYS.1003. */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateBackupStorageBody>) {
    await this.get(caller, uuid);
    return backupStorageInventory(await this.prisma.backupStorage.update({ where: { uuid }, data: p, include: { zones: true } }));
  }

  /** Enables or disables a backup storage (APIChangeBackupStorageStateMsg); no new images go to a Disabled one. */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    const before = await this.get(caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    if (before.state === state) return backupStorageInventory(before);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.backupStorage.update({ where: { uuid }, data: { state }, include: { zones: true } });
      await emit({
        type: "ResourceStateChanged", resourceUuid: uuid, resourceType: BACKUP_STORAGE_TYPE, oldState: before.state, newState: state, accountUuid: r.accountUuid,
      });
      return r;
    });
    return backupStorageInventory(row);
  }

  /**
   * Attaches a backup storage to a zone (APIAttachBackupStorageToZoneMsg) and refreshes its
   * capacity. @throws ApiError SYS.1003 (zone or backup storage), SYS.1002 already attached.
   */
  async attachToZone(caller: Caller, zoneUuid: string, backupStorageUuid: string) {
    const zone = await this.prisma.zone.findUnique({ where: { uuid: zoneUuid } });
    if (!zone) throw Errors.resourceNotFound("Zone", zoneUuid);
    const bs = await this.get(caller, backupStorageUuid);
    if (bs.zones.some((z) => z.zoneUuid === zoneUuid)) {
      throw Errors.duplicate("The attachment of this backup storage to this zone", `${bs.name} is attached to ${zone.name}`);
    }
    try {
      await this.prisma.backupStorageZoneRef.create({ data: { backupStorageUuid, zoneUuid } });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("The attachment of this backup storage to this zone");
      throw err;
    }
    return backupStorageInventory(await this.get(caller, backupStorageUuid));
  }

  /**
   * Detaches a backup storage from a zone (APIDetachBackupStorageFromZoneMsg). Images stay on
   * it; new images need it attached somewhere.
   * @throws ApiError SYS.1003 (backup storage), SYS.1006 when it is not attached to that zone.
   */
  async detachFromZone(caller: Caller, zoneUuid: string, backupStorageUuid: string) {
    await this.get(caller, backupStorageUuid);
    const n = await this.prisma.backupStorageZoneRef.deleteMany({ where: { backupStorageUuid, zoneUuid } });
    if (n.count === 0) throw Errors.operationNotAllowed("Detaching the backup storage", `it is not attached to zone ${zoneUuid}`);
    return backupStorageInventory(await this.get(caller, backupStorageUuid));
  }

  /**
   * Deletes a backup storage (APIDeleteBackupStorageMsg). Permissive refuses while images are
   * stored on it (SYS.1004, naming them). Enforcing removes their copies there: an image left
   * with no copy is expunged (row and file), others keep their other copies. Either mode
   * refuses while an image is downloading to it (SYS.1006). The directory itself stays.
   */
  async delete(caller: Caller, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<void> {
    const bs = await this.get(caller, uuid);
    const refs = await this.prisma.imageBackupStorageRef.findMany({
      where: { backupStorageUuid: uuid }, include: { image: { select: { uuid: true, name: true, status: true, accountUuid: true } } },
    });
    const downloading = refs.filter((r) => r.image.status === "Downloading" || r.image.status === "Creating");
    if (downloading.length) {
      throw Errors.operationNotAllowed("Deleting the backup storage", `images are downloading to it: ${downloading.map((r) => r.image.name).join(", ")}`);
    }
    if (refs.length && deleteMode === "Permissive") {
      throw Errors.deleteRefused("Images are stored on this backup storage; delete and expunge them first or use deleteMode=Enforcing",
        refs.map((r) => `${r.image.name} (${r.imageUuid})`).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      for (const r of refs) {
        await tx.imageBackupStorageRef.delete({ where: { imageUuid_backupStorageUuid: { imageUuid: r.imageUuid, backupStorageUuid: uuid } } });
        if ((await tx.imageBackupStorageRef.count({ where: { imageUuid: r.imageUuid } })) === 0) {
          await tx.image.delete({ where: { uuid: r.imageUuid } });
          await this.tags.detachAll(tx, r.imageUuid);
          await tx.sharedResource.deleteMany({ where: { resourceUuid: r.imageUuid } });
          await emit({ type: "ResourceDeleted", resourceUuid: r.imageUuid, resourceType: "Image", oldState: r.image.status, accountUuid: r.image.accountUuid });
        }
      }
      await tx.backupStorage.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: BACKUP_STORAGE_TYPE, oldState: bs.state, accountUuid: bs.accountUuid });
    });
    for (const r of refs) {
      await rm(r.installPath, { force: true }).catch((err: unknown) => this.log.warn({ err, path: r.installPath }, "could not remove image file"));
    }
  }

  /** Re-reads the directory's capacity; flips status (with an event) when readability changed. */
  private async refresh(row: Row): Promise<Row> {
    const capacity = await directoryCapacity(row.url);
    const status = capacity ? "Connected" : "Disconnected";
    const total = capacity?.total ?? row.totalCapacity;
    const available = capacity?.available ?? row.availableCapacity;
    if (status === row.status && total === row.totalCapacity && available === row.availableCapacity) return row;
    if (status === row.status) {
      return this.prisma.backupStorage.update({ where: { uuid: row.uuid }, data: { totalCapacity: total, availableCapacity: available }, include: { zones: true } });
    }
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.backupStorage.update({
        where: { uuid: row.uuid }, data: { status, totalCapacity: total, availableCapacity: available }, include: { zones: true },
      });
      await emit({
        type: "ResourceStatusChanged", resourceUuid: row.uuid, resourceType: BACKUP_STORAGE_TYPE, oldState: row.status, newState: status, accountUuid: row.accountUuid,
      });
      return r;
    });
  }
}
