import { createHmac, timingSafeEqual } from "node:crypto";

/** Largest accepted difference between the request's `Date` header and the server clock: 15 minutes. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * The access-key signature, as ZStack's SDKs compute it:
 * `base64(HMAC-SHA1(AccessKeySecret, METHOD + "\n" + Date + "\n" + path))`, where `Date` is
 * the request's `Date` header (RFC 7231, e.g. `Mon, 23 Nov 2026 04:00:00 GMT`) and `path` is
 * the request path without the query string (e.g. `/v1/zones`). Sent as
 * `Authorization: ZStack <AccessKeyId>:<signature>`.
 */
export function signRequest(secret: string, method: string, date: string, path: string): string {
  return createHmac("sha1", secret).update(`${method.toUpperCase()}\n${date}\n${path}`).digest("base64");
}

/** Parses `ZStack <AccessKeyId>:<signature>`; undefined when the header has another form. */
export function parseAccessKeyAuthorization(header: string): { accessKeyId: string; signature: string } | undefined {
  const m = /^ZStack\s+([^:\s]+):(\S+)$/.exec(header.trim());
  return m ? { accessKeyId: m[1]!, signature: m[2]! } : undefined;
}

/** Constant-time comparison of two signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
