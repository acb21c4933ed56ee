import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorAccessKeys } from "../core/access-keys.ts";
import { AliyunError, Errors } from "../core/errors.ts";
import type { RpcCall, RpcRegistry } from "../core/rpc.ts";
import type { EmulatorState } from "../core/state.ts";
import { type FaultInjector, ThrottlingError } from "../faults.ts";
import { authenticate, isAcs3, type NonceCache, type RawRpcRequest } from "./authenticate.ts";
import { type RpcFormat, sendRpcError, sendRpcResult } from "./respond.ts";

/** Everything the RPC endpoint needs from the server, per request. */
export interface RpcContext {
  state: EmulatorState;
  keys: EmulatorAccessKeys;
  faults: FaultInjector;
  registry: RpcRegistry;
  nonces: NonceCache;
  requestId: string;
  now: number;
  transitionMs?: number;
  /** Told about bugs: exceptions that are not Alibaba errors (sent as InternalError 500). */
  onInternalError?: (err: unknown, action: string) => void;
}

/** Common params of signature v1 that are not the API's own. */
const COMMON_PARAMS = new Set([
  "Action", "Version", "Format", "Timestamp", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Signature",
  "AccessKeyId", "SecurityToken", "SignatureType",
]);

/** Decodes the query string and (form or JSON) body of an RPC request; does not interpret them. */
export function rawRpcRequest(req: IncomingMessage, body: Buffer): RawRpcRequest {
  const url = new URL(req.url ?? "/", "http://emulator");
  const query = Object.fromEntries(url.searchParams);
  const type = String(req.headers["content-type"] ?? "");
  let form: Record<string, string> = {};
  if (body.length && type.startsWith("application/x-www-form-urlencoded")) {
    form = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
  } else if (body.length && type.startsWith("application/json")) {
    form = jsonParams(body);
  }
  return { method: (req.method ?? "GET").toUpperCase(), path: url.pathname, query, form, headers: req.headers, body };
}

/** True when the request looks like an RPC call: to `/`, naming an Action by param or header. */
export function isRpcRequest(req: IncomingMessage): boolean {
  const url = new URL(req.url ?? "/", "http://emulator");
  if (url.pathname !== "/") return false;
  return url.searchParams.has("Action") || req.headers["x-acs-action"] !== undefined
    || String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
}

/**
 * Runs one RPC call end to end: verify the signature, resolve product and action, apply faults,
 * run the action and send `{ RequestId, ...result }` — or the Alibaba error body.
 */
export async function handleRpc(req: IncomingMessage, res: ServerResponse, body: Buffer, ctx: RpcContext): Promise<void> {
  const raw = rawRpcRequest(req, body);
  const params = { ...raw.query, ...raw.form };
  const format: RpcFormat = params.Format?.toUpperCase() === "XML" ? "XML" : "JSON";
  const acs3 = isAcs3(raw);
  const action = (acs3 ? header(raw, "x-acs-action") : undefined) ?? params.Action ?? "";
  const version = (acs3 ? header(raw, "x-acs-version") : undefined) ?? params.Version ?? "";
  // Errors name the product and its host as Alibaba's do, even when they happen before dispatch.
  let product = ctx.registry.productFor(version)?.product;
  let hostId = product ? `${product.toLowerCase()}.aliyuncs.com` : String(req.headers.host ?? "aliyuncs.com").replace(/:\d+$/, "");
  try {
    const key = authenticate(raw, ctx.keys, ctx.nonces, ctx.now);
    if (!action) throw Errors.missingParameter("Action");
    if (!version) throw Errors.missingParameter("Version");
    const resolved = ctx.registry.resolve(version, action);
    product = resolved.product.product;
    hostId = `${product.toLowerCase()}.aliyuncs.com`;
    await ctx.faults.apply(product, action);
    const apiParams = Object.fromEntries(Object.entries(params).filter(([k]) => !COMMON_PARAMS.has(k)));
    const call: RpcCall = {
      product, version, action, params: apiParams, accountId: key.accountId, regionId: apiParams.RegionId ?? "",
      requestId: ctx.requestId, now: ctx.now, state: ctx.state, transitionMs: ctx.transitionMs,
    };
    const result = await resolved.action(call);
    ctx.state.changed();
    sendRpcResult(res, { RequestId: ctx.requestId, ...result }, format, action);
  } catch (e) {
    const err = e instanceof AliyunError ? e : Errors.internalError();
    if (!(e instanceof AliyunError)) ctx.onInternalError?.(e, action);
    sendRpcError(res, err, { requestId: ctx.requestId, hostId, product, format, retryAfterMs: err instanceof ThrottlingError ? err.retryAfterMs : undefined });
  }
}

function header(raw: RawRpcRequest, name: string): string | undefined {
  const v = raw.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A JSON object body as flat string params (nested objects become `A.B`, arrays `A.1`). */
function jsonParams(body: Buffer): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  const walk = (prefix: string, v: unknown) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach((x, i) => walk(`${prefix}.${i + 1}`, x));
    else if (typeof v === "object") for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    else out[prefix] = String(v);
  };
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) walk("", parsed);
  return out;
}
