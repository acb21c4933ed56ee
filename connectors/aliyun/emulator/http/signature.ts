import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * The two request-signing schemes of Alibaba Cloud RPC APIs, computed the way the server side
 * does: from what arrived on the wire. See ../../../../shared/ALIBABA.md, "Two signing schemes"
 * (sources: aliyun/openapi-core-nodejs-sdk lib/rpc.js for v1, @alicloud/openapi-core
 * dist/utils.js getAuthorization for ACS3).
 */

/** RFC 3986 percent-encoding as Alibaba uses it: encodeURIComponent plus `!'()*`. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Keys in the order both SDKs sort them (JavaScript's default UTF-16 code unit order). */
function sortedKeys(o: Record<string, string>): string[] {
  return Object.keys(o).sort();
}

/**
 * Signature v1 string-to-sign: `METHOD&%2F&encode(k1=v1&k2=v2...)` over every param except
 * `Signature`, keys and values percent-encoded and keys sorted.
 */
export function v1StringToSign(method: string, params: Record<string, string>): string {
  const canonical = sortedKeys(params)
    .filter((k) => k !== "Signature")
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join("&");
  return `${method.toUpperCase()}&${percentEncode("/")}&${percentEncode(canonical)}`;
}

/** Signature v1: base64 HMAC-SHA1 keyed with `secret + "&"`. */
export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac("sha1", `${secret}&`).update(stringToSign).digest("base64");
}

/** The pieces of an `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` header. */
export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses an ACS3 Authorization header; undefined when a piece is missing. */
export function parseAcs3Authorization(header: string): Acs3Authorization | undefined {
  const m = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!m) return undefined;
  const fields = new Map<string, string>();
  for (const part of m[2]!.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { algorithm: m[1]!, accessKeyId, signedHeaders: signedHeaders.split(";").filter(Boolean), signature };
}

/**
 * ACS3 canonical request: method, URI, sorted query (`key=encode(value)`, keys as sent),
 * the signed headers as `name:trimmed value` lines, the signed header list and the payload's
 * hex SHA-256 — joined with newlines.
 */
export function acs3CanonicalRequest(input: {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}): string {
  const query = sortedKeys(input.query).map((k) => `${k}=${percentEncode(input.query[k]!)}`).join("&");
  const names = [...input.signedHeaders].map((h) => h.toLowerCase()).sort();
  const headerLines = names.map((h) => {
    const v = input.headers[h];
    return `${h}:${(Array.isArray(v) ? v.join(",") : v ?? "").trim()}\n`;
  }).join("");
  const uri = input.path.replace(/\+/g, "%20").replace(/\*/g, "%2A").replace(/%7E/g, "~");
  return [input.method.toUpperCase(), uri, query, headerLines, names.join(";"), input.payloadHash].join("\n");
}

/** ACS3 string-to-sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request. */
export function acs3StringToSign(canonicalRequest: string): string {
  return `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
}

/** ACS3 signature: hex HMAC-SHA256 keyed with the secret. */
export function acs3Signature(secret: string, stringToSign: string): string {
  return createHmac("sha256", secret).update(stringToSign).digest("hex");
}

/** Hex SHA-256, the ACS3 payload and canonical-request hash. */
export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Constant-time comparison, so the emulator does not teach timing attacks by example. */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
