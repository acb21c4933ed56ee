/**
 * Live migration on simulator hosts: which hosts are candidates, the refusals a user sees, and
 * what a migration changes — the VM's host, the hosts' CPU/memory and the simulated
 * hypervisors — including a migration that fails on the source host.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { SimDriver } from "../../hostd/drivers/sim.ts";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("live migration on simulator hosts", () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-live-migrate-"));
  const ids: Record<string, string> = {};

  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status !== 202) return x.body;
    const s = await settle(t.admin, x as never, 120_000);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };
  const act = (uuid: string, action: string, body: object = {}) => t.admin.put(`/v1/vm-instances/${uuid}/actions`, { [action]: body });
  const refused = async (r: Promise<{ status: number; body: any; text: string }>, status: number, details: RegExp) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.equal(x.status, status, x.text);
    assert.match(`${x.body.error.description} ${x.body.error.details}`, details);
  };
  const getVm = async (uuid: string) => (await t.admin.get(`/v1/vm-instances/${uuid}`)).body.inventories[0];
  const host = (uuid: string) => t.node.services.db.prisma.host.findUniqueOrThrow({ where: { uuid } });
  const sim = (hostUuid: string): SimDriver =>
    (t.node.services.simulators as unknown as { running: Map<string, { driver: SimDriver }> }).running.get(hostUuid)!.driver;
  const create = async (name: string, ps: string, hostUuid = ids["sim-a"]) => (await ok(t.admin.post("/v1/vm-instances", {
    params: { name, instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3], hostUuid, primaryStorageUuidForRootVolume: ps },
  }))).inventory;

  before(async () => {
    t = await startNode();
    const a = t.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    mkdirSync(join(tmp, "smp"));
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "shared", hypervisorType: "Simulator" } }))).inventory.uuid;
    ids.other = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "local-only", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (const [name, cluster] of [["sim-a", ids.cluster], ["sim-b", ids.cluster], ["sim-x", ids.other]] as const) {
      ids[name] = (await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: cluster, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }))).inventory.uuid;
    }
    ids.smp = (await ok(a.post("/v1/primary-storage/smp", { params: { name: "smp", url: join(tmp, "smp"), zoneUuid: ids.zone } }))).inventory.uuid;
    ids.local = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    for (const ps of [ids.smp, ids.local]) await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ps}`, {}));
    await ok(a.post(`/v1/clusters/${ids.other}/primary-storage/${ids.local}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "2c2g", cpuNum: 2, memorySize: 2 * GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    for (const c of [ids.cluster, ids.other]) await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${c}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "l3", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.21.10", endIp: "10.253.21.50", netmask: "255.255.255.0", gateway: "10.253.21.1" } }));
    ids.vm = (await create("web", ids.smp!)).uuid;
  });
  after(async () => {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("lists as candidates only other hosts that reach the VM's storage and networks", async () => {
    const r = await t.admin.get(`/v1/vm-instances/${ids.vm}/migration-target-hosts`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.inventories.map((h: { uuid: string }) => h.uuid), [ids["sim-b"]]);
  });

  it("refuses the VM's own host, a host without its storage, and a VM on local storage, saying why", async () => {
    await refused(act(ids.vm!, "migrateVm", { hostUuid: ids["sim-a"] }), 409, /already there/);
    await refused(act(ids.vm!, "migrateVm", { hostUuid: ids["sim-x"] }), 409, /lacks the VM's primary storage or L2 networks/);
    await refused(act(ids.vm!, "migrateVm", { hostUuid: "f".repeat(32) }), 404, /Host/);
    const local = await create("on-local", ids.local!);
    await refused(act(local.uuid, "migrateVm", {}), 409, /LocalStorage primary storage local; live migration needs shared primary storage/);
    await refused(t.admin.get(`/v1/vm-instances/${local.uuid}/migration-target-hosts`), 409, /live migration needs shared primary storage/);
    assert.equal((await getVm(ids.vm!)).state, "Running", "a refusal changes nothing");
  });

  it("moves a running VM to the other host: the domain, its host and the CPU and memory it holds", async () => {
    const [a0, b0] = [await host(ids["sim-a"]!), await host(ids["sim-b"]!)];
    const moved = (await ok(act(ids.vm!, "migrateVm", {}))).inventory;
    assert.equal(moved.state, "Running");
    assert.equal(moved.hostUuid, ids["sim-b"]);
    assert.equal(moved.lastHostUuid, ids["sim-b"]);
    assert.equal(await sim(ids["sim-a"]!).domainState(ids.vm!), undefined, "gone from the source");
    assert.equal(await sim(ids["sim-b"]!).domainState(ids.vm!), "Running", "running on the target");
    const [a1, b1] = [await host(ids["sim-a"]!), await host(ids["sim-b"]!)];
    assert.equal(a0.allocatedCpu - a1.allocatedCpu, 2);
    assert.equal(b1.allocatedCpu - b0.allocatedCpu, 2);
    assert.equal(a0.allocatedMemory - a1.allocatedMemory, BigInt(2 * GiB));
    assert.equal(b1.allocatedMemory - b0.allocatedMemory, BigInt(2 * GiB));
    // The VM is managed on its new host: a stop reaches it there.
    assert.equal((await ok(act(ids.vm!, "stopVmInstance", { type: "cold" }))).inventory.state, "Stopped");
    assert.equal(await sim(ids["sim-b"]!).domainState(ids.vm!), "Stopped");
    await ok(act(ids.vm!, "startVmInstance"));
  });

  it("keeps a paused VM paused across the move", async () => {
    const from = (await getVm(ids.vm!)).hostUuid as string;
    const to = from === ids["sim-a"] ? ids["sim-b"]! : ids["sim-a"]!;
    await ok(act(ids.vm!, "pauseVmInstance"));
    const moved = (await ok(act(ids.vm!, "migrateVm", { hostUuid: to }))).inventory;
    assert.equal(moved.state, "Paused");
    assert.equal(moved.hostUuid, to);
    assert.equal(await sim(to).domainState(ids.vm!), "Paused");
    await ok(act(ids.vm!, "resumeVmInstance"));
  });

  it("leaves the VM running on its source, and the target's reservation given back, when the migration fails", async () => {
    const from = (await getVm(ids.vm!)).hostUuid as string;
    const to = from === ids["sim-a"] ? ids["sim-b"]! : ids["sim-a"]!;
    const before = await host(to);
    sim(from).forceFailure("migrate", "operation failed: migration job: unexpectedly failed");
    try {
      const accepted = await act(ids.vm!, "migrateVm", {});
      assert.equal(accepted.status, 202, accepted.text);
      const done = await settle(t.admin, accepted as never, 60_000);
      assert.ok(done.status >= 400, done.text);
      assert.match(done.text, /migration job: unexpectedly failed/);
    } finally {
      sim(from).clearFailures();
    }
    const vm = await getVm(ids.vm!);
    assert.equal(vm.state, "Running");
    assert.equal(vm.hostUuid, from);
    assert.equal(await sim(from).domainState(ids.vm!), "Running");
    assert.ok(!["Running", "Paused"].includes((await sim(to).domainState(ids.vm!)) ?? ""), "not running on the target");
    const after = await host(to);
    assert.equal(after.allocatedCpu, before.allocatedCpu);
    assert.equal(after.allocatedMemory, before.allocatedMemory);
  });

  it("grows a running VM's CPU and memory online once it was started with headroom (vm/numa), and only grows it", async () => {
    const a = t.admin;
    const offering = async (name: string, cpuNum: number, memorySize: number) =>
      (await ok(a.post("/v1/instance-offerings", { params: { name, cpuNum, memorySize } }))).inventory.uuid as string;
    const [big, small, huge] = [await offering("4c4g", 4, 4 * GiB), await offering("1c1g", 1, GiB), await offering("4c64g", 4, 64 * GiB)];
    await refused(act(ids.vm!, "changeInstanceOffering", { instanceOfferingUuid: big }), 409, /without CPU\/memory hot-plug headroom.*stop the VM first/);
    assert.equal((await getVm(ids.vm!)).cpuNum, 2, "a refused change changes nothing");
    await t.node.services.configs.update("vm", "numa", "true");
    try {
      await ok(act(ids.vm!, "stopVmInstance", { type: "cold" }));
      const started = (await ok(act(ids.vm!, "startVmInstance"))).inventory;
      const before = await host(started.hostUuid);
      const grown = (await ok(act(ids.vm!, "changeInstanceOffering", { instanceOfferingUuid: big }))).inventory;
      assert.equal(grown.state, "Running");
      assert.equal(grown.cpuNum, 4);
      assert.equal(grown.memorySize, 4 * GiB);
      const spec = sim(started.hostUuid).domainSpec(ids.vm!)!;
      assert.equal(spec.cpuNum, 4, "the domain has the vCPUs now");
      assert.equal(spec.memorySize, 4 * GiB);
      const after = await host(started.hostUuid);
      assert.equal(after.allocatedCpu - before.allocatedCpu, 2);
      assert.equal(after.allocatedMemory - before.allocatedMemory, BigInt(2 * GiB));
      await refused(act(ids.vm!, "changeInstanceOffering", { instanceOfferingUuid: small }), 409, /only grows.*stop the VM first to shrink/);
      await refused(act(ids.vm!, "changeInstanceOffering", { instanceOfferingUuid: huge }), 409, /host has not the CPU or memory/);
      const unchanged = await host(started.hostUuid);
      assert.equal(unchanged.allocatedMemory, after.allocatedMemory, "a refused growth reserves nothing");
    } finally {
      await t.node.services.configs.update("vm", "numa", "false");
    }
  });
});
