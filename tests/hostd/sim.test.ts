import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RunningHostd } from "../../hostd/main.ts";
import { SimDriver } from "../../hostd/drivers/sim.ts";
import { DriverError, type VmSpec } from "../../hostd/drivers/types.ts";
import type { VmStateChange } from "../../hostd/state-reporter.ts";
import { post, Receiver, removeDir, SECRET, startSimHostd, tempDir, zsUuid } from "./helpers.ts";

function spec(uuid = zsUuid()): VmSpec {
  return {
    vmInstanceUuid: uuid,
    cpuNum: 2,
    memorySize: 512 * 2 ** 20,
    domainType: "kvm",
    rootDisk: { path: "/sim/root.qcow2" },
    nics: [{ mac: "52:54:00:00:00:01", bridgeName: "br0" }],
    consoleLogPath: "/sim/console.log",
  };
}

const fast = { minDelayMs: 1, maxDelayMs: 3, acpiShutdownMs: 10 };

describe("SimDriver", () => {
  it("starts, pauses, resumes, shuts down and undefines a domain", async () => {
    const sim = new SimDriver(fast);
    const s = spec();
    await sim.defineAndStart(s);
    assert.equal(await sim.domainState(s.vmInstanceUuid), "Running");
    await sim.pause(s.vmInstanceUuid);
    assert.equal(await sim.domainState(s.vmInstanceUuid), "Paused");
    await sim.resume(s.vmInstanceUuid);
    await sim.shutdown(s.vmInstanceUuid);
    assert.equal(await sim.domainState(s.vmInstanceUuid), "Running", "ACPI shutdown takes a moment");
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await sim.domainState(s.vmInstanceUuid), "Stopped");
    await sim.undefine(s.vmInstanceUuid);
    assert.equal(await sim.domainState(s.vmInstanceUuid), undefined);
    await sim.close();
  });

  it("reports domstats for running domains only, with growing counters", async () => {
    const sim = new SimDriver(fast);
    const a = spec();
    const b = spec();
    await sim.defineAndStart(a);
    await sim.defineAndStart(b);
    await sim.destroy(b.vmInstanceUuid);
    await new Promise((r) => setTimeout(r, 20));
    const stats = await sim.domstats();
    assert.deepEqual(stats.map((d) => d.name), [a.vmInstanceUuid]);
    assert.ok(stats[0]!.cpuTimeSeconds! > 0);
    assert.equal(stats[0]!.balloonCurrentBytes, 512 * 2 ** 20);
    assert.equal(stats[0]!.blocks[0]!.device, "vda");
    assert.equal(stats[0]!.nets[0]!.device, "vnet0");
    await sim.close();
  });

  it("fails a forced command every time until cleared", async () => {
    const sim = new SimDriver(fast);
    sim.forceFailure("defineAndStart", "no space left on device");
    await assert.rejects(sim.defineAndStart(spec()), (e: unknown) => e instanceof DriverError && e.code === "INJECTED_FAILURE" && /no space/.test(e.message));
    await assert.rejects(sim.defineAndStart(spec()), /no space/);
    sim.clearFailures();
    await sim.defineAndStart(spec());
    await sim.close();
  });

  it("fails mutating commands with the configured probability, reads never", async () => {
    // A deterministic "random" source: every draw is 0.3.
    const sim = new SimDriver({ ...fast, failureRate: 0.5, random: () => 0.3 });
    await assert.rejects(sim.createVolume({ installPath: "/sim/v1", size: 1 }), /random injected failure/);
    assert.deepEqual(await sim.listDomains(), []);
    sim.setFailureRate(0.2);
    await sim.createVolume({ installPath: "/sim/v1", size: 1 });
    await sim.close();
  });

  it("takes a realistic, configurable time per operation", async () => {
    const sim = new SimDriver({ minDelayMs: 40, maxDelayMs: 40 });
    const t0 = Date.now();
    await sim.defineAndStart(spec());
    assert.ok(Date.now() - t0 >= 35);
    await sim.close();
  });

  it("rejects a spec libvirt would reject", async () => {
    const sim = new SimDriver(fast);
    await assert.rejects(sim.defineAndStart({ ...spec(), vmInstanceUuid: "not a uuid" }), /vmInstanceUuid/);
    await sim.close();
  });
});

