import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { sparePort, startSshd, toolDir, type TestSshd } from "../support/sshd.ts";

/** True when something answers HTTP on 127.0.0.1:port. */
async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** Kills hostd and its supervisor as a crash of the whole agent would. */
function killAgent(port: number): void {
  const pid = readFileSync(`/var/lib/strata-hostd-${port}/supervisor.pid`, "utf8").trim();
  execFileSync("kill", ["-KILL", "--", `-${pid}`]);
}

describe("KVM hosts added over real SSH to this machine's libvirt", () => {
  let t: TestNode;
  let sshd: TestSshd;
  let clusterUuid: string;
  let hostUuid: string;
  let hostdPort: number;
  const ports: number[] = [];

  before(async () => {
    t = await startNode();
    sshd = await startSshd();
    const zone = await t.admin.post("/v1/zones", { params: { name: "edge" } });
    const cluster = await t.admin.post("/v1/clusters", {
      params: { zoneUuid: zone.body.inventory.uuid, name: "kvm", hypervisorType: "KVM", architecture: execFileSync("uname", ["-m"]).toString().trim() },
    });
    clusterUuid = cluster.body.inventory.uuid;
    for (const [name, value] of [["ping.interval", "1"], ["ping.maxFailures", "2"], ["ping.timeout", "2"]]) {
      await t.admin.put(`/v1/global-configurations/host/${name}/actions`, { updateGlobalConfig: { value } });
    }
  });
  after(async () => {
    for (const port of ports) {
      try { killAgent(port); } catch { /* already gone */ }
      execFileSync("rm", ["-rf", `/var/lib/strata-hostd-${port}`]);
    }
    await sshd.stop();
    await t.destroy();
  });

  const addKvm = async (params: Record<string, unknown>) => {
    const port = await sparePort();
    ports.push(port);
    const r = await t.admin.post("/v1/hosts/kvm", {
      params: { clusterUuid, name: `host-${port}`, managementIp: "127.0.0.1", sshPort: sshd.port, username: "root", hostdPort: port, ...params },
    });
    return { port, result: await settle(t.admin, r, 120_000) };
  };

  it("deploys hostd, connects, and reports facts that match /proc and virsh", async () => {
    const { port, result } = await addKvm({ privateKey: sshd.privateKey });
    assert.equal(result.status, 200, result.text);
    const h = result.body.inventory;
    hostUuid = h.uuid;
    hostdPort = port;
    assert.equal(h.status, "Connected");
    assert.equal(h.hypervisorType, "KVM");
    const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    assert.equal(h.cpuNum, (cpuinfo.match(/^processor\s*:/gm) ?? []).length);
    assert.equal(h.cpuModelName, /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim());
    const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))![1]);
    assert.equal(h.totalPhysicalMemory, memKb * 1024);
    assert.equal(h.architecture, execFileSync("uname", ["-m"]).toString().trim());
    assert.ok(["kvm", "qemu"].includes(h.domainType), h.domainType);
    const libvirt = /Using library: libvirt ([\d.]+)/.exec(execFileSync("virsh", ["-c", "qemu:///system", "version"]).toString())![1];
    assert.equal(h.facts.libvirtVersion, libvirt);
    assert.equal(h.facts.kernelVersion, execFileSync("uname", ["-r"]).toString().trim());
    assert.equal(h.facts.hostname, execFileSync("hostname").toString().trim());
    assert.equal(h.facts.iommuReady, readdirSync("/sys/kernel/iommu_groups").length > 0);
    // Credentials never come back.
    assert.doesNotMatch(JSON.stringify((await t.admin.get(`/v1/hosts/${h.uuid}`)).body), /PRIVATE KEY|privateKey|credentials/);
  });

  it("exposes host metrics on hostd's /metrics, labelled with the host uuid", async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${hostdPort}/metrics`)).text();
    assert.match(metrics, new RegExp(`host_memory_total_bytes\\{[^}]*hostUuid="${hostUuid}"`));
    assert.match(metrics, new RegExp(`host_cpu_seconds_total\\{[^}]*hostUuid="${hostUuid}"`));
  });

  it("turns the host Disconnected with an event when hostd dies, and Connected again on reconnectHost", async () => {
    killAgent(hostdPort);
    const down = await eventually(async () =>
      (await t.admin.get(`/v1/hosts/${hostUuid}`)).body.inventories[0].status === "Disconnected", 15_000);
    assert.ok(down, "Disconnected");
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${hostUuid}&q=newState=Disconnected`);
    assert.equal(ev.body.inventories.length, 1);
    const r = await settle(t.admin, await t.admin.put(`/v1/hosts/${hostUuid}/actions`, { reconnectHost: {} }), 120_000);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.status, "Connected");
    assert.ok(await answers(hostdPort));
  });

  it("re-adopts the host after a management-node restart without redeploying hostd", async () => {
    const pidBefore = readFileSync(`/var/lib/strata-hostd-${hostdPort}/supervisor.pid`, "utf8");
    t = await t.restart();
    for (const [name, value] of [["ping.interval", "1"]]) {
      await t.admin.put(`/v1/global-configurations/host/${name}/actions`, { updateGlobalConfig: { value } });
    }
    await new Promise((r) => setTimeout(r, 2500));
    const h = (await t.admin.get(`/v1/hosts/${hostUuid}`)).body.inventories[0];
    assert.equal(h.status, "Connected");
    assert.equal(readFileSync(`/var/lib/strata-hostd-${hostdPort}/supervisor.pid`, "utf8"), pidBefore);
  });

  it("fails a wrong password with HOST.AUTH_FAILED and leaves no host and nothing running", async () => {
    const { port, result } = await addKvm({ password: "wrong-password" });
    assert.equal(result.status, 503);
    assert.equal(result.body.error.code, "HOST.AUTH_FAILED");
    assert.equal((await t.admin.get(`/v1/hosts?q=hostdPort=${port}&count=true`)).body.total, 0);
    assert.equal(await answers(port), false);
  });

  it("fails an unreachable address with HOST.UNREACHABLE", async () => {
    const closed = await sparePort();
    const { port, result } = await addKvm({ privateKey: sshd.privateKey, sshPort: closed });
    assert.equal(result.status, 503);
    assert.equal(result.body.error.code, "HOST.UNREACHABLE");
    assert.equal((await t.admin.get(`/v1/hosts?q=hostdPort=${port}&count=true`)).body.total, 0);
  });

  it("fails a host without libvirt with HOST.PREREQUISITE_MISSING naming what is missing, installing nothing", async () => {
    const bin = await toolDir(sshd.dir, ["sh", "uname", "test", "cat", "mkdir", "rm", "node", "ls", "chmod", "sha256sum", "kill", "sleep", "setsid", "env"]);
    const bare = await startSshd({ env: { PATH: bin } });
    try {
      const port = await sparePort();
      ports.push(port);
      const r = await settle(t.admin, await t.admin.post("/v1/hosts/kvm", {
        params: { clusterUuid, name: "bare", managementIp: "127.0.0.1", sshPort: bare.port, privateKey: bare.privateKey, hostdPort: port },
      }), 120_000);
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, "HOST.PREREQUISITE_MISSING");
      assert.match(r.body.error.details, /libvirt \(virsh\)/);
      assert.match(r.body.error.details, /qemu-img/);
      assert.equal(existsSync(`/var/lib/strata-hostd-${port}`), false);
      assert.equal((await t.admin.get(`/v1/hosts?q=name=bare&count=true`)).body.total, 0);
    } finally {
      await bare.stop();
    }
  });

  it("deletes the host through a job: hostd stopped and its files removed", async () => {
    const r = await settle(t.admin, await t.admin.delete(`/v1/hosts/${hostUuid}`), 60_000);
    assert.equal(r.status, 200, r.text);
    assert.equal((await t.admin.get(`/v1/hosts/${hostUuid}`)).status, 404);
    assert.equal(await answers(hostdPort), false);
    assert.equal(existsSync(`/var/lib/strata-hostd-${hostdPort}`), false);
  });
});
