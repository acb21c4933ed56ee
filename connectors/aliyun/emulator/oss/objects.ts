import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream/promises";
import { commonHeaders, ossTime, readSmallBody, sendEmpty, sendXml, type OssCall } from "./call.ts";
import { OssErrors } from "./errors.ts";
import { objectAclFrom } from "./object-acl.ts";
import { findBucket, objectTable, persistBeforeDeletingBodies, requireBucket, requireObject, userMetaFrom, type OssObjectRecord } from "./repository.ts";
import { xmlElements, xmlText } from "./xml.ts";

/** OSS limits object names to 1–1023 bytes of UTF-8. */
export function checkObjectName(key: string): void {
  const bytes = Buffer.byteLength(key);
  if (bytes < 1 || bytes > 1023) throw OssErrors.invalidObjectName(key);
}

/** The `Content-MD5` header as raw digest bytes, if sent. @throws OssError InvalidDigest when malformed. */
export function contentMd5(req: IncomingMessage): Buffer | undefined {
  const header = req.headers["content-md5"];
  if (header === undefined) return undefined;
  const digest = Buffer.from(String(header), "base64");
  if (digest.length !== 16) throw OssErrors.invalidDigest();
  return digest;
}

/** ETag as OSS sends it: quoted uppercase hex. */
export function quotedEtag(etag: string): string {
  return `"${etag}"`;
}

/** Stores `record` under its bucket/key, dropping the body it replaces. */
export async function saveObject(call: OssCall, accountId: string, record: OssObjectRecord): Promise<void> {
  const table = objectTable(call.state, accountId);
  const id = `${record.bucket}/${record.key}`;
  const previous = table[id];
  table[id] = { ...record };
  call.state.changed();
  if (previous && previous.__blob !== record.__blob) {
    persistBeforeDeletingBodies(call.state);
    await call.blobs.remove(previous.__blob);
  }
}

/**
 * PutObject: streams the body into the blob store (never buffered whole on disk-backed state).
 * Headers: Content-Type, Content-MD5 (verified), `x-oss-storage-class`, `x-oss-meta-*`.
 * → 200 with `ETag: "<MD5 HEX>"`. @throws OssError NoSuchBucket, AccessDenied, BadDigest, InvalidObjectName.
 */
export async function putObject(call: OssCall): Promise<void> {
  const { accountId, bucket } = requireBucket(call, "write");
  const key = call.target.key!;
  checkObjectName(key);
  checkOverwrite(call, accountId, bucket.Name, key);
  const acl = objectAclFrom(call);
  const expectedMd5 = contentMd5(call.req);
  const blob = await call.blobs.write(call.req);
  if (expectedMd5 && !expectedMd5.equals(blob.md5)) {
    await call.blobs.remove(blob.id);
    throw OssErrors.badDigest();
  }
  const etag = blob.md5.toString("hex").toUpperCase();
  await saveObject(call, accountId, {
    bucket: bucket.Name,
    key,
    size: blob.size,
    etag,
    lastModified: ossTime(call.now),
    contentType: call.req.headers["content-type"] || "application/octet-stream",
    storageClass: String(call.req.headers["x-oss-storage-class"] ?? bucket.StorageClass),
    objectType: "Normal",
    userMeta: userMetaFrom(call.req.headers),
    acl,
    __blob: blob.id,
  });
  sendEmpty(call, 200, { ETag: quotedEtag(etag), "Content-MD5": blob.md5.toString("base64") });
}

/**
 * CopyObject (PUT with `x-oss-copy-source: /<bucket>/<url-encoded key>`); metadata is copied
 * unless `x-oss-metadata-directive: REPLACE`. → `CopyObjectResult{ETag, LastModified}`.
 */
