import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HybridRig, REGION, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import { ecsNetwork, imageUuid, PASSWORD, pop, ZONE } from "./ecs-helpers.ts";

interface Ecs { uuid: string; ecsInstanceId: string; publicIpAddress: string | null }

describe("Alibaba disks and EIPs through the REST API against the emulator", () => {
  let rig: HybridRig;
  let dc: { uuid: string };
  let zoneUuid: string;
  let ecs: Ecs;

  before(async () => {
    rig = await startHybridRig();
    const part = rig.t.node.services.aliyun.parts.ecs as unknown as Record<"instances" | "disks" | "eips", { wait: { intervalMs: number; maxIntervalMs: number } }>;
    for (const s of [part.instances, part.disks, part.eips]) s.wait = { ...s.wait, intervalMs: 30, maxIntervalMs: 100 };
    dc = await rig.addRegion();
    const net = await ecsNetwork(rig, dc);
    zoneUuid = (await rig.admin.get(`/v1/hybrid/identity-zone?q=zoneId=${ZONE}`)).body.inventories[0].uuid;
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/ecs", {
      params: { name: "db", ecsImageUuid: await imageUuid(rig), ecsVSwitchUuid: net.vswitchUuid, ecsSecurityGroupUuid: net.groupUuid, ecsRootPassword: PASSWORD, instanceType: "ecs.r6.large" },
    }));
    assert.equal(done.status, 200, done.text);
    ecs = done.body.inventory;
  });
  after(async () => { await rig.destroy(); });

  const diskOf = async (uuid: string) => (await rig.admin.get(`/v1/hybrid/aliyun/disk?q=uuid=${uuid}`)).body.inventories[0];

  let disk: { uuid: string; diskId: string };
  it("creates a data disk as a job; it is Available with its size in GiB", async () => {
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/disk", {
      params: { identityUuid: zoneUuid, name: "data-1", sizeWithGB: 40, diskCategory: "cloud_ssd", description: "for the database" },
    }));
    assert.equal(done.status, 200, done.text);
    disk = done.body.inventory;
    assert.equal(done.body.inventory.status, "Available");
    assert.equal(done.body.inventory.sizeWithGB, 40);
    assert.equal(done.body.inventory.diskCategory, "cloud_ssd");
    assert.equal(done.body.inventory.diskType, "data");
    assert.equal(done.body.inventory.identityZoneUuid, zoneUuid);
    const small = await rig.admin.post("/v1/hybrid/aliyun/disk", { params: { identityUuid: zoneUuid, name: "tiny", sizeWithGB: 5 } });
    assert.equal(small.status, 400, small.text);
  });

  it("attaches the disk to the instance, refuses a second attach and a remote delete while attached, then detaches it", async () => {
    const a = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/aliyun/disk/${disk.uuid}/attach`, { params: { ecsUuid: ecs.uuid } }));
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.inventory.status, "In_use");
    assert.equal(a.body.inventory.ecsInstanceUuid, ecs.uuid);
    assert.match(a.body.inventory.deviceInfo, /^\/dev\/xvd[b-z]$/);
    const again = await rig.admin.post(`/v1/hybrid/aliyun/disk/${disk.uuid}/attach`, { params: { ecsUuid: ecs.uuid } });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.error.code, "ALIYUN.IncorrectDiskStatus");
    const del = await rig.admin.delete(`/v1/hybrid/aliyun/disk/${disk.uuid}/remote`);
    assert.equal(del.status, 409, del.text);
    const d = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/aliyun/disk/${disk.uuid}/detach`, { params: {} }));
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.inventory.status, "Available");
    assert.equal(d.body.inventory.ecsInstanceUuid, null);
  });

  it("renames the disk on Alibaba and syncs disks: system disks appear linked to their instance, then nothing changes", async () => {
    const u = await rig.admin.put(`/v1/hybrid/aliyun/disk/${disk.uuid}/actions`, { updateAliyunDisk: { name: "data-renamed" } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.inventory.name, "data-renamed");
    const first = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/aliyun/disk/${zoneUuid}/sync`, { params: {} }));
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.results.AliyunDisk, { created: 1, updated: 0, deleted: 0 });
    const system = (await rig.admin.get(`/v1/hybrid/aliyun/disk?q=diskType=system`)).body.inventories;
    assert.equal(system.length, 1);
    assert.equal(system[0].ecsInstanceUuid, ecs.uuid);
    // A full sync first: the VPC part's rows (free addresses of the VSwitch) changed with the new instance.
    await rig.sync(dc.uuid);
    const second = await rig.sync(dc.uuid);
    for (const [type, r] of Object.entries(second)) assert.deepEqual(r, { created: 0, updated: 0, deleted: 0 }, type);
  });

  it("deletes the disk on Alibaba, and a local delete is undone by the next sync", async () => {
    const d = await rig.admin.delete(`/v1/hybrid/aliyun/disk/${disk.uuid}/remote`);
    assert.equal(d.status, 200, d.text);
    assert.equal(await diskOf(disk.uuid), undefined);
    const remote = await pop(rig).request("DescribeDisks", { RegionId: REGION, DiskIds: JSON.stringify([disk.diskId]) }, { method: "POST" }) as { Disks: { Disk: unknown[] } };
    assert.equal(remote.Disks.Disk.length, 0);
    const system = (await rig.admin.get(`/v1/hybrid/aliyun/disk?q=diskType=system`)).body.inventories[0];
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/disk/${system.uuid}`)).status, 200);
    const r = await rig.sync(dc.uuid);
    assert.deepEqual(r.AliyunDisk, { created: 1, updated: 0, deleted: 0 });
  });

  let eip: { uuid: string; eipId: string; eipAddress: string };
  it("allocates an EIP", async () => {
    const r = await rig.admin.post("/v1/hybrid/eip", { params: { name: "front", bandWidthMb: 5, type: "aliyun", dataCenterUuid: dc.uuid, chargeType: "PayByTraffic" } });
    assert.equal(r.status, 200, r.text);
    eip = r.body.inventory;
    assert.equal(r.body.inventory.status, "Available");
    assert.equal(r.body.inventory.bandWidth, "5");
    assert.equal(r.body.inventory.eipType, "aliyun");
    assert.match(eip.eipAddress, /^47\./);
    const bad = await rig.admin.post("/v1/hybrid/eip", { params: { name: "x", bandWidthMb: 500, type: "aliyun", dataCenterUuid: dc.uuid, chargeType: "PayByTraffic" } });
    assert.equal(bad.status, 400, bad.text);
  });

  it("binds the EIP to the instance, refuses to release it while bound, and unbinds it", async () => {
    const a = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/eip/${eip.uuid}/attach`, { params: { ecsUuid: ecs.uuid, type: "aliyun" } }));
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.inventory.status, "InUse");
    assert.equal(a.body.inventory.allocateResourceUuid, ecs.uuid);
    const inst = (await rig.admin.get(`/v1/hybrid/aliyun/ecs?q=uuid=${ecs.uuid}`)).body.inventories[0];
    assert.equal(inst.publicIpAddress, eip.eipAddress);
    const vm = (await rig.admin.get(`/v1/vm-instances?q=uuid=${ecs.uuid}`)).body.inventories[0];
    assert.equal(vm.providerAttributes.publicIpAddress, eip.eipAddress);
    const sync = await rig.sync(dc.uuid);
    for (const [type, r] of Object.entries(sync)) assert.deepEqual(r, { created: 0, updated: 0, deleted: 0 }, type);
    const release = await rig.admin.delete(`/v1/hybrid/eip/${eip.uuid}/remote?type=aliyun`);
    assert.equal(release.status, 409, release.text);
    assert.equal(release.body.error.code, "ALIYUN.IncorrectEipStatus");
    const d = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/eip/${eip.uuid}/detach`, { params: { type: "aliyun" } }));
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.inventory.status, "Available");
    assert.equal(d.body.inventory.allocateResourceUuid, null);
    const after = (await rig.admin.get(`/v1/hybrid/aliyun/ecs?q=uuid=${ecs.uuid}`)).body.inventories[0];
    assert.equal(after.publicIpAddress, null);
  });

  it("renames the EIP, brings in one allocated on Alibaba, and releases them", async () => {
    const u = await rig.admin.put(`/v1/hybrid/eip/${eip.uuid}/actions`, { updateHybridEip: { name: "front-renamed", type: "aliyun" } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.inventory.name, "front-renamed");
    const made = await pop(rig, "2016-04-28").request("AllocateEipAddress", { RegionId: REGION, Bandwidth: "2", InternetChargeType: "PayByTraffic" }, { method: "POST" }) as { AllocationId: string };
    const s = await settle(rig.admin, await rig.admin.put(`/v1/hybrid/eip/${dc.uuid}/sync`, { syncHybridEipFromRemote: { type: "aliyun" } }));
    assert.equal(s.status, 200, s.text);
    assert.deepEqual(s.body.results.HybridEipAddress, { created: 1, updated: 0, deleted: 0 });
    const other = (await rig.admin.get(`/v1/hybrid/eip?q=eipId=${made.AllocationId}`)).body.inventories[0];
    assert.equal(other.bandWidth, "2");
    assert.equal((await rig.admin.delete(`/v1/hybrid/eip/${other.uuid}?type=aliyun`)).status, 200);
    assert.equal((await rig.admin.delete(`/v1/hybrid/eip/${eip.uuid}/remote`)).status, 400, "type=aliyun is required");
    assert.equal((await rig.admin.delete(`/v1/hybrid/eip/${eip.uuid}/remote?type=aliyun`)).status, 200);
    const remaining = await pop(rig, "2016-04-28").request("DescribeEipAddresses", { RegionId: REGION }, { method: "POST" }) as { EipAddresses: { EipAddress: { AllocationId: string }[] } };
    assert.deepEqual(remaining.EipAddresses.EipAddress.map((e) => e.AllocationId), [made.AllocationId]);
    const r = await rig.sync(dc.uuid);
    assert.deepEqual(r.HybridEipAddress, { created: 1, updated: 0, deleted: 0 });
  });
});
