#!/usr/bin/env node
// Writes the Grafana dashboards in dashboards/ (classic JSON model, stable uids) from the
// definitions below: `node monitoring/grafana/build-dashboards.mjs`. The JSON files are
// committed; tests/monitoring/grafana.test.ts checks them and the e2e test runs every query.
import { writeFileSync } from "node:fs";

const DS = { type: "prometheus", uid: "${datasource}" };
const RI = "$__rate_interval";

function panel(id, title, exprs, opts = {}) {
  const { unit = "short", type = "timeseries", w = 12, h = 8, x = 0, y = 0, legend } = opts;
  return {
    id, type, title, datasource: DS, gridPos: { h, w, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: type === "stat" ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "area" }
      : { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
    targets: (Array.isArray(exprs) ? exprs : [exprs]).map((expr, i) => ({
      datasource: DS, expr, refId: String.fromCharCode(65 + i), ...(legend ? { legendFormat: Array.isArray(legend) ? legend[i] : legend } : {}),
    })),
  };
}

/** Lays panels out two per row. */
function grid(panels) {
  return panels.map((p, i) => ({ ...p, id: i + 1, gridPos: { ...p.gridPos, x: p.gridPos.w === 24 ? 0 : (i % 2) * 12, y: Math.floor(i / 2) * 8 } }));
}

const datasourceVar = { name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus", current: {}, hide: 0 };
const queryVar = (name, label, query) => ({
  name, label, type: "query", datasource: DS, query: { query, refId: `${name}-var` }, definition: query, refresh: 2, includeAll: false, multi: false, sort: 1, current: {}, hide: 0,
});

function dashboard(uid, title, description, panels, vars = []) {
  return {
    uid, title, description, tags: ["strata"], editable: true, graphTooltip: 1, schemaVersion: 39, version: 1,
    time: { from: "now-1h", to: "now" }, refresh: "30s", timezone: "browser",
    templating: { list: [datasourceVar, ...vars] }, annotations: { list: [] }, links: [],
    panels: grid(panels),
  };
}

const hostCpu = (sel) => `100 * (1 - sum by (hostUuid) (rate(host_cpu_seconds_total{mode="idle"${sel}}[${RI}])) / sum by (hostUuid) (rate(host_cpu_seconds_total{${sel.replace(/^,/, "")}}[${RI}])))`;
const hostMem = (sel) => `100 * (1 - sum by (hostUuid) (host_memory_available_bytes{${sel}}) / sum by (hostUuid) (host_memory_total_bytes{${sel}}))`;

const dashboards = {
  "platform-overview": dashboard("strata-overview", "Strata / Platform overview", "Hosts, VMs (local and ECS), capacity and alarms", [
    panel(0, "Hosts by status", 'sum by (status) (strata_resources{resourceType="Host"})', { type: "stat", legend: "{{status}}" }),
    panel(0, "VM instances by state", 'sum by (state) (strata_resources{resourceType="VmInstance"})', { type: "stat", legend: "{{state}}" }),
    panel(0, "Host CPU used", hostCpu(""), { unit: "percent", legend: "{{hostUuid}}" }),
    panel(0, "Host memory used", hostMem(""), { unit: "percent", legend: "{{hostUuid}}" }),
    panel(0, "Host disk used", "100 * (1 - sum by (hostUuid) (host_disk_free_bytes) / sum by (hostUuid) (host_disk_total_bytes))", { unit: "percent", legend: "{{hostUuid}}" }),
    panel(0, "Memory capacity (total vs available)", ["sum(host_memory_total_bytes)", "sum(host_memory_available_bytes)"], { unit: "bytes", legend: ["total", "available"] }),
    panel(0, "Running VMs per host", "count by (hostUuid) (vm_vcpus)", { legend: "{{hostUuid}}" }),
    panel(0, "Enabled alarms by status", "strata_zwatch_alarms", { type: "stat", legend: "{{status}}" }),
  ]),
  "host-detail": dashboard("strata-host", "Strata / Host detail", "One host's CPU, memory, disk and network (hostd metrics)", [
    panel(0, "CPU used", hostCpu(',hostUuid="$hostUuid"'), { unit: "percent", legend: "{{hostUuid}}" }),
    panel(0, "CPU time by mode", `sum by (mode) (rate(host_cpu_seconds_total{hostUuid="$hostUuid"}[${RI}]))`, { legend: "{{mode}}" }),
    panel(0, "Memory used", hostMem('hostUuid="$hostUuid"'), { unit: "percent" }),
    panel(0, "Disk free", 'host_disk_free_bytes{hostUuid="$hostUuid"}', { unit: "bytes", legend: "{{path}}" }),
    panel(0, "Network in/out", [`sum(rate(host_network_receive_bytes_total{hostUuid="$hostUuid"}[${RI}]))`, `sum(rate(host_network_transmit_bytes_total{hostUuid="$hostUuid"}[${RI}]))`],
      { unit: "Bps", legend: ["in", "out"] }),
    panel(0, "VMs on this host", 'count(vm_vcpus{hostUuid="$hostUuid"})', { type: "stat" }),
  ], [queryVar("hostUuid", "Host", "label_values(host_memory_total_bytes, hostUuid)")]),
  "vm-detail": dashboard("strata-vm", "Strata / VM detail", "One VM's CPU, memory, disk and network, by VM uuid", [
    panel(0, "CPU used", `100 * sum(rate(vm_cpu_seconds_total{vmUuid="$vmUuid"}[${RI}])) / sum(vm_vcpus{vmUuid="$vmUuid"})`, { unit: "percent" }),
    panel(0, "Memory (RSS / given to guest)", ['sum(vm_memory_rss_bytes{vmUuid="$vmUuid"})', 'sum(vm_memory_balloon_current_bytes{vmUuid="$vmUuid"})'], { unit: "bytes", legend: ["rss", "guest"] }),
    panel(0, "Disk throughput", [`sum(rate(vm_disk_read_bytes_total{vmUuid="$vmUuid"}[${RI}]))`, `sum(rate(vm_disk_write_bytes_total{vmUuid="$vmUuid"}[${RI}]))`], { unit: "Bps", legend: ["read", "write"] }),
    panel(0, "Disk operations", [`sum(rate(vm_disk_read_requests_total{vmUuid="$vmUuid"}[${RI}]))`, `sum(rate(vm_disk_write_requests_total{vmUuid="$vmUuid"}[${RI}]))`], { unit: "iops", legend: ["read", "write"] }),
    panel(0, "Network in/out", [`sum(rate(vm_network_receive_bytes_total{vmUuid="$vmUuid"}[${RI}])) or vector(0)`, `sum(rate(vm_network_transmit_bytes_total{vmUuid="$vmUuid"}[${RI}])) or vector(0)`],
      { unit: "Bps", legend: ["in", "out"] }),
    panel(0, "vCPUs", 'sum(vm_vcpus{vmUuid="$vmUuid"})', { type: "stat" }),
  ], [queryVar("vmUuid", "VM", "label_values(vm_vcpus, vmUuid)")]),
  "management-node": dashboard("strata-management-node", "Strata / Management node", "API, jobs, Alibaba sync, SNS and the process", [
    panel(0, "API requests by API", `sum by (apiName) (rate(strata_api_requests_total[${RI}]))`, { unit: "reqps", legend: "{{apiName}}" }),
    panel(0, "API latency p95", `histogram_quantile(0.95, sum by (le) (rate(strata_api_request_duration_seconds_bucket[${RI}])))`, { unit: "s" }),
    panel(0, "API 5xx responses", `sum(rate(strata_api_requests_total{code=~"5.."}[${RI}])) or vector(0)`, { unit: "reqps" }),
    panel(0, "Jobs running", "sum(strata_jobs_running) or vector(0)", { type: "stat" }),
    panel(0, "Jobs finished by type and result", `sum by (jobType, result) (increase(strata_jobs_finished_total[1h])) or vector(0)`, { legend: "{{jobType}} {{result}}" }),
    panel(0, "Alibaba Cloud syncs and errors", [`sum(increase(strata_aliyun_sync_runs_total[1h]))`, `sum(increase(strata_aliyun_sync_errors_total[1h]))`], { legend: ["runs", "errors"] }),
    panel(0, "Alibaba Cloud API calls by outcome", `sum by (outcome) (rate(strata_aliyun_api_calls_total[${RI}]))`, { legend: "{{outcome}}" }),
    panel(0, "SNS deliveries by channel and result", `sum by (channel, result) (increase(strata_sns_deliveries_total[1h])) or vector(0)`, { legend: "{{channel}} {{result}}" }),
    panel(0, "Process resident memory", "process_resident_memory_bytes", { unit: "bytes" }),
    panel(0, "Event loop lag", "nodejs_eventloop_lag_seconds", { unit: "s" }),
  ]),
  alarms: dashboard("strata-alarms", "Strata / Alarms", "Metric alarms, their evaluation and notifications", [
    panel(0, "Enabled alarms by status", "strata_zwatch_alarms", { legend: "{{status}}" }),
    panel(0, "Alarm evaluations", `sum by (result) (rate(strata_zwatch_alarm_evaluations_total[${RI}])) or vector(0)`, { legend: "{{result}}" }),
    panel(0, "Evaluation round p95", `histogram_quantile(0.95, sum by (le) (rate(strata_zwatch_evaluation_round_seconds_bucket[${RI}]))) or vector(0)`, { unit: "s" }),
    panel(0, "Failed SNS deliveries", `sum by (channel) (increase(strata_sns_deliveries_total{result="Failed"}[1h])) or vector(0)`, { legend: "{{channel}}" }),
  ]),
};

for (const [file, d] of Object.entries(dashboards)) {
  writeFileSync(new URL(`dashboards/${file}.json`, import.meta.url), JSON.stringify(d, null, 2) + "\n");
}