export async function copyObject(call: OssCall): Promise<void> {
  const { accountId, bucket } = requireBucket(call, "write");
  const key = call.target.key!;
  checkObjectName(key);
  checkOverwrite(call, accountId, bucket.Name, key);
  const source = String(call.req.headers["x-oss-copy-source"]);
  const m = /^\/?([^/]+)\/(.+)$/.exec(source);
  if (!m) throw OssErrors.invalidArgument("x-oss-copy-source", source, "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.");
  const [srcBucket, srcKey] = [m[1]!, decodeURIComponent(m[2]!)];
  const src = findBucket(call.state, srcBucket);
  if (!src) throw OssErrors.noSuchBucket(srcBucket);
  if (src.accountId !== call.caller.accountId && src.bucket.Acl === "private") throw OssErrors.accessDenied();
  const original = objectTable(call.state, src.accountId)[`${srcBucket}/${srcKey}`];
  if (!original) throw OssErrors.noSuchKey(srcKey);
  const replace = call.req.headers["x-oss-metadata-directive"] === "REPLACE";
  const blob = await call.blobs.concat([original.__blob]);
  const record: OssObjectRecord = {
    ...original,
    bucket: bucket.Name,
    key,
    lastModified: ossTime(call.now),
    contentType: replace ? call.req.headers["content-type"] || "application/octet-stream" : original.contentType,
    userMeta: replace ? userMetaFrom(call.req.headers) : { ...original.userMeta },
    storageClass: String(call.req.headers["x-oss-storage-class"] ?? original.storageClass),
    acl: objectAclFrom(call),
    __blob: blob.id,
  };
  await saveObject(call, accountId, record);
  sendXml(call, 200, "CopyObjectResult", { ETag: quotedEtag(record.etag), LastModified: record.lastModified }, { ETag: quotedEtag(record.etag) });
}

/**
 * `x-oss-forbid-overwrite: true` on a write: the key must not exist yet.
 * @throws OssError FileAlreadyExists 409.
 */
export function checkOverwrite(call: OssCall, accountId: string, bucket: string, key: string): void {
  if (String(call.req.headers["x-oss-forbid-overwrite"]).toLowerCase() !== "true") return;
  if (objectTable(call.state, accountId)[`${bucket}/${key}`]) throw OssErrors.fileAlreadyExists(key);
}

function objectHeaders(o: OssObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": o.contentType,
    ETag: quotedEtag(o.etag),
    "Last-Modified": new Date(o.lastModified).toUTCString(),
    "Accept-Ranges": "bytes",
    "x-oss-object-type": o.objectType,
    "x-oss-storage-class": o.storageClass,
  };
  for (const [k, v] of Object.entries(o.userMeta)) headers[`x-oss-meta-${k}`] = v;
  return headers;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive range; null when malformed (OSS then sends the whole object). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | "unsatisfiable" {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return { start, end };
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-type": "Content-Type",
  "response-content-language": "Content-Language",
  "response-expires": "Expires",
  "response-cache-control": "Cache-Control",
  "response-content-disposition": "Content-Disposition",
  "response-content-encoding": "Content-Encoding",
};

/**
 * GetObject, with `Range` (206 + Content-Range; a start past the end → 416 InvalidRange; a
 * malformed range → the whole object, as OSS) and `response-*` header overrides.
 * @throws OssError NoSuchBucket, NoSuchKey, AccessDenied, InvalidRange.
 */
