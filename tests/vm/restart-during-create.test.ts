/**
 * A management-node restart in the middle of a VM create: the interrupted job is failed, and
 * everything the create took (host capacity, IP, volumes and their storage capacity) is given
 * back; no VM is left Starting.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { callHostd } from "../../server/hosts/hostd-client.ts";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("management-node restart during a VM create", () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-vm-restart-"));
  const ids: Record<string, string> = {};
  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status !== 202) return x.body;
    const s = await settle(t.admin, x as never, 60_000);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };

  before(async () => {
    t = await startNode();
    const a = t.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    ids.host = (await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name: "sim", cpuCapacity: 8, memoryCapacity: 16 * GiB } }))).inventory.uuid;
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "2c2g", cpuNum: 2, memorySize: 2 * GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.254.0.10", endIp: "10.254.0.20", netmask: "255.255.255.0", gateway: "10.254.0.1" } }));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    await ok(a.post(`/v1/l3-networks/${ids.l3}/network-services`, { networkServices: { [flat.uuid]: ["DHCP"] } }));
  });
  after(async () => {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("fails the interrupted create with SYS.1012 and gives back host capacity, IP and storage", async () => {
    const prisma = () => t.node.services.db.prisma;
    const psBefore = await prisma().localStorageHostRef.findFirstOrThrow({ where: { hostUuid: ids.host } });
    // A slow hypervisor: every change on the simulated host now takes 20 s.
    const host = await prisma().host.findUniqueOrThrow({ where: { uuid: ids.host } });
    const delay = await callHostd(t.node.services.hosts.endpoint(host), "/sim/delay", { minDelayMs: 20_000 });
    assert.equal(delay.success, true);

    const accepted = await t.admin.post("/v1/vm-instances", { params: { name: "slow", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] } });
    assert.equal(accepted.status, 202, accepted.text);
    const vmUuid = (await prisma().vmInstance.findFirstOrThrow()).uuid;
    // Wait until the job holds the host's capacity, then restart the node under it.
    assert.ok(await eventually(async () => (await prisma().host.findUniqueOrThrow({ where: { uuid: ids.host } })).allocatedCpu === 2, 10_000));
    t = await t.restart();

    const result = await settle(t.admin, accepted, 60_000);
    assert.equal(result.status, 503);
    assert.equal(result.body.error.code, "SYS.1012");
    assert.equal((await t.admin.get(`/v1/vm-instances/${vmUuid}`)).status, 404, "no VM left behind");
    const h = await prisma().host.findUniqueOrThrow({ where: { uuid: ids.host } });
    assert.deepEqual([h.allocatedCpu, h.allocatedMemory], [0, 0n], "host capacity given back");
    assert.equal(await prisma().usedIp.count({ where: { l3NetworkUuid: ids.l3, usedFor: "VmNic" } }), 0, "IP released");
    assert.equal(await prisma().volume.count(), 0, "no volume left");
    const psAfter = await prisma().localStorageHostRef.findFirstOrThrow({ where: { hostUuid: ids.host } });
    // The image cache stays (it is shared by later VMs); the root volume's reservation is back.
    const cache = await prisma().imageCache.aggregate({ _sum: { size: true } });
    assert.equal(psAfter.availableCapacity, psBefore.availableCapacity - (cache._sum.size ?? 0n));
  });
});
