/**
 * Integration tests against REAL libvirt/QEMU (qemu:///system). Prerequisite: libvirtd running,
 * which `.ci/setup-libvirt.sh` ensures (CI runs it before `npm test`). These tests do not skip:
 * without libvirt they fail, telling you to run that script.
 *
 * Domains are tiny (128 MiB, 1 vCPU, empty 64 MiB qcow2, user-mode NIC, TCG) and named with a
 * fresh uuid per run; `after` destroys and undefines anything left over.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHostd, type RunningHostd } from "../../hostd/main.ts";
import type { TaskCallback } from "../../hostd/tasks.ts";
import type { VmStateChange } from "../../hostd/state-reporter.ts";
import { post, quietLogger, Receiver, removeDir, SECRET, tempDir, zsUuid } from "./helpers.ts";

const exec = promisify(execFile);
const URI = "qemu:///system";

async function virsh(...args: string[]): Promise<string> {
  return (await exec("virsh", ["-c", URI, ...args], { timeout: 30_000 })).stdout;
}

describe("hostd with the virsh driver (real libvirt)", () => {
  const hostUuid = `it-host-${zsUuid()}`;
  const created: string[] = [];
  let dir: string;
  let hostd: RunningHostd;
  let receiver: Receiver;

  before(async () => {
    try {
      await virsh("version");
    } catch (err) {
      throw new Error(`libvirt is not reachable at ${URI}; run .ci/setup-libvirt.sh as root first (${(err as Error).message})`);
    }
    dir = await tempDir("hostd-libvirt-");
    receiver = await new Receiver().start();
    hostd = await startHostd({
      port: 0,
      listen: "127.0.0.1",
      secret: SECRET,
      dataDir: dir,
      hostUuid,
      driver: "virsh",
      libvirtUri: URI,
      stateIntervalMs: 200,
      logger: quietLogger,
      callbacks: { attempts: 3, baseDelayMs: 50, timeoutMs: 2_000 },
    });
    const c = await post(hostd.url, "/host/connect", { hostUuid, managementNodeCallbackUrl: `${receiver.url}/mn` }, SECRET);
    assert.equal(c.body.success, true, c.body.error);
  });

  after(async () => {
    for (const name of created) {
      await virsh("destroy", name).catch(() => undefined);
      await virsh("undefine", name).catch(() => undefined);
    }
    await hostd?.close();
    await receiver?.close();
    if (dir) await removeDir(dir);
  });

  /** Creates a 64 MiB qcow2 through hostd and starts a tiny TCG domain on it. */
  async function startTinyVm(): Promise<string> {
    const vm = zsUuid();
    created.push(vm);
    const installPath = join(dir, "volumes", `${vm}.qcow2`);
    const vol = await post(hostd.url, "/vm/volume/create", { installPath, size: 64 * 2 ** 20 }, SECRET);
    assert.equal(vol.body.success, true, vol.body.error);
    const r = await post(hostd.url, "/vm/start", {
      vmInstanceUuid: vm,
      cpuNum: 1,
      memorySize: 128 * 2 ** 20,
      domainType: "qemu",
      rootVolume: { installPath },
      nics: [{ mac: "52:54:00:5e:00:01" }],
    }, SECRET);
    assert.equal(r.body.success, true, r.body.error);
    assert.equal(r.body.state, "Running");
    return vm;
  }

  it("reports facts that match /proc/cpuinfo, /proc/meminfo and virsh version", async () => {
    const f = (await post(hostd.url, "/host/fact", {}, SECRET)).body;
    assert.equal(f.success, true, f.error);
    const cpuinfo = await readFile("/proc/cpuinfo", "utf8");
    assert.equal(f.cpuNum, cpuinfo.match(/^processor\s*:/gm)?.length);
    const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
    if (model) assert.equal(f.cpuModelName, model);
    const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(await readFile("/proc/meminfo", "utf8"))![1]);
    assert.equal(f.totalMemory, memTotalKiB * 1024);
    const version = await virsh("version");
    assert.equal(f.libvirtVersion, /Using library: libvirt (\S+)/.exec(version)![1]);
    assert.equal(f.qemuVersion, /Running hypervisor: QEMU (\S+)/.exec(version)![1]);
    assert.ok(["vmx", "svm", ""].includes(f.hvmCpuFlag as string));
    assert.equal(f.libvirtReachable, true);
    assert.equal(f.qemuImgPresent, true);
    assert.ok(["kvm", "qemu"].includes(f.domainType as string));
    assert.equal(typeof f.domainTypeReason, "string");
    assert.equal(f.architecture, process.arch === "arm64" ? "aarch64" : "x86_64");
    assert.equal(f.hostUuid, hostUuid);
    assert.equal((f.cpuSockets as number) * (f.cpuCores as number) * (f.cpuThreads as number), f.cpuNum);
  });

  it("reports capacity", async () => {
    const c = (await post(hostd.url, "/host/capacity", {}, SECRET)).body;
    assert.equal(c.success, true, c.error);
    assert.ok((c.totalCpu as number) >= 1);
    assert.ok((c.totalMemory as number) > 0);
  });

  it("exposes host metrics labelled with the host uuid", async () => {
    const text = await (await fetch(`${hostd.url}/metrics`)).text();
    assert.match(text, new RegExp(`host_cpu_seconds_total\\{hostUuid="${hostUuid}",mode="user"\\} \\d`));
    assert.match(text, new RegExp(`host_memory_total_bytes\\{hostUuid="${hostUuid}"\\} \\d`));
    assert.match(text, new RegExp(`host_disk_free_bytes\\{hostUuid="${hostUuid}",path="${dir}"\\} \\d`));
    assert.match(text, new RegExp(`host_network_receive_bytes_total\\{hostUuid="${hostUuid}",interface="lo"\\} \\d`));
    assert.doesNotMatch(text, /hostd_scrape_errors_total\{/);
  });

  it("starts a QEMU domain from a fresh qcow2, shows its metrics, stops and destroys it", async () => {
    const vm = await startTinyVm();
    assert.ok((await virsh("list", "--name")).split("\n").includes(vm), "domain is running in libvirt");
    const info = await stat(join(dir, "volumes", `${vm}.qcow2`));
    assert.ok(info.size > 0);

    const sync = (await post(hostd.url, "/vm/vmsync", {}, SECRET)).body;
    assert.equal((sync.states as Record<string, string>)[vm], "Running");

    const cap = (await post(hostd.url, "/host/capacity", {}, SECRET)).body;
    assert.ok((cap.usedCpu as number) >= 1);
    assert.ok((cap.usedMemory as number) >= 128 * 2 ** 20);

    const text = await (await fetch(`${hostd.url}/metrics`)).text();
    const vmLabels = `hostUuid="${hostUuid}",vmUuid="${vm}"`;
    assert.match(text, new RegExp(`vm_cpu_seconds_total\\{${vmLabels}\\} \\d`));
    assert.match(text, new RegExp(`vm_memory_balloon_current_bytes\\{${vmLabels}\\} ${128 * 2 ** 20}`));
    assert.match(text, new RegExp(`vm_memory_rss_bytes\\{${vmLabels}\\} \\d`));
    assert.match(text, new RegExp(`vm_disk_read_bytes_total\\{${vmLabels},device="vda"\\} \\d`));
    assert.match(text, new RegExp(`vm_disk_write_requests_total\\{${vmLabels},device="vda"\\} \\d`));

    assert.equal((await post(hostd.url, "/vm/pause", { vmInstanceUuid: vm }, SECRET)).body.state, "Paused");
    assert.match(await virsh("domstate", vm), /paused/);
    assert.equal((await post(hostd.url, "/vm/resume", { vmInstanceUuid: vm }, SECRET)).body.state, "Running");

    // No OS inside, so nothing answers ACPI: hostd destroys it after the 1 s grace period.
    const stop = await post(hostd.url, "/vm/stop", { vmInstanceUuid: vm, timeout: 1 }, SECRET);
    assert.deepEqual(stop.body, { success: true, vmInstanceUuid: vm, state: "Stopped", forced: true });
    assert.match(await virsh("domstate", vm), /shut off/);

    const destroyed = await post(hostd.url, "/vm/destroy", { vmInstanceUuid: vm }, SECRET);
    assert.equal(destroyed.body.success, true, destroyed.body.error);
    assert.ok(!(await virsh("list", "--all", "--name")).split("\n").includes(vm), "nothing left in virsh list --all");

    const del = await post(hostd.url, "/vm/volume/delete", { installPath: join(dir, "volumes", `${vm}.qcow2`) }, SECRET);
    assert.equal(del.body.success, true);
    await assert.rejects(stat(join(dir, "volumes", `${vm}.qcow2`)));
    assert.equal(receiver.requests.filter((r) => r.path === "/mn/vm/state-changed").length, 0, "hostd's own operations are not reported");
  });

  it("runs /vm/start as a task and reports completion to the callback URL", async () => {
    const vm = zsUuid();
    created.push(vm);
    const installPath = join(dir, "volumes", `${vm}.qcow2`);
    await post(hostd.url, "/vm/volume/create", { installPath, size: 64 * 2 ** 20 }, SECRET);
    const taskUuid = zsUuid();
    const r = await post(hostd.url, "/vm/start", {
      taskUuid,
      callbackUrl: `${receiver.url}/task`,
      vmInstanceUuid: vm,
      cpuNum: 1,
      memorySize: 128 * 2 ** 20,
      domainType: "qemu",
      rootVolume: { installPath },
    }, SECRET);
    assert.deepEqual(r.body, { success: true, accepted: true, taskUuid });
    const cb = await receiver.waitFor((x) => (x.body as TaskCallback).taskUuid === taskUuid, 20_000);
    assert.equal((cb.body as TaskCallback).success, true, (cb.body as TaskCallback).error);
    assert.ok((await virsh("list", "--name")).split("\n").includes(vm));
    const d = await post(hostd.url, "/vm/destroy", { vmInstanceUuid: vm }, SECRET);
    assert.equal(d.body.success, true, d.body.error);
  });

  it("reports a VM destroyed behind hostd's back to <callback>/vm/state-changed", async () => {
    const vm = await startTinyVm();
    await new Promise((r) => setTimeout(r, 500)); // let the 200 ms loop record it as Running
    await virsh("destroy", vm);
    const report = await receiver.waitFor((r) => r.path === "/mn/vm/state-changed" && (r.body as VmStateChange).vmInstanceUuid === vm, 10_000);
    const change = report.body as VmStateChange;
    assert.equal(change.hostUuid, hostUuid);
    assert.equal(change.from, "Running");
    assert.equal(change.to, "Stopped");
    assert.equal(report.headers.authorization, `Bearer ${SECRET}`);
    assert.equal((await post(hostd.url, "/vm/destroy", { vmInstanceUuid: vm }, SECRET)).body.success, true);
    assert.ok(!(await virsh("list", "--all", "--name")).split("\n").includes(vm));
  });

  it("reports a libvirt failure as success:false with virsh's message", async () => {
    const vm = zsUuid();
    created.push(vm);
    const r = await post(hostd.url, "/vm/start", {
      vmInstanceUuid: vm,
      cpuNum: 1,
      memorySize: 128 * 2 ** 20,
      domainType: "qemu",
      rootVolume: { installPath: join(dir, "does-not-exist.qcow2") },
    }, SECRET);
    assert.equal(r.status, 200);
    assert.equal(r.body.success, false);
    assert.match(r.body.error!, /does-not-exist/);
    assert.ok(!(await virsh("list", "--all", "--name")).split("\n").includes(vm), "a failed start leaves no definition behind");
  });
});
