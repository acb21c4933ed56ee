import { ApiError } from "../errors/catalogue.ts";

/** Where a host's agent listens and the secret that authorises the management node. */
export interface HostdEndpoint {
  managementIp: string;
  hostdPort: number;
  secret: string;
}

/** A hostd reply: kvmagent's `{ success, error?, code?, ...fields }`. */
export type HostdReply<T> = ({ success: true } & T) | { success: false; error: string; code?: string };

/**
 * Calls one hostd command (a JSON POST, see hostd/README.md) and returns its reply.
 * @throws ApiError HOST.AGENT_UNREACHABLE when the agent cannot be reached, times out, or answers non-JSON.
 */
export async function callHostd<T = Record<string, unknown>>(ep: HostdEndpoint, path: string, body: unknown = {},
  timeoutMs = 10_000): Promise<HostdReply<T>> {
  const host = ep.managementIp.includes(":") ? `[${ep.managementIp}]` : ep.managementIp;
  let r: Response;
  try {
    r = await fetch(`http://${host}:${ep.hostdPort}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ep.secret}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
  } catch (err) {
    throw hostdUnreachable(ep, (err as Error).message);
  }
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw hostdUnreachable(ep, `HTTP ${r.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (r.status === 401) throw hostdUnreachable(ep, "the agent refused the host's secret (401)");
  return json as HostdReply<T>;
}

/** Like {@link callHostd} but throws HOST.AGENT_FAILED when the agent reports failure. */
export async function commandHostd<T = Record<string, unknown>>(ep: HostdEndpoint, path: string, body: unknown = {},
  timeoutMs?: number): Promise<T> {
  const r = await callHostd<T>(ep, path, body, timeoutMs);
  if (!r.success) {
    throw new ApiError("HOST.AGENT_FAILED", 502, `The host agent failed ${path}`, `${r.code ? `${r.code}: ` : ""}${r.error}`);
  }
  return r as unknown as T;
}

function hostdUnreachable(ep: HostdEndpoint, details: string) {
  return new ApiError("HOST.AGENT_UNREACHABLE", 502, "The host agent (hostd) did not answer; check the host and reconnect it",
    `${ep.managementIp}:${ep.hostdPort}: ${details}`);
}
