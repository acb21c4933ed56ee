/**
 * Alarm evaluation (issue 9): `count` metric alarms on a simulated host's memory, evaluated
 * against Debian's real Prometheus scraping that host's hostd (found through the node's
 * file_sd targets). Reports the first round (every alarm stores its series state) and a
 * steady round (nothing changes), in ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startNode } from "../support/node.ts";
import { startPrometheus } from "../support/prometheus.ts";
import { sparePort } from "../support/sshd.ts";

const GiB = 1024 ** 3;

export interface AlarmFigure { alarms: number; firstMs: number; steadyMs: number; evaluated: number; errors: number }

export async function benchAlarms(count: number): Promise<AlarmFigure> {
  const tmp = mkdtempSync(join(tmpdir(), "strata-bench-alarms-"));
  const fileSdPath = join(tmp, "sd", "hostd-targets.json");
  const port = await sparePort();
  const prom = await startPrometheus({ nodeAddress: `127.0.0.1:${port}`, fileSdPath, scrapeInterval: "1s" });
  const t = await startNode({ env: { STRATA_PORT: String(port), PROMETHEUS_URL: prom.url, PROMETHEUS_FILE_SD_PATH: fileSdPath } });
  try {
    const a = t.admin;
    const body = async (p: Promise<{ status: number; body: { inventory: { uuid: string } }; text: string }>) => {
      const r = await p;
      if (r.status !== 200) throw new Error(r.text);
      return r.body.inventory.uuid;
    };
    const zone = await body(a.post("/v1/zones", { params: { name: "z" } }));
    const cluster = await body(a.post("/v1/clusters", { params: { zoneUuid: zone, name: "sims", hypervisorType: "Simulator" } }));
    const added = await a.post("/v1/hosts/simulators", { params: { clusterUuid: cluster, name: "sim-a", cpuCapacity: 8, memoryCapacity: 16 * GiB } });
    const { settle } = await import("../support/jobs.ts");
    const host = (await settle(a, added)).body.inventory.uuid as string;
    // Wait until Prometheus has scraped the host's memory.
    for (let i = 0; i < 120; i++) {
      const r = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent("count(up{job=\"hostd\"} == 1)")}`);
      const j = await r.json() as { data: { result: unknown[] } };
      if (j.data.result.length) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const prisma = t.node.services.db.prisma;
    const accountUuid = (await prisma.account.findFirstOrThrow({ where: { name: "admin" } })).uuid;
    await prisma.zwatchAlarm.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        uuid: `${"b".repeat(24)}${i.toString(16).padStart(8, "0")}`, name: `bench-${i}`, namespace: "ZStack/Host", metricName: "MemoryUsedInPercent",
        comparisonOperator: i % 2 ? "GreaterThan" : "LessThan", threshold: 50, period: 0, repeatInterval: 3600, repeatCount: 0,
        emergencyLevel: "Normal", actions: [] as never, accountUuid,
        // One in ten filters on a label the shared query does not group by: it needs a query of its own.
        labels: (i % 10 ? [{ key: "HostUuid", op: "Equal", value: host }] : [{ key: "ClusterUuid", op: "Equal", value: cluster }]) as never,
      })),
    });
    const evaluator = t.node.services.monitoring.evaluator;
    let t0 = performance.now();
    const first = await evaluator.evaluateAll();
    const firstMs = performance.now() - t0;
    t0 = performance.now();
    const second = await evaluator.evaluateAll();
    const steadyMs = performance.now() - t0;
    return { alarms: count, firstMs, steadyMs, evaluated: first.evaluated, errors: first.errors + second.errors };
  } finally {
    await t.destroy();
    await prom.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
