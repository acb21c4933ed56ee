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
  const pool = new pg.Pool({ connectionString, max: 4 });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
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
      await pool.end();
    },
  };
}

async function openEmbedded(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  // pglite-prisma-adapter is typed against an older @prisma/driver-adapter-utils; the runtime
  // protocol is the same (checked by the store tests run against the embedded database).
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as never });
  return {
    kind: "embedded",
    prisma,
    // PGlite is a single in-process session already; serialise raw sessions on it.
    async withSession(fn) {
      return fn({
        async query(text, params) {
          const r = await pglite.query(text, params as unknown[] | undefined);
          return r.rows as never[];
        },
        async exec(script) {
          await pglite.exec(script);
        },
      });
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
