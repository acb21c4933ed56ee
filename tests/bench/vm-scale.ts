/**
 * VM create throughput at scale (issue 9): `hosts` simulator hosts, `vms` VMs created through
 * the REST API with `concurrency` requests in flight; jobs/s, p50/p99 time from POST to
 * Running, the node's memory at the end, and the CPU share the host ping loop takes of the
 * management node (CPU seconds per round over the default 60 s interval). Simulator agents run
 * inside the node's process, so their CPU and memory count against it: a worst case.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { settle } from "../support/jobs.ts";
import { startNode, type Reply } from "../support/node.ts";

const GiB = 1024 ** 3;

export interface VmScaleFigure {
  hosts: number;
  vms: number;
  hostsAddedPerSecond: number;
  jobsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  rssBytes: number;
  heapUsedBytes: number;
  pingRoundMs: number;
  pingCpuShare: number;
}

export async function benchVmScale(hosts: number, vms: number, concurrency = 50): Promise<VmScaleFigure> {
  const t = await startNode();
  const tmp = mkdtempSync(join(tmpdir(), "strata-bench-vms-"));
  try {
    const a = t.admin;
    const ok = async (p: Promise<Reply>) => {
      const r = await p;
      if (r.status === 202) {
        const s = await settle(a, r, 600_000);
        if (s.status !== 200) throw new Error(s.text);
        return s.body;
      }
      if (r.status !== 200) throw new Error(r.text);
      return r.body;
    };
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    const zone = (await ok(a.post("/v1/zones", { params: { name: "bench" } }))).inventory.uuid;
    const cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    const addStart = performance.now();
    for (let i = 0; i < hosts; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, hosts - i) }, (_, j) =>
        ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: cluster, name: `sim-${i + j}`, cpuCapacity: 64, memoryCapacity: 256 * GiB } }))));
    }
    const hostsAddedPerSecond = hosts / ((performance.now() - addStart) / 1000);
    const ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${cluster}/primary-storage/${ps}`, {}));
    const bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${zone}/backup-storage/${bs}`, {}));
    const image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bs] },
    }))).inventory.uuid;
    const offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    const l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${l2}/clusters/${cluster}`, {}));
    const l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${l3}/ip-ranges`, { params: { name: "r", startIp: "10.200.0.10", endIp: "10.200.255.250", netmask: "255.255.0.0", gateway: "10.200.0.1" } }));

    const latencies: number[] = [];
    let failed = 0;
    let next = 0;
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < vms) {
        const i = next++;
        const t0 = performance.now();
        const r = await a.post("/v1/vm-instances", { params: { name: `vm-${i}`, instanceOfferingUuid: offering, imageUuid: image, l3NetworkUuids: [l3] } });
        const s = r.status === 202 ? await settle(a, r, 600_000) : r;
        if (s.status === 200) latencies.push(performance.now() - t0);
        else failed++;
      }
    }));
    const jobsPerSecond = vms / ((performance.now() - start) / 1000);
    latencies.sort((x, y) => x - y);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    global.gc?.();
    const mem = process.memoryUsage();

    const rounds = 3;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < rounds; i++) await t.node.services.hostTracker.pingAll();
    const cpu = process.cpuUsage(cpu0);
    const pingRoundMs = (performance.now() - w0) / rounds;
    const cpuSecondsPerRound = (cpu.user + cpu.system) / 1e6 / rounds;
    return {
      hosts, vms, hostsAddedPerSecond, jobsPerSecond, p50Ms: q(0.5), p99Ms: q(0.99), failed,
      rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, pingRoundMs, pingCpuShare: cpuSecondsPerRound / 60,
    };
  } finally {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}
