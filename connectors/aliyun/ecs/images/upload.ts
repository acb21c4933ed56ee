import { stat } from "node:fs/promises";
import type { DataCenter, EcsImage } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../../server/db/errors.ts";
import { ApiError, Errors } from "../../../../server/errors/catalogue.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { AliyunContext } from "../../context.ts";
import { remote } from "../../errors.ts";
import { ossBucketFor } from "../../oss/part.ts";
import type { AliyunConnection } from "../../remote.ts";
import { dataCenterFor, DEFAULT_WAIT, GiB, remoteFailed, waitUntil, type WaitPolicy } from "../common.ts";
import type { CreateEcsImageInput } from "./schema.ts";
import { ecsImageInventory, UPLOAD_PLACEHOLDER, type AliyunImage, type EcsImageService } from "./service.ts";

/** Job type of CreateEcsImageFromLocalImage. */
export const ECS_IMAGE_UPLOAD_JOB = "aliyun.ecs.image.upload";

/** Input of the upload job: the EcsImage row made at submit time and the file to send. */
interface UploadJobInput {
  ecsImageUuid: string;
  /** Absolute path of the image file on this management node (ImageStore installPath). */
  path: string;
  /** qcow2 | raw. */
  format: string;
  /** Virtual size in bytes, 0 when unknown. */
  size: number;
}

/**
 * Uploads a local image to an ECS custom image (ZStack CreateEcsImageFromLocalImage) as a
 * durable job: the file on the ImageStore backup storage goes to the data center's OSS bucket
 * by multipart upload (the OSS part's ossBucketFor: current bucket, else one it creates), then ImportImage
 * (with the row's uuid as ClientToken, so a resumed job never imports twice) and polls
 * DescribeImages until Available. Progress lives in the EcsImage row: status Uploading with the
 * upload's percent, then Alibaba's status and Progress.
 */
export class EcsImageUploader {
  /** How the job waits for the import; tests may shorten it. */
  wait: WaitPolicy = { ...DEFAULT_WAIT, timeoutMs: 60 * 60_000 };

  constructor(private readonly ctx: AliyunContext, private readonly images: EcsImageService) {
    ctx.jobs.register<UploadJobInput>({
      name: ECS_IMAGE_UPLOAD_JOB, resumable: true,
      perform: (i) => this.perform(i),
    });
  }

