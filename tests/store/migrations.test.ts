import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MIGRATIONS_DIR } from "../../server/app.ts";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { migrate, readMigrations } from "../../server/db/migrate.ts";
import { freshDatabaseUrl, testStore } from "../support/node.ts";

describe(`migrations on the ${testStore()} store`, () => {
  let dataDir: string;
  let fresh: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  const opened: Database[] = [];
  const open = async () => {
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir });
    opened.push(db);
    return db;
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "strata-store-"));
    fresh = await freshDatabaseUrl();
  });
  after(async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    await fresh.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("applies every migration exactly once when two nodes start at the same moment", async () => {
    // On PostgreSQL these are two connections racing for the advisory lock; the embedded
    // store is one process, where the same race runs on one handle.
    const first = await open();
    const second = testStore() === "postgresql" ? await open() : first;
    const [a, b] = await Promise.all([migrate(first, MIGRATIONS_DIR), migrate(second, MIGRATIONS_DIR)]);
    const expected = readMigrations(MIGRATIONS_DIR).map((m) => m.name);
    assert.deepEqual([...a, ...b].sort(), expected.sort());
    const rows = await first.withSession((sql) => sql.query<{ name: string }>("SELECT name FROM strata_migrations ORDER BY name"));
    assert.deepEqual(rows.map((r) => r.name), expected);
    // The schema is really there: Prisma can use it.
    assert.equal(await first.prisma.zone.count(), 0);
  });

  it("applies nothing on a second start", async () => {
    const db = opened[0]!;
    assert.deepEqual(await migrate(db, MIGRATIONS_DIR), []);
  });

  it("refuses to start when an applied migration file was edited", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const first = readMigrations(dir)[0]!;
    appendFileSync(join(dir, first.name, "migration.sql"), "\n-- edited after release\n");
    await assert.rejects(migrate(opened[0]!, dir), /was changed after it was applied/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("rolls back a failing migration and records nothing for it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strata-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const bad = join(dir, "99999999999999_broken");
    cpSync(join(dir, readMigrations(dir)[0]!.name), bad, { recursive: true });
    writeFileSync(join(bad, "migration.sql"), 'CREATE TABLE "half_done" (id int);\nSELECT no_such_function();\n');
    await assert.rejects(migrate(opened[0]!, dir), /migration 99999999999999_broken failed/);
    const tables = await opened[0]!.withSession((sql) =>
      sql.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'"));
    assert.equal(tables[0]!.n, 0);
    const recorded = await opened[0]!.withSession((sql) =>
      sql.query<{ n: number }>("SELECT count(*)::int AS n FROM strata_migrations WHERE name = '99999999999999_broken'"));
    assert.equal(recorded[0]!.n, 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
