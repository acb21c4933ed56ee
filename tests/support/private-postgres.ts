// A PostgreSQL server of the test's own (Debian's binaries, a temporary cluster on a spare
// loopback port), so a fault test can stop and start it without touching the shared server
// other tests use.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sparePort } from "./sshd.ts";

export interface PrivatePostgres {
  url: string;
  port: number;
  /** Fast shutdown: connected clients are cut off. */
  stop(): void;
  start(): void;
  destroy(): void;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error("no PostgreSQL under /usr/lib/postgresql");
  return join(root, version, "bin");
}


/** Runs a PostgreSQL binary as the postgres user (the server refuses to run as root). */
function asPostgres(cmd: string, args: string[]): void {
  const r = process.getuid?.() === 0
    ? spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" })
    : spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
}

/** initdb + start a cluster with trust auth and database `strata`. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "strata-pg-"));
  const data = join(dir, "data");
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), Number(execFileSync("id", ["-g", "postgres"]).toString().trim()));
  asPostgres(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const port = await sparePort();
  const start = () => asPostgres(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  start();
  asPostgres(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "strata"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/strata`,
    port,
    stop: () => asPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]),
    start,
    destroy() {
      if (existsSync(join(data, "postmaster.pid"))) {
        try {
          asPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
        } catch { /* already stopped */ }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
