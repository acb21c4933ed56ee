/**
 * HTTP endpoint driver (ZStack SNSHttpEndpoint): POSTs the message as JSON.
 *
 * Body: `{ subject, text, data, deliveryUuid, topicUuid }`. Headers: `X-Strata-Delivery` (uuid,
 * the receiver's idempotency key), `X-Strata-Timestamp` (ms since the epoch) and, when the
 * endpoint has a secret, `X-Strata-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`;
 * optional basic auth. Redirects are refused (a 3xx is a failure, not followed).
 */
import { createHmac } from "node:crypto";
import { readTruncated, type SendResult, type SnsMessage } from "./types.ts";

/** Settings of an HTTP endpoint. */
export interface HttpTarget {
  url: string;
  username?: string;
  password?: string;
  /** HMAC-SHA256 key for X-Strata-Signature. */
  secret?: string;
}

/** The signature header value a receiver recomputes: `sha256=<hex>`. */
export function httpSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Sends one message; never throws. */
export async function sendHttp(t: HttpTarget, msg: SnsMessage, ids: { deliveryUuid: string; topicUuid: string | null }, timeoutMs: number): Promise<SendResult> {
  const body = JSON.stringify({ subject: msg.subject, text: msg.text, data: msg.data, deliveryUuid: ids.deliveryUuid, topicUuid: ids.topicUuid });
  const timestamp = String(Date.now());
  const headers: Record<string, string> = {
    "content-type": "application/json", "x-strata-delivery": ids.deliveryUuid, "x-strata-timestamp": timestamp,
  };
  if (t.secret) headers["x-strata-signature"] = httpSignature(t.secret, timestamp, body);
  if (t.username) headers.authorization = `Basic ${Buffer.from(`${t.username}:${t.password ?? ""}`).toString("base64")}`;
  try {
    const r = await fetch(t.url, { method: "POST", body, headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const response = await readTruncated(r);
    if (r.status >= 200 && r.status < 300) return { ok: true, retryable: false, httpCode: r.status, response };
    return {
      ok: false, retryable: r.status >= 500 || r.status === 429 || r.status === 408, httpCode: r.status, response,
      error: r.status >= 300 && r.status < 400 ? `redirect to ${r.headers.get("location") ?? "?"} refused` : `HTTP ${r.status}`,
    };
  } catch (err) {
    return { ok: false, retryable: true, error: (err as Error).name === "TimeoutError" ? `no reply within ${timeoutMs} ms` : String((err as Error).cause ?? (err as Error).message) };
  }
}
