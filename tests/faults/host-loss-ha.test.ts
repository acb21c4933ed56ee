/**
 * Issue 9: a host lost under running VMs, on simulator hosts. Its VMs go Unknown; those with an
 * HA level whose volumes are on shared storage (SharedMountPoint) start on another host of the
 * cluster, with capacity moved; a VM without HA and VMs on LocalStorage (one NeverStop) stay
 * Unknown. The host then returns with its domains still running but one: the stale ones are
 * destroyed there, no VM runs twice or has two rows, the ones that stayed are reconciled to
 * Running and the one whose domain is gone to Stopped, its capacity released.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { SimDriver } from "../../hostd/drivers/sim.ts";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("host loss with HA on simulator hosts", () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-ha-"));
  const ids: Record<string, string> = {};
  /** VM uuids by role. */
  const vm: Record<"ha1" | "ha2" | "ha3" | "plain" | "localHa" | "gone", string> = { ha1: "", ha2: "", ha3: "", plain: "", localHa: "", gone: "" };
  const movers = () => [vm.ha1, vm.ha2, vm.ha3];

  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status === 202) {
      const s = await settle(t.admin, x as never, 120_000);
      assert.equal(s.status, 200, s.text);
      return s.body;
    }
    return x.body;
  };
  const prisma = () => t.node.services.db.prisma;
  const simulators = () => t.node.services.simulators as unknown as {
    running: Map<string, { driver: SimDriver }>; isolated: Map<string, SimDriver>; isolate(hostUuid: string): Promise<void>;
  };
  /** The simulated hypervisor of a host, whether its agent runs or the host is cut off. */
  const sim = (hostUuid: string): SimDriver => simulators().running.get(hostUuid)?.driver ?? simulators().isolated.get(hostUuid)!;
  const activeOn = async (hostUuid: string) =>
    (await sim(hostUuid).listDomains()).filter((d) => d.state === "Running" || d.state === "Paused").map((d) => d.name);
  const vmRow = (uuid: string) => prisma().vmInstance.findUniqueOrThrow({ where: { uuid } });
  /** Each host's reserved CPU and memory equal the sums over the VMs recorded on it. */
  const assertAccounting = async () => {
    const vms = await prisma().vmInstance.findMany();
    for (const h of await prisma().host.findMany()) {
      const on = vms.filter((v) => v.hostUuid === h.uuid);
      assert.equal(h.allocatedCpu, on.reduce((s, v) => s + v.cpuNum, 0), `${h.name} CPU accounting matches its VMs`);
      assert.equal(Number(h.allocatedMemory), on.reduce((s, v) => s + Number(v.memorySize), 0), `${h.name} memory accounting matches its VMs`);
    }
  };

  before(async () => {
    t = await startNode();
    const a = t.admin;
    // The tests drive the ping loop themselves (pingAll); one missed ping loses a host.
    for (const [category, name, value] of [["host", "ping.interval", "3600"], ["host", "ping.maxFailures", "1"], ["host", "ping.timeout", "1"],
      ["ha", "neverStopVm.retryDelay", "1"]]) {
      await ok(a.put(`/v1/global-configurations/${category}/${name}/actions`, { updateGlobalConfig: { value } }));
    }
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    mkdirSync(join(tmp, "smp"));
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (const name of ["sim-a", "sim-b", "sim-c"]) {
      ids[name] = (await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }))).inventory.uuid;
    }
    ids.smp = (await ok(a.post("/v1/primary-storage/smp", { params: { name: "smp", url: join(tmp, "smp"), zoneUuid: ids.zone } }))).inventory.uuid;
    ids.local = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    for (const ps of [ids.smp, ids.local]) await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.9.10", endIp: "10.253.9.50", netmask: "255.255.255.0", gateway: "10.253.9.1" } }));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    await ok(a.post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
    // Every VM starts on sim-a, the host that will be lost.
    const create = async (name: string, ps: string) => (await ok(a.post("/v1/vm-instances", {
      params: { name, instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3], hostUuid: ids["sim-a"], primaryStorageUuidForRootVolume: ps },
    }))).inventory;
    for (const [key, ps] of [["ha1", ids.smp], ["ha2", ids.smp], ["ha3", ids.smp], ["plain", ids.smp], ["localHa", ids.local], ["gone", ids.local]] as const) {
      const v = await create(key, ps!);
      assert.equal(v.state, "Running");
      assert.equal(v.hostUuid, ids["sim-a"]);
      vm[key] = v.uuid;
    }
  });
  after(async () => {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("sets, reads and removes a VM's HA level as ZStack's ha:: system tag", async () => {
    const path = `/v1/vm-instances/${vm.ha1}/ha-levels`;
    assert.deepEqual(await ok(t.admin.get(path)), { level: null });
    assert.deepEqual(await ok(t.admin.post(path, { params: { level: "NeverStop" } })), { level: "NeverStop" });
    assert.deepEqual(await ok(t.admin.get(path)), { level: "NeverStop" });
    await ok(t.admin.post(path, { params: { level: "OnHostFailure" } }));
    const tags = await prisma().systemTag.findMany({ where: { resourceUuid: vm.ha1, tag: { startsWith: "ha::" } } });
    assert.deepEqual(tags.map((x) => x.tag), ["ha::OnHostFailure"], "one ha:: tag, replaced");
    await ok(t.admin.delete(path));
    assert.deepEqual(await ok(t.admin.get(path)), { level: null });
    await ok(t.admin.delete(path));

    const bad = await t.admin.post(path, { params: { level: "Always" } });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /level/);
    const missing = await t.admin.get(`/v1/vm-instances/${"0".repeat(32)}/ha-levels`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "SYS.1003");

    for (const uuid of [vm.ha1, vm.ha2, vm.localHa]) await ok(t.admin.post(`/v1/vm-instances/${uuid}/ha-levels`, { params: { level: "NeverStop" } }));
    await ok(t.admin.post(`/v1/vm-instances/${vm.ha3}/ha-levels`, { params: { level: "OnHostFailure" } }));
  });

  it("starts HA VMs on shared storage on another host of the cluster when their host is lost; the others stay Unknown", async () => {
    await assertAccounting();
    const a = ids["sim-a"]!;
    await simulators().isolate(a);
    await t.node.services.hostTracker.pingAll();
    assert.equal((await prisma().host.findUniqueOrThrow({ where: { uuid: a } })).status, "Disconnected");
    const unknown = await eventually(async () => {
      const rows = await prisma().vmInstance.findMany({ where: { hostUuid: a } });
      return rows.length === 6 && rows.every((v) => v.state === "Unknown");
    }, 5_000);
    assert.ok(unknown, "every VM of the lost host went Unknown");

    const moved = await eventually(async () => {
      const rows = await Promise.all(movers().map(vmRow));
      return rows.every((v) => v.state === "Running" && v.hostUuid !== a) ? rows : undefined;
    }, 30_000);
    assert.ok(moved, `HA VMs running elsewhere: ${JSON.stringify(await Promise.all(movers().map(vmRow)), (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    for (const v of moved) {
      assert.ok([ids["sim-b"], ids["sim-c"]].includes(v.hostUuid!), `${v.name} runs on another host of the cluster`);
      assert.equal(v.lastHostUuid, v.hostUuid);
      assert.ok((await activeOn(v.hostUuid!)).includes(v.uuid), `${v.name}'s domain runs on its new host`);
    }
    for (const key of ["plain", "localHa", "gone"] as const) {
      const v = await vmRow(vm[key]);
      assert.equal(v.state, "Unknown", `${key} stays Unknown`);
      assert.equal(v.hostUuid, a, `${key} stays recorded on the lost host`);
    }
    // Capacity moved: the lost host keeps only the three VMs that stayed.
    const lost = await prisma().host.findUniqueOrThrow({ where: { uuid: a } });
    assert.equal(Number(lost.allocatedMemory), 3 * GiB);
    assert.equal(lost.allocatedCpu, 3);
    await assertAccounting();

    const jobs = await prisma().apiJob.findMany({ where: { jobType: "HaStartVmInstance" } });
    assert.equal(jobs.length, 3, "one HA job per VM that could move, none for the others");
    assert.ok(jobs.every((j) => j.state === "Succeeded"), JSON.stringify(jobs.map((j) => j.error)));
    const ev = await prisma().event.findFirst({ where: { resourceUuid: vm.ha1, oldState: "Unknown", newState: "Starting" } });
    assert.deepEqual((ev?.details as { ha?: string; lostHostUuid?: string })?.lostHostUuid, a);
  });

  it("destroys stale domains on the returned host, keeps one row per VM and reconciles the VMs that stayed", async () => {
    const a = ids["sim-a"]!;
    // The host comes back with every domain it had still running, including the moved ones.
    const stale = await activeOn(a);
    for (const uuid of Object.values(vm)) assert.ok(stale.includes(uuid), "the cut-off host kept its domains");
    // ... all but one, which went away while the host was cut off (killed, or the host rebooted).
    await sim(a).destroy(vm.gone);
    await sim(a).undefine(vm.gone);

    const returned = new Date();
    const r = await ok(t.admin.put(`/v1/hosts/${a}/actions`, { reconnectHost: {} }));
    assert.equal(r.inventory.status, "Connected");
    // Stale domains are destroyed and undefined: gone from the host's domain list altogether.
    const settled = await eventually(async () => {
      const defined = (await sim(a).listDomains()).map((d) => d.name);
      const stayed = await Promise.all([vmRow(vm.plain), vmRow(vm.localHa)]);
      return movers().every((u) => !defined.includes(u)) && stayed.every((v) => v.state === "Running")
        && (await vmRow(vm.gone)).state === "Stopped" ? await activeOn(a) : undefined;
    }, 10_000);
    assert.ok(settled, `stale domains destroyed and the others reconciled: on sim-a ${JSON.stringify(await sim(a).listDomains())}`);
    assert.deepEqual(new Set(settled), new Set([vm.plain, vm.localHa]));

    const gone = await vmRow(vm.gone);
    assert.equal(gone.state, "Stopped", "a VM whose domain is gone is reconciled to Stopped");
    assert.equal(gone.hostUuid, null);
    // No VM runs on two hosts, none has two rows, and each runs where its row says.
    const hosts = [ids["sim-a"]!, ids["sim-b"]!, ids["sim-c"]!];
    const where = new Map<string, string[]>();
    for (const h of hosts) for (const name of await activeOn(h)) where.set(name, [...(where.get(name) ?? []), h]);
    const rows = await prisma().vmInstance.findMany();
    assert.equal(rows.length, 6, "no duplicate VM rows");
    for (const v of rows.filter((x) => x.uuid !== vm.gone)) {
      assert.equal(v.state, "Running", v.name);
      assert.deepEqual(where.get(v.uuid), [v.hostUuid], `${v.name} runs on exactly its recorded host`);
    }
    // The moved VMs kept their state through the host's return (no Unknown/Stopped flap).
    for (const uuid of movers()) {
      const flaps = await prisma().event.count({ where: { resourceUuid: uuid, newState: { in: ["Stopped", "Unknown"] }, createDate: { gte: returned } } });
      assert.equal(flaps, 0);
    }
    await assertAccounting();
  });

  it("starts a NeverStop VM again when it stops behind Strata's back", async () => {
    const v = await vmRow(vm.ha1);
    sim(v.hostUuid!).simulateGuestShutdown(v.uuid);
    const back = await eventually(async () => {
      const stopped = await prisma().event.count({ where: { resourceUuid: v.uuid, oldState: "Running", newState: "Stopped" } });
      const row = await vmRow(v.uuid);
      return stopped > 0 && row.state === "Running" ? row : undefined;
    }, 30_000, 200);
    assert.ok(back, `restarted: ${(await vmRow(v.uuid)).state}`);
    assert.ok((await activeOn(back.hostUuid!)).includes(v.uuid));
    // A VM without HA that stops the same way stays Stopped.
    const plain = await vmRow(vm.plain);
    sim(plain.hostUuid!).simulateGuestShutdown(plain.uuid);
    assert.ok(await eventually(async () => (await vmRow(plain.uuid)).state === "Stopped", 15_000, 200));
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal((await vmRow(plain.uuid)).state, "Stopped");
    await assertAccounting();
  });
});
