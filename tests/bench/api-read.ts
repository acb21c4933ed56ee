/**
 * API read throughput (issue 9): `GET /v1/vm-instances?q=state=Running&limit=100` over N VM
 * rows (default 100,000), authenticated, against the bare express + pg baseline in
 * baseline-server.ts on the same database; plus a system-tag query and a joined-field query.
 * Strata and the baseline each run as their own process; autocannon drives them from this one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";

export interface ReadFigure {
  query: string;
  strata: { reqPerSec: number; p50: number; p99: number };
  baseline: { reqPerSec: number; p50: number; p99: number };
  /** Strata's throughput over the baseline's (target ≥ 0.5). */
  ratio: number;
}

const ADMIN_PASSWORD = "bench-admin-password";

/** Starts a process and resolves with the port it prints (`LISTENING <port>` or Strata's log line). */
function startProcess(args: string[], env: Record<string, string>, ready: RegExp, nodeArgs: string[] = []): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let started = false;
    const onData = (b: Buffer) => {
      if (started) return; // the request log is drained, not kept
      out = (out + b.toString()).slice(-20_000);
      const m = ready.exec(out);
      if (m) {
        started = true;
        resolve({ proc, port: Number(m[1]) });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${out.slice(-2000)}`)));
  });
}

async function cannon(url: string, headers: Record<string, string>, seconds: number) {
  const r = await autocannon({ url, headers, connections: 16, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx responses, ${r.errors} errors`);
  return { reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** Seeds `rows` Running/Stopped VMs (one NIC each; every 10th tagged) for the admin account. */
async function seed(client: pg.Client, rows: number): Promise<void> {
  const admin = await client.query(`SELECT uuid FROM "Account" WHERE name = 'admin'`);
  const account = admin.rows[0].uuid as string;
  await client.query(`
    INSERT INTO "VmInstance" (uuid, name, "zoneUuid", "cpuNum", "memorySize", state, "accountUuid", "createDate", "lastOpDate")
    SELECT md5('vm' || i), 'bench-vm-' || i, md5('zone'), 1 + i % 8, 1073741824::bigint * (1 + i % 4),
           CASE WHEN i % 5 = 0 THEN 'Stopped' ELSE 'Running' END, $1, now() - (i || ' seconds')::interval, now()
    FROM generate_series(1, $2::int) AS i`, [account, rows]);
  await client.query(`
    INSERT INTO "VmNic" (uuid, "vmInstanceUuid", "l3NetworkUuid", "l2NetworkUuid", ip, mac, "deviceId", "internalName")
    SELECT md5('nic' || i), md5('vm' || i), md5('l3'), md5('l2'),
           '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256),
           '02:00:' || lpad(to_hex(i / 16777216 % 256), 2, '0') || ':' || lpad(to_hex(i / 65536 % 256), 2, '0') || ':' || lpad(to_hex(i / 256 % 256), 2, '0') || ':' || lpad(to_hex(i % 256), 2, '0'),
           0, 'vnic' || i || '.0'
    FROM generate_series(1, $1::int) AS i`, [rows]);
  await client.query(`
    INSERT INTO "SystemTag" (uuid, "resourceUuid", "resourceType", tag, "accountUuid")
    SELECT md5('tag' || i), md5('vm' || i), 'VmInstance', 'bench::tagged', $1 FROM generate_series(10, $2::int, 10) AS i`, [account, rows]);
  await client.query(`ANALYZE`);
}

/**
 * Runs the read benchmark on a fresh database next to `databaseUrl` (PostgreSQL only: the
 * baseline needs a real server). Returns one figure per query.
 */
export async function benchApiRead(databaseUrl: string, rows: number, seconds: number): Promise<ReadFigure[]> {
  const dbName = `strata_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), "strata-bench-"));
  const procs: ChildProcess[] = [];
  try {
    const strata = await startProcess(["server/main.ts"], {
      DATABASE_URL: url.toString(), STRATA_PORT: "0", STRATA_LISTEN: "127.0.0.1", STRATA_DATA_DIR: dataDir,
      STRATA_ADMIN_PASSWORD: ADMIN_PASSWORD, STRATA_LOG_LEVEL: "info",
    }, /serving http:\/\/127\.0\.0\.1:(\d+)\/v1/, process.env.BENCH_STRATA_NODE_ARGS?.split(" ").filter(Boolean));
    procs.push(strata.proc);
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await seed(db, rows);
    await db.end();
    const baseline = await startProcess(["tests/bench/baseline-server.ts"], { DATABASE_URL: url.toString(), PORT: "0" }, /LISTENING (\d+)/);
    procs.push(baseline.proc);

    const login = await fetch(`http://127.0.0.1:${strata.port}/v1/accounts/login`, {
      method: "PUT", headers: { "content-type": "application/json" },
      body: JSON.stringify({ logInByAccount: { accountName: "admin", password: ADMIN_PASSWORD } }),
    });
    const session = ((await login.json()) as { inventory: { uuid: string } }).inventory.uuid;
    const auth = { authorization: `OAuth ${session}` };
    const queries = ["state=Running", "__systemTag__=bench::tagged", `vmNics.ip=10.0.${(rows / 2 / 256 % 256) | 0}.${(rows / 2) % 256}`];
    const figures: ReadFigure[] = [];
    for (const q of queries) {
      const path = `/v1/vm-instances?q=${encodeURIComponent(q)}&limit=100`;
      // Warm both (JIT, connection pools, PostgreSQL caches) before measuring.
      await cannon(`http://127.0.0.1:${strata.port}${path}`, auth, 2);
      await cannon(`http://127.0.0.1:${baseline.port}${path}`, {}, 2);
      const s = await cannon(`http://127.0.0.1:${strata.port}${path}`, auth, seconds);
      const b = await cannon(`http://127.0.0.1:${baseline.port}${path}`, {}, seconds);
      figures.push({ query: q, strata: s, baseline: b, ratio: s.reqPerSec / b.reqPerSec });
    }
    return figures;
  } finally {
    for (const p of procs) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once("exit", r)))));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
