/**
 * Shared helpers for hostd tests: temp dirs, a local HTTP callback receiver, JSON POSTs and
 * in-process sim agents. Every network target is 127.0.0.1.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startHostd, type HostdOptions, type RunningHostd } from "../../hostd/main.ts";

/** A logger that drops everything (set HOSTD_TEST_LOG=debug to see hostd's logs). */
export const quietLogger = pino({ level: process.env.HOSTD_TEST_LOG ?? "silent" });

/** Creates a temp dir; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = "hostd-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory tree, ignoring errors. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** One request the receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A local HTTP server recording POSTs, standing in for the management node. */
export class Receiver {
  readonly requests: Received[] = [];
  /** Decides the status of each request; default 200. */
  respond: (req: Received, index: number) => number = () => 200;
  private server?: Server;
  private waiters: Array<() => void> = [];
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep raw text
        }
        const r: Received = { path: req.url ?? "", headers: req.headers, body };
        const status = this.respond(r, this.requests.length);
        this.requests.push(r);
        res.writeHead(status, { "content-type": "application/json" }).end("{}");
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves with the first recorded request matching `pred`, or rejects after `timeoutMs`. */
  async waitFor(pred: (r: Received) => boolean, timeoutMs = 5_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver: no matching request within ${timeoutMs} ms; got ${JSON.stringify(this.requests.map((r) => r.path))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** JSON reply of a hostd command. */
export type Reply = Record<string, unknown> & { success?: boolean; error?: string };

/** POSTs JSON to hostd; `secret` undefined sends no Authorization header. */
export async function post(baseUrl: string, path: string, body: unknown, secret?: string): Promise<{ status: number; body: Reply }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  const res = await fetch(baseUrl + path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Reply };
}

/** The secret the test agents use. */
export const SECRET = "test-secret-0123456789";

/** Starts an in-process sim hostd on 127.0.0.1 with fast delays; caller closes it. */
export async function startSimHostd(dataDir: string, overrides: Partial<HostdOptions> = {}): Promise<RunningHostd> {
  return startHostd({
    port: 0,
    listen: "127.0.0.1",
    secret: SECRET,
    dataDir,
    driver: "sim",
    stateIntervalMs: 0,
    logger: quietLogger,
    callbacks: { attempts: 4, baseDelayMs: 20, timeoutMs: 2_000 },
    ...overrides,
    sim: { minDelayMs: 1, maxDelayMs: 5, acpiShutdownMs: 20, ...overrides.sim },
  });
}

/** A random 32-hex-digit uuid as ZStack writes them. */
export function zsUuid(): string {
  return randomUUID().replace(/-/g, "");
}
