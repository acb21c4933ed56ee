import { createHash, randomBytes } from "node:crypto";
import { limitParam } from "./buckets.ts";
import { ossTime, readSmallBody, sendEmpty, sendXml, type OssCall } from "./call.ts";
import { OssErrors } from "./errors.ts";
import { listPage } from "./listing.ts";
import { objectAclFrom } from "./object-acl.ts";
import { checkObjectName, checkOverwrite, contentMd5, quotedEtag, saveObject } from "./objects.ts";
import { persistBeforeDeletingBodies, requireBucket, uploadTable, uploadsOf, userMetaFrom, type OssUploadRecord } from "./repository.ts";
import { xmlElements, xmlText } from "./xml.ts";

/** Every part but the last must be at least this many bytes (OSS: 100 KB). */
export const MIN_PART_SIZE = 100 * 1024;
const MAX_PART_NUMBER = 10000;

/**
 * InitiateMultipartUpload (`POST /<key>?uploads`); headers as PutObject.
 * → `InitiateMultipartUploadResult{Bucket, Key, UploadId}` (32 uppercase hex, like OSS's ids).
 */
export function initiateMultipartUpload(call: OssCall): void {
  const { accountId, bucket } = requireBucket(call, "write");
  const key = call.target.key!;
  checkObjectName(key);
  const uploadId = randomBytes(16).toString("hex").toUpperCase();
  uploadTable(call.state, accountId)[uploadId] = {
    bucket: bucket.Name,
    key,
    uploadId,
    initiated: ossTime(call.now),
    contentType: call.req.headers["content-type"] || "application/octet-stream",
    storageClass: String(call.req.headers["x-oss-storage-class"] ?? bucket.StorageClass),
    userMeta: userMetaFrom(call.req.headers),
    acl: objectAclFrom(call),
    parts: {},
  };
  call.state.changed();
  sendXml(call, 200, "InitiateMultipartUploadResult", { Bucket: bucket.Name, Key: key, UploadId: uploadId });
}

/** The upload named by `?uploadId=`, which must belong to the addressed key. @throws OssError NoSuchUpload 404. */
function requireUpload(call: OssCall, access: "read" | "write"): { accountId: string; upload: OssUploadRecord } {
  const { accountId, bucket } = requireBucket(call, access);
  const uploadId = call.target.query.get("uploadId") ?? "";
  const upload = uploadTable(call.state, accountId)[uploadId];
  if (!upload || upload.bucket !== bucket.Name || upload.key !== call.target.key) throw OssErrors.noSuchUpload(uploadId);
  return { accountId, upload };
}

/**
 * UploadPart (`PUT /<key>?partNumber=N&uploadId=`), N in 1..10000; re-uploading a number
 * replaces that part. Body streamed to the blob store. → 200 with `ETag: "<MD5 HEX>"`.
 * @throws OssError NoSuchUpload, InvalidArgument, BadDigest.
 */
