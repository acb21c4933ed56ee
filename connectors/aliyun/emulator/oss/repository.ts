import type { EmulatorState, StoredResource } from "../core/state.ts";
import type { OssCall } from "./call.ts";
import { OssErrors } from "./errors.ts";

/**
 * OSS data in the emulator state. Buckets and objects are global (not per region) in the
 * account that owns them, as in OSS, where bucket names are unique across all accounts:
 * - `OssBucket`, keyed by bucket name;
 * - `OssObject`, keyed `<bucket>/<key>` (ECS ImportImage finds images here);
 * - `OssMultipartUpload`, keyed by upload id.
 */
export const OSS_REGION_SCOPE = "global";

/** Bucket ACLs OSS knows. */
export const BUCKET_ACLS = ["private", "public-read", "public-read-write"] as const;
export type BucketAcl = (typeof BUCKET_ACLS)[number];

/** A bucket as stored (kind `OssBucket`). */
export interface OssBucketRecord {
  Name: string;
  /** `oss-<region>`, e.g. `oss-cn-hangzhou`. */
  Location: string;
  /** Standard region id, e.g. `cn-hangzhou`. */
  Region: string;
  /** ISO 8601. */
  CreationDate: string;
  /** Standard, IA, Archive, ColdArchive. */
  StorageClass: string;
  Acl: BucketAcl;
}

/** An object as stored (kind `OssObject`, key `<bucket>/<key>`). */
export interface OssObjectRecord {
  bucket: string;
  key: string;
  /** Bytes. */
  size: number;
  /** Uppercase MD5 hex, unquoted; `<hex>-<parts>` for multipart objects. */
  etag: string;
  /** ISO 8601. */
  lastModified: string;
  contentType: string;
  storageClass: string;
  /** `Normal` (PutObject) or `Multipart`. */
  objectType: string;
  /** `x-oss-meta-*` headers without the prefix. */
  userMeta: Record<string, string>;
  /** Object ACL: `default` (the bucket's), private, public-read, public-read-write; absent = default. */
  acl?: string;
  /** Body in the blob store. */
  __blob: string;
}

/** One uploaded part (inside an `OssMultipartUpload`). */
export interface OssPartRecord {
  etag: string;
  size: number;
  lastModified: string;
  blob: string;
}

/** An ongoing multipart upload (kind `OssMultipartUpload`, key upload id). */
export interface OssUploadRecord {
  bucket: string;
  key: string;
  uploadId: string;
  /** ISO 8601. */
  initiated: string;
  contentType: string;
  storageClass: string;
  userMeta: Record<string, string>;
  /** `x-oss-object-acl` given at initiation, for the completed object. */
  acl?: string;
  /** By part number. */
  parts: Record<string, OssPartRecord>;
}

export function bucketTable(state: EmulatorState, accountId: string): Record<string, OssBucketRecord & StoredResource> {
  return state.table(accountId, OSS_REGION_SCOPE, "OssBucket") as Record<string, OssBucketRecord & StoredResource>;
}

export function objectTable(state: EmulatorState, accountId: string): Record<string, OssObjectRecord & StoredResource> {
  return state.table(accountId, OSS_REGION_SCOPE, "OssObject") as Record<string, OssObjectRecord & StoredResource>;
}

export function uploadTable(state: EmulatorState, accountId: string): Record<string, OssUploadRecord & StoredResource> {
  return state.table(accountId, OSS_REGION_SCOPE, "OssMultipartUpload") as Record<string, OssUploadRecord & StoredResource>;
}

/** The bucket of that name in any account, and its owner. */
export function findBucket(state: EmulatorState, name: string): { accountId: string; bucket: OssBucketRecord } | undefined {
  for (const accountId of state.accountIds()) {
    const bucket = bucketTable(state, accountId)[name];
    if (bucket) return { accountId, bucket };
  }
  return undefined;
}

/**
 * The addressed bucket, checked against the caller: its owner may do anything; others only
 * what the ACL grants (`public-read` reads, `public-read-write` also writes). The ACL is the
 * bucket's unless an object ACL other than `default` is given.
 * @throws OssError NoSuchBucket 404, AccessDenied 403.
 */
export function requireBucket(call: OssCall, access: "read" | "write" | "owner", objectAcl = "default"): { accountId: string; bucket: OssBucketRecord } {
  const name = call.target.bucket!;
  const found = findBucket(call.state, name);
  if (!found) throw OssErrors.noSuchBucket(name);
  if (found.accountId === call.caller.accountId) return found;
  const acl = objectAcl === "default" ? found.bucket.Acl : objectAcl;
  const granted = access === "read" ? acl !== "private" : access === "write" ? acl === "public-read-write" : false;
  if (!granted) throw OssErrors.accessDenied();
  return found;
}

/** The addressed object, readable by the caller under its object ACL or else the bucket's. */
export function requireObject(call: OssCall, access: "read" | "owner" = "read"): { accountId: string; object: OssObjectRecord } {
  const owner = findBucket(call.state, call.target.bucket!);
  const object = owner && objectTable(call.state, owner.accountId)[`${call.target.bucket}/${call.target.key}`];
  const { accountId } = requireBucket(call, access, object?.acl);
  if (!object) throw OssErrors.noSuchKey(call.target.key!);
  return { accountId, object };
}

/** The objects of a bucket, sorted by key (byte order, as OSS lists them). */
export function objectsOf(state: EmulatorState, accountId: string, bucket: string): OssObjectRecord[] {
  return Object.values(objectTable(state, accountId))
    .filter((o) => o.bucket === bucket)
    .sort((a, b) => compareKeys(a.key, b.key));
}

/** The ongoing uploads of a bucket, by key then initiation. */
export function uploadsOf(state: EmulatorState, accountId: string, bucket: string): OssUploadRecord[] {
  return Object.values(uploadTable(state, accountId))
    .filter((u) => u.bucket === bucket)
    .sort((a, b) => compareKeys(a.key, b.key) || a.initiated.localeCompare(b.initiated) || a.uploadId.localeCompare(b.uploadId));
}

/** UTF-8 byte order, which is how OSS orders keys. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** `x-oss-meta-*` request headers, prefix removed. */
export function userMetaFrom(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.startsWith("x-oss-meta-") && v !== undefined) meta[k.slice(11)] = String(v);
  return meta;
}

/** Ids of every body the state refers to (objects and uploaded parts, all accounts). */
export function referencedBlobs(state: EmulatorState): Set<string> {
  const ids = new Set<string>();
  for (const accountId of state.accountIds()) {
    for (const o of Object.values(objectTable(state, accountId))) ids.add(o.__blob);
    for (const u of Object.values(uploadTable(state, accountId))) for (const p of Object.values(u.parts)) ids.add(p.blob);
  }
  return ids;
}

/**
 * Writes the state before a body is deleted, so a crash cannot leave state.json naming a body
 * that is gone (the reverse, an unreferenced body, is swept at the next start).
 */
export function persistBeforeDeletingBodies(state: EmulatorState): void {
  state.flush();
}
