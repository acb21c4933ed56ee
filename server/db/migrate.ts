import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "./client.ts";
import type { Logger } from "../logger.ts";

/** Key of the PostgreSQL advisory lock held while migrating ("strata" in ASCII). */
const MIGRATION_LOCK_KEY = 0x737472617461;

/** One migration found on disk: `prisma/migrations/<name>/migration.sql`. */
export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** Lists the migrations under `dir`, ordered by name (Prisma's timestamped folder layout). */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Applies pending migrations, each in its own transaction, under a session-level advisory
 * lock so that management nodes starting together apply every migration exactly once.
 * Prisma's `migrate deploy` cannot run through driver adapters offline (ENVIRONMENT.md), so
 * this runner keeps Prisma's folder layout and records applied migrations in
 * `strata_migrations`.
 * @returns the names of the migrations this call applied.
 * @throws Error when an applied migration's file changed since (checksum mismatch).
 */
export async function migrate(db: Database, dir: string, log?: Logger): Promise<string[]> {
  const migrations = readMigrations(dir);
  return db.withSession(async (sql) => {
    await sql.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await sql.exec(`CREATE TABLE IF NOT EXISTS strata_migrations (
        name varchar(255) PRIMARY KEY,
        checksum varchar(64) NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const rows = await sql.query<{ name: string; checksum: string }>("SELECT name, checksum FROM strata_migrations");
      const applied = new Map(rows.map((r) => [r.name, r.checksum]));
      const done: string[] = [];
      for (const m of migrations) {
        const checksum = applied.get(m.name);
        if (checksum !== undefined) {
          if (checksum !== m.checksum) {
            throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
          }
          continue;
        }
        await sql.exec("BEGIN");
        try {
          await sql.exec(m.sql);
          await sql.query("INSERT INTO strata_migrations (name, checksum) VALUES ($1, $2)", [m.name, m.checksum]);
          await sql.exec("COMMIT");
        } catch (err) {
          await sql.exec("ROLLBACK");
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        log?.info({ migration: m.name }, "applied migration");
        done.push(m.name);
      }
      return done;
    } finally {
      await sql.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  });
}
