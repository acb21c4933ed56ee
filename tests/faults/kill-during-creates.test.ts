/**
 * Issue 9: kill -9 the management node while 100 VM creates run on simulator hosts. After a
 * restart every VM is Running or its create failed cleanly (SYS.1012, nothing left behind), no
 * job stays Running, and no IP, MAC or host capacity leaks.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { settle } from "../support/jobs.ts";
import { Client } from "../support/node.ts";
import { type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres.ts";
import { sparePort } from "../support/sshd.ts";

const GiB = 1024 ** 3;
const HOSTS = 5;
const VMS = 100;
const PASSWORD = "kill-test-admin-password";


// The node runs as its own process on a PostgreSQL of the test's own, whatever store the
// rest of the suite uses (PGlite lives inside the killed process).
describe(`kill -9 of the management node during ${VMS} VM creates`, () => {
  const tmp = mkdtempSync(join(tmpdir(), "strata-kill-"));
  let db: PrivatePostgres;
  let port: number;
  let proc: ChildProcess | undefined;
  let admin: Client;
  const ids: Record<string, string> = {};

  async function startProcess(): Promise<void> {
    proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
      env: { ...process.env, DATABASE_URL: db.url, STRATA_PORT: String(port), STRATA_LISTEN: "127.0.0.1", STRATA_DATA_DIR: join(tmp, "data"),
        STRATA_ADMIN_PASSWORD: PASSWORD, STRATA_LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    admin = await new Client(url).login("admin", PASSWORD);
  }

  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    return x.status === 202 ? (await settle(admin, x as never, 120_000)).body : x.body;
  };

  before(async () => {
    db = await startPrivatePostgres();
    port = await sparePort();
    await startProcess();
    const a = admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (let i = 0; i < HOSTS; i++) {
      await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name: `sim-${i}`, cpuCapacity: 8, memoryCapacity: 32 * GiB } }));
    }
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.4.10", endIp: "10.253.4.250", netmask: "255.255.255.0", gateway: "10.253.4.1" } }));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    await ok(a.post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
  });
  after(async () => {
    proc?.kill("SIGKILL");
    db?.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("leaves every VM Running or cleanly failed, no job Running, no leaked IP, MAC or capacity", async () => {
    const accepted = await Promise.all(Array.from({ length: VMS }, (_, i) => admin.post("/v1/vm-instances", {
      params: { name: `vm-${i}`, instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] },
    })));
    for (const r of accepted) assert.equal(r.status, 202, r.text);
    // Kill while the jobs are in flight: some done, some half-way, some not started.
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    // Up to 60 s: on a loaded machine the first creates take longer than usual to finish.
    for (let i = 0; i < 2400; i++) {
      const done = Number((await sql.query(`SELECT count(*) AS n FROM "ApiJob" WHERE state <> 'Running' AND "apiName" = 'CreateVmInstance'`)).rows[0].n);
      if (done >= 10) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc!.kill("SIGKILL");
    await new Promise((r) => proc!.once("exit", r));
    const runningAtKill = Number((await sql.query(`SELECT count(*) AS n FROM "ApiJob" WHERE state = 'Running'`)).rows[0].n);
    assert.ok(runningAtKill > 0, "the kill caught jobs in flight");

    await startProcess();
    const results = await Promise.all(accepted.map((r) => settle(admin, { ...r, body: { location: `http://127.0.0.1:${port}${new URL(r.body.location).pathname}` } }, 300_000)));
    const running = results.filter((r) => r.status === 200);
    const failed = results.filter((r) => r.status !== 200);
    for (const r of running) assert.equal(r.body.inventory.state, "Running");
    for (const f of failed) assert.equal(f.body.error.code, "SYS.1012", JSON.stringify(f.body));
    assert.ok(running.length > 0 && running.length + failed.length === VMS);

    const stuck = Number((await sql.query(`SELECT count(*) AS n FROM "ApiJob" WHERE state = 'Running'`)).rows[0].n);
    assert.equal(stuck, 0, "no job stays Running");
    const vms = (await admin.get("/v1/vm-instances?limit=1000")).body.inventories as { state: string; hostUuid: string; vmNics: { ip: string; mac: string }[] }[];
    assert.equal(vms.length, running.length, "a failed create leaves no VM");
    assert.ok(vms.every((v) => v.state === "Running"));
    const ips = vms.map((v) => v.vmNics[0]!.ip);
    const macs = vms.map((v) => v.vmNics[0]!.mac);
    assert.equal(new Set(ips).size, ips.length, "no duplicate IP");
    assert.equal(new Set(macs).size, macs.length, "no duplicate MAC");
    const used = Number((await sql.query(`SELECT count(*) AS n FROM "UsedIp" WHERE "l3NetworkUuid" = $1 AND "usedFor" = 'VmNic'`, [ids.l3])).rows[0].n);
    assert.equal(used, running.length, "IPs of failed creates were given back");
    const hosts = (await sql.query(`SELECT uuid, name, "allocatedMemory", "allocatedCpu" FROM "Host"`)).rows as { uuid: string; name: string; allocatedMemory: string; allocatedCpu: number }[];
    for (const h of hosts) {
      const onHost = vms.filter((v) => v.hostUuid === h.uuid).length;
      assert.equal(Number(h.allocatedMemory), onHost * GiB, `${h.name}: memory accounting matches its VMs`);
      assert.equal(h.allocatedCpu, onHost, `${h.name}: CPU accounting matches its VMs`);
    }
    await sql.end();
  });
});
