import { endpoints } from "./address.ts";
import { ossTime, readSmallBody, sendEmpty, sendXml, type OssCall } from "./call.ts";
import { OssErrors } from "./errors.ts";
import { BUCKET_ACLS, bucketTable, findBucket, objectsOf, requireBucket, uploadsOf, type BucketAcl, type OssBucketRecord } from "./repository.ts";
import { xmlText } from "./xml.ts";

const STORAGE_CLASSES = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"];

/** OSS bucket naming rule: 3–63 lowercase letters, digits and hyphens, no hyphen at either end. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

function owner(accountId: string) {
  return { ID: accountId, DisplayName: accountId };
}

/**
 * ListBuckets (GET / on the service). Query `prefix`, `marker`, `max-keys` (default 100, max 1000).
 * → `ListAllMyBucketsResult{Prefix, Marker, MaxKeys, IsTruncated, NextMarker, Owner, Buckets{Bucket[]}}`.
 */
export function listBuckets(call: OssCall): void {
  const accountId = signedAccount(call);
  const q = call.target.query;
  const prefix = q.get("prefix") ?? "";
  const marker = q.get("marker") ?? "";
  const maxKeys = limitParam(q.get("max-keys"), "max-keys", 100, 1000);
  const all = Object.values(bucketTable(call.state, accountId))
    .filter((b) => b.Name.startsWith(prefix) && b.Name > marker)
    .sort((a, b) => a.Name.localeCompare(b.Name));
  const page = all.slice(0, maxKeys);
  const truncated = all.length > page.length;
  sendXml(call, 200, "ListAllMyBucketsResult", {
    Prefix: q.has("prefix") ? prefix : undefined,
    Marker: q.has("marker") ? marker : undefined,
    MaxKeys: q.has("max-keys") ? maxKeys : undefined,
    IsTruncated: truncated ? true : undefined,
    NextMarker: truncated ? page.at(-1)!.Name : undefined,
    Owner: owner(accountId),
    Buckets: { Bucket: page.map((b) => bucketSummary(b)) },
  });
}

function bucketSummary(b: OssBucketRecord) {
  const ep = endpoints(b.Region);
  return { CreationDate: b.CreationDate, ExtranetEndpoint: ep.extranet, IntranetEndpoint: ep.intranet, Location: b.Location, Name: b.Name, Region: b.Region, StorageClass: b.StorageClass };
}

/**
 * PutBucket. Optional body `CreateBucketConfiguration{StorageClass}` and header `x-oss-acl`.
 * The bucket's region is the one in the Host (`oss-<region>.aliyuncs.com`), else cn-hangzhou.
 * An existing name fails with BucketAlreadyExists whoever owns it (OSS has no
 * BucketAlreadyOwnedByYou), since names are shared by all accounts.
 * @throws OssError InvalidBucketName 400, BucketAlreadyExists 409, InvalidArgument 400.
 */
export async function putBucket(call: OssCall): Promise<void> {
  const accountId = signedAccount(call);
  const name = call.target.bucket!;
  if (!isValidBucketName(name)) throw OssErrors.invalidBucketName(name);
  const body = await readSmallBody(call.req);
  const storageClass = (body && xmlText(body, "StorageClass")?.trim()) || "Standard";
  if (!STORAGE_CLASSES.includes(storageClass)) throw OssErrors.invalidArgument("StorageClass", storageClass, "Invalid storage class.");
  const acl = aclHeader(call) ?? "private";
  if (findBucket(call.state, name)) throw OssErrors.bucketAlreadyExists(name);
  createBucket(call, accountId, name, storageClass, acl);
  sendEmpty(call, 200, { Location: `/${name}` });
}

function createBucket(call: OssCall, accountId: string, name: string, storageClass: string, acl: BucketAcl): void {
  const region = call.target.region;
  bucketTable(call.state, accountId)[name] = { Name: name, Location: `oss-${region}`, Region: region, CreationDate: ossTime(call.now), StorageClass: storageClass, Acl: acl };
  call.state.changed();
}

function signedAccount(call: OssCall): string {
  if (!call.caller.accountId) throw OssErrors.accessDenied("Anonymous access is forbidden for this operation.");
  return call.caller.accountId;
}