describe("VM lifecycle over HTTP (sim)", () => {
  let dir: string;
  let hostd: RunningHostd;
  let sim: SimDriver;
  before(async () => {
    dir = await tempDir();
    hostd = await startSimHostd(dir);
    sim = hostd.driver as SimDriver;
  });
  after(async () => {
    await hostd.close();
    await removeDir(dir);
  });

  const startBody = (vm: string) => ({
    vmInstanceUuid: vm,
    cpuNum: 1,
    memorySize: 128 * 2 ** 20,
    rootVolume: { installPath: "/sim/root.qcow2" },
    nics: [{ mac: "52:54:00:12:34:56" }],
  });

  it("starts, pauses, resumes, reboots, stops and destroys a VM", async () => {
    const vm = zsUuid();
    const started = await post(hostd.url, "/vm/start", startBody(vm), SECRET);
    assert.equal(started.body.success, true, started.body.error);
    assert.equal(started.body.state, "Running");
    assert.equal(started.body.domainType, "kvm");
    assert.equal((await post(hostd.url, "/vm/start", startBody(vm), SECRET)).body.success, true, "starting a running VM succeeds");

    assert.equal((await post(hostd.url, "/vm/pause", { vmInstanceUuid: vm }, SECRET)).body.state, "Paused");
    assert.equal((await post(hostd.url, "/vm/resume", { vmInstanceUuid: vm }, SECRET)).body.state, "Running");
    assert.equal((await post(hostd.url, "/vm/reboot", { vmInstanceUuid: vm, timeout: 1 }, SECRET)).body.state, "Running");

    const sync = await post(hostd.url, "/vm/vmsync", {}, SECRET);
    assert.equal((sync.body.states as Record<string, string>)[vm], "Running");

    const stopped = await post(hostd.url, "/vm/stop", { vmInstanceUuid: vm, timeout: 2 }, SECRET);
    assert.deepEqual(stopped.body, { success: true, vmInstanceUuid: vm, state: "Stopped", forced: false });
    assert.equal((await post(hostd.url, "/vm/stop", { vmInstanceUuid: vm }, SECRET)).body.success, true, "stopping a stopped VM succeeds");

    assert.equal((await post(hostd.url, "/vm/destroy", { vmInstanceUuid: vm }, SECRET)).body.success, true);
    assert.equal(await sim.domainState(vm), undefined);
    assert.equal((await post(hostd.url, "/vm/destroy", { vmInstanceUuid: vm }, SECRET)).body.success, true, "destroying a missing VM succeeds");
  });

  it("destroys a guest that ignores ACPI once the stop timeout passes; cold stop destroys at once", async () => {
    const deafDir = await tempDir();
    const deaf = await startSimHostd(deafDir, { sim: { acpiShutdownMs: null } });
    try {
      const vm = zsUuid();
      await post(deaf.url, "/vm/start", startBody(vm), SECRET);
      const t0 = Date.now();
      const r = await post(deaf.url, "/vm/stop", { vmInstanceUuid: vm, timeout: 0.3 }, SECRET);
      assert.equal(r.body.forced, true);
      assert.ok(Date.now() - t0 >= 300);
      assert.equal(await deaf.driver.domainState(vm), "Stopped");

      await post(deaf.url, "/vm/start", startBody(vm), SECRET);
      const t1 = Date.now();
      const cold = await post(deaf.url, "/vm/stop", { vmInstanceUuid: vm, type: "cold" }, SECRET);
      assert.equal(cold.body.forced, true);
      assert.ok(Date.now() - t1 < 250);
    } finally {
      await deaf.close();
      await removeDir(deafDir);
    }
  });

  it("creates and deletes volumes", async () => {
    const r = await post(hostd.url, "/vm/volume/create", { installPath: "/sim/vol/a.qcow2", size: 2 ** 30 }, SECRET);
    assert.equal(r.body.success, true);
    assert.equal(r.body.size, 2 ** 30);
    const again = await post(hostd.url, "/vm/volume/create", { installPath: "/sim/vol/a.qcow2", size: 2 ** 30 }, SECRET);
    assert.equal(again.body.success, false);
    assert.equal(again.body.code, "VOLUME_EXISTS");
    assert.equal((await post(hostd.url, "/vm/volume/delete", { installPath: "/sim/vol/a.qcow2" }, SECRET)).body.success, true);
  });

  it("turns injected failures into success:false replies, controllable over HTTP", async () => {
    assert.equal((await post(hostd.url, "/sim/fail", { command: "defineAndStart", error: "libvirt exploded" }, SECRET)).body.success, true);
    const r = await post(hostd.url, "/vm/start", startBody(zsUuid()), SECRET);
    assert.equal(r.status, 200);
    assert.equal(r.body.success, false);
    assert.equal(r.body.code, "INJECTED_FAILURE");
    assert.match(r.body.error!, /libvirt exploded/);
    await post(hostd.url, "/sim/clear", {}, SECRET);
    assert.equal((await post(hostd.url, "/vm/start", startBody(zsUuid()), SECRET)).body.success, true);
  });

  it("exposes per-VM metrics with hostUuid and vmUuid labels", async () => {
    const vm = zsUuid();
    await post(hostd.url, "/host/connect", { hostUuid: "sim-host-1" }, SECRET);
    await post(hostd.url, "/vm/start", startBody(vm), SECRET);
    const text = await (await fetch(`${hostd.url}/metrics`)).text();
    assert.match(text, new RegExp(`vm_cpu_seconds_total\\{hostUuid="sim-host-1",vmUuid="${vm}"\\} \\d`));
    assert.match(text, new RegExp(`vm_disk_read_bytes_total\\{hostUuid="sim-host-1",vmUuid="${vm}",device="vda"\\}`));
    assert.match(text, /host_cpu_seconds_total\{hostUuid="sim-host-1",mode="idle"\}/);
    await post(hostd.url, "/vm/destroy", { vmInstanceUuid: vm }, SECRET);
    const later = await (await fetch(`${hostd.url}/metrics`)).text();
    assert.doesNotMatch(later, new RegExp(vm), "a destroyed VM disappears from the next scrape");
  });
});

