/**
 * `npm run bench`: throughput of the management node's REST API on this machine, measured in
 * one run and printed with ratios, so changes can be compared release to release. Uses the
 * embedded store, or PostgreSQL when DATABASE_URL is set. Later issues add host and VM scale
 * benchmarks here.
 */
import { performance } from "node:perf_hooks";
import { settle } from "../support/jobs.ts";
import { startNode } from "../support/node.ts";

const N = Number(process.env.BENCH_N ?? 300);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 200);

async function timed(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  const r = { label, n, perSecond: n / seconds, p50: p(0.5), p99: p(0.99) };
  console.log(`${label.padEnd(34)} ${r.perSecond.toFixed(0).padStart(6)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms`);
  return r;
}

const t = await startNode();
try {
  console.log(`Strata API benchmark: ${N} requests each, store ${t.databaseUrl ? "postgresql" : "embedded"}\n`);
  const create = await timed("POST /v1/zones", N, (i) => t.admin.post("/v1/zones", { params: { name: `bench-${i}` } }));
  const get = await timed("GET /v1/zones?limit=50", N, () => t.admin.get("/v1/zones?limit=50"));
  const filtered = await timed("GET /v1/zones?q=name~=bench-1%&count", N, () => t.admin.get("/v1/zones?q=name~=bench-1%25&replyWithCount=true"));
  console.log(`\nratios: query/create ${(get.perSecond / create.perSecond).toFixed(2)}x, ` +
    `filtered-with-count/plain-query ${(filtered.perSecond / get.perSecond).toFixed(2)}x`);

  // Hosts: simulator agents run inside this process, so the ping loop competes with them
  // for the same two cores: a worst case for the management node.
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
  const rounds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await t.node.services.hostTracker.pingAll();
    rounds.push(performance.now() - s);
  }
  const connected = (await t.admin.get("/v1/hosts?q=status=Connected&count=true")).body.total;
  const round = rounds.reduce((a, b) => a + b) / rounds.length;
  console.log(`\n${HOSTS} simulator hosts added in ${addSeconds.toFixed(1)} s (${(HOSTS / addSeconds).toFixed(0)} hosts/s); ` +
    `ping round ${round.toFixed(0)} ms (${(HOSTS / (round / 1000)).toFixed(0)} pings/s); ${connected}/${HOSTS} Connected`);
  console.log(`ratio: ping-round time / default 60 s interval = ${(round / 60_000 * 100).toFixed(2)}%`);
} finally {
  await t.destroy();
}
