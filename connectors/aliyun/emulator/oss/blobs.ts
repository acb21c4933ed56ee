import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, readdirSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { EmulatorState } from "../core/state.ts";

/** A stored body: its id in the store, length in bytes and MD5 digest. */
export interface Blob {
  id: string;
  size: number;
  md5: Buffer;
}

/** Inclusive byte range, as in `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where object and part bodies live. The state file only references them by id, so bodies of
 * hundreds of MB never pass through JSON; on disk they are streamed and never held in memory.
 */
export interface BlobStore {
  /** Consumes `body` fully and stores it. */
  write(body: Readable): Promise<Blob>;
  /** The bytes of a blob, or of `range` of it. */
  read(id: string, range?: ByteRange): Readable;
  /** A new blob holding the given blobs one after the other (CompleteMultipartUpload). */
  concat(ids: string[]): Promise<Blob>;
  /** Forgets a blob; unknown ids are ignored. */
  remove(id: string): Promise<void>;
}

const stores = new WeakMap<EmulatorState, BlobStore>();

/**
 * The store for a state: files under `<dataDir>/oss/blobs/` when the state is persisted (so
 * bodies survive a restart with it), memory otherwise. One per state, reused across requests.
 * On first use of a directory, files the state does not reference (`referenced()`: blob ids)
 * are deleted: bodies whose records a crash kept from reaching state.json, half-written uploads.
 */
export function blobStoreFor(state: EmulatorState, referenced: () => Set<string>): BlobStore {
  let store = stores.get(state);
  if (!store) {
    const dir = state.blobDir(join("oss", "blobs"));
    if (dir) sweep(dir, referenced());
    store = dir ? new DiskBlobStore(dir) : new MemoryBlobStore();
    stores.set(state, store);
  }
  return store;
}

function sweep(dir: string, keep: Set<string>): void {
  for (const name of readdirSync(dir)) if (!keep.has(name)) rmSync(join(dir, name), { force: true });
}

function newBlobId(): string {
  return randomBytes(16).toString("hex");
}

/** A pass-through that counts and hashes what flows through it. */
function measuring(): { stream: Transform; result: () => { size: number; md5: Buffer } } {
  const hash = createHash("md5");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, md5: hash.digest() }) };
}

class DiskBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private path(id: string): string {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`bad blob id ${id}`);
    return join(this.dir, id);
  }

  async write(body: Readable): Promise<Blob> {
    const id = newBlobId();
    const tmp = `${this.path(id)}.tmp`;
    const m = measuring();
    try {
      await pipeline(body, m.stream, createWriteStream(tmp));
      // the final name appears only once the body is complete, so a crash leaves no half blob
      await rename(tmp, this.path(id));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { id, ...m.result() };
  }

  read(id: string, range?: ByteRange): Readable {
    return createReadStream(this.path(id), range ? { start: range.start, end: range.end } : {});
  }

  async concat(ids: string[]): Promise<Blob> {
    const sources = ids.map((id) => this.path(id));
    async function* chained() {
      for (const file of sources) yield* createReadStream(file);
    }
    return this.write(Readable.from(chained()));
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
  }
}

class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();

  async write(body: Readable): Promise<Blob> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    return this.keep(Buffer.concat(chunks));
  }

  read(id: string, range?: ByteRange): Readable {
    const buf = this.blobs.get(id) ?? Buffer.alloc(0);
    const out = new PassThrough();
    out.end(range ? buf.subarray(range.start, range.end + 1) : buf);
    return out;
  }

  async concat(ids: string[]): Promise<Blob> {
    return this.keep(Buffer.concat(ids.map((id) => this.blobs.get(id) ?? Buffer.alloc(0))));
  }

  async remove(id: string): Promise<void> {
    this.blobs.delete(id);
  }

  private keep(buf: Buffer): Blob {
    const id = newBlobId();
    this.blobs.set(id, buf);
    return { id, size: buf.length, md5: createHash("md5").update(buf).digest() };
  }
}