describe("VM state reports (sim)", () => {
  it("tells the management node when a guest powers off or crashes on its own, not when hostd stops it", async () => {
    const dir = await tempDir();
    const receiver = await new Receiver().start();
    const hostd = await startSimHostd(dir, { stateIntervalMs: 25 });
    const sim = hostd.driver as SimDriver;
    try {
      await post(hostd.url, "/host/connect", { hostUuid: "h-report", managementNodeCallbackUrl: `${receiver.url}/mn/` }, SECRET);
      const [a, b, c] = [zsUuid(), zsUuid(), zsUuid()];
      for (const vm of [a, b, c]) {
        const r = await post(hostd.url, "/vm/start", { vmInstanceUuid: vm, cpuNum: 1, memorySize: 2 ** 27, rootVolume: { installPath: "/sim/r" } }, SECRET);
        assert.equal(r.body.success, true);
      }
      await new Promise((r) => setTimeout(r, 80)); // let the loop see all three running

      await post(hostd.url, "/vm/stop", { vmInstanceUuid: c, type: "cold" }, SECRET); // hostd's own doing
      sim.simulateGuestShutdown(a);
      const gone = await receiver.waitFor((r) => (r.body as VmStateChange).vmInstanceUuid === a);
      assert.equal(gone.path, "/mn/vm/state-changed");
      assert.equal(gone.headers.authorization, `Bearer ${SECRET}`);
      assert.deepEqual({ ...(gone.body as VmStateChange), detectedAt: "" }, {
        hostUuid: "h-report", vmInstanceUuid: a, from: "Running", to: "Stopped", detectedAt: "",
      });

      assert.equal((await post(hostd.url, "/sim/guest-event", { vmInstanceUuid: b, event: "crash" }, SECRET)).body.success, true);
      const crashed = await receiver.waitFor((r) => (r.body as VmStateChange).vmInstanceUuid === b);
      assert.equal((crashed.body as VmStateChange).to, "Crashed");

      await new Promise((r) => setTimeout(r, 80));
      assert.equal(receiver.requests.filter((r) => (r.body as VmStateChange).vmInstanceUuid === c).length, 0);
      assert.equal(receiver.requests.length, 2);
    } finally {
      await hostd.close();
      await receiver.close();
      await removeDir(dir);
    }
  });
});

describe("many sim hosts in one process", () => {
  it("runs 100 independent agents cheaply", async () => {
    const dir = await tempDir();
    const agents: RunningHostd[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        agents.push(await startSimHostd(`${dir}/h${i}`, { hostUuid: `host-${i}`, stateIntervalMs: 1_000 }));
      }
      const pings = await Promise.all(agents.map((a, i) => post(a.url, "/host/ping", { hostUuid: `host-${i}` }, SECRET)));
      assert.ok(pings.every((p) => p.body.success === true));
      const vm = zsUuid();
      await post(agents[7]!.url, "/vm/start", { vmInstanceUuid: vm, cpuNum: 1, memorySize: 2 ** 27, rootVolume: { installPath: "/sim/r" } }, SECRET);
      const states = await Promise.all(agents.slice(6, 9).map((a) => post(a.url, "/vm/vmsync", {}, SECRET)));
      assert.deepEqual(states.map((s) => Object.keys(s.body.states as object).length), [0, 1, 0]);
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      await removeDir(dir);
    }
  });
});
