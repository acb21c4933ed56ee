import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";

/** Result of a transfer: bytes written and their digests (hex). */
export interface TransferResult {
  bytes: number;
  md5: string;
  sha256: string;
}

/** The source could not be read: HTTP status ≥ 400, connection refused, missing file, ... */
export class TransferError extends Error {
  override readonly name = "TransferError";
}

/**
 * Copies `url` (http:, https: or file:) into a new file `dest` (must not exist), hashing
 * (MD5 and SHA-256) as bytes stream through. `onProgress(received, total)` is called per
 * chunk; `total` (bytes) is the Content-Length or the file's size, undefined when unknown.
 * Redirects are followed (at most 5). A partially written `dest` is left for the caller.
 * @throws TransferError when the source cannot be read; other errors for local I/O failures.
 */
export async function transfer(url: URL, dest: string, onProgress?: (received: number, total: number | undefined) => void): Promise<TransferResult> {
  const { source, total } = await openSource(url);
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
      onProgress?.(bytes, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, createWriteStream(dest, { flags: "wx", mode: 0o640 }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Local write failures (ENOSPC, EACCES on dest) are not the URL's fault.
    if (e.syscall === "open" || e.syscall === "write") throw err;
    throw new TransferError(`reading the source failed after ${bytes} bytes: ${e.message}`);
  }
  if (total !== undefined && bytes !== total) throw new TransferError(`got ${bytes} bytes, expected ${total}`);
  return { bytes, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}

async function openSource(url: URL): Promise<{ source: Readable; total: number | undefined }> {
  if (url.protocol === "file:") {
    const path = fileURLToPath(url);
    const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new TransferError(err.code === "ENOENT" ? "no such file" : err.message);
    });
    if (!st.isFile()) throw new TransferError("not a regular file");
    return { source: createReadStream(path), total: st.size };
  }
  let res: Response;
  try {
    res = await fetchFollowing(url, 5);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TransferError(cause?.code ?? cause?.message ?? (err as Error).message);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new TransferError(`HTTP ${res.status} ${res.statusText}`.trim());
  }
  const length = Number(res.headers.get("content-length") ?? NaN);
  const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
  return {
    source: Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
    // With a content-encoding the length is of the encoded body, not of what we write.
    total: Number.isSafeInteger(length) && length >= 0 && !encoded ? length : undefined,
  };
}

/** fetch with manual redirects, so that an http(s) URL cannot redirect to another scheme. */
async function fetchFollowing(url: URL, hopsLeft: number): Promise<Response> {
  const res = await fetch(url, { redirect: "manual", headers: { "accept-encoding": "identity" } });
  const location = res.headers.get("location");
  if (res.status >= 300 && res.status < 400 && location) {
    await res.body?.cancel().catch(() => undefined);
    const next = new URL(location, url);
    if (hopsLeft <= 0) throw new TransferError("too many redirects");
    if (next.protocol !== "http:" && next.protocol !== "https:") throw new TransferError(`redirect to ${next.protocol} refused`);
    return fetchFollowing(next, hopsLeft - 1);
  }
  return res;
}
