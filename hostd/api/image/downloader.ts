/**
 * Image downloads from the management node's image store onto this host (ZStack kvmagent's
 * image-store download). The real downloader streams the file to `<installPath>.part`, hashing
 * it, and renames it into place only when complete and verified, so a reader never sees a
 * partial image; the sim downloader only records the path.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { Logger } from "pino";
import { KeyedMutex } from "../../keyed-mutex.ts";
import type { DownloadImageCmd } from "./schema.ts";

/** Failure codes of image commands, sent as `code` of a `success: false` reply (HTTP 200). */
export type ImageErrorCode = "IMAGE_DOWNLOAD_FAILED" | "IMAGE_CHECKSUM_MISMATCH";

/** An image command that ran and failed. */
export class ImageCommandError extends Error {
  override readonly name = "ImageCommandError";
  constructor(readonly code: ImageErrorCode, message: string) {
    super(message);
  }
}

/** What a finished download reports: the path and its size in bytes. */
export interface DownloadResult {
  installPath: string;
  size: number;
}

/** Downloads images to this host. */
export interface ImageDownloader {
  /** @throws ImageCommandError IMAGE_DOWNLOAD_FAILED or IMAGE_CHECKSUM_MISMATCH; other errors for local I/O failures. */
  download(cmd: DownloadImageCmd): Promise<DownloadResult>;
}

/** Downloads over HTTP(S) into the real filesystem. One download per installPath at a time. */
export class HttpImageDownloader implements ImageDownloader {
  private readonly locks = new KeyedMutex();

  constructor(private readonly log: Logger) {}

  download(cmd: DownloadImageCmd): Promise<DownloadResult> {
    return this.locks.run(cmd.installPath, () => this.fetchTo(cmd));
  }

  private async fetchTo(cmd: DownloadImageCmd): Promise<DownloadResult> {
    const part = `${cmd.installPath}.part`;
    await mkdir(dirname(cmd.installPath), { recursive: true });
    const started = Date.now();
    try {
      let res: Response;
      try {
        res = await fetch(cmd.url, { headers: { authorization: `Bearer ${cmd.token}`, "accept-encoding": "identity" }, redirect: "error" });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new ImageCommandError("IMAGE_DOWNLOAD_FAILED", `cannot reach ${cmd.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        throw new ImageCommandError("IMAGE_DOWNLOAD_FAILED", `${cmd.url} answered HTTP ${res.status}`);
      }
      const hash = createHash("sha256");
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), tap, createWriteStream(part, { mode: 0o644 }));
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.syscall === "open" || e.syscall === "write") throw err;
        throw new ImageCommandError("IMAGE_DOWNLOAD_FAILED", `download of ${cmd.url} broke off: ${e.message}`);
      }
      const size = (await stat(part)).size;
      const expectedLength = Number(res.headers.get("content-length") ?? NaN);
      if (Number.isSafeInteger(expectedLength) && expectedLength !== size) {
        throw new ImageCommandError("IMAGE_DOWNLOAD_FAILED", `got ${size} bytes of ${expectedLength} from ${cmd.url}`);
      }
      const sha256 = hash.digest("hex");
      if (cmd.sha256 && cmd.sha256.toLowerCase() !== sha256) {
        throw new ImageCommandError("IMAGE_CHECKSUM_MISMATCH", `sha256 of the downloaded file is ${sha256}, expected ${cmd.sha256.toLowerCase()}`);
      }
      await rename(part, cmd.installPath);
      this.log.info({ url: cmd.url, installPath: cmd.installPath, size, ms: Date.now() - started }, "image downloaded");
      return { installPath: cmd.installPath, size };
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }
}

/** Simulator hosts: nothing is downloaded; the path is remembered (tests can read `downloaded`). */
export class SimImageDownloader implements ImageDownloader {
  /** installPath → url of every "download", in order. */
  readonly downloaded = new Map<string, string>();

  async download(cmd: DownloadImageCmd): Promise<DownloadResult> {
    this.downloaded.set(cmd.installPath, cmd.url);
    return { installPath: cmd.installPath, size: 0 };
  }
}
