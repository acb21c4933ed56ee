import { limitParam } from "./buckets.ts";
import { sendXml, type OssCall } from "./call.ts";
import { listPage } from "./listing.ts";
import { quotedEtag } from "./objects.ts";
import { objectsOf, requireBucket } from "./repository.ts";

/**
 * ListObjects (v1: `prefix`, `marker`, `max-keys` ≤ 1000 default 100, `delimiter`, `encoding-type`)
 * and ListObjectsV2 (`list-type=2`: `continuation-token`, `start-after`, `fetch-owner`).
 * → `ListBucketResult{Name, Prefix, ..., Contents[{Key, LastModified, ETag, Type, Size, StorageClass, Owner}], CommonPrefixes[{Prefix}]}`.
 */
export function listObjects(call: OssCall): void {
  const { accountId, bucket } = requireBucket(call, "read");
  const q = call.target.query;
  const v2 = q.get("list-type") === "2";
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const maxKeys = limitParam(q.get("max-keys"), "max-keys", 100, 1000);
  const urlEncoded = q.get("encoding-type") === "url";
  const enc = (s: string) => (urlEncoded ? encodeURIComponent(s) : s);
  const token = q.get("continuation-token");
  const after = v2 ? (token ? Buffer.from(token, "base64url").toString() : (q.get("start-after") ?? "")) : (q.get("marker") ?? "");
  const page = listPage(objectsOf(call.state, accountId, bucket.Name), (o) => o.key, { prefix, after, delimiter, max: maxKeys });
  const withOwner = !v2 || q.get("fetch-owner") === "true";
  const contents = page.items.map((o) => ({
    Key: enc(o.key),
    LastModified: o.lastModified,
    ETag: quotedEtag(o.etag),
    Type: o.objectType,
    Size: o.size,
    StorageClass: o.storageClass,
    Owner: withOwner ? { ID: accountId, DisplayName: accountId } : undefined,
  }));
  const common = page.prefixes.map((p) => ({ Prefix: enc(p) }));
  const next = page.truncated && page.last !== undefined ? page.last : undefined;
  if (v2) {
    sendXml(call, 200, "ListBucketResult", {
      Name: bucket.Name,
      Prefix: enc(prefix),
      StartAfter: q.has("start-after") ? enc(q.get("start-after")!) : undefined,
      ContinuationToken: token ?? undefined,
      MaxKeys: maxKeys,
      Delimiter: enc(delimiter),
      EncodingType: urlEncoded ? "url" : undefined,
      IsTruncated: page.truncated,
      NextContinuationToken: next !== undefined ? Buffer.from(next).toString("base64url") : undefined,
      KeyCount: contents.length + common.length,
      Contents: contents,
      CommonPrefixes: common,
    });
    return;
  }
  sendXml(call, 200, "ListBucketResult", {
    Name: bucket.Name,
    Prefix: enc(prefix),
    Marker: enc(after),
    MaxKeys: maxKeys,
    Delimiter: enc(delimiter),
    EncodingType: urlEncoded ? "url" : undefined,
    IsTruncated: page.truncated,
    NextMarker: next !== undefined ? enc(next) : undefined,
    Contents: contents,
    CommonPrefixes: common,
  });
}