/** GetBucketInfo (`?bucketInfo`) → `BucketInfo{Bucket{Name, Location, Region, CreationDate, StorageClass, Owner, AccessControlList, ...}}`. */
export function getBucketInfo(call: OssCall): void {
  const { accountId, bucket: b } = requireBucket(call, "owner");
  sendXml(call, 200, "BucketInfo", {
    Bucket: {
      AccessMonitor: "Disabled",
      CreationDate: b.CreationDate,
      CrossRegionReplication: "Disabled",
      DataRedundancyType: "LRS",
      ExtranetEndpoint: endpoints(b.Region).extranet,
      IntranetEndpoint: endpoints(b.Region).intranet,
      Location: b.Location,
      Name: b.Name,
      Region: b.Region,
      ResourceGroupId: "rg-default",
      StorageClass: b.StorageClass,
      TransferAcceleration: "Disabled",
      Owner: owner(accountId),
      AccessControlList: { Grant: b.Acl },
      Comment: "",
      Versioning: undefined,
      ServerSideEncryptionRule: { SSEAlgorithm: "None" },
      BucketPolicy: { LogBucket: "", LogPrefix: "" },
    },
  });
}

/** GetBucketLocation (`?location`) → `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`. */
export function getBucketLocation(call: OssCall): void {
  const { bucket } = requireBucket(call, "owner");
  sendXml(call, 200, "LocationConstraint", bucket.Location);
}

/** GetBucketAcl (`GET ?acl`) → `AccessControlPolicy{Owner, AccessControlList{Grant}}`. */
export function getBucketAcl(call: OssCall): void {
  const { accountId, bucket } = requireBucket(call, "owner");
  sendXml(call, 200, "AccessControlPolicy", { Owner: owner(accountId), AccessControlList: { Grant: bucket.Acl } });
}

/**
 * PutBucketAcl (`PUT ?acl`, header `x-oss-acl`). Like OSS (and ali-oss's own tests rely on it),
 * it creates the bucket when no one owns the name yet.
 * @throws OssError InvalidArgument for an unknown ACL, InvalidBucketName, AccessDenied.
 */
export function putBucketAcl(call: OssCall): void {
  const name = call.target.bucket!;
  const acl = aclHeader(call);
  if (!findBucket(call.state, name)) {
    if (!isValidBucketName(name)) throw OssErrors.invalidBucketName(name);
    createBucket(call, signedAccount(call), name, "Standard", acl ?? "private");
    return sendEmpty(call, 200, { Location: `/${name}` });
  }
  const { bucket } = requireBucket(call, "owner");
  if (acl) {
    bucket.Acl = acl;
    call.state.changed();
  }
  sendEmpty(call, 200);
}

/** HeadBucket-style existence check some clients send (HEAD on the bucket). */
export function headBucket(call: OssCall): void {
  requireBucket(call, "read");
  sendEmpty(call, 200);
}

/**
 * DeleteBucket. OSS refuses while objects or unfinished multipart uploads remain.
 * @throws OssError NoSuchBucket 404, AccessDenied 403, BucketNotEmpty 409.
 */
export function deleteBucket(call: OssCall): void {
  const { accountId, bucket } = requireBucket(call, "owner");
  if (objectsOf(call.state, accountId, bucket.Name).length || uploadsOf(call.state, accountId, bucket.Name).length) throw OssErrors.bucketNotEmpty(bucket.Name);
  delete bucketTable(call.state, accountId)[bucket.Name];
  call.state.changed();
  sendEmpty(call, 204);
}

function aclHeader(call: OssCall): BucketAcl | undefined {
  const acl = call.req.headers["x-oss-acl"];
  if (acl === undefined) return undefined;
  if (!BUCKET_ACLS.includes(acl as BucketAcl)) throw OssErrors.invalidBucketAcl(String(acl));
  return acl as BucketAcl;
}

/** A `max-keys`-like integer query parameter within [1, max]. @throws OssError InvalidArgument. */
export function limitParam(raw: string | null, name: string, dflt: number, max: number): number {
  if (raw === null || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw OssErrors.invalidArgument(name, raw, `Argument ${name} must be an integer between 0 and ${max}.`);
  return n;
}
