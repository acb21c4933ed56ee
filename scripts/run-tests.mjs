#!/usr/bin/env node
// Runs the whole suite with node's test runner (through tsx, so tests are plain TypeScript).
// Usage: npm test [-- <path filter> ...]   e.g. npm test -- tests/store
// Files run one at a time (--test-concurrency=1): integration tests share PostgreSQL,
// sshd and libvirt, and the machine has two cores.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function collect(dir) {
  const out = [];
  // Symlinks are not followed: fixtures (recorded sysfs trees) hold links that point nowhere here.
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(path));
    else if (entry.isFile() && entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect("tests")
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p.replace(/^\.\//, ""))))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
