import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningHostd } from "../../hostd/main.ts";
import { HostProbe } from "../../hostd/drivers/host-probe.ts";
import { STATE_FILE } from "../../hostd/host-store.ts";
import { post, removeDir, SECRET, startSimHostd, tempDir, zsUuid } from "./helpers.ts";

describe("hostd authentication", () => {
  let dir: string;
  let hostd: RunningHostd;
  before(async () => {
    dir = await tempDir();
    hostd = await startSimHostd(dir);
  });
  after(async () => {
    await hostd.close();
    await removeDir(dir);
  });

  it("rejects a command without Authorization with 401 JSON", async () => {
    const r = await post(hostd.url, "/host/echo", {});
    assert.equal(r.status, 401);
    assert.equal(r.body.success, false);
    assert.match(r.body.error!, /Authorization/);
  });

  it("rejects a wrong secret and a non-Bearer scheme with 401", async () => {
    assert.equal((await post(hostd.url, "/host/echo", {}, "wrong-secret")).status, 401);
    assert.equal((await post(hostd.url, "/host/echo", {}, SECRET.slice(0, -1))).status, 401);
    const basic = await fetch(`${hostd.url}/host/echo`, { method: "POST", headers: { authorization: `Basic ${SECRET}` } });
    assert.equal(basic.status, 401);
    assert.equal(((await basic.json()) as { success: boolean }).success, false);
  });

  it("accepts the right secret", async () => {
    const r = await post(hostd.url, "/host/echo", {}, SECRET);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { success: true });
  });

  it("serves /metrics without a secret, for Prometheus", async () => {
    const res = await fetch(`${hostd.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /host_memory_total_bytes/);
  });

  it("answers unknown commands with 404 and invalid bodies with 400, both as JSON", async () => {
    const unknown = await post(hostd.url, "/host/nope", {}, SECRET);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.success, false);
    const bad = await post(hostd.url, "/vm/start", { vmInstanceUuid: "x", cpuNum: 0 }, SECRET);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error!, /vmInstanceUuid/);
    assert.match(bad.body.error!, /cpuNum/);
    const res = await fetch(`${hostd.url}/host/ping`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { success: boolean }).success, false);
  });
});

describe("/host/connect and /host/ping", () => {
  let dir: string;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await removeDir(dir);
  });

  it("fails ping before connect, then answers for the connected uuid, also after a restart", async () => {
    const hostUuid = zsUuid();
    let hostd = await startSimHostd(dir);
    try {
      const early = await post(hostd.url, "/host/ping", { hostUuid }, SECRET);
      assert.equal(early.body.success, false);
      assert.equal(early.body.code, "NOT_CONNECTED");

      const c = await post(hostd.url, "/host/connect", { hostUuid, managementNodeCallbackUrl: "http://127.0.0.1:9/mn" }, SECRET);
      assert.equal(c.body.success, true);
      assert.equal(c.body.libvirtVersion, "9.0.0");
      assert.equal(c.body.qemuVersion, "7.2.0");
      assert.deepEqual((await post(hostd.url, "/host/ping", { hostUuid }, SECRET)).body, { success: true, hostUuid });
    } finally {
      await hostd.close();
    }

    const saved = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8")) as Record<string, string>;
    assert.equal(saved.hostUuid, hostUuid);
    assert.equal(saved.managementNodeCallbackUrl, "http://127.0.0.1:9/mn");

    hostd = await startSimHostd(dir, { hostUuid: "deploy-time-uuid-is-ignored-once-connected" });
    try {
      assert.deepEqual((await post(hostd.url, "/host/ping", { hostUuid }, SECRET)).body, { success: true, hostUuid });
    } finally {
      await hostd.close();
    }
  });

  it("reports a uuid mismatch so a re-added host is detected", async () => {
    const d = await tempDir();
    const hostd = await startSimHostd(d, { hostUuid: "host-a" });
    try {
      const r = await post(hostd.url, "/host/ping", { hostUuid: "host-b" }, SECRET);
      assert.equal(r.status, 200);
      assert.equal(r.body.success, false);
      assert.equal(r.body.code, "HOST_UUID_MISMATCH");
      assert.match(r.body.error!, /mismatch.*host-a.*host-b/);
    } finally {
      await hostd.close();
      await removeDir(d);
    }
  });

  it("rejects a connect without hostUuid", async () => {
    const hostd = await startSimHostd(dir);
    try {
      const r = await post(hostd.url, "/host/connect", {}, SECRET);
      assert.equal(r.status, 400);
    } finally {
      await hostd.close();
    }
  });
});

describe("/host/fact and /host/capacity (sim)", () => {
  it("describes the simulated host and counts what running VMs use", async () => {
    const dir = await tempDir();
    const hostd = await startSimHostd(dir, { sim: { cpuNum: 16, cpuSockets: 2, cpuThreads: 2, totalMemory: 64 * 2 ** 30 } });
    try {
      const f = (await post(hostd.url, "/host/fact", {}, SECRET)).body;
      assert.equal(f.success, true);
      assert.equal(f.cpuNum, 16);
      assert.equal(f.cpuSockets, 2);
      assert.equal(f.cpuCores, 4);
      assert.equal(f.cpuThreads, 2);
      assert.equal(f.totalMemory, 64 * 2 ** 30);
      assert.equal(f.domainType, "kvm");
      assert.equal(f.driver, "sim");

      const vm = zsUuid();
      const start = await post(hostd.url, "/vm/start", {
        vmInstanceUuid: vm, cpuNum: 4, memorySize: 2 ** 30, rootVolume: { installPath: "/sim/root.qcow2" },
      }, SECRET);
      assert.equal(start.body.success, true, start.body.error);
      const cap = (await post(hostd.url, "/host/capacity", {}, SECRET)).body;
      assert.equal(cap.totalCpu, 16);
      assert.equal(cap.totalMemory, 64 * 2 ** 30);
      assert.equal(cap.cpuSockets, 2);
      assert.equal(cap.usedCpu, 4);
      assert.equal(cap.usedMemory, 2 ** 30);
      assert.equal(cap.runningVmCount, 1);
    } finally {
      await hostd.close();
      await removeDir(dir);
    }
  });
});

describe("HostProbe", () => {
  it("reads facts and counters from configurable /proc and /sys roots", async () => {
    const root = await tempDir();
    try {
      const proc = join(root, "proc");
      const sys = join(root, "sys");
      await mkdir(join(proc, "sys/kernel"), { recursive: true });
      await mkdir(join(proc, "net"), { recursive: true });
      await mkdir(join(sys, "kernel/iommu_groups/0"), { recursive: true });
      const cpu = (n: number) =>
        `processor\t: ${n}\nmodel name\t: Fake CPU 9000\nphysical id\t: 0\ncore id\t\t: ${n}\ncpu cores\t: 4\nflags\t\t: fpu svm\n`;
      await writeFile(join(proc, "cpuinfo"), [0, 1, 2, 3].map(cpu).join("\n"));
      await writeFile(join(proc, "meminfo"), "MemTotal:        8000000 kB\nMemFree:  100 kB\nMemAvailable:    4000000 kB\n");
      await writeFile(join(proc, "cmdline"), "root=/dev/sda amd_iommu=on\n");
      await writeFile(join(proc, "sys/kernel/osrelease"), "6.1.0-test\n");
      await writeFile(join(proc, "sys/kernel/hostname"), "fixture-host\n");
      await writeFile(join(proc, "stat"), "cpu  100 0 50 1000 0 0 0 0 0 0\n");
      await writeFile(join(proc, "net/dev"), "h1\nh2\n  eth9: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n");
      await writeFile(join(root, "os-release"), 'ID=testos\nVERSION_ID="7"\nPRETTY_NAME="Test OS 7"\n');

      const probe = new HostProbe(
        { procRoot: proc, sysRoot: sys, osReleasePath: join(root, "os-release"), kvmDevicePath: join(root, "kvm") },
        root,
      );
      const h = await probe.probe();
      assert.equal(h.cpuNum, 4);
      assert.equal(h.cpuSockets, 1);
      assert.equal(h.cpuCores, 4);
      assert.equal(h.cpuThreads, 1);
      assert.equal(h.cpuModelName, "Fake CPU 9000");
      assert.ok(h.cpuFlags.includes("svm"));
      assert.equal(h.totalMemory, 8000000 * 1024);
      assert.equal(h.hostname, "fixture-host");
      assert.equal(h.kernelVersion, "6.1.0-test");
      assert.equal(h.osDistribution, "testos");
      assert.equal(h.osVersion, "7");
      assert.equal(h.kvmDevicePresent, false);
      assert.equal(h.iommuEnabled, true);
      assert.equal(h.iommuReady, true);

      const s = await probe.hostStats();
      assert.equal(s.cpuSecondsByMode.user, 1);
      assert.equal(s.cpuSecondsByMode.idle, 10);
      assert.equal(s.memoryAvailable, 4000000 * 1024);
      assert.deepEqual(s.interfaces, [{ interface: "eth9", rxBytes: 10, txBytes: 20 }]);
      assert.equal(s.disk.path, root);
      assert.ok(s.disk.totalBytes > 0 && s.disk.freeBytes <= s.disk.totalBytes);
    } finally {
      await removeDir(root);
    }
  });
});
