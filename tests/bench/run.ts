/**
 * `npm run bench`: throughput of the management node's REST API on this machine, measured in
 * one run and printed with ratios, so changes can be compared release to release. Uses the
 * embedded store, or PostgreSQL when DATABASE_URL is set. Later issues add host and VM scale
 * benchmarks here.
 */
import { performance } from "node:perf_hooks";
import { startNode } from "../support/node.ts";

const N = Number(process.env.BENCH_N ?? 300);

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
} finally {
  await t.destroy();
}
