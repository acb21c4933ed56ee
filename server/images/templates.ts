import { constants } from "node:fs";
import { copyFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { PrismaClient, Volume } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import type { ImageStoreService } from "../backup-storage/image-store.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";
import type { QuotaService } from "../quotas/service.ts";
import { TagService } from "../tags/service.ts";
import type { VolumeService } from "../volumes/service.ts";
import { ImageErrors } from "./errors.ts";
import { qemuImgCheck, qemuImgInfo, QemuImgError } from "./qemu-img.ts";
import type { CreateTemplateInput, ImageMediaType } from "./schema.ts";
import { IMAGE_TYPE, imageInventory, type ImageJobRequest, type ImageService } from "./service.ts";

/** Job type names of the template APIs (ZStack API names). */
export const TEMPLATE_JOBS = {
  fromRootVolume: "CreateRootVolumeTemplateFromRootVolume",
  fromVolume: "CreateDataVolumeTemplateFromVolume",
  fromSnapshot: "CreateRootVolumeTemplateFromVolumeSnapshot",
} as const;

/** Time hostd may take to flatten and upload one volume, ms. */
const EXPORT_TIMEOUT_MS = 7_200_000;

interface TemplateJobInput { imageUuid: string; volumeUuid: string; snapshotUuid?: string; baseUrl: string }

/**
 * Images made from volumes and snapshots (ZStack APICreateRootVolumeTemplateFromRootVolumeMsg,
 * APICreateDataVolumeTemplateFromVolumeMsg, APICreateRootVolumeTemplateFromVolumeSnapshotMsg).
 * The image is recorded at once with status Creating; the job has the volume's host flatten the
 * volume (its backing chain, or one internal snapshot's state) into a standalone qcow2 with
 * `qemu-img convert` and upload it to the first backup storage (`PUT /image-store/...`, see
 * ImageStoreService.receive), then checks it with qemu-img, copies it to the other backup
 * storages and marks the image Ready. Any failure, or a restart mid-way, removes the image and
 * its files. The volume's VM must be Stopped (or the volume detached) while this runs.
 */
export class ImageTemplateService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly quotas: QuotaService,
    private readonly hosts: HostService,
    private readonly volumes: VolumeService,
    private readonly images: ImageService,
    private readonly imageStore: ImageStoreService,
  ) {
    for (const name of Object.values(TEMPLATE_JOBS)) {
      jobs.register<TemplateJobInput>({
        name, resumable: false,
        perform: (i, ctx) => this.perform(i, ctx.caller),
        onInterrupted: (i) => this.images.discard(i.imageUuid),
      });
    }
  }

  /**
   * A RootVolumeTemplate from a VM's root volume. @throws ApiError SYS.1003 volume or backup
   * storage, SYS.1006 (409) volume not a Ready root volume, VM not Stopped (named), backup
   * storage unusable; ID.1003 image.num.
   */
  async fromRootVolume(caller: Caller, req: ImageJobRequest, volumeUuid: string, input: CreateTemplateInput): Promise<ApiReply> {
    const v = await this.volumes.get(caller, volumeUuid);
    if (v.type !== "Root") throw Errors.operationNotAllowed("Creating a root volume template", `volume ${v.uuid} is a ${v.type} volume`);
    return this.create(caller, req, v, undefined, "RootVolumeTemplate", TEMPLATE_JOBS.fromRootVolume, input);
  }

  /** A DataVolumeTemplate from any volume. @throws ApiError as {@link fromRootVolume}. */
  async fromVolume(caller: Caller, req: ImageJobRequest, volumeUuid: string, input: CreateTemplateInput): Promise<ApiReply> {
    const v = await this.volumes.get(caller, volumeUuid);
    return this.create(caller, req, v, undefined, "DataVolumeTemplate", TEMPLATE_JOBS.fromVolume, input);
  }

  /**
   * A RootVolumeTemplate from a snapshot's state (`qemu-img convert -l snapshot.name=<uuid>`).
   * @throws ApiError SYS.1003 snapshot, SYS.1006 (409) snapshot not Ready, VM not Stopped; as {@link fromRootVolume}.
   */
  async fromSnapshot(caller: Caller, req: ImageJobRequest, snapshotUuid: string, input: CreateTemplateInput): Promise<ApiReply> {
    const s = await this.prisma.volumeSnapshot.findFirst({ where: { uuid: snapshotUuid, ...(caller.isAdmin ? {} : { accountUuid: caller.accountUuid }) } });
    if (!s) throw Errors.resourceNotFound("VolumeSnapshot", snapshotUuid);
    if (s.status !== "Ready") throw Errors.operationNotAllowed("Creating a template from the snapshot", `snapshot ${s.uuid} is ${s.status}`);
    const v = await this.prisma.volume.findUnique({ where: { uuid: s.volumeUuid } });
    if (!v) throw Errors.resourceNotFound("Volume", s.volumeUuid);
    return this.create(caller, req, v, s.uuid, "RootVolumeTemplate", TEMPLATE_JOBS.fromSnapshot, input);
  }

  private async create(caller: Caller, req: ImageJobRequest, v: Volume, snapshotUuid: string | undefined, mediaType: ImageMediaType,
    jobType: string, input: CreateTemplateInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const what = "Creating an image from the volume";
    if (v.status !== "Ready" || !v.installPath) throw Errors.operationNotAllowed(what, `volume ${v.uuid} is ${v.status}; it needs to be Ready`);
    const vm = v.vmInstanceUuid ? await this.prisma.vmInstance.findUnique({ where: { uuid: v.vmInstanceUuid } }) : null;
    if (vm && vm.state !== "Stopped") throw Errors.operationNotAllowed(what, `the VM ${vm.uuid} is ${vm.state}; stop it first`);
    const p = input.params;
    const storages = await this.images.usableBackupStorages(p.backupStorageUuids);
    const used = await this.prisma.image.count({ where: { accountUuid: caller.accountUuid } });
    await this.quotas.check(caller, "image.num", BigInt(used), 1n);
    const uuid = p.resourceUuid ?? newUuid();
    try {
      await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.image.create({
          data: {
            uuid, name: p.name, description: p.description ?? null,
            url: snapshotUuid ? `volumeSnapshot://${snapshotUuid}` : `volume://${v.uuid}`, format: "qcow2", mediaType,
            platform: p.platform ?? (mediaType === "RootVolumeTemplate" ? vm?.platform : undefined) ?? "Linux", guestOsType: p.guestOsType ?? null,
            architecture: p.architecture ?? vm?.architecture ?? "x86_64", state: "Enabled", status: "Creating", size: v.size, progress: 0,
            accountUuid: caller.accountUuid,
            backupStorageRefs: { create: storages.map((bs) => ({ backupStorageUuid: bs.uuid, installPath: join(bs.url, `${uuid}.qcow2`), status: "Creating" })) },
          },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: IMAGE_TYPE, accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: IMAGE_TYPE, newState: "Creating", accountUuid: caller.accountUuid });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("An image with that uuid", uuid);
      throw err;
    }
    return this.jobs.submit(caller, req, jobType, { imageUuid: uuid, volumeUuid: v.uuid, snapshotUuid, baseUrl: req.baseUrl } satisfies TemplateJobInput);
  }

  private async perform(i: TemplateJobInput, caller: Caller) {
    try {
      const image = await this.prisma.image.findUniqueOrThrow({
        where: { uuid: i.imageUuid }, include: { backupStorageRefs: { include: { backupStorage: true }, orderBy: { createDate: "asc" } } },
      });
      const [first, ...others] = image.backupStorageRefs;
      if (!first) throw Errors.operationNotAllowed("Creating the image", "it has no backup storage");
      const v = await this.prisma.volume.findUniqueOrThrow({ where: { uuid: i.volumeUuid } });
      const host = await this.volumes.hostFor(v);
      const { url, token } = this.imageStore.uploadUrl(i.imageUuid, first.backupStorageUuid, i.baseUrl);
      const r = await commandHostd<{ size: number; upload: { size?: number; md5?: string; sha256?: string } }>(this.hosts.endpoint(host), "/volume/export",
        { installPath: v.installPath, uploadUrl: url, token, ...(i.snapshotUuid ? { snapshotName: i.snapshotUuid } : {}) }, EXPORT_TIMEOUT_MS);
      const path = first.installPath;
      const actualSize = BigInt((await stat(path)).size);
      if (!r.upload?.sha256 || !r.upload.md5 || BigInt(r.upload.size ?? -1) !== actualSize) {
        throw ImageErrors.corrupt(`the upload of ${i.volumeUuid} did not arrive whole (${r.upload?.size ?? "?"} of ${r.size} bytes)`);
      }
      const info = await qemuImgInfo(path, "qcow2").catch((err: unknown) => {
        throw err instanceof QemuImgError ? ImageErrors.corrupt(`qemu-img cannot read the uploaded file: ${err.message}`) : err;
      });
      if (info.backingFile) throw ImageErrors.unsupported(`the exported qcow2 still has a backing file (${info.backingFile})`);
      await qemuImgCheck(path).catch((err: unknown) => {
        throw err instanceof QemuImgError ? ImageErrors.corrupt(`qemu-img check failed: ${err.message}`) : err;
      });
      const usedSize = await this.prisma.image.aggregate({ where: { accountUuid: image.accountUuid, uuid: { not: image.uuid } }, _sum: { actualSize: true } });
      await this.quotas.check(caller, "image.size", usedSize._sum.actualSize ?? 0n, actualSize);
      for (const ref of others) await copyFile(path, ref.installPath, constants.COPYFILE_EXCL);
      await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.image.update({
          where: { uuid: image.uuid },
          data: { status: "Ready", size: BigInt(info.virtualSize), actualSize, md5sum: r.upload.md5!, sha256: r.upload.sha256!, progress: 100 },
        });
        await tx.imageBackupStorageRef.updateMany({ where: { imageUuid: image.uuid }, data: { status: "Ready" } });
        await emit({ type: "ResourceStatusChanged", resourceUuid: image.uuid, resourceType: IMAGE_TYPE, oldState: "Creating", newState: "Ready", accountUuid: image.accountUuid });
      });
      return { inventory: imageInventory(await this.prisma.image.findUniqueOrThrow({ where: { uuid: image.uuid }, include: { backupStorageRefs: { orderBy: { createDate: "asc" } } } })) };
    } catch (err) {
      await this.images.discard(i.imageUuid);
      throw err;
    }
  }
}
