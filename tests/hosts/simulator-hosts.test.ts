import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("hosts API with simulator hosts", () => {
  let t: TestNode;
  let clusterUuid: string;
  let kvmClusterUuid: string;

  before(async () => {
    t = await startNode();
    const zone = await t.admin.post("/v1/zones", { params: { name: "sim-zone" } });
    const cluster = await t.admin.post("/v1/clusters", { params: { zoneUuid: zone.body.inventory.uuid, name: "sim", hypervisorType: "Simulator" } });
    clusterUuid = cluster.body.inventory.uuid;
    const kvm = await t.admin.post("/v1/clusters", { params: { zoneUuid: zone.body.inventory.uuid, name: "kvm", hypervisorType: "KVM" } });
    kvmClusterUuid = kvm.body.inventory.uuid;
    // Fast ping loop for the tests: 1 s rounds, Disconnected after 2 missed pings.
    for (const [name, value] of [["ping.interval", "1"], ["ping.maxFailures", "2"], ["ping.timeout", "1"]]) {
      await t.admin.put(`/v1/global-configurations/host/${name}/actions`, { updateGlobalConfig: { value } });
    }
  });
  after(async () => { await t.destroy(); });

  const addSim = async (name: string, cpuCapacity = 8, memoryCapacity = 16 * GiB) =>
    settle(t.admin, await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid, name, cpuCapacity, memoryCapacity } }));

  it("adds a simulator host through a job: Connected, with facts and over-provisioned capacity", async () => {
    const r = await addSim("sim-1");
    assert.equal(r.status, 200, r.text);
    const h = r.body.inventory;
    assert.equal(h.status, "Connected");
    assert.equal(h.state, "Enabled");
    assert.equal(h.hypervisorType, "Simulator");
    assert.equal(h.cpuNum, 8);
    assert.equal(h.totalPhysicalMemory, 16 * GiB);
    assert.equal(h.totalCpuCapacity, 80, "cpuNum × default cpu ratio 10");
    assert.equal(h.availableMemoryCapacity, 16 * GiB);
    assert.equal(h.password, undefined);
    const events = await t.admin.get(`/v1/events?q=resourceUuid=${h.uuid}&sort=%2BcreateDate`);
    assert.deepEqual(events.body.inventories.map((e: { type: string; newState: string }) => [e.type, e.newState]),
      [["ResourceCreated", "Connecting"], ["ResourceStatusChanged", "Connected"]]);
  });

  it("applies a changed over-provisioning ratio to capacity at once", async () => {
    await t.admin.put("/v1/global-configurations/host/cpu.overProvisioning.ratio/actions", { updateGlobalConfig: { value: "2" } });
    const [h] = (await t.admin.get("/v1/hosts?q=name=sim-1")).body.inventories;
    const cap = await t.admin.get(`/v1/hosts/${h.uuid}/capacity`);
    assert.equal(cap.body.totalCpuCapacity, 16);
    assert.equal(cap.body.availableCpuCapacity, 16);
    await t.admin.put("/v1/global-configurations/host/cpu.overProvisioning.ratio/actions", { updateGlobalConfig: { value: "10" } });
  });

  it("sums capacity per cluster and zone", async () => {
    await addSim("sim-2", 4, 8 * GiB);
    const byCluster = await t.admin.get(`/v1/hosts/capacities/cpu-memory?clusterUuids=${clusterUuid}`);
    assert.equal(byCluster.status, 200);
    assert.deepEqual(byCluster.body, { totalCpu: 120, availableCpu: 120, totalMemory: 24 * GiB, availableMemory: 24 * GiB, managedCpuNum: 12, hostCount: 2 });
    const empty = await t.admin.get(`/v1/hosts/capacities/cpu-memory?clusterUuids=${kvmClusterUuid}`);
    assert.equal(empty.body.hostCount, 0);
    const bad = await t.admin.get("/v1/hosts/capacities/cpu-memory?zoneUuids=nope");
    assert.equal(bad.status, 400);
  });

  it("turns a host whose agent died Disconnected with an event, and Connected again on reconnectHost", async () => {
    const [h] = (await t.admin.get("/v1/hosts?q=name=sim-2")).body.inventories;
    await t.node.services.simulators.crash(h.uuid);
    const down = await eventually(async () => {
      const r = await t.admin.get(`/v1/hosts/${h.uuid}`);
      return r.body.inventories[0].status === "Disconnected" ? r.body.inventories[0] : undefined;
    }, 10_000);
    assert.ok(down, "host became Disconnected");
    assert.match(down.lastConnectError, /ping/);
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${h.uuid}&q=newState=Disconnected`);
    assert.equal(ev.body.inventories[0].oldState, "Connected");

    const r = await settle(t.admin, await t.admin.put(`/v1/hosts/${h.uuid}/actions`, { reconnectHost: {} }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.status, "Connected");
    assert.equal(r.body.inventory.lastConnectError, null);
  });

  it("does not ping a host in Maintenance", async () => {
    const [h] = (await t.admin.get("/v1/hosts?q=name=sim-1")).body.inventories;
    const m = await t.admin.put(`/v1/hosts/${h.uuid}/actions`, { changeHostState: { stateEvent: "maintain" } });
    assert.equal(m.body.inventory.state, "Maintenance");
    await t.node.services.simulators.crash(h.uuid);
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal((await t.admin.get(`/v1/hosts/${h.uuid}`)).body.inventories[0].status, "Connected");
    await t.admin.put(`/v1/hosts/${h.uuid}/actions`, { changeHostState: { stateEvent: "enable" } });
    const down = await eventually(async () => (await t.admin.get(`/v1/hosts/${h.uuid}`)).body.inventories[0].status === "Disconnected", 10_000);
    assert.ok(down, "pinged again once enabled");
    assert.equal((await settle(t.admin, await t.admin.put(`/v1/hosts/${h.uuid}/actions`, { reconnectHost: {} }))).status, 200);
  });

  it("refuses a simulator host in a KVM cluster and bad input, synchronously", async () => {
    const wrong = await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid: kvmClusterUuid, name: "x" } });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.error.code, "SYS.1006");
    const noCluster = await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid: "0".repeat(32), name: "x" } });
    assert.equal(noCluster.status, 404);
    const both = await t.admin.post("/v1/hosts/kvm", { params: { clusterUuid: kvmClusterUuid, name: "k", managementIp: "127.0.0.1", password: "a", privateKey: "b" } });
    assert.equal(both.status, 400);
    assert.match(both.body.error.details, /exactly one of password and privateKey/);
    const badIp = await t.admin.post("/v1/hosts/kvm", { params: { clusterUuid: kvmClusterUuid, name: "k", managementIp: "not an ip!", password: "a" } });
    assert.equal(badIp.status, 400);
    assert.match(badIp.body.error.details, /managementIp/);
  });

  it("exports the host list as CSV without credentials", async () => {
    const r = await t.admin.get("/v1/hosts?format=csv&sort=%2Bname");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /text\/csv/);
    const lines = r.text.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /managementIp/);
    assert.doesNotMatch(r.text, /credentials|secret|password/i);
  });

  it("keeps hosts admin-only: a normal account neither adds nor sees them", async () => {
    await t.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password", type: "Normal" } });
    const tenant = await t.anonymous.login("tenant", "tenant-password");
    const add = await tenant.post("/v1/hosts/simulators", { params: { clusterUuid, name: "mine" } });
    assert.equal(add.status, 403);
    assert.deepEqual((await tenant.get("/v1/hosts")).body.inventories, []);
  });

  it("refuses to delete a cluster that has hosts, then deletes a host and its agent through a job", async () => {
    const refused = await t.admin.delete(`/v1/clusters/${clusterUuid}?deleteMode=Enforcing`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "SYS.1004");
    const [h] = (await t.admin.get("/v1/hosts?q=name=sim-2")).body.inventories;
    const r = await settle(t.admin, await t.admin.delete(`/v1/hosts/${h.uuid}`));
    assert.equal(r.status, 200, r.text);
    assert.equal((await t.admin.get(`/v1/hosts/${h.uuid}`)).status, 404);
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${h.uuid}&q=type=ResourceDeleted`);
    assert.equal(ev.body.inventories.length, 1);
  });

  it("re-adopts simulator hosts after a management-node restart", async () => {
    t = await t.restart();
    const hosts = await eventually(async () => {
      const r = await t.admin.get("/v1/hosts");
      return r.body.inventories.every((h: { status: string }) => h.status === "Connected") ? r.body.inventories : undefined;
    });
    assert.deepEqual(hosts.map((h: { name: string }) => h.name), ["sim-1"]);
  });
});
