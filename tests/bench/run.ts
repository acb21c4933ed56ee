/**
 * `npm run bench`: how the management node holds up on this machine, each figure printed
 * with its ratio to a baseline measured in the same run, and written as JSON under
 * `bench/results/`. Sections (BENCH_SECTIONS=read,api,hosts,...; all by default):
 * - read: `GET /v1/vm-instances` over BENCH_VM_ROWS (100,000) VMs vs bare express + pg
 *   (needs PostgreSQL: DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres);
 * - api: zone create/query throughput on the embedded or configured store;
 * - hosts: BENCH_HOSTS (200) simulator hosts added, one ping round over them;
 * - vms: BENCH_VMS (10,000) VMs created through the API on BENCH_VM_HOSTS (1,000) simulator hosts,
 *   at 1/10 and full size: jobs/s, p50/p99 to Running, memory, ping-loop CPU share;
 * - alarms: BENCH_ALARMS (1,000) metric alarms evaluated against a real Prometheus (Debian's),
 *   at 1/10 and full size: first round and steady round;
 * - sync: Alibaba sync of BENCH_ECS (10,000) ECS instances, a fifth as many data disks and a
 *   twentieth as many security groups from the emulator, first and no-change, at 1/10 and full size.
 */
import { performance } from "node:perf_hooks";
import { benchAlarms } from "./alarms.ts";
import { benchAliyunSync } from "./aliyun-sync.ts";
import { benchApiRead } from "./api-read.ts";
import { benchVmScale } from "./vm-scale.ts";
import { BenchReport } from "./report.ts";
import { settle } from "../support/jobs.ts";
import { startNode } from "../support/node.ts";

const N = Number(process.env.BENCH_N ?? 300);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 200);
const VM_ROWS = Number(process.env.BENCH_VM_ROWS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ECS = Number(process.env.BENCH_ECS ?? 10_000);
const VM_HOSTS = Number(process.env.BENCH_VM_HOSTS ?? 1000);
const VMS = Number(process.env.BENCH_VMS ?? 10_000);
const ALARMS = Number(process.env.BENCH_ALARMS ?? 1000);
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? "read,alarms,sync,vms,api,hosts").split(","));
const report = new BenchReport();

async function timed(n: number, fn: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  return { perSecond: n / ((performance.now() - start) / 1000), p99: latencies[Math.floor(0.99 * (latencies.length - 1))]! };
}

if (SECTIONS.has("read")) {
  const databaseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  for (const rows of [VM_ROWS / 10, VM_ROWS]) {
    report.section(`API read path over ${rows} VMs: Strata (authenticated) vs bare express + pg, ${SECONDS} s each, 16 connections`);
    for (const f of await benchApiRead(databaseUrl, rows, SECONDS)) {
      report.add({
        section: "read", name: `GET /v1/vm-instances?q=${f.query}&limit=100 (${rows} VMs)`, value: f.strata.reqPerSec, unit: "req/s",
        baseline: f.baseline.reqPerSec, ratio: f.ratio,
        extra: { rows, strataP50Ms: f.strata.p50, strataP99Ms: f.strata.p99, baselineP50Ms: f.baseline.p50, baselineP99Ms: f.baseline.p99 },
      });
      console.log(`      p50/p99 ms: Strata ${f.strata.p50}/${f.strata.p99}, baseline ${f.baseline.p50}/${f.baseline.p99}`);
    }
  }
}

if (SECTIONS.has("vms")) {
  let previous: Awaited<ReturnType<typeof benchVmScale>> | undefined;
  for (const [hosts, vms] of [[VM_HOSTS / 10, VMS / 10], [VM_HOSTS, VMS]] as const) {
    report.section(`VM creates through the API: ${vms} VMs on ${hosts} simulator hosts, 50 in flight`);
    const f = await benchVmScale(hosts, vms);
    const vs = (now: number, before: number | undefined) => (before !== undefined ? { baseline: before, ratio: now / before } : {});
    report.add({ section: "vms", name: `simulator hosts added (${hosts})`, value: f.hostsAddedPerSecond, unit: "hosts/s", ...vs(f.hostsAddedPerSecond, previous?.hostsAddedPerSecond) });
    report.add({ section: "vms", name: `VM create jobs (${vms} VMs)`, value: f.jobsPerSecond, unit: "jobs/s", ...vs(f.jobsPerSecond, previous?.jobsPerSecond), extra: { failed: f.failed } });
    report.add({ section: "vms", name: `p99 POST to Running (${vms} VMs; p50 ${f.p50Ms.toFixed(0)} ms)`, value: f.p99Ms, unit: "ms", ...vs(f.p99Ms, previous?.p99Ms) });
    report.add({ section: "vms", name: `node memory after (${vms} VMs, ${hosts} hosts)`, value: f.rssBytes / 2 ** 20, unit: "MiB RSS", ...vs(f.rssBytes / 2 ** 20, previous && previous.rssBytes / 2 ** 20), extra: { heapUsedBytes: f.heapUsedBytes } });
    report.add({ section: "vms", name: `ping loop CPU share (${hosts} hosts, round ${f.pingRoundMs.toFixed(0)} ms)`, value: f.pingCpuShare * 100, unit: "% of a core", ...vs(f.pingCpuShare * 100, previous && previous.pingCpuShare * 100) });
    previous = f;
  }
}

