import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createManagementNode, type ManagementNode } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import type { JobType } from "../../server/jobs/service.ts";
import { createLogger } from "../../server/logger.ts";

/** The admin password every test node starts with. */
export const ADMIN_PASSWORD = "admin-password-for-tests";

/** A response as a test sees it. */
export interface Reply<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** A REST client bound to a base URL and, once logged in, a session. */
export class Client {
  constructor(readonly url: string, readonly session?: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const r = await fetch(this.url + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.session ? { authorization: `OAuth ${this.session}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV and other text bodies stay text.
    }
    return { status: r.status, body: parsed, headers: r.headers, text };
  }

  get(path: string, headers?: Record<string, string>) { return this.request("GET", path, undefined, headers); }
  post(path: string, body: unknown, headers?: Record<string, string>) { return this.request("POST", path, body, headers); }
  put(path: string, body: unknown, headers?: Record<string, string>) { return this.request("PUT", path, body, headers); }
  delete(path: string, headers?: Record<string, string>) { return this.request("DELETE", path, undefined, headers); }

  /** Logs in with an account and returns a client carrying the session. Throws on failure. */
  async login(accountName: string, password: string): Promise<Client> {
    const r = await new Client(this.url).put("/v1/accounts/login", { logInByAccount: { accountName, password } });
    if (r.status !== 200) throw new Error(`login ${accountName} failed: ${r.status} ${r.text}`);
    return new Client(this.url, r.body.inventory.uuid);
  }
}

/** Which store tests use: real PostgreSQL when DATABASE_URL is set (and not forced embedded). */
export function testStore(): "postgresql" | "embedded" {
  return process.env.DATABASE_URL && process.env.STRATA_TEST_STORE !== "embedded" ? "postgresql" : "embedded";
}

/** A fresh, empty database for one test file: a new PostgreSQL database, or undefined (embedded). */
export async function freshDatabaseUrl(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (testStore() === "embedded") return { url: undefined, drop: async () => undefined };
  const base = new URL(process.env.DATABASE_URL!);
  const name = `strata_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A management node under test with its own data directory and database. */
export interface TestNode {
  node: ManagementNode;
  url: string;
  dataDir: string;
  databaseUrl: string | undefined;
  anonymous: Client;
  admin: Client;
  /** Stops the node, keeping data directory and database. */
  stop(): Promise<void>;
  /** Starts a node again on the same data directory and database. */
  restart(): Promise<TestNode>;
  /** Stops the node and removes its data directory and database. */
  destroy(): Promise<void>;
}

/**
 * Starts a management node in-process on a free loopback port, with a fresh store
 * (real PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise).
 */
export async function startNode(opts: {
  dataDir?: string;
  db?: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  env?: Record<string, string>;
  jobTypes?: JobType<never>[];
} = {}): Promise<TestNode> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "strata-test-"));
  const db = opts.db ?? (await freshDatabaseUrl());
  const config = loadConfig({
    STRATA_PORT: "0", STRATA_LISTEN: "127.0.0.1", STRATA_DATA_DIR: dataDir, STRATA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    STRATA_LOG_LEVEL: process.env.STRATA_LOG_LEVEL ?? "silent", ...(db.url ? { DATABASE_URL: db.url } : {}), ...opts.env,
  });
  const node = await createManagementNode(config, { log: createLogger(config.logLevel), heartbeatMs: 500, jobTypes: opts.jobTypes });
  const url = await node.listen();
  const anonymous = new Client(url);
  const admin = await anonymous.login("admin", ADMIN_PASSWORD);
  let stopped = false;
  const t: TestNode = {
    node, url, dataDir, databaseUrl: db.url, anonymous, admin,
    async stop() {
      if (!stopped) await node.close();
      stopped = true;
    },
    async restart() {
      await t.stop();
      return startNode({ ...opts, dataDir, db });
    },
    async destroy() {
      await t.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000, intervalMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await fn();
  while (!last && Date.now() < end) {
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await fn();
  }
  return last;
}
