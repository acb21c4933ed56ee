import type { Client, Reply } from "./node.ts";

/**
 * Follows a 202 reply's location until the job settles and returns the final reply
 * (200 with the result, or 503 with the error).
 */
export async function settle(client: Client, accepted: Reply, timeoutMs = 60_000): Promise<Reply> {
  if (accepted.status !== 202) throw new Error(`expected 202, got ${accepted.status}: ${accepted.text}`);
  const path = new URL(accepted.body.location as string).pathname;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.get(path);
    if (r.status !== 202) return r;
    if (Date.now() > end) throw new Error(`job ${path} still running after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
