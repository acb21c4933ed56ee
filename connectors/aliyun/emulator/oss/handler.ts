import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorAccessKeys } from "../core/access-keys.ts";
import type { EmulatorState } from "../core/state.ts";
import { looksLikeOss, resolveTargets, type OssTarget } from "./address.ts";
import { authenticate, type OssCaller } from "./auth.ts";
import { blobStoreFor } from "./blobs.ts";
import * as buckets from "./buckets.ts";
import { commonHeaders, type OssCall } from "./call.ts";
import { OssError, OssErrors } from "./errors.ts";
import * as multipart from "./multipart.ts";
import * as objectAcl from "./object-acl.ts";
import { listObjects } from "./object-list.ts";
import * as objects from "./objects.ts";
import { referencedBlobs } from "./repository.ts";
import { xmlDocument } from "./xml.ts";

/** What the emulator server hands to the OSS handler with each request. */
export interface OssContext {
  state: EmulatorState;
  keys: EmulatorAccessKeys;
  /** Sent back as `x-oss-request-id` and in error bodies. */
  requestId: string;
  /** Epoch ms of the request (the emulator's clock; signatures older than 15 min are refused). */
  now: number;
}

/**
 * True when a request is for OSS rather than an RPC product: its Authorization starts with
 * `OSS ` or `OSS4-`, its Host is `[<bucket>.]oss-<region>.aliyuncs.com`, it carries presigned-URL
 * parameters, or its path is not `/`. The server rules out RPC (Action / x-acs-action) first.
 */
export function isOssRequest(req: IncomingMessage): boolean {
  return looksLikeOss(req);
}

/**
 * Serves one OSS REST request as ali-oss (ali-sdk/ali-oss 6.x) and real OSS exchange them:
 * XML bodies, `x-oss-request-id`, errors as `<Error><Code/><Message/><RequestId/><HostId/>…</Error>`
 * with OSS's HTTP statuses. Buckets, objects and multipart uploads live in `ctx.state`
 * (see repository.ts for kinds and fields); bodies in `<dataDir>/oss/blobs/` or memory.
 * Never throws: every failure becomes an OSS error response (unknown ones InternalError 500).
 */
export async function handleOss(req: IncomingMessage, res: ServerResponse, ctx: OssContext): Promise<void> {
  const targets = resolveTargets(req);
  let target = targets[0]!;
  try {
    let caller: OssCaller;
    ({ target, caller } = authenticateAny(req, targets, ctx));
    const call: OssCall = { req, res, state: ctx.state, requestId: ctx.requestId, now: ctx.now, target, caller, blobs: blobStoreFor(ctx.state, () => referencedBlobs(ctx.state)) };
    await dispatch(call);
  } catch (err) {
    sendError(req, res, ctx, target, err);
  }
}

/** The first reading of the request whose signature verifies; else the first reading's error. */
function authenticateAny(req: IncomingMessage, targets: OssTarget[], ctx: OssContext): { target: OssTarget; caller: OssCaller } {
  let firstError: unknown;
  for (const target of targets) {
    try {
      return { target, caller: authenticate(req, target, ctx.keys, ctx.now) };
    } catch (err) {
      firstError ??= err;
    }
  }
  throw firstError;
}