  /**
   * Checks the local image and its file, records the EcsImage (status Uploading, 0%) and
   * submits the job. @throws SYS.1003 unknown image / data center / backup storage copy,
   * SYS.1006 (409) image not Ready or not qcow2/raw.
   */
  async create(caller: Caller, req: JobRequest, input: CreateEcsImageInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const prisma = this.ctx.prisma;
    const dc = await dataCenterFor(prisma, caller, p.dataCenterUuid);
    const image = await prisma.image.findFirst({ where: { uuid: p.imageUuid, ...ownedBy(caller) }, include: { backupStorageRefs: { include: { backupStorage: true } } } });
    if (!image) throw Errors.resourceNotFound("Image", p.imageUuid);
    if (image.status !== "Ready") throw Errors.operationNotAllowed("Uploading this image", `it is ${image.status}; it must be Ready`);
    if (!["qcow2", "raw"].includes(image.format)) throw Errors.operationNotAllowed("Uploading this image", `its format is ${image.format}; Alibaba imports qcow2 or raw disk images`);
    const ref = image.backupStorageRefs.find((r) => r.status === "Ready" && r.backupStorage.type === "ImageStore"
      && (!p.backupStorageUuid || r.backupStorageUuid === p.backupStorageUuid));
    if (!ref) throw Errors.resourceNotFound("Ready copy on an ImageStore backup storage of Image", p.imageUuid);
    await stat(ref.installPath).catch(() => {
      throw Errors.operationNotAllowed("Uploading this image", `its file ${ref.installPath} is missing on the management node`);
    });
    const uuid = p.resourceUuid ?? newUuid();
    try {
      await this.ctx.events.transaction(prisma, async (tx, emit) => {
        await tx.ecsImage.create({
          data: {
            uuid, dataCenterUuid: dc.uuid, ecsImageId: `${UPLOAD_PLACEHOLDER}${uuid}`, name: p.name, description: p.description ?? null,
            type: "self", platform: p.platform ?? (image.platform === "Windows" ? "Windows Server 2022" : "Others Linux"),
            osType: image.platform === "Windows" ? "windows" : "linux", architecture: image.architecture === "aarch64" ? "arm64" : "x86_64",
            ecsImageSize: image.size > 0n ? image.size : null, status: "Uploading", progress: "0%", localImageUuid: image.uuid,
            accountUuid: caller.accountUuid,
          },
        });
        await this.ctx.tags.attachOnCreate(tx, { uuid, resourceType: "EcsImage", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsImage", newState: "Uploading", accountUuid: caller.accountUuid });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("An ECS image with that uuid", uuid);
      throw err;
    }
    return this.ctx.jobs.submit(caller, req, ECS_IMAGE_UPLOAD_JOB,
      { ecsImageUuid: uuid, path: ref.installPath, format: image.format, size: Number(image.size) } satisfies UploadJobInput);
  }

  private async perform(i: UploadJobInput) {
    const prisma = this.ctx.prisma;
    let row = await prisma.ecsImage.findUnique({ where: { uuid: i.ecsImageUuid } });
    if (!row) throw Errors.resourceNotFound("EcsImage", i.ecsImageUuid);
    const dc = await prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    try {
      if (row.ecsImageId.startsWith(UPLOAD_PLACEHOLDER)) row = await this.uploadAndImport(row, dc, conn, i);
      const imageId = row.ecsImageId;
      await waitUntil(
        async () => (await remote(() => this.images.describe(conn, dc.regionId, { ImageId: imageId, ImageOwnerAlias: "self" })))[0],
        (img) => !img || img.Status === "Available" || img.Status === "CreateFailed" || img.Status === "UnAvailable",
        (img) => ({ what: "ECS image", id: imageId, wanted: "Available", seen: img?.Status ?? "gone" }),
        this.wait,
        async (img) => {
          if (img) await prisma.ecsImage.update({ where: { uuid: i.ecsImageUuid }, data: stageOf(img) });
        },
      ).then((img) => {
        if (!img) throw Errors.resourceNotFound("ECS image on Alibaba", imageId);
        if (img.Status !== "Available") throw remoteFailed("image import", imageId, img.Status);
      });
    } catch (err) {
      await prisma.ecsImage.updateMany({ where: { uuid: i.ecsImageUuid, status: { not: "Available" } }, data: { status: "Failed" } });
      throw err;
    }
    return { inventory: ecsImageInventory(await prisma.ecsImage.findUniqueOrThrow({ where: { uuid: i.ecsImageUuid } })) };
  }

  /** Multipart upload to OSS with progress in the row, then ImportImage; returns the row with Alibaba's ImageId. */
  private async uploadAndImport(row: EcsImage, dc: DataCenter, conn: AliyunConnection, i: UploadJobInput): Promise<EcsImage> {
    const prisma = this.ctx.prisma;
    const bucket = await ossBucketFor(this.ctx, dc.uuid);
    const key = `strata-images/${row.uuid}.${i.format}`;
    const bytes = (await stat(i.path)).size;
    let shown = -1;
    await prisma.ecsImage.update({ where: { uuid: row.uuid }, data: { status: "Uploading", progress: "0%" } });
    await conn.oss(dc.regionId, bucket.bucketName).multipartUpload(key, i.path, {
      // ali-oss requires parts of at least 100 KiB; Alibaba allows 10 000 parts.
      partSize: Math.max(100 * 1024, Math.ceil(bytes / 9000)),
      progress: async (p) => {
        const pct = Math.floor(p * 100);
        if (pct === shown) return;
        shown = pct;
        await prisma.ecsImage.update({ where: { uuid: row.uuid }, data: { progress: `${pct}%` } });
      },
    }).catch((err: unknown) => {
      const e = err as { code?: string; message?: string };
      throw new ApiError(`ALIYUN.${e.code ?? "OssError"}`, 502, "Uploading the image to OSS failed", e.message);
    });
    const sizeGiB = i.size > 0 ? Math.max(1, Math.ceil(i.size / Number(GiB))) : undefined;
    const r = await remote(() => conn.rpc.call<{ ImageId: string }>("Ecs", dc.regionId, "ImportImage", {
      ImageName: row.name, Description: row.description ?? undefined, Platform: row.platform ?? undefined, OSType: row.osType ?? undefined,
      Architecture: row.architecture ?? undefined,
      "DiskDeviceMapping.1.OSSBucket": bucket.bucketName, "DiskDeviceMapping.1.OSSObject": key,
      "DiskDeviceMapping.1.Format": i.format === "raw" ? "RAW" : "QCOW2", "DiskDeviceMapping.1.DiskImageSize": sizeGiB,
    }, { clientToken: row.uuid }));
    return prisma.ecsImage.update({ where: { uuid: row.uuid }, data: { ecsImageId: r.ImageId, status: "Waiting", progress: "0%" } });
  }
}

/** Row fields of an import as Alibaba reports it. */
function stageOf(img: AliyunImage) {
  return { status: img.Status, progress: img.Progress || null, ecsImageSize: img.Size !== undefined ? BigInt(img.Size) * GiB : undefined };
}
