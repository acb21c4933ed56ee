import { constants } from "node:fs";
import { copyFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import type { BackupStorage, Image, ImageBackupStorageRef, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import type { Logger } from "../logger.ts";
import { queryReply } from "../query/run.ts";
import type { QuotaService } from "../quotas/service.ts";
import type { RevokeResourceSharingInput, ShareResourceInput } from "../sharing/schema.ts";
import type { SharingService } from "../sharing/service.ts";
import { TagService } from "../tags/service.ts";
import { ImageErrors } from "./errors.ts";
import { isIso9660, qemuImgCheck, qemuImgInfo, QemuImgError } from "./qemu-img.ts";
import { imageQuerySpec, type AddImageInput, type ImageFormat, type ImageMediaType, type UpdateImageBody } from "./schema.ts";
import { transfer, TransferError } from "./transfer.ts";

/** Resource type of images on tags, events and SharedResource. */
export const IMAGE_TYPE = "Image";
/** Name of the durable job that downloads an image. */
export const IMAGE_JOB_TYPES = { add: "AddImage" } as const;

/** Request facts a job-starting API passes through (see JobService.submit). */
export interface ImageJobRequest { apiName: string; jobUuid?: string; webHook?: string; baseUrl: string }

type RefRow = ImageBackupStorageRef & { backupStorage: BackupStorage };
type Row = Image & { backupStorageRefs: ImageBackupStorageRef[] };

/** An image a VM can be made from and the copy to take it from. */
export interface ImageForVm {
  image: Image;
  /** A Ready copy on a Connected backup storage (attached to the requested zone, when one was given). */
  backupStorageRef: RefRow;
}

/** ZStack ImageInventory as sent on the wire (sizes in bytes). */
export function imageInventory(i: Row) {
  return {
    uuid: i.uuid, name: i.name, description: i.description, url: i.url, format: i.format || null, mediaType: i.mediaType as ImageMediaType,
    platform: i.platform, guestOsType: i.guestOsType, architecture: i.architecture, type: "zstack" as const, system: i.system,
    state: i.state, status: i.status, size: Number(i.size), actualSize: Number(i.actualSize), md5Sum: i.md5sum, sha256: i.sha256,
    progress: i.progress,
    backupStorageRefs: i.backupStorageRefs.map((r) => ({
      imageUuid: r.imageUuid, backupStorageUuid: r.backupStorageUuid, installPath: r.installPath, status: r.status,
      createDate: r.createDate.toISOString(),
    })),
    accountUuid: i.accountUuid, createDate: i.createDate.toISOString(), lastOpDate: i.lastOpDate.toISOString(),
  };
}

/** Name of an image's file in a backup storage directory: `<uuid>.<format>`, or `<uuid>.download` while downloading. */
const fileName = (imageUuid: string, format: ImageFormat | "download" | "part") => `${imageUuid}.${format}`;

/**
 * Images (ZStack ImageManager, APIAddImageMsg and friends). Adding an image is a durable job
 * that downloads the URL into each chosen ImageStore backup storage as
 * `<backup storage url>/<imageUuid>.<format>`, hashing (MD5, SHA-256) while it streams and
 * reporting progress, then checks the file with qemu-img: its format is detected when not
 * given and verified when given. Any failure, or a management-node restart mid-download,
 * removes the partial file and the Image row: no image is left half-created.
 *
 * Lifecycle (ZStack): Downloading → Ready; delete → Deleted (recoverable with recoverImage);
 * expungeImage removes the files and the row. state Enabled/Disabled is the owner's switch.
 * Images belong to the account that added them and can be shared (APIShareResourceMsg).
 */
export class ImageService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly quotas: QuotaService,
    private readonly sharing: SharingService,
    private readonly log: Logger,
  ) {
    jobs.register<{ imageUuid: string }>({
      name: IMAGE_JOB_TYPES.add, resumable: false,
      perform: (i, ctx) => this.performAdd(i.imageUuid, ctx.caller),
      onInterrupted: (i) => this.discard(i.imageUuid),
    });
  }

  /**
   * Adds an image (APIAddImageMsg) as a job whose result is `{ inventory }`. Synchronous
   * checks: SYS.1007 bad input, ID.1002 a file:// URL from a non-admin account (it would read
   * the management node's files), SYS.1003 unknown backup storage, SYS.1006 backup storage
   * Disabled, Disconnected or attached to no zone, ID.1003 quota image.num, SYS.1002 uuid taken.
   * The job fails with IMAGE.DOWNLOAD_FAILED, IMAGE.FORMAT_MISMATCH, IMAGE.CORRUPT,
   * IMAGE.UNSUPPORTED or ID.1003 (quota image.size) and leaves nothing behind.
   */
  async add(caller: Caller, req: ImageJobRequest, input: AddImageInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    if (new URL(p.url).protocol === "file:" && !caller.isAdmin) {
      throw Errors.permissionDenied("only a SystemAdmin account may add an image from a file:// URL on the management node");
    }
    const storages = await this.usableBackupStorages(p.backupStorageUuids);
    const used = await this.prisma.image.count({ where: { accountUuid: caller.accountUuid } });
    await this.quotas.check(caller, "image.num", BigInt(used), 1n);

    const uuid = p.resourceUuid ?? newUuid();
    try {
      await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.image.create({
          data: {
            uuid, name: p.name, description: p.description ?? null, url: p.url, format: p.format ?? "", mediaType: p.mediaType,
            platform: p.platform, guestOsType: p.guestOsType ?? null, architecture: p.architecture, state: "Enabled",
            status: "Downloading", progress: 0, accountUuid: caller.accountUuid,
            backupStorageRefs: {
              create: storages.map((bs) => ({ backupStorageUuid: bs.uuid, installPath: join(bs.url, fileName(uuid, "download")), status: "Downloading" })),
            },
          },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: IMAGE_TYPE, accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: IMAGE_TYPE, newState: "Downloading", accountUuid: caller.accountUuid });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("An image with that uuid", uuid);
      throw err;
    }
    return this.jobs.submit(caller, req, IMAGE_JOB_TYPES.add, { imageUuid: uuid });
  }

  /**
   * The backup storages a new image may go to, in the order given: each must exist, be Enabled
   * and Connected, and be attached to a zone.
   * @throws ApiError SYS.1003 unknown backup storage, SYS.1006 one that is not usable (named).
   */
  async usableBackupStorages(backupStorageUuids: string[]): Promise<BackupStorage[]> {
    const storages = await this.prisma.backupStorage.findMany({ where: { uuid: { in: backupStorageUuids } }, include: { zones: true } });
    const out: BackupStorage[] = [];
    for (const bsUuid of backupStorageUuids) {
      const bs = storages.find((b) => b.uuid === bsUuid);
      if (!bs) throw Errors.resourceNotFound("BackupStorage", bsUuid);
      if (bs.state !== "Enabled") throw Errors.operationNotAllowed("Adding an image to this backup storage", `backup storage ${bs.name} is ${bs.state}`);
      if (bs.status !== "Connected") throw Errors.operationNotAllowed("Adding an image to this backup storage", `backup storage ${bs.name} is ${bs.status}`);
      const zones = await this.prisma.zone.count({ where: { uuid: { in: bs.zones.map((z) => z.zoneUuid) } } });
      if (zones === 0) {
        throw Errors.operationNotAllowed("Adding an image to this backup storage",
          `backup storage ${bs.name} is attached to no zone; attach it with POST /v1/zones/{zoneUuid}/backup-storage/${bs.uuid}`);
      }
      out.push(bs);
    }
    return out;
  }

  /** The image with its backup-storage refs if the caller can see it (own, shared or public). @throws ApiError SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<Row> {
    const scope = await this.sharing.visibleScope(caller, IMAGE_TYPE);
    const row = await this.prisma.image.findFirst({ where: { AND: [{ uuid }, scope] }, include: { backupStorageRefs: { orderBy: { createDate: "asc" } } } });
    if (!row) throw Errors.resourceNotFound(IMAGE_TYPE, uuid);
    return row;
  }

  /**
   * The image a VM (or volume) is to be created from, with a copy to take it from. By default
   * it must be a RootVolumeTemplate; pass `mediaTypes` to accept others (e.g. ISO to boot an
   * installer). With `zoneUuid`, the copy must be on a backup storage attached to that zone.
   * @throws ApiError SYS.1003 (404) when missing or not visible; SYS.1006 (409) when not Ready,
   *   Disabled, of another mediaType, or without a Ready copy on a Connected backup storage.
   */
  async getImageForVm(caller: Caller, uuid: string, opts: { mediaTypes?: ImageMediaType[]; zoneUuid?: string } = {}): Promise<ImageForVm> {
    const image = await this.get(caller, uuid);
    const what = `Creating from image ${image.name}`;
    if (image.status !== "Ready") throw Errors.operationNotAllowed(what, `image ${uuid} is ${image.status}`);
    if (image.state !== "Enabled") throw Errors.operationNotAllowed(what, `image ${uuid} is ${image.state}; enable it first`);
    const mediaTypes = opts.mediaTypes ?? ["RootVolumeTemplate"];
    if (!mediaTypes.includes(image.mediaType as ImageMediaType)) {
      throw Errors.operationNotAllowed(what, `image ${uuid} is a ${image.mediaType}; needed: ${mediaTypes.join(" or ")}`);
    }
    const refs = await this.prisma.imageBackupStorageRef.findMany({
      where: {
        imageUuid: uuid, status: "Ready", backupStorage: { status: "Connected", ...(opts.zoneUuid ? { zones: { some: { zoneUuid: opts.zoneUuid } } } : {}) },
      },
      include: { backupStorage: true },
      orderBy: { createDate: "asc" },
    });
    const ref = refs[0];
    if (!ref) {
      throw Errors.operationNotAllowed(what, `image ${uuid} has no Ready copy on a Connected backup storage${opts.zoneUuid ? ` attached to zone ${opts.zoneUuid}` : ""}`);
    }
    return { image, backupStorageRef: ref };
  }

  /** Queries images the caller can see (APIQueryImageMsg); joined fields backupStorageRefs.<field>. */
  async query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: imageQuerySpec, delegate: this.prisma.image as never, caller, raw,
      scope: await this.sharing.visibleScope(caller, IMAGE_TYPE), include: { backupStorageRefs: { orderBy: { createDate: "asc" } } },
      toInventory: imageInventory, csvName: "images",
    });
  }

  /** Changes name, description, guestOsType, platform or architecture (APIUpdateImageMsg). @throws SYS.1003, ID.1002. */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateImageBody>) {
    await this.getOwned(caller, uuid);
    await this.prisma.image.update({ where: { uuid }, data: p });
    return imageInventory(await this.get(caller, uuid));
  }

  /** Enables or disables an image (APIChangeImageStateMsg); a Disabled image makes no new VMs. */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    const before = await this.getOwned(caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    if (before.state === state) return imageInventory(before);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.image.update({ where: { uuid }, data: { state } });
      await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: IMAGE_TYPE, oldState: before.state, newState: state, accountUuid: before.accountUuid });
    });
    return imageInventory(await this.get(caller, uuid));
  }

  /**
   * Deletes an image (APIDeleteImageMsg): status Deleted, files kept, recoverable until
   * expunged. Deleting a Deleted image is a no-op.
   * @throws ApiError SYS.1003, ID.1002 (not the owner), SYS.1006 while it is downloading.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const image = await this.getOwned(caller, uuid);
    if (image.status === "Deleted") return;
    if (image.status !== "Ready") throw Errors.operationNotAllowed("Deleting the image", `image ${uuid} is ${image.status}; wait for its job to finish`);
    await this.setStatus(image, "Deleted", { deletedDate: new Date() });
  }

  /** Brings a Deleted image back to Ready (APIRecoverImageMsg). @throws SYS.1003, ID.1002, SYS.1006 when not Deleted. */
  async recover(caller: Caller, uuid: string) {
    const image = await this.getOwned(caller, uuid);
    if (image.status !== "Deleted") throw Errors.operationNotAllowed("Recovering the image", `image ${uuid} is ${image.status}, not Deleted`);
    await this.setStatus(image, "Ready", { deletedDate: null });
    return imageInventory(await this.get(caller, uuid));
  }

  /**
   * Removes a Deleted image for good (APIExpungeImageMsg): its files on every backup storage,
   * its row, tags and sharing. @throws SYS.1003, ID.1002, SYS.1006 when not Deleted (delete it first).
   */
  async expunge(caller: Caller, uuid: string): Promise<void> {
    const image = await this.getOwned(caller, uuid);
    if (image.status !== "Deleted") throw Errors.operationNotAllowed("Expunging the image", `image ${uuid} is ${image.status}; delete it first`);
    await this.deleteRow(image);
    await this.removeFiles(image.backupStorageRefs.map((r) => r.installPath));
  }

  /** Shares an image (APIShareResourceMsg) and returns it. @throws SYS.1003, ID.1002 (not the owner). */
  async share(caller: Caller, uuid: string, input: ShareResourceInput) {
    const image = await this.get(caller, uuid);
    await this.sharing.share(caller, { resourceType: IMAGE_TYPE, uuid, accountUuid: image.accountUuid }, input);
    return imageInventory(image);
  }

  /** Withdraws sharing of an image (APIRevokeResourceSharingMsg) and returns it. @throws SYS.1003, ID.1002. */
  async revokeSharing(caller: Caller, uuid: string, input: RevokeResourceSharingInput) {
    const image = await this.get(caller, uuid);
    await this.sharing.revoke(caller, { resourceType: IMAGE_TYPE, uuid, accountUuid: image.accountUuid }, input);
    return imageInventory(image);
  }

  /** Like get, but the caller must own the image (or be admin): receivers of a share may only use it. */
  private async getOwned(caller: Caller, uuid: string): Promise<Row> {
    const image = await this.get(caller, uuid);
    if (!caller.isAdmin && image.accountUuid !== caller.accountUuid) {
      throw Errors.permissionDenied(`image ${uuid} is shared with your account; only its owner may change it`);
    }
    return image;
  }

  private async setStatus(image: Row, status: "Ready" | "Deleted", data: Record<string, unknown>): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.image.updateMany({ where: { uuid: image.uuid, status: image.status }, data: { ...data, status } });
      if (n.count === 0) throw Errors.operationNotAllowed("Changing the image's status", `image ${image.uuid} changed meanwhile`);
      await tx.imageBackupStorageRef.updateMany({ where: { imageUuid: image.uuid }, data: { status } });
      await emit({ type: "ResourceStatusChanged", resourceUuid: image.uuid, resourceType: IMAGE_TYPE, oldState: image.status, newState: status, accountUuid: image.accountUuid });
    });
  }

  /** The AddImage job: download, inspect, place, record. Cleans up on any failure. */
  private async performAdd(imageUuid: string, caller: Caller) {
    const image = await this.prisma.image.findUnique({
      where: { uuid: imageUuid }, include: { backupStorageRefs: { include: { backupStorage: true }, orderBy: { createDate: "asc" } } },
    });
    if (!image) throw Errors.resourceNotFound(IMAGE_TYPE, imageUuid);
    try {
      const [first, ...others] = image.backupStorageRefs;
      if (!first) throw Errors.operationNotAllowed("Downloading the image", "it has no backup storage");
      const part = join(first.backupStorage.url, fileName(imageUuid, "download"));
      const progress = this.progressWriter(imageUuid);
      let got;
      try {
        got = await transfer(new URL(image.url), part, progress.report);
      } catch (err) {
        if (err instanceof TransferError) throw ImageErrors.downloadFailed(image.url, err.message);
        throw err;
      } finally {
        await progress.flush();
      }
      const { format, size } = await this.inspect(part, (image.format || undefined) as ImageFormat | undefined, image.mediaType as ImageMediaType);
      const usedSize = await this.prisma.image.aggregate({ where: { accountUuid: image.accountUuid, uuid: { not: imageUuid } }, _sum: { actualSize: true } });
      await this.quotas.check(caller, "image.size", usedSize._sum.actualSize ?? 0n, BigInt(got.bytes));

      const firstPath = join(first.backupStorage.url, fileName(imageUuid, format));
      await rename(part, firstPath);
      const paths = new Map([[first.backupStorageUuid, firstPath]]);
      for (const ref of others) {
        const path = join(ref.backupStorage.url, fileName(imageUuid, format));
        await copyFile(firstPath, path, constants.COPYFILE_EXCL);
        paths.set(ref.backupStorageUuid, path);
      }
      const actualSize = BigInt((await stat(firstPath)).size);
      await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.image.update({
          where: { uuid: imageUuid },
          data: { status: "Ready", format, size: BigInt(size), actualSize, md5sum: got.md5, sha256: got.sha256, progress: 100 },
        });
        for (const [backupStorageUuid, installPath] of paths) {
          await tx.imageBackupStorageRef.update({
            where: { imageUuid_backupStorageUuid: { imageUuid, backupStorageUuid } }, data: { installPath, status: "Ready" },
          });
        }
        await emit({ type: "ResourceStatusChanged", resourceUuid: imageUuid, resourceType: IMAGE_TYPE, oldState: "Downloading", newState: "Ready", accountUuid: image.accountUuid });
      });
      return { inventory: imageInventory(await this.prisma.image.findUniqueOrThrow({ where: { uuid: imageUuid }, include: { backupStorageRefs: { orderBy: { createDate: "asc" } } } })) };
    } catch (err) {
      await this.discard(imageUuid);
      throw err;
    }
  }

  /**
   * Detects and verifies the format of a downloaded file with qemu-img. qemu-img probes an ISO
   * and any unrecognised bytes as raw, so a file declared qcow2 (or iso) that probes as raw is
   * not an image of that format: IMAGE.CORRUPT. A file of another structured format than
   * declared is IMAGE.FORMAT_MISMATCH. qcow2 files are also checked (`qemu-img check`) and
   * must have no backing file. Returns the format and the virtual size (bytes).
   */
  private async inspect(path: string, declared: ImageFormat | undefined, mediaType: ImageMediaType): Promise<{ format: ImageFormat; size: number }> {
    let info;
    try {
      info = await qemuImgInfo(path);
    } catch (err) {
      if (err instanceof QemuImgError) throw ImageErrors.corrupt(`qemu-img cannot read the file: ${err.message}`);
      throw err;
    }
    const probed = info.format === "raw" && (await isIso9660(path)) ? "iso" : info.format;
    if (probed !== "qcow2" && probed !== "raw" && probed !== "iso") {
      if (declared) throw ImageErrors.formatMismatch(`declared ${declared}, but the file is ${probed}`);
      throw ImageErrors.unsupported(`the file is ${probed}; accepted formats: qcow2, raw, iso`);
    }
    let format: ImageFormat = probed;
    if (declared && declared !== probed) {
      if (declared === "raw" && probed === "iso") format = "raw"; // an ISO is a valid raw disk
      else if (probed === "qcow2") throw ImageErrors.formatMismatch(`declared ${declared}, but the file is qcow2`);
      else throw ImageErrors.corrupt(`the file is not a valid ${declared} image (qemu-img sees ${probed} data)`);
    }
    if ((format === "iso") !== (mediaType === "ISO")) {
      throw ImageErrors.formatMismatch(format === "iso" ? `the file is an ISO image, but mediaType is ${mediaType}` : `mediaType is ISO, but the file is ${format}`);
    }
    if (format === "qcow2") {
      if (info.backingFile) throw ImageErrors.unsupported(`the qcow2 image has a backing file (${info.backingFile})`);
      try {
        await qemuImgCheck(path);
      } catch (err) {
        if (err instanceof QemuImgError) throw ImageErrors.corrupt(`qemu-img check failed: ${err.message}`);
        throw err;
      }
    }
    return { format, size: format === "iso" ? (await stat(path)).size : info.virtualSize };
  }

  /** Progress updates (0–100) written at most every 500 ms while bytes arrive; flush() waits for the last one. */
  private progressWriter(imageUuid: string) {
    let last = 0;
    let lastAt = 0;
    let chain: Promise<unknown> = Promise.resolve();
    const write = (progress: number) => {
      chain = chain.then(() => this.prisma.image.updateMany({ where: { uuid: imageUuid, status: "Downloading" }, data: { progress } }))
        .catch((err: unknown) => this.log.warn({ err, imageUuid }, "could not record download progress"));
    };
    return {
      report: (received: number, total: number | undefined) => {
        if (!total) return;
        const pct = Math.min(99, Math.floor((received / total) * 100)); // 100 only once Ready
        const now = Date.now();
        if (pct > last && now - lastAt >= 500) {
          last = pct;
          lastAt = now;
          write(pct);
        }
      },
      flush: () => chain,
    };
  }

  /**
   * Removes a half-added (or half-created) image: every file it may have (partial or placed)
   * and its row. Used by the add job and by templates made from volumes.
   */
  async discard(imageUuid: string): Promise<void> {
    const image = await this.prisma.image.findUnique({ where: { uuid: imageUuid }, include: { backupStorageRefs: { include: { backupStorage: true } } } });
    if (!image) return;
    const paths = image.backupStorageRefs.flatMap((r) =>
      (["download", "part", "qcow2", "raw", "iso"] as const).map((f) => join(r.backupStorage.url, fileName(imageUuid, f))));
    await this.removeFiles(paths);
    await this.deleteRow(image);
  }

  private async deleteRow(image: Image): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.image.deleteMany({ where: { uuid: image.uuid } }); // refs cascade
      await this.tags.detachAll(tx, image.uuid);
      await this.sharing.removeAll(tx, image.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: image.uuid, resourceType: IMAGE_TYPE, oldState: image.status, accountUuid: image.accountUuid });
    });
  }

  private async removeFiles(paths: string[]): Promise<void> {
    for (const path of paths) {
      await rm(path, { force: true }).catch((err: unknown) => this.log.warn({ err, path }, "could not remove image file"));
    }
  }
}

