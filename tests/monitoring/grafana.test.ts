/**
 * The Grafana dashboards (monitoring/grafana) are well-formed classic JSON models with stable,
 * unique uids, every panel queries Prometheus, and every metric a query names is one the
 * management node or hostd exports. (tests/monitoring/zwatch-e2e.test.ts runs every query
 * against a real Prometheus scraping a running node and checks it returns data.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import { HostdMetrics } from "../../hostd/metrics.ts";
import { NodeMetrics } from "../../monitoring/metrics/node-metrics.ts";
import { createLogger } from "../../server/logger.ts";
import { loadDashboards, panelQueries } from "../support/dashboards.ts";

const Target = z.object({ expr: z.string().min(1), refId: z.string().min(1), datasource: z.object({ type: z.literal("prometheus"), uid: z.string() }) });
const Panel = z.object({
  id: z.number().int(), type: z.enum(["timeseries", "stat"]), title: z.string().min(1),
  gridPos: z.object({ h: z.number().int().positive(), w: z.number().int().min(1).max(24), x: z.number().int().min(0).max(23), y: z.number().int().min(0) }),
  targets: z.array(Target).min(1),
});
const Dashboard = z.object({
  uid: z.string().regex(/^strata-[a-z-]+$/).max(40), title: z.string().startsWith("Strata / "), schemaVersion: z.number().int().min(30),
  panels: z.array(Panel).min(1), templating: z.object({ list: z.array(z.object({ name: z.string(), type: z.string() })) }),
  time: z.object({ from: z.string(), to: z.string() }),
});

/** Every metric name the node and hostd export (histograms with their _bucket/_sum/_count). */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>(["up"]);
  const node = new NodeMetrics({} as never);
  const hostd = new HostdMetrics({} as never, () => undefined, createLogger("silent"));
  for (const reg of [node.registry, hostd.registry]) {
    for (const m of reg.getMetricsAsArray()) {
      names.add(m.name);
      if (m.type === "histogram" as never) for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
    }
  }
  return names;
}

describe("Grafana dashboards", () => {
  it("are classic JSON models with stable, unique uids and a Prometheus datasource variable", () => {
    const dashboards = loadDashboards();
    assert.deepEqual(dashboards.map((d) => d.file), ["alarms.json", "host-detail.json", "management-node.json", "platform-overview.json", "vm-detail.json"]);
    const uids = new Set<string>();
    for (const { file, json } of dashboards) {
      const parsed = Dashboard.safeParse(json);
      assert.ok(parsed.success, `${file}: ${parsed.error?.message}`);
      assert.ok(!uids.has(json.uid), `${file}: duplicate uid`);
      uids.add(json.uid);
      assert.equal(json.templating.list[0].type, "datasource");
      const ids = json.panels.map((p: { id: number }) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
    }
  });

  it("template the VM dashboard by VM uuid and the host dashboard by host uuid", () => {
    const byFile = Object.fromEntries(loadDashboards().map((d) => [d.file, d.json]));
    assert.ok(byFile["vm-detail.json"].templating.list.some((v: { name: string }) => v.name === "vmUuid"));
    assert.ok(byFile["host-detail.json"].templating.list.some((v: { name: string }) => v.name === "hostUuid"));
  });

  it("query only metrics the management node and hostd export", async () => {
    const names = await exportedNames();
    const keywords = new Set(["sum", "by", "rate", "increase", "count", "histogram_quantile", "or", "vector", "le", "without", "on", "and"]);
    for (const q of panelQueries()) {
      const bare = q.expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "").replace(/"[^"]*"/g, "");
      const idents = bare.match(/[a-zA-Z_][a-zA-Z0-9_]*/g) ?? [];
      const metrics = idents.filter((i) => !keywords.has(i) && /_/.test(i) && !/^(hostUuid|vmUuid|apiName|jobType|result|channel|status|state|outcome|mode|le)$/.test(i));
      assert.ok(metrics.length > 0, `${q.dashboard} / ${q.panel}: names no metric`);
      for (const m of metrics) assert.ok(names.has(m), `${q.dashboard} / ${q.panel}: ${m} is not exported`);
    }
  });

  it("ship provisioning for the datasource and the dashboards", () => {
    const ds = readFileSync(new URL("../../monitoring/grafana/provisioning/datasources/strata.yaml", import.meta.url), "utf8");
    assert.match(ds, /type: prometheus/);
    const dash = readFileSync(new URL("../../monitoring/grafana/provisioning/dashboards/strata.yaml", import.meta.url), "utf8");
    assert.match(dash, /path: .*monitoring\/grafana\/dashboards/);
  });
});
