import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { EmulatorAccessKeys } from "../core/access-keys.ts";
import type { OssTarget } from "./address.ts";
import { OssErrors } from "./errors.ts";

/** Who sent a request: the account of the AccessKey that signed it, or nobody (anonymous). */
export interface OssCaller {
  /** Undefined for an unsigned request, which only public buckets accept. */
  accountId?: string;
}

/** Real OSS refuses requests whose date is more than 15 minutes away from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Query parameters that are sub-resources, i.e. part of the V1 canonicalized resource.
 * Real OSS signs only these (OSS docs, "Include a V1 signature in the Authorization header");
 * other query parameters (prefix, marker, max-keys, list-type, ...) are left out, as ali-oss
 * signs its `subres` but not its `query` (lib/client.js authorization()).
 */
const SUB_RESOURCES = new Set([
  "acl", "uploads", "location", "cors", "logging", "website", "referer", "lifecycle", "delete", "append",
  "tagging", "objectMeta", "uploadId", "partNumber", "security-token", "position", "img", "style", "styleName",
  "replication", "replicationProgress", "replicationLocation", "cname", "bucketInfo", "comp", "qos", "live",
  "status", "vod", "startTime", "endTime", "symlink", "x-oss-process", "response-content-type",
  "response-content-language", "response-expires", "response-cache-control", "response-content-disposition",
  "response-content-encoding", "udf", "udfName", "udfImage", "udfId", "udfImageDesc", "udfApplication",
  "udfApplicationLog", "restore", "callback", "callback-var", "qosInfo", "policy", "stat", "encryption",
  "versions", "versioning", "versionId", "requestPayment", "x-oss-request-payer", "sequential", "inventory",
  "inventoryId", "continuation-token", "asyncFetch", "worm", "wormId", "wormExtend", "x-oss-traffic-limit",
  "regionList", "transferAcceleration", "metaQuery", "resourceGroup", "rtc", "accessMonitor", "httpsConfig",
  "publicAccessBlock", "policyStatus", "objectWorm",
]);

/**
 * Checks the request's signature and returns its caller. Accepts
 * - V1 `Authorization: OSS <AK>:<base64 HMAC-SHA1>` (ali-oss default),
 * - V4 `Authorization: OSS4-HMAC-SHA256 Credential=<AK>/<yyyymmdd>/<region>/oss/aliyun_v4_request,...`
 *   (ali-oss `authorizationV4: true`),
 * - V1 presigned URLs `?OSSAccessKeyId=&Expires=&Signature=` (ali-oss signatureUrl),
 * - no signature at all (anonymous; bucket ACLs decide later).
 * Wire format from ali-sdk/ali-oss lib/common/signUtils.js.
 * @throws OssError InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed, AccessDenied (expired URL).
 */
export function authenticate(req: IncomingMessage, target: OssTarget, keys: EmulatorAccessKeys, now: number): OssCaller {
  const auth = req.headers.authorization;
  if (auth?.startsWith("OSS4-HMAC-SHA256 ")) return verifyV4(req, target, keys, now, auth);
  if (auth?.startsWith("OSS ")) {
    const [id = "", signature = ""] = auth.slice(4).split(":");
    const date = header(req, "x-oss-date") || header(req, "date");
    checkSkew(Date.parse(date), date, now);
    return verifyV1(req, target, keys, id, signature, date);
  }
  const presignedId = target.query.get("OSSAccessKeyId");
  if (presignedId !== null) {
    const expires = target.query.get("Expires") ?? "";
    if (!(Number(expires) * 1000 >= now)) throw OssErrors.requestExpired();
    return verifyV1(req, target, keys, presignedId, target.query.get("Signature") ?? "", expires);
  }
  return {};
}

