import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { AliyunApiError, isRetryableCode } from "./errors.ts";
import { API_VERSIONS, type AliyunEndpoints, type AliyunProduct } from "./endpoints.ts";

// pop-core is CommonJS without types.
const RPCClient = createRequire(import.meta.url)("@alicloud/pop-core") as new (config: {
  accessKeyId: string; accessKeySecret: string; endpoint: string; apiVersion: string;
}) => { request(action: string, params: Record<string, unknown>, opts: Record<string, unknown>): Promise<Record<string, unknown>> };

/** An AccessKey in plain form, only ever held in memory. */
export interface AliyunCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Retry and timeout policy of remote calls. */
export interface RetryPolicy {
  /** Attempts in all, including the first (default 6). */
  attempts: number;
  /** First backoff in ms, doubled each retry with ±50% jitter (default 200). */
  baseDelayMs: number;
  /** Backoff ceiling in ms (default 5000). */
  maxDelayMs: number;
  /** Per-attempt timeout in ms (default 10000). */
  timeoutMs: number;
}

const DEFAULT_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000, timeoutMs: 10_000 };

/** Counts of remote calls, for benchmarks and the `/metrics` endpoint. */
export interface CallStats {
  calls: number;
  retries: number;
  failures: number;
}

/**
 * Calls Alibaba Cloud's RPC APIs (ECS, VPC, NAS) through `@alicloud/pop-core` (signature v1).
 * Every call: POSTs its params as a form (no URL length limit for long lists), times out,
 * and retries `Throttling*`, `ServiceUnavailable`, 5xx and network errors with exponential
 * backoff — pop-core signs each attempt anew, so each has a fresh nonce and timestamp.
 * Creates pass a `ClientToken` (the same one on every attempt) so that a retry after a lost
 * response can never make a second resource.
 */
export class AliyunRpcClient {
  readonly stats: CallStats = { calls: 0, retries: 0, failures: 0 };
  private readonly clients = new Map<string, InstanceType<typeof RPCClient>>();
  private readonly policy: RetryPolicy;

  constructor(
    private readonly credentials: AliyunCredentials,
    private readonly endpoints: AliyunEndpoints,
    policy: Partial<RetryPolicy> = {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.policy = { ...DEFAULT_POLICY, ...policy };
  }

  /**
   * Calls `action` of `product` in `regionId` with Alibaba's wire params (`RegionId` is added).
   * `opts.clientToken: true` adds a fresh ClientToken reused across retries; a string uses it.
   * @returns the response body (JSON, Alibaba's shape).
   * @throws AliyunApiError with Alibaba's code and message, after retries for retryable ones.
   */
  async call<T = Record<string, unknown>>(product: AliyunProduct, regionId: string, action: string, params: Record<string, unknown> = {},
    opts: { clientToken?: boolean | string } = {}): Promise<T> {
    const client = this.client(product, regionId);
    const body: Record<string, unknown> = { RegionId: regionId, ...dropUndefined(params) };
    if (opts.clientToken) body.ClientToken = typeof opts.clientToken === "string" ? opts.clientToken : randomUUID();
    for (let attempt = 1; ; attempt++) {
      this.stats.calls++;
      try {
        return await client.request(action, body, { method: "POST", timeout: this.policy.timeoutMs, formatParams: false }) as T;
      } catch (err) {
        const e = toApiError(err, action);
        if (!e.retryable || attempt >= this.policy.attempts) {
          this.stats.failures++;
          throw e;
        }
        this.stats.retries++;
        const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(delay * (0.5 + Math.random()));
      }
    }
  }

  /**
   * Reads every page of a PageNumber/PageSize Describe* API and returns the items found at
   * `listPath` (e.g. `["Instances", "Instance"]`).
   */
  async describeAll<T = Record<string, unknown>>(product: AliyunProduct, regionId: string, action: string, listPath: [string, string],
    params: Record<string, unknown> = {}, pageSize = 100): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const r = await this.call<Record<string, unknown>>(product, regionId, action, { ...params, PageNumber: page, PageSize: pageSize });
      const items = ((r[listPath[0]] as Record<string, unknown> | undefined)?.[listPath[1]] ?? []) as T[];
      out.push(...items);
      const total = Number(r.TotalCount ?? out.length);
      if (items.length === 0 || out.length >= total) return out;
    }
  }

  /** Like {@link describeAll} for NextToken/MaxResults APIs (e.g. DescribeRouteEntryList). */
  async describeAllByToken<T = Record<string, unknown>>(product: AliyunProduct, regionId: string, action: string, listPath: [string, string],
    params: Record<string, unknown> = {}, maxResults = 100): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const r = await this.call<Record<string, unknown>>(product, regionId, action, { ...params, MaxResults: maxResults, NextToken: token });
      out.push(...(((r[listPath[0]] as Record<string, unknown> | undefined)?.[listPath[1]] ?? []) as T[]));
      token = (r.NextToken as string | undefined) || undefined;
    } while (token);
    return out;
  }

  private client(product: AliyunProduct, regionId: string) {
    const endpoint = this.endpoints.rpc(product, regionId);
    const key = `${product}|${endpoint}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new RPCClient({ accessKeyId: this.credentials.accessKeyId, accessKeySecret: this.credentials.accessKeySecret, endpoint, apiVersion: API_VERSIONS[product] });
      this.clients.set(key, c);
    }
    return c;
  }
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** pop-core errors: `err.code` + `err.data` for API errors; node/httpx errors otherwise. */
function toApiError(err: unknown, action: string): AliyunApiError {
  const e = err as { code?: string; data?: { Code?: string; Message?: string; RequestId?: string }; message?: string; name?: string };
  if (e.data?.Code) {
    return new AliyunApiError(e.data.Code, e.data.Message ?? e.data.Code, action, e.data.RequestId, isRetryableCode(e.data.Code));
  }
  // Network failures, timeouts and non-JSON bodies (a proxy's 502 page): transient by nature.
  const code = e.code ?? e.name ?? "NetworkError";
  return new AliyunApiError(code, `${action} could not reach Alibaba Cloud: ${e.message ?? String(err)}`, action, undefined, true);
}
