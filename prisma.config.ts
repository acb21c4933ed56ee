// Prisma CLI configuration. `engine: "js"` makes the CLI use its WASM schema engine through a
// driver adapter, so `prisma migrate diff` works offline (no native engine download).
// Only the CLI reads this file; the management node builds its own client (server/db/client.ts).
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1/postgres" }),
});
