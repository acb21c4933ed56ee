#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the schema of
// the previous migration to prisma/schema.prisma, and a copy of that schema beside it.
//   npm run db:migration -- add_hosts
// Prisma's `migrate dev` and `migrate diff --from-migrations` need a native engine or a
// database introspection that fail offline (ENVIRONMENT.md), so every migration folder keeps
// the schema it produces (`schema.prisma`) and the next diff starts from that copy with the
// WASM engine: `prisma migrate diff --from-schema-datamodel <previous> --to-schema-datamodel`.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prismaCliEnv } from "./prisma-env.mjs";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <snake_case_name>");
  process.exit(2);
}
const dir = "prisma/migrations";
const previous = existsSync(dir)
  ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
  : [];
const last = previous.at(-1);
if (last && !existsSync(join(dir, last, "schema.prisma"))) {
  console.error(`${dir}/${last}/schema.prisma is missing: every migration keeps the schema it produced`);
  process.exit(2);
}
const from = last ? ["--from-schema-datamodel", join(dir, last, "schema.prisma")] : ["--from-empty"];
const r = spawnSync("npx", ["prisma", "migrate", "diff", ...from, "--to-schema-datamodel", "prisma/schema.prisma", "--script"], {
  encoding: "utf8",
  env: prismaCliEnv(),
});
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(r.status ?? 1);
}
if (/^-- This is an empty migration\.\s*$/m.test(r.stdout)) {
  console.log("schema.prisma matches the last migration: nothing to write");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const target = join(dir, `${stamp}_${name}`);
mkdirSync(target, { recursive: true });
writeFileSync(join(target, "migration.sql"), r.stdout);
copyFileSync("prisma/schema.prisma", join(target, "schema.prisma"));
console.log(`wrote ${target}/migration.sql`);
