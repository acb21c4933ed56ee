#!/usr/bin/env node
// Generates the Prisma client into generated/prisma (run by `npm install`/`npm ci`).
import { spawnSync } from "node:child_process";
import { prismaCliEnv } from "./prisma-env.mjs";

const r = spawnSync("npx", ["prisma", "generate", "--schema", "prisma/schema.prisma"], {
  stdio: "inherit",
  env: prismaCliEnv(),
});
process.exit(r.status ?? 1);
