/**
 * 100 VM creates at once on simulator hosts whose memory fits only 80 of them: every VM ends
 * Running or its job fails cleanly (no VM left), no IP or MAC is handed out twice, and no host
 * goes past its over-provisioned capacity.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;
const HOSTS = 5;
const VMS = 100;

describe(`${VMS} concurrent VM creates on simulator hosts`, () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-vm-scale-"));
  const ids: Record<string, string> = {};

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

  before(async () => {
    t = await startNode();
    const a = t.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (let i = 0; i < HOSTS; i++) {
      await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name: `sim-${i}`, cpuCapacity: 8, memoryCapacity: 16 * GiB } }));
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
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.0.10", endIp: "10.253.0.250", netmask: "255.255.255.0", gateway: "10.253.0.1" } }));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    await ok(a.post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
  });
  after(async () => {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("ends with every VM Running or cleanly failed, no duplicate IP or MAC, no host over capacity", async () => {
    const accepted = await Promise.all(Array.from({ length: VMS }, (_, i) => t.admin.post("/v1/vm-instances", {
      params: { name: `vm-${i}`, instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] },
    })));
    for (const r of accepted) assert.equal(r.status, 202, r.text);
    const results = await Promise.all(accepted.map((r) => settle(t.admin, r, 300_000)));
    const running = results.filter((r) => r.status === 200);
    const failed = results.filter((r) => r.status !== 200);
    for (const r of running) assert.equal(r.body.inventory.state, "Running");
    for (const f of failed) assert.equal(f.body.error.code, "VM.NO_AVAILABLE_HOST", JSON.stringify(f.body));
    // Memory fits 16 one-GiB VMs per host (ratio 1): 80 in all.
    assert.equal(running.length, HOSTS * 16);

    const vms = (await t.admin.get("/v1/vm-instances")).body.inventories;
    assert.equal(vms.length, running.length, "failed creates leave no VM");
    const ips = vms.map((v: { vmNics: { ip: string }[] }) => v.vmNics[0]!.ip);
    const macs = vms.map((v: { vmNics: { mac: string }[] }) => v.vmNics[0]!.mac);
    assert.equal(new Set(ips).size, ips.length, "no duplicate IP");
    assert.equal(new Set(macs).size, macs.length, "no duplicate MAC");
    const usedByNics = await t.node.services.db.prisma.usedIp.count({ where: { l3NetworkUuid: ids.l3, usedFor: "VmNic" } });
    assert.equal(usedByNics, running.length, "failed creates released their IPs");

    const hosts = await t.node.services.db.prisma.host.findMany();
    for (const h of hosts) {
      assert.ok(h.allocatedMemory <= h.totalPhysicalMemory, `${h.name}: ${h.allocatedMemory} > ${h.totalPhysicalMemory}`);
      const onHost = vms.filter((v: { hostUuid: string }) => v.hostUuid === h.uuid).length;
      assert.equal(Number(h.allocatedMemory), onHost * GiB, `${h.name} accounting matches its VMs`);
    }
  });
});
