/**
 * Issue 4: the management node stops after a host is lost but before the HA jobs are created.
 * The database is left as such a crash leaves it (host Disconnected, its VMs Unknown, no HA
 * job) and the lost host stays unreachable. The next node start finds the NeverStop VM and
 * starts it on another host of the cluster; a VM without an HA level stays Unknown.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, testStore, type Reply, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("HA after a management-node restart that missed a host loss", { skip: testStore() === "embedded" && "needs PostgreSQL (DATABASE_URL)" }, () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-ha-sweep-"));
  const ids: Record<string, string> = {};

  const ok = async (r: Promise<Reply>) => {
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status === 202) {
      const s = await settle(t.admin, x, 120_000);
      assert.equal(s.status, 200, s.text);
      return s.body;
    }
    return x.body;
  };
  const vmOf = async (uuid: string) => (await ok(t.admin.get(`/v1/vm-instances/${uuid}`))).inventories[0];

  before(async () => {
    t = await startNode();
    const a = t.admin;
    // No ping loop interferes; HA restarts after 1 s.
    for (const [category, name, value] of [["host", "ping.interval", "3600"], ["ha", "neverStopVm.retryDelay", "1"]]) {
      await ok(a.put(`/v1/global-configurations/${category}/${name}/actions`, { updateGlobalConfig: { value } }));
    }
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    mkdirSync(join(tmp, "smp"));
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (const name of ["sim-a", "sim-b"]) {
      ids[name] = (await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }))).inventory.uuid;
    }
    ids.smp = (await ok(a.post("/v1/primary-storage/smp", { params: { name: "smp", url: join(tmp, "smp"), zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.smp}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.10.10", endIp: "10.253.10.50", netmask: "255.255.255.0", gateway: "10.253.10.1" } }));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    await ok(a.post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
    for (const name of ["never-stop", "plain"]) {
      const vm = (await ok(a.post("/v1/vm-instances", {
        params: { name, instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3], hostUuid: ids["sim-a"] },
      }))).inventory;
      assert.equal(vm.state, "Running");
      ids[name] = vm.uuid;
    }
    await ok(a.post(`/v1/vm-instances/${ids["never-stop"]}/ha-levels`, { params: { level: "NeverStop" } }));
  });
  after(async () => {
    await t?.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("starts the NeverStop VM of the lost host on another host at the next node start", async () => {
    await t.stop();
    // What the node recorded before it died: the host lost, its VMs Unknown, no HA job yet.
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE "Host" SET status = 'Disconnected' WHERE uuid = $1`, [ids["sim-a"]]);
      await db.query(`UPDATE "VmInstance" SET state = 'Unknown' WHERE uuid = ANY($1)`, [[ids["never-stop"], ids.plain]]);
      assert.equal((await db.query(`SELECT count(*)::int AS n FROM "ApiJob" WHERE "jobType" = 'HaStartVmInstance'`)).rows[0].n, 0);
    } finally {
      await db.end();
    }
    // The lost host stays lost: its simulated agent cannot start again (its state directory is a file).
    const agentDir = join(t.dataDir, "simulators", ids["sim-a"]!);
    rmSync(agentDir, { recursive: true, force: true });
    writeFileSync(agentDir, "gone");

    t = await t.restart();
    const hostA = (await ok(t.admin.get(`/v1/hosts/${ids["sim-a"]}`))).inventories[0];
    assert.equal(hostA.status, "Disconnected");

    const moved = await eventually(async () => {
      const vm = await vmOf(ids["never-stop"]!);
      return vm.state === "Running" ? vm : undefined;
    }, 30_000, 200);
    assert.ok(moved, `the NeverStop VM runs again: ${JSON.stringify(await vmOf(ids["never-stop"]!))}`);
    assert.equal(moved.hostUuid, ids["sim-b"], "on the other host of the cluster");

    const plain = await vmOf(ids.plain!);
    assert.equal(plain.state, "Unknown", "a VM without an HA level stays Unknown with its lost host");
    assert.equal(plain.hostUuid, ids["sim-a"]);

    // One HA job, and later sweeps (every heartbeat) add none.
    await new Promise((r) => setTimeout(r, 1_500));
    const jobs = await t.node.services.db.prisma.apiJob.findMany({ where: { jobType: "HaStartVmInstance" } });
    assert.equal(jobs.length, 1, JSON.stringify(jobs.map((j) => [j.state, j.result, j.error])));
    assert.equal(jobs[0]!.state, "Succeeded");
    assert.equal((jobs[0]!.result as { toHostUuid?: string }).toHostUuid, ids["sim-b"]);
  });
});
