import { createHash, randomBytes } from "node:crypto";
import { AliyunError, Errors } from "./errors.ts";
import type { EmulatorState } from "./state.ts";

/**
 * One RPC-style API call (ECS, VPC, NAS), after the HTTP layer verified its signature.
 * Params are the API's own parameters, flattened as on the wire (`Tag.1.Key`), with the
 * common ones (Action, Version, Signature*, Timestamp, Format, AccessKeyId) removed.
 */
export interface RpcCall {
  product: string;
  version: string;
  action: string;
  params: Record<string, string>;
  /** Owner of the AccessKey that signed the call. */
  accountId: string;
  /** `RegionId` param (required by most actions; "" when absent). */
  regionId: string;
  requestId: string;
  /** Epoch ms of this call (the emulator's clock). */
  now: number;
  state: EmulatorState;
  /**
   * How long a simulated status move takes, in ms (e.g. an instance Starting → Running).
   * Set by the server from its `transitionMs` option; products default to 2000 when absent.
   */
  transitionMs?: number;
}

/** An action: returns the response body without `RequestId` (added by the caller). */
export type RpcAction = (call: RpcCall) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** A product and the API version it speaks, e.g. `{ product: "Ecs", version: "2014-05-26" }`. */
export interface RpcProduct {
  product: string;
  version: string;
  actions: Record<string, RpcAction>;
}

/** Products by Version: RPC APIs share one endpoint here, and Version tells them apart. */
export class RpcRegistry {
  private readonly byVersion = new Map<string, RpcProduct>();

  register(p: RpcProduct): void {
    this.byVersion.set(p.version, p);
  }

  /** @throws AliyunError InvalidVersion / InvalidAction.NotFound. */
  resolve(version: string, action: string): { product: RpcProduct; action: RpcAction } {
    const product = this.byVersion.get(version);
    if (!product) throw new AliyunError("InvalidVersion", `Specified parameter Version "${version}" is not valid.`, 400);
    const fn = product.actions[action];
    if (!fn) throw Errors.unsupportedOperation(action);
    return { product, action: fn };
  }

  /** The product speaking `version`, if any (names errors that happen before the action is known). */
  productFor(version: string): RpcProduct | undefined {
    return this.byVersion.get(version);
  }

  products(): RpcProduct[] {
    return [...this.byVersion.values()];
  }
}

/** A RequestId in Alibaba's format (uppercase UUID). */
export function newRequestId(): string {
  const h = randomBytes(16).toString("hex").toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An Alibaba-style resource id: `<prefix>-<20 lowercase alphanumerics>`, e.g. `i-bp1...`. */
export function newResourceId(prefix: string): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  const bytes = randomBytes(18);
  let s = "bp1";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return `${prefix}-${s.slice(0, 20)}`;
}

/** ISO 8601 UTC without milliseconds, as Alibaba returns CreationTime (`2026-11-23T06:33Z`). */
export function aliyunTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/:\d{2}\.\d{3}Z$/, "Z");
}

/**
 * Runs a create under `ClientToken` idempotency: the same token with the same params returns
 * the first response again; with other params it fails with IdempotentParameterMismatch.
 * Without a token the create simply runs.
 */
export async function withClientToken(call: RpcCall, create: () => Record<string, unknown> | Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const token = call.params.ClientToken;
  if (!token) return create();
  if (token.length > 64) throw Errors.invalidParameter("ClientToken", "must be at most 64 characters");
  const key = `${call.product}:${call.action}:${call.regionId}:${token}`;
  const { ClientToken: _t, ...rest } = call.params;
  const hash = createHash("sha256").update(JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)))).digest("hex");
  const seen = call.state.clientToken(call.accountId, key);
  if (seen) {
    if (seen.paramsHash !== hash) throw Errors.idempotentMismatch();
    return seen.response as Record<string, unknown>;
  }
  const response = await create();
  call.state.rememberClientToken(call.accountId, key, hash, response);
  return response;
}
