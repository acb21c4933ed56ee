/** What one SNS channel driver reports about one attempt. Drivers do I/O only; the sweep decides. */
export interface SendResult {
  ok: boolean;
  /** Worth another attempt later: 5xx, throttling (429, DingTalk 130101), network errors, SMTP 4xx. */
  retryable: boolean;
  httpCode?: number;
  /** DingTalk's `errcode`. */
  errcode?: number;
  /** The receiver's reply (the sweep truncates it). */
  response?: string;
  error?: string;
}

/** A rendered message, as stored in SnsDelivery.message. */
export interface SnsMessage {
  subject: string;
  /** Plain text (email, DingTalk text). */
  text: string;
  /** Markdown (DingTalk markdown). */
  markdown: string;
  /** Structured facts for HTTP receivers: kind (alarm, event, test), uuids, values. */
  data: Record<string, unknown>;
}

/** Reads at most `max` characters of a response body. */
export async function readTruncated(r: Response, max = 1000): Promise<string> {
  const text = await r.text().catch(() => "");
  return text.length > max ? text.slice(0, max) : text;
}

/** Shortens `s` to `max` characters, marking the cut, so a long message is shortened, not dropped. */
export function shorten(s: string, max: number): string {
  const mark = "\n…(truncated)";
  return s.length <= max ? s : s.slice(0, Math.max(0, max - mark.length)) + mark;
}