export async function uploadPart(call: OssCall): Promise<void> {
  requireUpload(call, "write");
  const raw = call.target.query.get("partNumber") ?? "";
  const partNumber = Number(raw);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw OssErrors.invalidArgument("partNumber", raw, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`);
  }
  const expectedMd5 = contentMd5(call.req);
  const blob = await call.blobs.write(call.req);
  if (expectedMd5 && !expectedMd5.equals(blob.md5)) {
    await call.blobs.remove(blob.id);
    throw OssErrors.badDigest();
  }
  // the upload may have been completed or aborted while this part streamed in
  const { upload: current } = requireUpload(call, "write");
  const etag = blob.md5.toString("hex").toUpperCase();
  const previous = current.parts[String(partNumber)];
  current.parts[String(partNumber)] = { etag, size: blob.size, lastModified: ossTime(call.now), blob: blob.id };
  call.state.changed();
  if (previous) {
    persistBeforeDeletingBodies(call.state);
    await call.blobs.remove(previous.blob);
  }
  sendEmpty(call, 200, { ETag: quotedEtag(etag), "Content-MD5": blob.md5.toString("base64") });
}

/**
 * CompleteMultipartUpload (`POST /<key>?uploadId=`), body
 * `CompleteMultipartUpload{Part[{PartNumber, ETag}]}` in ascending order. Concatenates the
 * parts into the object; its ETag is `<MD5 of the parts' binary MD5s, HEX>-<part count>`.
 * → `CompleteMultipartUploadResult{Location, Bucket, Key, ETag}` and an ETag header.
 * @throws OssError NoSuchUpload, MalformedXML, InvalidPart, InvalidPartOrder, EntityTooSmall.
 */
export async function completeMultipartUpload(call: OssCall): Promise<void> {
  const { accountId, upload } = requireUpload(call, "write");
  checkOverwrite(call, accountId, upload.bucket, upload.key);
  const body = await readSmallBody(call.req);
  const listed = xmlElements(body, "Part").map((p) => ({ number: Number(xmlText(p, "PartNumber")?.trim()), etag: (xmlText(p, "ETag") ?? "").trim().replace(/"/g, "").toUpperCase() }));
  if (!listed.length || listed.some((p) => !Number.isInteger(p.number))) throw OssErrors.malformedXml();
  const parts = listed.map((p, i) => {
    if (i > 0 && p.number <= listed[i - 1]!.number) throw OssErrors.invalidPartOrder();
    const stored = upload.parts[String(p.number)];
    if (!stored || stored.etag !== p.etag) throw OssErrors.invalidPart(p.number);
    return { number: p.number, ...stored };
  });
  parts.slice(0, -1).forEach((p) => {
    if (p.size < MIN_PART_SIZE) throw OssErrors.entityTooSmall(p.number);
  });
  const blob = await call.blobs.concat(parts.map((p) => p.blob));
  const digest = createHash("md5");
  for (const p of parts) digest.update(Buffer.from(p.etag, "hex"));
  const etag = `${digest.digest("hex").toUpperCase()}-${parts.length}`;
  await saveObject(call, accountId, {
    bucket: upload.bucket,
    key: upload.key,
    size: blob.size,
    etag,
    lastModified: ossTime(call.now),
    contentType: upload.contentType,
    storageClass: upload.storageClass,
    objectType: "Multipart",
    userMeta: upload.userMeta,
    acl: upload.acl,
    __blob: blob.id,
  });
  await dropUpload(call, accountId, upload);
  const host = `${upload.bucket}.oss-${call.target.region}.aliyuncs.com`;
  sendXml(
    call,
    200,
    "CompleteMultipartUploadResult",
    { Location: `http://${host}/${encodeURI(upload.key)}`, Bucket: upload.bucket, Key: upload.key, ETag: quotedEtag(etag) },
    { ETag: quotedEtag(etag) },
  );
}

async function dropUpload(call: OssCall, accountId: string, upload: OssUploadRecord): Promise<void> {
  delete uploadTable(call.state, accountId)[upload.uploadId];
  persistBeforeDeletingBodies(call.state);
  for (const part of Object.values(upload.parts)) await call.blobs.remove(part.blob);
}

/** AbortMultipartUpload (`DELETE /<key>?uploadId=`) → 204; parts are discarded. */
export async function abortMultipartUpload(call: OssCall): Promise<void> {
  const { accountId, upload } = requireUpload(call, "write");
  await dropUpload(call, accountId, upload);
  sendEmpty(call, 204);
}

/**
 * ListParts (`GET /<key>?uploadId=`, `max-parts` ≤ 1000, `part-number-marker`).
 * → `ListPartsResult{Bucket, Key, UploadId, PartNumberMarker, NextPartNumberMarker, MaxParts, IsTruncated, Part[{PartNumber, LastModified, ETag, Size}]}`.
 */
export function listParts(call: OssCall): void {
  const { upload } = requireUpload(call, "read");
  const q = call.target.query;
  const marker = Number(q.get("part-number-marker") ?? 0) || 0;
  const max = limitParam(q.get("max-parts"), "max-parts", 1000, 1000);
  const numbers = Object.keys(upload.parts).map(Number).filter((n) => n > marker).sort((a, b) => a - b);
  const page = numbers.slice(0, max);
  const truncated = numbers.length > page.length;
  sendXml(call, 200, "ListPartsResult", {
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    StorageClass: upload.storageClass,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1) ?? marker,
    MaxParts: max,
    IsTruncated: truncated,
    Part: page.map((n) => {
      const p = upload.parts[String(n)]!;
      return { PartNumber: n, LastModified: p.lastModified, ETag: quotedEtag(p.etag), Size: p.size };
    }),
  });
}

/**
 * ListMultipartUploads (`GET /?uploads`: `prefix`, `delimiter`, `key-marker`, `upload-id-marker`,
 * `max-uploads` ≤ 1000). → `ListMultipartUploadsResult{..., Upload[{Key, UploadId, Initiated}], CommonPrefixes}`.
 */
export function listMultipartUploads(call: OssCall): void {
  const { accountId, bucket } = requireBucket(call, "read");
  const q = call.target.query;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const keyMarker = q.get("key-marker") ?? "";
  const idMarker = q.get("upload-id-marker") ?? "";
  const max = limitParam(q.get("max-uploads"), "max-uploads", 1000, 1000);
  // uploads of the marker key after the upload-id marker come first, then later keys
  const all = uploadsOf(call.state, accountId, bucket.Name);
  const sameKey = keyMarker && idMarker ? all.filter((u) => u.key === keyMarker && u.uploadId > idMarker) : [];
  const rest = listPage(all, (u) => u.key, { prefix, after: keyMarker, delimiter, max: Math.max(0, max - sameKey.length) });
  const uploads = [...sameKey.slice(0, max), ...rest.items];
  const truncated = rest.truncated || sameKey.length > max;
  const lastUpload = uploads.at(-1);
  sendXml(call, 200, "ListMultipartUploadsResult", {
    Bucket: bucket.Name,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    NextKeyMarker: truncated ? (rest.last ?? lastUpload?.key ?? "") : "",
    NextUploadIdMarker: truncated ? (lastUpload?.uploadId ?? "") : "",
    Delimiter: delimiter,
    Prefix: prefix,
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: uploads.map((u) => ({ Key: u.key, UploadId: u.uploadId, StorageClass: u.storageClass, Initiated: u.initiated })),
    CommonPrefixes: rest.prefixes.map((p) => ({ Prefix: p })),
  });
}