function verifyV1(req: IncomingMessage, target: OssTarget, keys: EmulatorAccessKeys, id: string, signature: string, dateLine: string): OssCaller {
  const key = keys.lookup(id);
  if (!key) throw OssErrors.invalidAccessKeyId(id);
  const ossHeaders = Object.entries(req.headers)
    .filter(([k]) => k.startsWith("x-oss-"))
    .map(([k, v]) => `${k}:${String(v).trim()}`)
    .sort();
  const stringToSign = [req.method ?? "GET", header(req, "content-md5"), header(req, "content-type"), dateLine, ...ossHeaders, canonicalResource(target)].join("\n");
  const expected = createHmac("sha1", key.accessKeySecret).update(stringToSign, "utf8").digest("base64");
  if (!sameText(expected, signature)) throw OssErrors.signatureDoesNotMatch(id, signature, stringToSign);
  return { accountId: key.accountId };
}

/** `/<bucket>/<key>?<sorted sub-resources>`; the key unencoded, as the client signs it. */
function canonicalResource(t: OssTarget): string {
  const path = t.bucket === undefined ? "/" : `/${t.bucket}/${t.key ?? ""}`;
  const subs = [...new Set([...t.query.keys()].filter((k) => SUB_RESOURCES.has(k)))].sort();
  if (!subs.length) return path;
  return `${path}?${subs.map((k) => (t.query.get(k) ? `${k}=${t.query.get(k)}` : k)).join("&")}`;
}

function verifyV4(req: IncomingMessage, target: OssTarget, keys: EmulatorAccessKeys, now: number, auth: string): OssCaller {
  const fields = Object.fromEntries(
    auth.slice("OSS4-HMAC-SHA256 ".length).split(",").map((part) => {
      const i = part.indexOf("=");
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()];
    }),
  );
  const [id = "", day = "", region = "", product = "oss"] = String(fields.Credential ?? "").split("/");
  const key = keys.lookup(id);
  if (!key) throw OssErrors.invalidAccessKeyId(id);
  const date = header(req, "x-oss-date");
  checkSkew(parseCompactDate(date), date, now);
  const additional = fields.AdditionalHeaders ? String(fields.AdditionalHeaders).split(";") : [];
  const signed = new Set(additional);
  for (const k of Object.keys(req.headers)) if (k === "content-type" || k === "content-md5" || k.startsWith("x-oss-")) signed.add(k);
  const uri = encodeV4(`/${target.bucket ? `${target.bucket}/` : ""}${target.key ?? ""}`).replace(/%2F/g, "/");
  // ali-oss signs a sub-resource without a value ("uploads") as the bare key, but sends it as "uploads="
  const query = [...target.query.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => (v === "" ? encodeV4(k) : `${encodeV4(k)}=${encodeV4(v)}`));
  const canonicalRequest = [
    req.method ?? "GET",
    uri,
    query.join("&"),
    [...signed].sort().map((k) => `${k}:${header(req, k).trim()}\n`).join(""),
    additional.join(";"),
    header(req, "x-oss-content-sha256") || "UNSIGNED-PAYLOAD",
  ].join("\n");
  const scope = `${day}/${region}/${product}/aliyun_v4_request`;
  const stringToSign = ["OSS4-HMAC-SHA256", date, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  let signingKey: Buffer = createHmac("sha256", `aliyun_v4${key.accessKeySecret}`).update(day).digest();
  for (const part of [region, product, "aliyun_v4_request"]) signingKey = createHmac("sha256", signingKey).update(part).digest();
  const expected = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  if (!sameText(expected, String(fields.Signature ?? ""))) throw OssErrors.signatureDoesNotMatch(id, String(fields.Signature ?? ""), stringToSign);
  return { accountId: key.accountId };
}

/** encodeURIComponent plus `!'()*`, as V4 canonical requests are encoded. */
function encodeV4(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20261123T063000Z` → epoch ms (NaN when malformed). */
function parseCompactDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

function checkSkew(at: number, raw: string, now: number): void {
  // an unparsable date cannot be checked here; the signature over it still must match
  if (Number.isFinite(at) && Math.abs(at - now) > MAX_SKEW_MS) throw OssErrors.requestTimeTooSkewed(raw, new Date(now).toUTCString());
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : (v ?? "");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
