import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";

/** Runs SQL outside Prisma: used by the migration runner (advisory locks need one session). */
export interface RawSql {
  /** Runs one statement with $1.. parameters and returns its rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(script: string): Promise<void>;
}

/** The database of a management node: Prisma for the model, a raw session for migrations. */
export interface Database {
  prisma: PrismaClient;
  /** A dedicated session (one connection) for migrations and advisory locks. */
  withSession<T>(fn: (sql: RawSql) => Promise<T>): Promise<T>;
  /** "postgresql" for a server, "embedded" for PGlite. */
  kind: "postgresql" | "embedded";
  close(): Promise<void>;
}

/**
 * Opens the database: real PostgreSQL when `databaseUrl` is set, otherwise the embedded
 * in-process PostgreSQL (PGlite) persisted under `<dataDir>/pglite`. Both run the same SQL.
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  return openEmbedded(join(opts.dataDir, "pglite"));
}

function openPostgres(connectionString: string): Database {
  // One pool for Prisma and raw sessions. An idle connection killed by the server (restart,
  // administrator) emits 'error' on the pool; without a listener that would crash the node.
  // connectionTimeoutMillis: while PostgreSQL is down or the pool is exhausted, a request gets
  // an error after 10 s (answered 503 SYS.DATABASE_UNAVAILABLE) instead of waiting forever.
  const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: "postgresql",
    prisma,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          async query(text, params) {
            const r = await client.query(text, params as unknown[] | undefined);
            return r.rows;
          },
          async exec(script) {
            await client.query(script);
          },
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      // pool.end() waits for every checked-out client; one whose connection died during an
      // outage may never be released, and shutdown must not hang on it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        pool.end().catch(() => undefined),
        new Promise((resolve) => { timer = setTimeout(resolve, 5000); }),
      ]);
      clearTimeout(timer);
    },
  };
}

async function openEmbedded(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  let sessionQueue: Promise<void> = Promise.resolve();
  // pglite-prisma-adapter is typed against an older @prisma/driver-adapter-utils; the runtime
  // protocol is the same (checked by the store tests run against the embedded database).
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as never });
  return {
    kind: "embedded",
    prisma,
    // PGlite is one in-process session: session-level advisory locks are re-entrant within it,
    // so raw sessions are serialised here to give callers the isolation a real session has.
    async withSession(fn) {
      const previous = sessionQueue;
      let release!: () => void;
      sessionQueue = new Promise((r) => (release = r));
      await previous;
      try {
        return await fn({
          async query(text, params) {
            const r = await pglite.query(text, params as unknown[] | undefined);
            return r.rows as never[];
          },
          async exec(script) {
            await pglite.exec(script);
          },
        });
      } finally {
        release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
