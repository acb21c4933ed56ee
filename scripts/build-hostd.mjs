#!/usr/bin/env node
// Bundles hostd (hostd/main.ts and every dependency: express, pino, prom-client, zod) into one
// file, dist/hostd.mjs, which the management node copies to a host over SSH and runs with the
// host's `node` — no npm install on hosts.
// Usage: node scripts/build-hostd.mjs [--outfile path]
import { build } from "esbuild";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = resolve(values.outfile ?? join(root, "dist", "hostd.mjs"));

await build({
  entryPoints: [join(root, "hostd", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  // express, pino and prom-client are CommonJS and call require() for Node built-ins; an ESM
  // bundle has no `require`, so give it one (and __filename/__dirname, which some of them read).
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __hostdCreateRequire } from "node:module";',
      'import { fileURLToPath as __hostdFileURLToPath } from "node:url";',
      'import { dirname as __hostdDirname } from "node:path";',
      "const require = __hostdCreateRequire(import.meta.url);",
      "const __filename = __hostdFileURLToPath(import.meta.url);",
      "const __dirname = __hostdDirname(__filename);",
    ].join("\n"),
  },
});
console.log(`built ${outfile}`);
