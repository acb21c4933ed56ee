import type { DataCenter, EcsImage, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { ApiError, Errors } from "../../../../server/errors/catalogue.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import type { AliyunContext } from "../../context.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { dataCenterFor, GiB } from "../common.ts";
import { ecsImageQuerySpec } from "./schema.ts";

/** ecsImageId of a row whose file is still being uploaded to OSS (Alibaba has no id for it yet). */
export const UPLOAD_PLACEHOLDER = "upload-";

/** Every status DescribeImages may report; Alibaba lists only Available ones unless asked. */
export const ALL_IMAGE_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated";

/** Job type of SyncEcsImageFromRemote (with its `type` filter). */
export const ECS_IMAGE_SYNC_JOB = "aliyun.ecs.image.sync";

/** An image as ECS DescribeImages returns it. */
export interface AliyunImage {
  ImageId: string;
  ImageName: string;
  Description?: string;
  Status: string;
  Progress?: string;
  OSType?: string;
  OSName?: string;
  Platform?: string;
  Architecture?: string;
  /** GiB. */
  Size?: number;
  ImageOwnerAlias: string;
  DiskDeviceMappings?: { DiskDeviceMapping?: { Format?: string }[] };
}

/** ZStack EcsImageInventory. */
export function ecsImageInventory(i: EcsImage) {
  const uploading = i.ecsImageId.startsWith(UPLOAD_PLACEHOLDER);
  return {
    uuid: i.uuid, localImageUuid: i.localImageUuid, ecsImageId: uploading ? null : i.ecsImageId, name: i.name,
    ecsImageSize: i.ecsImageSize === null ? null : Number(i.ecsImageSize), description: i.description, dataCenterUuid: i.dataCenterUuid,
    platform: i.platform, type: i.type as "system" | "self", osType: i.osType, architecture: i.architecture, status: i.status,
    progress: i.progress, format: null, osName: i.platform, ossMd5Sum: null, accountUuid: i.accountUuid,
    createDate: i.createDate.toISOString(), lastOpDate: i.lastOpDate.toISOString(),
  };
}

/** The EcsImage columns Alibaba's view determines. */
export function imageColumns(i: AliyunImage) {
  return {
    name: i.ImageName, description: i.Description || null, type: i.ImageOwnerAlias === "system" ? "system" : "self",
    platform: i.Platform || null, osType: i.OSType || null, architecture: i.Architecture || null,
    ecsImageSize: i.Size !== undefined ? BigInt(i.Size) * GiB : null, status: i.Status, progress: i.Progress || null,
  };
}

/**
 * ECS images (ZStack EcsImageVO): Alibaba's public images and the account's custom ones of a
 * data center (SyncEcsImageFromRemote, QueryEcsImageFromLocal, DeleteEcsImageRemote/Local,
 * UpdateEcsImage). Uploading a local image is {@link EcsImageUploader}.
 */
export class EcsImageService {
  private readonly prisma: PrismaClient;

  constructor(private readonly ctx: AliyunContext) {
    this.prisma = ctx.prisma;
    ctx.jobs.register<{ dataCenterUuid: string; type?: "system" | "self" }>({
      name: ECS_IMAGE_SYNC_JOB, resumable: true,
      perform: async (i) => {
        const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: i.dataCenterUuid } });
        const conn = await ctx.remote.forDataCenter(dc);
        return { results: { EcsImage: await remote(() => this.syncImages(dc, conn, i.type)) } };
      },
    });
  }

  /** The image if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<EcsImage> {
    const i = await this.prisma.ecsImage.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!i) throw Errors.resourceNotFound("EcsImage", uuid);
    return i;
  }

  /** ZStack QueryEcsImageFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ecsImageQuerySpec, delegate: this.prisma.ecsImage as never, caller, raw,
      scope: ownedBy(caller), toInventory: ecsImageInventory, csvName: "ecs-images",
    });
  }

  /** Submits SyncEcsImageFromRemote for one data center (only `type` images when given). */
  async submitSync(caller: Caller, req: JobRequest, dataCenterUuid: string, type?: "system" | "self"): Promise<ApiReply> {
    const dc = await dataCenterFor(this.prisma, caller, dataCenterUuid);
    return this.ctx.jobs.submit(caller, req, ECS_IMAGE_SYNC_JOB, { dataCenterUuid: dc.uuid, type });
  }

  /** Images of a region as Alibaba lists them (every status), system and/or the account's own. */
  async describe(conn: AliyunConnection, regionId: string, params: Record<string, unknown>): Promise<AliyunImage[]> {
    return conn.rpc.describeAll<AliyunImage>("Ecs", regionId, "DescribeImages", ["Images", "Image"], { Status: ALL_IMAGE_STATUSES, ...params });
  }

  /**
   * Sync step "EcsImage": public (system) and custom (self) images of the region get rows;
   * changed ones are updated, ones Alibaba no longer lists removed. Rows still uploading to OSS
   * are left alone.
   */
  async syncImages(dc: DataCenter, conn: AliyunConnection, type?: "system" | "self"): Promise<ReconcileResult> {
    const types = type ? [type] : ["system", "self"] as const;
    const images: AliyunImage[] = [];
    for (const t of types) images.push(...await this.describe(conn, dc.regionId, { ImageOwnerAlias: t }));
    const local = await this.prisma.ecsImage.findMany({
      where: { dataCenterUuid: dc.uuid, type: { in: [...types] }, NOT: { ecsImageId: { startsWith: UPLOAD_PLACEHOLDER } } },
    });
    return reconcile({
      remote: images, remoteId: (i) => i.ImageId, local, localId: (l) => l.ecsImageId,
      create: async (i) => {
        await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
          const uuid = newUuid();
          const row = await tx.ecsImage.upsert({
            where: { dataCenterUuid_ecsImageId: { dataCenterUuid: dc.uuid, ecsImageId: i.ImageId } },
            create: { uuid, dataCenterUuid: dc.uuid, ecsImageId: i.ImageId, accountUuid: dc.accountUuid, ...imageColumns(i) },
            update: {},
          });
          if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsImage", newState: i.Status, accountUuid: dc.accountUuid });
        });
      },
      changes: (l, i) => changedFields(l, imageColumns(i)),
      update: (l, data) => this.ctx.events.transaction(this.prisma, async (tx, emit) => {
        await tx.ecsImage.update({ where: { uuid: l.uuid }, data });
        if (data.status !== undefined) {
          await emit({ type: "ResourceStatusChanged", resourceUuid: l.uuid, resourceType: "EcsImage", oldState: l.status, newState: String(data.status), accountUuid: l.accountUuid });
        }
      }),
      remove: (l) => this.forget(l),
    });
  }

  /** Deletes the image on Alibaba (DeleteImage), then its record (DeleteEcsImageRemote). System images are refused by Alibaba. */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const img = await this.get(caller, uuid);
    if (img.type === "system") throw Errors.operationNotAllowed("Deleting an Alibaba public image", "only custom (self) images can be deleted remotely; use the local delete");
    if (!img.ecsImageId.startsWith(UPLOAD_PLACEHOLDER)) {
      const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: img.dataCenterUuid } });
      const conn = await this.ctx.remote.forDataCenter(dc);
      try {
        await remote(() => conn.rpc.call("Ecs", dc.regionId, "DeleteImage", { ImageId: img.ecsImageId }));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === "ALIYUN.InvalidImageId.NotFound")) throw err;
      }
    }
    await this.forget(img);
  }

  /** Deletes the record only (DeleteEcsImageLocal); a sync brings back images Alibaba still has. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    await this.forget(await this.get(caller, uuid));
  }

  /** Renames / re-describes (UpdateEcsImage → ModifyImageAttribute for custom images). */
  async update(caller: Caller, uuid: string, p: { name?: string; description?: string }) {
    const img = await this.get(caller, uuid);
    if (img.type === "self" && !img.ecsImageId.startsWith(UPLOAD_PLACEHOLDER)) {
      const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: img.dataCenterUuid } });
      const conn = await this.ctx.remote.forDataCenter(dc);
      await remote(() => conn.rpc.call("Ecs", dc.regionId, "ModifyImageAttribute", { ImageId: img.ecsImageId, ImageName: p.name, Description: p.description }));
    }
    return ecsImageInventory(await this.prisma.ecsImage.update({ where: { uuid }, data: p }));
  }

  /**
   * Progress of CreateEcsImageFromLocalImage for a local image (GetCreateEcsImageProgress):
   * the newest upload of that image into the data center.
   * @throws SYS.1003 when no upload of it exists.
   */
  async progress(caller: Caller, dataCenterUuid: string, imageUuid: string): Promise<{ progress: string; stage: string }> {
    const img = await this.prisma.ecsImage.findFirst({
      where: { dataCenterUuid, localImageUuid: imageUuid, ...ownedBy(caller) }, orderBy: { createDate: "desc" },
    });
    if (!img) throw Errors.resourceNotFound("EcsImage upload of Image", imageUuid);
    return { progress: img.progress ?? "0%", stage: img.status };
  }

  private async forget(img: EcsImage): Promise<void> {
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      await tx.ecsInstance.updateMany({ where: { ecsImageUuid: img.uuid }, data: { ecsImageUuid: null } });
      await tx.ecsImage.delete({ where: { uuid: img.uuid } });
      await this.ctx.tags.detachAll(tx, img.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: img.uuid, resourceType: "EcsImage", oldState: img.status, accountUuid: img.accountUuid });
    });
  }
}