/** Picks the operation from method, addressed level (service, bucket, object) and sub-resource. */
async function dispatch(call: OssCall): Promise<void> {
  const { bucket, key, query } = call.target;
  const method = call.req.method ?? "GET";
  const has = (k: string) => query.has(k);
  if (bucket === undefined) {
    if (method === "GET") return buckets.listBuckets(call);
    throw OssErrors.missingBucket();
  }
  if (key === undefined) {
    switch (method) {
      case "PUT":
        if (has("acl")) return buckets.putBucketAcl(call);
        if (onlyPlainQuery(query)) return buckets.putBucket(call);
        break;
      case "GET":
        if (has("acl")) return buckets.getBucketAcl(call);
        if (has("location")) return buckets.getBucketLocation(call);
        if (has("bucketInfo")) return buckets.getBucketInfo(call);
        if (has("uploads")) return multipart.listMultipartUploads(call);
        if (onlyPlainQuery(query)) return listObjects(call);
        break;
      case "HEAD":
        return buckets.headBucket(call);
      case "DELETE":
        if (onlyPlainQuery(query)) return buckets.deleteBucket(call);
        break;
      case "POST":
        if (has("delete")) return objects.deleteMultipleObjects(call);
        break;
      default:
        throw OssErrors.methodNotAllowed(method);
    }
    throw OssErrors.notImplemented(`${method} on a bucket with ?${[...query.keys()].join("&")}`);
  }
  switch (method) {
    case "PUT":
      if (has("uploadId") && has("partNumber")) return multipart.uploadPart(call);
      if (has("acl")) return objectAcl.putObjectAcl(call);
      if (call.req.headers["x-oss-copy-source"] !== undefined) return objects.copyObject(call);
      if (onlyPlainQuery(query)) return objects.putObject(call);
      break;
    case "GET":
      if (has("uploadId")) return multipart.listParts(call);
      if (has("acl")) return objectAcl.getObjectAcl(call);
      if (onlyPlainQuery(query)) return objects.getObject(call);
      break;
    case "HEAD":
      return objects.headObject(call);
    case "DELETE":
      if (has("uploadId")) return multipart.abortMultipartUpload(call);
      if (onlyPlainQuery(query)) return objects.deleteObject(call);
      break;
    case "POST":
      if (has("uploads")) return multipart.initiateMultipartUpload(call);
      if (has("uploadId")) return multipart.completeMultipartUpload(call);
      break;
    default:
      throw OssErrors.methodNotAllowed(method);
  }
  throw OssErrors.notImplemented(`${method} on an object with ?${[...query.keys()].join("&")}`);
}

/**
 * Query parameters that select no other operation (listing options, response overrides,
 * presigned-URL fields); anything else is a sub-resource this emulator does not serve, which
 * must not silently fall through to, say, PutObject.
 */
const PLAIN_QUERY = /^(prefix|marker|max-keys|delimiter|encoding-type|list-type|continuation-token|start-after|fetch-owner|response-.*|OSSAccessKeyId|Expires|Signature|security-token|x-oss-.*)$/;

function onlyPlainQuery(query: URLSearchParams): boolean {
  return [...query.keys()].every((k) => PLAIN_QUERY.test(k));
}

function sendError(req: IncomingMessage, res: ServerResponse, ctx: OssContext, target: OssTarget, err: unknown): void {
  const e = err instanceof OssError ? err : new OssError("InternalError", "We encountered an internal error. Please try again.", 500);
  if (!(err instanceof OssError)) console.error("OSS emulator: unexpected error", err);
  if (res.headersSent) {
    // a body was already streaming: all that is left is to cut the connection
    res.destroy(e);
    return;
  }
  const host = `${target.bucket ? `${target.bucket}.` : ""}oss-${target.region}.aliyuncs.com`;
  const body = Buffer.from(xmlDocument("Error", { Code: e.code, Message: e.message, RequestId: ctx.requestId, HostId: host, ...e.extra, EC: "0000-00000000" }));
  const headers: Record<string, string> = { ...commonHeaders(ctx), "Content-Type": "application/xml", "Content-Length": String(body.length) };
  // HEAD responses have no body, so OSS repeats the error in a header ali-oss decodes
  if (req.method === "HEAD") headers["x-oss-err"] = body.toString("base64");
  // an unread request body (e.g. a PUT refused before upload) would stall a keep-alive connection
  if (!req.readableEnded) {
    headers.Connection = "close";
    req.resume();
  }
  res.writeHead(e.status, headers);
  res.end(body);
}
