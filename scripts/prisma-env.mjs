// Prisma's CLI wants native engines it would download at install time; none can be fetched
// on offline machines, and the Rust-free client ("engineType = client") needs none at run
// time. Point the CLI at a dummy file so `prisma generate` and `prisma migrate diff` (WASM)
// work offline (see ../shared/ENVIRONMENT.md).
import { writeFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

/** Environment for running the Prisma CLI offline. */
export function prismaCliEnv() {
  const dir = join(tmpdir(), "strata-prisma");
  const dummy = join(dir, "no-engine");
  if (!existsSync(dummy)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(dummy, "");
  }
  return {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: dummy,
    PRISMA_SCHEMA_ENGINE_BINARY: dummy,
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
    // generate never connects; diff connects through the adapter (prisma.config.ts).
    DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  };
}
