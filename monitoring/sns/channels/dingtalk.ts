/**
 * DingTalk robot driver (ZStack SNSDingTalkEndpoint; DingTalk "custom robot" webhook,
 * https://open.dingtalk.com/document/robots/custom-robot-access).
 *
 * POSTs `{ msgtype: "markdown", markdown: { title, text }, at: { atMobiles, isAtAll } }` to the
 * webhook. With a signing secret the URL gets `timestamp=<ms>&sign=<urlencoded base64(HMAC-SHA256(secret, "<timestamp>\n<secret>"))>`.
 * DingTalk answers HTTP 200 with `{ errcode, errmsg }`: errcode 0 is success; 130101 (sending
 * too fast) is throttling and retried; any other errcode (310000: bad signature or keyword) is a
 * failure that is not retried. A robot takes at most 20 messages a minute (the sweep paces them).
 */
import { createHmac } from "node:crypto";
import { readTruncated, shorten, type SendResult, type SnsMessage } from "./types.ts";

/** Settings of a DingTalk endpoint. */
export interface DingTalkTarget {
  url: string;
  secret?: string;
  atAll?: boolean;
  atPersonPhoneNumbers?: string[];
}

/** DingTalk's `sign` for `timestamp` (ms): base64 HMAC-SHA256 of "<timestamp>\n<secret>" keyed by the secret. */
export function dingTalkSign(secret: string, timestamp: string): string {
  return createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64");
}

/** DingTalk errcode of "sending too fast" (throttled). */
export const DINGTALK_THROTTLED = 130101;
/** Markdown text we send at most, in characters (DingTalk rejects bodies over about 20 KB). */
const MAX_TEXT = 4000;

/** Sends one message; never throws. */
export async function sendDingTalk(t: DingTalkTarget, msg: SnsMessage, timeoutMs: number): Promise<SendResult> {
  const url = new URL(t.url);
  if (t.secret) {
    const timestamp = String(Date.now());
    url.searchParams.set("timestamp", timestamp);
    url.searchParams.set("sign", dingTalkSign(t.secret, timestamp));
  }
  const mobiles = t.atPersonPhoneNumbers ?? [];
  const text = shorten(msg.markdown, MAX_TEXT) + (mobiles.length ? `\n\n${mobiles.map((p) => `@${p}`).join(" ")}` : "");
  const body = JSON.stringify({ msgtype: "markdown", markdown: { title: shorten(msg.subject, 100), text }, at: { atMobiles: mobiles, isAtAll: t.atAll ?? false } });
  try {
    const r = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json;charset=utf-8" }, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const response = await readTruncated(r);
    if (r.status !== 200) return { ok: false, retryable: r.status >= 500 || r.status === 429, httpCode: r.status, response, error: `HTTP ${r.status}` };
    let errcode: number | undefined;
    let errmsg = "";
    try {
      const parsed = JSON.parse(response) as { errcode?: number; errmsg?: string };
      errcode = typeof parsed.errcode === "number" ? parsed.errcode : undefined;
      errmsg = parsed.errmsg ?? "";
    } catch {
      // Not JSON: handled below.
    }
    if (errcode === undefined) return { ok: false, retryable: false, httpCode: 200, response, error: "DingTalk reply has no errcode" };
    if (errcode === 0) return { ok: true, retryable: false, httpCode: 200, errcode, response };
    return { ok: false, retryable: errcode === DINGTALK_THROTTLED, httpCode: 200, errcode, response, error: `DingTalk errcode ${errcode}: ${errmsg}` };
  } catch (err) {
    return { ok: false, retryable: true, error: (err as Error).name === "TimeoutError" ? `no reply within ${timeoutMs} ms` : String((err as Error).cause ?? (err as Error).message) };
  }
}
