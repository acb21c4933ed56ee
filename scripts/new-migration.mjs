#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the schema
// of all previous migrations to prisma/schema.prisma. Prisma's own `migrate dev` needs a
// native engine that cannot be downloaded offline, so the diff is computed with
// `prisma migrate diff` (WASM) against a schema file replayed from the last migration.
//   npm run db:migration -- add_hosts
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { prismaCliEnv } from "./prisma-env.mjs";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <snake_case_name>");
  process.exit(2);
}
const dir = "prisma/migrations";
const previous = existsSync(dir) ? readdirSync(dir).filter((d) => !d.startsWith(".")).sort() : [];
const from = previous.length === 0
  ? ["--from-empty"]
  : ["--from-migrations", dir, "--shadow-database-url", process.env.SHADOW_DATABASE_URL ?? ""];
if (previous.length > 0 && !process.env.SHADOW_DATABASE_URL) {
  console.error("set SHADOW_DATABASE_URL to an empty PostgreSQL database (e.g. postgresql://postgres@127.0.0.1/strata_shadow)");
  process.exit(2);
}
const r = spawnSync("npx", ["prisma", "migrate", "diff", ...from, "--to-schema-datamodel", "prisma/schema.prisma", "--script"], {
  encoding: "utf8",
  env: prismaCliEnv(),
});
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(r.status ?? 1);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const target = join(dir, `${stamp}_${name}`);
mkdirSync(target, { recursive: true });
writeFileSync(join(target, "migration.sql"), r.stdout);
console.log(`wrote ${target}/migration.sql`);
