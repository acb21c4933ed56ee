import type { IncomingHttpHeaders } from "node:http";
import type { EmulatorAccessKey, EmulatorAccessKeys } from "../core/access-keys.ts";
import { AliyunError } from "../core/errors.ts";
import {
  acs3CanonicalRequest, acs3Signature, acs3StringToSign, parseAcs3Authorization, sha256Hex, signaturesEqual,
  v1Signature, v1StringToSign,
} from "./signature.ts";

/** Alibaba refuses a Timestamp / x-acs-date more than 15 minutes away from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** An RPC request as it arrived: query and form body decoded, nothing interpreted yet. */
export interface RawRpcRequest {
  method: string;
  /** Path without the query string, e.g. "/". */
  path: string;
  query: Record<string, string>;
  /** Params from an `application/x-www-form-urlencoded` body (pop-core `method: 'POST'`). */
  form: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Remembers SignatureNonces for 15 minutes per AccessKey, as Alibaba does to refuse replays
 * (`SignatureNonceUsed`). In memory only: a restarted emulator forgets them, like a new gateway.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  /** @returns false when the nonce was already used within the window. */
  remember(accessKeyId: string, nonce: string, now: number): boolean {
    if (this.seen.size > 10_000) this.prune(now);
    const key = `${accessKeyId}\n${nonce}`;
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + MAX_CLOCK_SKEW_MS);
    return true;
  }

  private prune(now: number): void {
    for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
  }
}

const incomplete = () => new AliyunError("IncompleteSignature", "The request signature does not conform to Aliyun standards.", 400);

/** True when the request carries an ACS3 (official generated SDK) signature. */
export function isAcs3(req: RawRpcRequest): boolean {
  return typeof req.headers.authorization === "string" && req.headers.authorization.startsWith("ACS3-");
}

/**
 * Verifies a signed RPC request, v1 (params) or ACS3 (Authorization header), and returns the
 * AccessKey that signed it. Checks in Alibaba's order: pieces present, timestamp, key known,
 * signature, then nonce — the nonce is only burnt by a correctly signed request.
 * @throws AliyunError MissingParameter-style codes, InvalidTimeStamp.Format/Expired (400),
 *   InvalidAccessKeyId.NotFound (404), SignatureDoesNotMatch (400, message carries the server's
 *   string-to-sign as Alibaba's does), SignatureNonceUsed (400).
 */
export function authenticate(req: RawRpcRequest, keys: EmulatorAccessKeys, nonces: NonceCache, now: number): EmulatorAccessKey {
  return isAcs3(req) ? authenticateAcs3(req, keys, nonces, now) : authenticateV1(req, keys, nonces, now);
}

function authenticateV1(req: RawRpcRequest, keys: EmulatorAccessKeys, nonces: NonceCache, now: number): EmulatorAccessKey {
  const params = { ...req.query, ...req.form };
  const required: [string, string][] = [
    ["AccessKeyId", "MissingAccessKeyId"], ["Signature", "MissingSignature"], ["SignatureNonce", "MissingSignatureNonce"], ["Timestamp", "MissingTimestamp"],
  ];
  for (const [name, code] of required) {
    if (!params[name]) throw new AliyunError(code, `${name} is mandatory for this action.`, 400);
  }
  if (params.SignatureMethod && params.SignatureMethod !== "HMAC-SHA1") {
    throw new AliyunError("InvalidSignatureMethod", `Specified signature method "${params.SignatureMethod}" is not supported.`, 400);
  }
  if (params.SignatureVersion && params.SignatureVersion !== "1.0") {
    throw new AliyunError("InvalidSignatureVersion", `Specified signature version "${params.SignatureVersion}" is not supported.`, 400);
  }
  checkTimestamp(params.Timestamp!, now);
  const key = lookup(keys, params.AccessKeyId!);
  const stringToSign = v1StringToSign(req.method, params);
  if (!signaturesEqual(v1Signature(key.accessKeySecret, stringToSign), params.Signature!)) {
    throw new AliyunError("SignatureDoesNotMatch", `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`, 400);
  }
  checkNonce(nonces, key, params.SignatureNonce!, now);
  return key;
}

function authenticateAcs3(req: RawRpcRequest, keys: EmulatorAccessKeys, nonces: NonceCache, now: number): EmulatorAccessKey {
  const auth = parseAcs3Authorization(String(req.headers.authorization));
  if (!auth) throw incomplete();
  if (auth.algorithm !== "ACS3-HMAC-SHA256") {
    throw new AliyunError("InvalidSignatureMethod", `Specified signature method "${auth.algorithm}" is not supported.`, 400);
  }
  const date = header(req, "x-acs-date");
  const nonce = header(req, "x-acs-signature-nonce");
  if (!date) throw new AliyunError("MissingTimestamp", "x-acs-date is mandatory for this action.", 400);
  if (!nonce) throw new AliyunError("MissingSignatureNonce", "x-acs-signature-nonce is mandatory for this action.", 400);
  // Unsigned x-acs-* headers would let a man in the middle change the action or date.
  for (const h of ["host", "x-acs-date", "x-acs-signature-nonce", "x-acs-action", "x-acs-version"]) {
    if (req.headers[h] !== undefined && !auth.signedHeaders.includes(h)) throw incomplete();
  }
  checkTimestamp(date, now);
  const key = lookup(keys, auth.accessKeyId);
  // The payload hash is recomputed from the body, so a body changed in flight fails the signature.
  const payloadHash = sha256Hex(req.body);
  const claimed = header(req, "x-acs-content-sha256");
  if (claimed && claimed !== payloadHash) {
    throw new AliyunError("ContentSHA256NotMatched", "The x-acs-content-sha256 header does not match the request body.", 400);
  }
  const canonical = acs3CanonicalRequest({
    method: req.method, path: req.path, query: req.query, headers: req.headers, signedHeaders: auth.signedHeaders, payloadHash,
  });
  const stringToSign = acs3StringToSign(canonical);
  if (!signaturesEqual(acs3Signature(key.accessKeySecret, stringToSign), auth.signature)) {
    throw new AliyunError("SignatureDoesNotMatch", `The request signature does not conform to Aliyun standards. server string to sign is:${stringToSign}`, 400);
  }
  checkNonce(nonces, key, nonce, now);
  return key;
}

function header(req: RawRpcRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function lookup(keys: EmulatorAccessKeys, accessKeyId: string): EmulatorAccessKey {
  const key = keys.lookup(accessKeyId);
  if (!key) throw new AliyunError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404);
  return key;
}

/** Timestamps are ISO 8601 UTC, `YYYY-MM-DDTHH:mm:ssZ` (milliseconds tolerated). */
function checkTimestamp(value: string, now: number): void {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new AliyunError("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.", 400);
  if (Math.abs(now - ms) > MAX_CLOCK_SKEW_MS) throw new AliyunError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400);
}

function checkNonce(nonces: NonceCache, key: EmulatorAccessKey, nonce: string, now: number): void {
  if (!nonces.remember(key.accessKeyId, nonce, now)) {
    throw new AliyunError("SignatureNonceUsed", "Specified signature nonce was used already.", 400);
  }
}