if (SECTIONS.has("alarms")) {
  let previous: number | undefined;
  for (const n of [ALARMS / 10, ALARMS]) {
    report.section(`Alarm evaluation against Prometheus: ${n} metric alarms`);
    const f = await benchAlarms(n);
    report.add({ section: "alarms", name: `first round (${n} alarms, state written)`, value: f.firstMs, unit: "ms", extra: { errors: f.errors, evaluated: f.evaluated } });
    report.add({ section: "alarms", name: `steady round (${n} alarms; vs the 10 s default interval)`, value: f.steadyMs, unit: "ms", baseline: 10_000, ratio: f.steadyMs / 10_000,
      extra: previous !== undefined ? { growthVsTenth: f.steadyMs / previous } : {} });
    previous = f.steadyMs;
  }
}

if (SECTIONS.has("sync")) {
  let previous: number | undefined;
  for (const n of [ECS / 10, ECS]) {
    report.section(`Alibaba sync from the emulator: ${n} ECS instances, ${n / 5} data disks, ${n / 20} security groups`);
    const f = await benchAliyunSync(n, n / 5, n / 20);
    report.add({ section: "sync", name: `first sync (${n} instances)`, value: f.first.seconds, unit: "s",
      ...(previous !== undefined ? { baseline: previous, ratio: f.first.seconds / previous } : {}), extra: { apiCalls: f.first.calls } });
    report.add({ section: "sync", name: `no-change re-sync (${n} instances; vs first)`, value: f.again.seconds, unit: "s", baseline: f.first.seconds,
      ratio: f.again.seconds / f.first.seconds, extra: { apiCalls: f.again.calls, changed: f.again.changed } });
    console.log(`      API calls: first ${f.first.calls}, re-sync ${f.again.calls}; rows changed by the re-sync: ${f.again.changed}`);
    previous = f.first.seconds;
  }
}

if (SECTIONS.has("api") || SECTIONS.has("hosts")) {
  const t = await startNode();
  try {
    if (SECTIONS.has("api")) {
      report.section(`Zone API, ${N} sequential requests each, store ${t.databaseUrl ? "postgresql" : "embedded"}`);
      const create = await timed(N, (i) => t.admin.post("/v1/zones", { params: { name: `bench-${i}` } }));
      report.add({ section: "api", name: "POST /v1/zones", value: create.perSecond, unit: "req/s", extra: { p99Ms: create.p99 } });
      const get = await timed(N, () => t.admin.get("/v1/zones?limit=50"));
      report.add({ section: "api", name: "GET /v1/zones?limit=50 (vs POST)", value: get.perSecond, unit: "req/s", baseline: create.perSecond, ratio: get.perSecond / create.perSecond });
    }
    if (SECTIONS.has("hosts")) {
      // Simulator agents run inside this process, so the ping loop competes with them for
      // the same two cores: a worst case for the management node.
      report.section(`${HOSTS} simulator hosts`);
      const zone = await t.admin.post("/v1/zones", { params: { name: "bench-hosts" } });
      const cluster = await t.admin.post("/v1/clusters", { params: { zoneUuid: zone.body.inventory.uuid, name: "sims", hypervisorType: "Simulator" } });
      const addStart = performance.now();
      for (let i = 0; i < HOSTS; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, HOSTS - i) }, async (_, j) => {
          const r = await settle(t.admin, await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid: cluster.body.inventory.uuid, name: `sim-${i + j}` } }));
          if (r.status !== 200) throw new Error(r.text);
        }));
      }
      const addSeconds = (performance.now() - addStart) / 1000;
      report.add({ section: "hosts", name: "simulator hosts added", value: HOSTS / addSeconds, unit: "hosts/s" });
      const rounds: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        await t.node.services.hostTracker.pingAll();
        rounds.push(performance.now() - s);
      }
      const round = rounds.reduce((a, b) => a + b) / rounds.length;
      report.add({ section: "hosts", name: "ping round (vs the default 60 s interval)", value: round, unit: "ms", baseline: 60_000, ratio: round / 60_000 });
    }
  } finally {
    await t.destroy();
  }
}

console.log(`\nreport: ${report.write()}`);
