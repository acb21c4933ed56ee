/** Reads the Grafana dashboards of monitoring/grafana/dashboards for tests. */
import { readdirSync, readFileSync } from "node:fs";

/** Where the dashboards are. */
export const DASHBOARD_DIR = new URL("../../monitoring/grafana/dashboards/", import.meta.url);

/** One panel query. */
export interface PanelQuery { dashboard: string; panel: string; expr: string }

/** Every dashboard file, parsed. */
export function loadDashboards(): { file: string; json: any }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".json")).sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(new URL(file, DASHBOARD_DIR), "utf8")) }));
}

/** Every panel target's PromQL with Grafana variables replaced by `vars` ($__rate_interval too). */
export function panelQueries(vars: Record<string, string> = {}): PanelQuery[] {
  return loadDashboards().flatMap(({ file, json }) => (json.panels as { title: string; targets: { expr: string }[] }[]).flatMap((p) =>
    p.targets.map((t) => ({
      dashboard: file, panel: p.title,
      expr: t.expr.replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m),
    }))));
}
