import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";

/** Path prefix of the file endpoint hostds download images from (outside /v1, not in OpenAPI). */
export const IMAGE_STORE_PATH = "/image-store";

/** What an upload wrote: the file's path, its size and digests (hex). */
export interface ReceivedImage {
  /** `<backup storage url>/<imageUuid>.qcow2` on the management node. */
  path: string;
  /** Bytes. */
  size: number;
  md5: string;
  sha256: string;
}

/** A file ready to be streamed to a hostd. */
export interface ServedImage {
  /** Absolute path on the management node. */
  path: string;
  /** Bytes. */
  size: number;
}

/**
 * Serves the files of ImageStore backup storages to hostds (ZStack's image store, where the
 * agent pulls from the store over HTTP). Each download is authorised by a token bound to one
 * image on one backup storage: `HMAC-SHA256(key, "<backupStorageUuid>/<imageUuid>")` in hex,
 * sent as `Authorization: Bearer <token>`. The key is `<dataDir>/image-store.key` (32 random
 * bytes, hex, created with mode 0600 at first use), so tokens stay valid across restarts and
 * are worthless against another management node.
 */
export class ImageStoreService {
  private keyBytes: Buffer | undefined;

  constructor(private readonly prisma: PrismaClient, private readonly dataDir: string) {}

  /**
   * Where a hostd downloads an image from and the bearer token to send (see hostd
   * `POST /storage/image/download`). `baseUrl` is how hostds reach this management node,
   * e.g. `http://192.0.2.1:8080` (see {@link baseUrlFor}). Does not check that the image exists.
   */
  downloadUrl(imageUuid: string, backupStorageUuid: string, baseUrl: string): { url: string; token: string } {
    return {
      url: `${baseUrl.replace(/\/+$/, "")}${IMAGE_STORE_PATH}/${backupStorageUuid}/${imageUuid}`,
      token: this.token(backupStorageUuid, imageUuid),
    };
  }

  /**
   * `http://<hostname>` of a backup storage: the address given at add time (or the Host header
   * of that request). @throws ApiError SYS.1003 for an unknown backup storage.
   */
  async baseUrlFor(backupStorageUuid: string): Promise<string> {
    const bs = await this.prisma.backupStorage.findUnique({ where: { uuid: backupStorageUuid } });
    if (!bs) throw Errors.resourceNotFound("BackupStorage", backupStorageUuid);
    return `http://${bs.hostname ?? "127.0.0.1"}`;
  }

  /** The download token of one image on one backup storage (hex HMAC-SHA256). */
  token(backupStorageUuid: string, imageUuid: string): string {
    return createHmac("sha256", this.key()).update(`${backupStorageUuid}/${imageUuid}`).digest("hex");
  }

  /**
   * Where a hostd uploads a new image (a volume exported as a template) and the bearer token to
   * send: `PUT <baseUrl>/image-store/<backupStorageUuid>/<imageUuid>`. The upload token is
   * `HMAC-SHA256(key, "PUT <backupStorageUuid>/<imageUuid>")`, so a download token never
   * authorises an upload.
   */
  uploadUrl(imageUuid: string, backupStorageUuid: string, baseUrl: string): { url: string; token: string } {
    return {
      url: `${baseUrl.replace(/\/+$/, "")}${IMAGE_STORE_PATH}/${backupStorageUuid}/${imageUuid}`,
      token: createHmac("sha256", this.key()).update(`PUT ${backupStorageUuid}/${imageUuid}`).digest("hex"),
    };
  }

  /**
   * Receives `PUT /image-store/{backupStorageUuid}/{imageUuid}`: streams the body to
   * `<url>/<imageUuid>.part`, hashing it (MD5, SHA-256), then renames it to
   * `<url>/<imageUuid>.qcow2`. Only an image being created (status Creating) with a copy on that
   * backup storage accepts an upload; a repeated upload replaces the file. The caller (the
   * template job) inspects the file with qemu-img and records the image.
   * @throws ApiError ID.1001 (401) for a wrong or missing upload token; SYS.1003 (404) when no
   *   such image is being created there; SYS.1007 (400) when the body is cut short.
   */
  async receive(backupStorageUuid: string, imageUuid: string, authorization: string | undefined, body: Readable): Promise<ReceivedImage> {
    const presented = /^Bearer\s+([0-9a-f]{64})$/i.exec(authorization?.trim() ?? "")?.[1]?.toLowerCase();
    if (!presented || !sameSecret(presented, this.uploadUrl(imageUuid, backupStorageUuid, "").token)) {
      throw new ApiError("ID.1001", 401, "Send 'Authorization: Bearer <token>' with the upload token the management node issued for this image",
        presented ? "wrong token" : "no bearer token");
    }
    const ref = await this.prisma.imageBackupStorageRef.findUnique({
      where: { imageUuid_backupStorageUuid: { imageUuid, backupStorageUuid } },
      include: { backupStorage: { select: { type: true, url: true } }, image: { select: { status: true } } },
    });
    if (!ref || ref.image.status !== "Creating" || ref.backupStorage.type !== "ImageStore") {
      throw Errors.resourceNotFound("Image", `${imageUuid} being created on backup storage ${backupStorageUuid}`);
    }
    const part = join(ref.backupStorage.url, `${imageUuid}.part`);
    const path = join(ref.backupStorage.url, `${imageUuid}.qcow2`);
    const md5 = createHash("md5");
    const sha256 = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        sha256.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, createWriteStream(part, { mode: 0o640 }));
    } catch (err) {
      await rm(part, { force: true });
      const e = err as NodeJS.ErrnoException;
      if (e.syscall === "open" || e.syscall === "write") throw err;
      throw Errors.invalidArgument("The upload broke off; send the whole file", `after ${size} bytes: ${e.message}`);
    }
    await rename(part, path);
    return { path, size, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
  }

  /**
   * The file to stream for `GET /image-store/{backupStorageUuid}/{imageUuid}`.
   * @throws ApiError ID.1001 (401) when the Authorization header does not carry this image's
   *   token; SYS.1003 (404) when the image has no Ready copy there or its file is gone.
   */
  async open(backupStorageUuid: string, imageUuid: string, authorization: string | undefined): Promise<ServedImage> {
    const presented = /^Bearer\s+([0-9a-f]{64})$/i.exec(authorization?.trim() ?? "")?.[1]?.toLowerCase();
    if (!presented || !sameSecret(presented, this.token(backupStorageUuid, imageUuid))) {
      throw new ApiError("ID.1001", 401, "Send 'Authorization: Bearer <token>' with the token the management node issued for this image",
        presented ? "wrong token" : "no bearer token");
    }
    const ref = await this.prisma.imageBackupStorageRef.findUnique({
      where: { imageUuid_backupStorageUuid: { imageUuid, backupStorageUuid } },
      include: { backupStorage: { select: { type: true } } },
    });
    if (!ref || ref.status !== "Ready" || ref.backupStorage.type !== "ImageStore") {
      throw Errors.resourceNotFound("Image", `${imageUuid} on backup storage ${backupStorageUuid}`);
    }
    const st = await stat(ref.installPath).catch(() => undefined);
    if (!st?.isFile()) throw Errors.resourceNotFound("Image", `${imageUuid}: file ${ref.installPath} is missing`);
    return { path: ref.installPath, size: st.size };
  }

  private key(): Buffer {
    if (this.keyBytes) return this.keyBytes;
    const file = join(this.dataDir, "image-store.key");
    try {
      mkdirSync(this.dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    this.keyBytes = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    return this.keyBytes;
  }
}

/** Constant-time comparison of two secrets of any length (hashed first). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
