/**
 * A real Prometheus (Debian's `prometheus`, .ci/setup-prometheus.sh) for integration tests: it
 * runs on a spare loopback port with a temporary copy of monitoring/prometheus/prometheus.yml
 * whose node target, file_sd path and intervals are rewritten for the test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sparePort } from "./sshd.ts";

/** The shipped configuration. */
export const PROMETHEUS_CONFIG = new URL("../../monitoring/prometheus/prometheus.yml", import.meta.url);

/** A running test Prometheus. */
export interface TestPrometheus {
  url: string;
  configPath: string;
  /** Instant query; returns the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus scraping `nodeAddress` (host:port) and the hostds listed in `fileSdPath`
 * every `scrapeInterval`; resolves once it is ready.
 */
export async function startPrometheus(opts: { nodeAddress: string; fileSdPath: string; scrapeInterval?: string }): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "strata-prom-"));
  const interval = opts.scrapeInterval ?? "1s";
  const config = readFileSync(PROMETHEUS_CONFIG, "utf8")
    .replace(/scrape_interval: 15s/, `scrape_interval: ${interval}`)
    .replace(/evaluation_interval: 15s/, `evaluation_interval: ${interval}`)
    .replace(/scrape_timeout: 10s/, `scrape_timeout: ${interval}`)
    .replace(/127\.0\.0\.1:8080/, opts.nodeAddress)
    .replace(/"\.\.\/\.\.\/data\/prometheus\/hostd-targets\.json"/, JSON.stringify(opts.fileSdPath))
    .replace(/refresh_interval: 30s/, "refresh_interval: 1s");
  const configPath = join(dir, "prometheus.yml");
  writeFileSync(configPath, config);
  const port = await sparePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("prometheus", [
    `--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn", "--storage.tsdb.retention.time=1h",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => void (stderr = (stderr + b.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`prometheus not ready within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, configPath,
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await r.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
      if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
      return body.data.result;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