export async function getObject(call: OssCall): Promise<void> {
  const { object } = requireObject(call);
  if (notModified(call, object)) return;
  const headers = { ...commonHeaders(call), ...objectHeaders(object) };
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = call.target.query.get(param);
    if (v !== null) headers[header] = v;
  }
  const range = parseRange(call.req.headers.range, object.size);
  if (range === "unsatisfiable") throw OssErrors.invalidRange(object.size);
  if (range) {
    headers["Content-Range"] = `bytes ${range.start}-${range.end}/${object.size}`;
    headers["Content-Length"] = String(range.end - range.start + 1);
    call.res.writeHead(206, headers);
  } else {
    headers["Content-Length"] = String(object.size);
    call.res.writeHead(200, headers);
  }
  if (object.size === 0) return void call.res.end();
  try {
    await pipeline(call.blobs.read(object.__blob, range ?? undefined), call.res);
  } catch (err) {
    // a client that hangs up mid-download is no emulator failure
    if ((err as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw err;
  }
}

/**
 * Applies If-Match / If-Unmodified-Since (412 PreconditionFailed) and If-None-Match /
 * If-Modified-Since (304, sent here); true when the 304 went out. Dates are compared in whole
 * seconds, the resolution of Last-Modified.
 */
function notModified(call: OssCall, o: OssObjectRecord): boolean {
  const h = call.req.headers;
  const etag = quotedEtag(o.etag);
  const modified = Math.floor(Date.parse(o.lastModified) / 1000);
  const since = (v: string | undefined) => (v ? Math.floor(Date.parse(v) / 1000) : NaN);
  const matches = (list: string) => list.split(",").some((t) => t.trim() === "*" || t.trim().toUpperCase() === etag);
  if (h["if-match"] !== undefined && !matches(h["if-match"])) throw OssErrors.preconditionFailed("If-Match");
  if (modified > since(h["if-unmodified-since"])) throw OssErrors.preconditionFailed("If-Unmodified-Since");
  const unchanged = h["if-none-match"] !== undefined ? matches(h["if-none-match"]) : modified <= since(h["if-modified-since"]);
  if (!unchanged) return false;
  call.res.writeHead(304, { ...commonHeaders(call), ETag: etag, "Last-Modified": new Date(o.lastModified).toUTCString() });
  call.res.end();
  return true;
}

/** HeadObject and GetObjectMeta (`HEAD ?objectMeta`): GetObject's headers without the body. */
export function headObject(call: OssCall): void {
  const { object } = requireObject(call);
  if (notModified(call, object)) return;
  call.res.writeHead(200, { ...commonHeaders(call), ...objectHeaders(object), "Content-Length": String(object.size) });
  call.res.end();
}

/** DeleteObject: 204 whether or not the key existed, as OSS. */
export async function deleteObject(call: OssCall): Promise<void> {
  const { accountId, bucket } = requireBucket(call, "write");
  await removeObject(call, accountId, bucket.Name, call.target.key!);
  sendEmpty(call, 204);
}

async function removeObject(call: OssCall, accountId: string, bucket: string, key: string): Promise<void> {
  const table = objectTable(call.state, accountId);
  const existing = table[`${bucket}/${key}`];
  if (!existing) return;
  delete table[`${bucket}/${key}`];
  persistBeforeDeletingBodies(call.state);
  await call.blobs.remove(existing.__blob);
}

/**
 * DeleteMultipleObjects (`POST ?delete`), body `Delete{Quiet, Object[{Key}]}` (≤ 1000 keys).
 * → `DeleteResult{Deleted[{Key}]}`, empty when Quiet.
 */
export async function deleteMultipleObjects(call: OssCall): Promise<void> {
  const { accountId, bucket } = requireBucket(call, "write");
  const body = await readSmallBody(call.req);
  if (!/<Delete[\s>]/.test(body)) throw OssErrors.malformedXml();
  const quiet = xmlText(body, "Quiet")?.trim() === "true";
  const keys = xmlElements(body, "Object").map((o) => xmlText(o, "Key") ?? "");
  if (keys.length > 1000) throw OssErrors.malformedXml();
  for (const key of keys) await removeObject(call, accountId, bucket.Name, key);
  const urlEncoded = call.target.query.get("encoding-type") === "url";
  sendXml(call, 200, "DeleteResult", {
    EncodingType: urlEncoded ? "url" : undefined,
    Deleted: quiet ? undefined : keys.map((k) => ({ Key: urlEncoded ? encodeURIComponent(k) : k })),
  });
}
