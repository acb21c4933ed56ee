import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HybridRig, REGION, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import { ecsNetwork, type EcsNetwork, eventually, imageUuid, PASSWORD, pop } from "./ecs-helpers.ts";

const GiB = 1024 ** 3;

interface Inv { uuid: string; ecsInstanceId: string; ecsStatus: string; [k: string]: unknown }

describe("ECS instances through the REST API against the Alibaba emulator", () => {
  let rig: HybridRig;
  let dc: { uuid: string };
  let net: EcsNetwork;
  let image: string;

  before(async () => {
    rig = await startHybridRig();
    const ecs = rig.t.node.services.aliyun.parts.ecs as unknown as { instances: { wait: { intervalMs: number; maxIntervalMs: number } } };
    ecs.instances.wait = { ...ecs.instances.wait, intervalMs: 50, maxIntervalMs: 200 };
    dc = await rig.addRegion();
    net = await ecsNetwork(rig, dc);
    image = await imageUuid(rig);
  });
  after(async () => { await rig.destroy(); });

  const create = (params: Record<string, unknown>) => rig.admin.post("/v1/hybrid/aliyun/ecs", {
    params: { name: "web", ecsImageUuid: image, ecsVSwitchUuid: net.vswitchUuid, ecsSecurityGroupUuid: net.groupUuid, ecsRootPassword: PASSWORD, ...params },
  });
  const vmOf = async (uuid: string) => (await rig.admin.get(`/v1/vm-instances?q=uuid=${uuid}`)).body.inventories[0];
  const ecsOf = async (uuid: string): Promise<Inv> => (await rig.admin.get(`/v1/hybrid/aliyun/ecs?q=uuid=${uuid}`)).body.inventories[0];

  let web: Inv;
  it("creates an instance as a job; it is Running and listed in /v1/vm-instances with provider Aliyun", async () => {
    const done = await settle(rig.admin, await create({ instanceType: "ecs.g6.large", ecsBandWidth: 5, description: "front end" }));
    assert.equal(done.status, 200, done.text);
    web = done.body.inventory;
    assert.equal(web.ecsStatus, "Running");
    assert.equal(web.cpuCores, 2);
    assert.equal(web.memorySize, 8 * GiB);
    assert.equal(web.ecsInstanceType, "ecs.g6.large");
    assert.equal(web.ecsVSwitchUuid, net.vswitchUuid);
    assert.equal(web.ecsSecurityGroupUuid, net.groupUuid);
    assert.equal(web.ecsImageUuid, image);
    assert.equal(web.chargeType, "PostPaid");
    assert.equal(web.internetChargeType, "PayByTraffic");
    assert.match(String(web.privateIpAddress), /^192\.168\.1\./);
    assert.ok(web.publicIpAddress, "a bandwidth > 0 gives a public address");
    assert.ok(web.ecsRootVolumeId);

    const vm = await vmOf(web.uuid);
    assert.equal(vm.provider, "Aliyun");
    assert.equal(vm.hypervisorType, "Aliyun");
    assert.equal(vm.state, "Running");
    assert.equal(vm.zoneUuid, null);
    assert.equal(vm.cpuNum, 2);
    assert.equal(vm.memorySize, 8 * GiB);
    assert.equal(vm.providerAttributes.ecsInstanceId, web.ecsInstanceId);
    assert.equal(vm.providerAttributes.regionId, REGION);
    assert.equal(vm.providerAttributes.vSwitchId, net.vswitchId);
    assert.equal(vm.providerAttributes.chargeType, "PostPaid");
    const aliyunVms = await rig.admin.get("/v1/vm-instances?q=provider=Aliyun");
    assert.ok(aliyunVms.body.inventories.some((v: { uuid: string }) => v.uuid === web.uuid));
    const kvmVms = await rig.admin.get("/v1/vm-instances?q=provider=KVM");
    assert.ok(!kvmVms.body.inventories.some((v: { uuid: string }) => v.uuid === web.uuid));
    const byRegion = await rig.admin.get(`/v1/vm-instances?q=ecsInstance.regionId=${REGION}`);
    assert.ok(byRegion.body.inventories.some((v: { uuid: string }) => v.uuid === web.uuid), byRegion.text);
  });

  it("maps an instance offering onto the smallest ECS type with its vCPUs and memory", async () => {
    const o = await rig.admin.post("/v1/instance-offerings", { params: { name: "2c4g", cpuNum: 2, memorySize: 4 * GiB } });
    assert.equal(o.status, 200, o.text);
    const done = await settle(rig.admin, await create({ name: "offered", instanceOfferingUuid: o.body.inventory.uuid }));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.inventory.ecsInstanceType, "ecs.c6.large");
    const vm = await vmOf(done.body.inventory.uuid);
    assert.equal(vm.instanceOfferingUuid, o.body.inventory.uuid);
  });

  it("refuses bad input with 4xx before anything is created", async () => {
    const weak = await create({ instanceType: "ecs.g6.large", ecsRootPassword: "password" });
    assert.equal(weak.status, 400, weak.text);
    const both = await create({});
    assert.equal(both.status, 400, both.text);
    const unknownType = await create({ instanceType: "ecs.nothing.large" });
    assert.equal(unknownType.status, 400, unknownType.text);
    const noImage = await create({ instanceType: "ecs.g6.large", ecsImageUuid: "0".repeat(32) });
    assert.equal(noImage.status, 404, noImage.text);
    const tooMany = await create({ instanceType: "ecs.g6.large", amount: 101 });
    assert.equal(tooMany.status, 400, tooMany.text);
    const other = await ecsNetwork(rig, dc, "10.0.0.0/8", "10.1.0.0/24");
    const mismatch = await create({ instanceType: "ecs.g6.large", ecsSecurityGroupUuid: other.groupUuid });
    assert.equal(mismatch.status, 400, mismatch.text);
    assert.match(mismatch.body.error.description, /same VPC/);
    assert.equal((await rig.admin.get("/v1/hybrid/aliyun/ecs")).body.inventories.length, 2, "nothing new was created");
  });

  it("stops, starts and reboots through the hybrid endpoint", async () => {
    const stop = await settle(rig.admin, await rig.admin.put(`/v1/hybrid/aliyun/ecs/${web.uuid}/actions`, { stopEcsInstance: {} }));
    assert.equal(stop.status, 200, stop.text);
    assert.equal(stop.body.inventory.ecsStatus, "Stopped");
    assert.equal((await vmOf(web.uuid)).state, "Stopped");
    const again = await rig.admin.put(`/v1/hybrid/aliyun/ecs/${web.uuid}/actions`, { stopEcsInstance: {} });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.error.code, "ALIYUN.IncorrectInstanceStatus");
    const start = await settle(rig.admin, await rig.admin.put(`/v1/hybrid/aliyun/ecs/${web.uuid}/actions`, { startEcsInstance: {} }));
    assert.equal(start.body.inventory.ecsStatus, "Running", start.text);
    const reboot = await settle(rig.admin, await rig.admin.put(`/v1/hybrid/aliyun/ecs/${web.uuid}/actions`, { rebootEcsInstance: {} }));
    assert.equal(reboot.body.inventory.ecsStatus, "Running", reboot.text);
    assert.equal((await vmOf(web.uuid)).state, "Running");
  });

  it("stops, starts and reboots through PUT /v1/vm-instances/{uuid}/actions, and refuses what ECS cannot do", async () => {
    const stop = await settle(rig.admin, await rig.admin.put(`/v1/vm-instances/${web.uuid}/actions`, { stopVmInstance: {} }));
    assert.equal(stop.status, 200, stop.text);
    assert.equal((await vmOf(web.uuid)).state, "Stopped");
    const start = await settle(rig.admin, await rig.admin.put(`/v1/vm-instances/${web.uuid}/actions`, { startVmInstance: {} }));
    assert.equal(start.status, 200, start.text);
    assert.equal((await vmOf(web.uuid)).state, "Running");
    const reboot = await settle(rig.admin, await rig.admin.put(`/v1/vm-instances/${web.uuid}/actions`, { rebootVmInstance: {} }));
    assert.equal(reboot.status, 200, reboot.text);
    const pause = await rig.admin.put(`/v1/vm-instances/${web.uuid}/actions`, { pauseVmInstance: {} });
    assert.equal(pause.status, 409, pause.text);
    assert.match(pause.body.error.details, /hybrid\/aliyun\/ecs/);
  });

  it("updates name and password, hands out a VNC URL and sets a VNC password", async () => {
    const u = await rig.admin.post(`/v1/hybrid/aliyun/${web.uuid}/ecs`, { params: { name: "web-renamed", password: "Another-Pass-2" } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.inventory.name, "web-renamed");
    assert.equal((await vmOf(web.uuid)).name, "web-renamed");
    const remote = await pop(rig).request("DescribeInstances", { RegionId: REGION, InstanceIds: JSON.stringify([web.ecsInstanceId]) }, { method: "POST" }) as { Instances: { Instance: { InstanceName: string }[] } };
    assert.equal(remote.Instances.Instance[0]!.InstanceName, "web-renamed");
    const vnc = await rig.admin.get(`/v1/hybrid/aliyun/ecs-vnc/${web.uuid}`);
    assert.equal(vnc.status, 200, vnc.text);
    assert.equal(vnc.body.ecsId, web.ecsInstanceId);
    assert.match(vnc.body.vncUrl, /^wss:\/\//);
    assert.equal((await rig.admin.post(`/v1/hybrid/aliyun/${web.uuid}/ecs-vnc`, { params: { password: "abc123" } })).status, 200);
    assert.equal((await rig.admin.post(`/v1/hybrid/aliyun/${web.uuid}/ecs-vnc`, { params: { password: "abc" } })).status, 400);
  });

  it("lists the instance types of an identity zone", async () => {
    const zone = (await rig.admin.get(`/v1/hybrid/identity-zone?q=zoneId=cn-hangzhou-h`)).body.inventories[0];
    const r = await rig.admin.get(`/v1/hybrid/ecs/type?identityZoneUuid=${zone.uuid}`);
    assert.equal(r.status, 200, r.text);
    const g6 = r.body.types.find((t: { typeId: string }) => t.typeId === "ecs.g6.large");
    assert.deepEqual(g6, { typeId: "ecs.g6.large", cpu: 2, memory: 8 * GiB, typeFamily: "ecs.g6", generation: "ecs-6" });
  });

  it("surfaces Alibaba's IncorrectInstanceStatus when deleting a Running instance, and deletes a stopped one", async () => {
    const refused = await rig.admin.delete(`/v1/hybrid/aliyun/ecs/${web.uuid}/remote`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, "ALIYUN.IncorrectInstanceStatus");
    await settle(rig.admin, await rig.admin.put(`/v1/hybrid/aliyun/ecs/${web.uuid}/actions`, { stopEcsInstance: {} }));
    const d = await rig.admin.delete(`/v1/hybrid/aliyun/ecs/${web.uuid}/remote`);
    assert.equal(d.status, 200, d.text);
    assert.equal(await ecsOf(web.uuid), undefined);
    assert.equal(await vmOf(web.uuid), undefined);
    const remote = await pop(rig).request("DescribeInstances", { RegionId: REGION, InstanceIds: JSON.stringify([web.ecsInstanceId]) }, { method: "POST" }) as { Instances: { Instance: unknown[] } };
    assert.equal(remote.Instances.Instance.length, 0);
  });

  it("destroys an ECS VM through DELETE /v1/vm-instances/{uuid}", async () => {
    const offered = (await rig.admin.get("/v1/hybrid/aliyun/ecs?q=name=offered")).body.inventories[0] as Inv;
    await settle(rig.admin, await rig.admin.put(`/v1/vm-instances/${offered.uuid}/actions`, { stopVmInstance: {} }));
    const d = await rig.admin.delete(`/v1/vm-instances/${offered.uuid}`);
    assert.ok(d.status === 200 || d.status === 202, d.text);
    assert.equal(await vmOf(offered.uuid), undefined);
  });

  it("brings in instances made on Alibaba, drops deleted ones, and a second sync changes nothing", async () => {
    const ecs = pop(rig);
    const run = await ecs.request("RunInstances", {
      RegionId: REGION, ImageId: "centos_7_9_x64_20G_alibase_20240628.vhd", InstanceType: "ecs.c6.xlarge", VSwitchId: net.vswitchId,
      SecurityGroupId: net.groupId, InstanceName: "console-made", Amount: 2,
    }, { method: "POST" }) as { InstanceIdSets: { InstanceIdSet: string[] } };
    const ids = run.InstanceIdSets.InstanceIdSet;
    const first = await rig.sync(dc.uuid);
    assert.equal(first.EcsInstance!.created, 2, JSON.stringify(first));
    const listed = (await rig.admin.get("/v1/vm-instances?q=provider=Aliyun&q=name=console-made")).body.inventories as { cpuNum: number; memorySize: number }[];
    assert.equal(listed.length, 2);
    assert.equal(listed[0]!.cpuNum, 4);
    assert.equal(listed[0]!.memorySize, 8 * GiB);
    // Let them reach Running so the next syncs see a stable view.
    await eventually(async () => {
      const r = await ecs.request("DescribeInstances", { RegionId: REGION, InstanceIds: JSON.stringify(ids) }, { method: "POST" }) as { Instances: { Instance: { Status: string }[] } };
      return r.Instances.Instance.every((i) => i.Status === "Running") ? true : undefined;
    });
    await rig.sync(dc.uuid);
    await ecs.request("StopInstance", { InstanceId: ids[0] }, { method: "POST" });
    await eventually(async () => {
      const r = await ecs.request("DescribeInstances", { RegionId: REGION, InstanceIds: JSON.stringify([ids[0]]) }, { method: "POST" }) as { Instances: { Instance: { Status: string }[] } };
      return r.Instances.Instance[0]?.Status === "Stopped" ? true : undefined;
    });
    await ecs.request("DeleteInstance", { InstanceId: ids[0] }, { method: "POST" });
    const gone = (await rig.admin.get(`/v1/hybrid/aliyun/ecs?q=ecsInstanceId=${ids[0]}`)).body.inventories[0] as Inv;
    const second = await rig.sync(dc.uuid);
    assert.equal(second.EcsInstance!.deleted, 1, JSON.stringify(second));
    const events = (await rig.admin.get(`/v1/events?q=resourceUuid=${gone.uuid}`)).body.inventories as { type: string; resourceType: string }[];
    for (const e of ["VmInstance:ResourceCreated", "EcsInstance:ResourceCreated", "VmInstance:ResourceStateChanged", "VmInstance:ResourceDeleted", "EcsInstance:ResourceDeleted"]) {
      assert.ok(events.some((x) => `${x.resourceType}:${x.type}` === e), `${e} in ${JSON.stringify(events)}`);
    }
    assert.equal((await rig.admin.get("/v1/vm-instances?q=name=console-made")).body.inventories.length, 1);
    const third = await rig.sync(dc.uuid);
    for (const [type, r] of Object.entries(third)) assert.deepEqual(r, { created: 0, updated: 0, deleted: 0 }, type);
  });

  it("a local delete forgets the records only, and the next sync brings the instance back", async () => {
    const one = (await rig.admin.get("/v1/hybrid/aliyun/ecs?q=name=console-made")).body.inventories[0] as Inv;
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/ecs/${one.uuid}`)).status, 200);
    assert.equal(await vmOf(one.uuid), undefined);
    const r = await rig.sync(dc.uuid);
    assert.equal(r.EcsInstance!.created, 1);
    const back = (await rig.admin.get("/v1/hybrid/aliyun/ecs?q=name=console-made")).body.inventories as Inv[];
    assert.equal(back[0]!.ecsInstanceId, one.ecsInstanceId);
  });

  it("creates a batch of 20 with 30% throttling on RunInstances: exactly 20, also when the job runs again", async () => {
    // 30% of RunInstances calls throttled, and the first two for sure, so the retry path always runs.
    rig.emulator.faults.configure({
      actions: { RunInstances: { throttlingRate: 0.3 } },
      failNext: [{ action: "RunInstances", count: 2, code: "Throttling", status: 400 }],
    });
    try {
      const before = rig.t.node.services.aliyun.context.remote.stats();
      const accepted = await create({ name: "batch", instanceType: "ecs.t5-lc1m1.small", amount: 20 });
      const done = await settle(rig.admin, accepted, 120_000);
      assert.equal(done.status, 200, done.text);
      assert.equal(done.body.inventories.length, 20);
      const count = async () => {
        const r = await pop(rig).request("DescribeInstances", { RegionId: REGION, InstanceName: "batch*", PageSize: 100 }, { method: "POST" }) as { TotalCount: number };
        return r.TotalCount;
      };
      assert.equal(await count(), 20);
      assert.equal((await rig.admin.get("/v1/vm-instances?q=provider=Aliyun&q=name~=batch%25")).body.inventories.length, 20);
      // The same stored input (same ClientToken) run again — as after a restart — makes nothing new.
      const jobUuid = new URL(accepted.body.location).pathname.split("/").pop()!;
      const prisma = rig.t.node.services.db.prisma;
      const job = await prisma.apiJob.findUniqueOrThrow({ where: { uuid: jobUuid } });
      const stored = job.input as { input: { clientToken: string } };
      assert.match(stored.input.clientToken, /^[0-9a-f-]{36}$/);
      const jobs = rig.t.node.services.jobs;
      const resubmitted = await jobs.submit((job.input as { caller: never }).caller, { apiName: "CreateEcsInstanceFromEcsImage", baseUrl: rig.t.url },
        "aliyun.ecs.create", stored.input);
      const again = await settle(rig.admin, { status: resubmitted.status!, body: resubmitted.body, headers: new Headers(), text: "" }, 120_000);
      assert.equal(again.status, 200, again.text);
      assert.equal(await count(), 20);
      assert.equal((await rig.admin.get("/v1/vm-instances?q=provider=Aliyun&q=name~=batch%25")).body.inventories.length, 20);
      const after = rig.t.node.services.aliyun.context.remote.stats();
      assert.ok(after.retries >= before.retries + 2, "throttled calls were retried");
    } finally {
      rig.emulator.faults.configure({});
    }
  });
});

describe("An ECS create interrupted by a management-node restart", () => {
  let rig: HybridRig;
  before(async () => { rig = await startHybridRig({ transitionMs: 4000 }); });
  // rig.t is the restarted node here, which rig.destroy() would not stop.
  after(async () => {
    await rig.t.destroy();
    await rig.emulator.close();
  });

  it("resumes with the stored ClientToken and gets the same instances back instead of new ones", async () => {
    const dc = await rig.addRegion();
    const net = await ecsNetwork(rig, dc);
    const accepted = await rig.admin.post("/v1/hybrid/aliyun/ecs", {
      params: { name: "durable", ecsImageUuid: await imageUuid(rig), ecsVSwitchUuid: net.vswitchUuid, ecsSecurityGroupUuid: net.groupUuid,
        ecsRootPassword: PASSWORD, instanceType: "ecs.g6.large", amount: 2 },
    });
    assert.equal(accepted.status, 202, accepted.text);
    const remoteIds = async () => {
      const r = await pop(rig).request("DescribeInstances", { RegionId: REGION, PageSize: 100 }, { method: "POST" }) as { Instances: { Instance: { InstanceId: string }[] } };
      return r.Instances.Instance.map((i) => i.InstanceId).sort();
    };
    const made = await eventually(async () => ((await remoteIds()).length === 2 ? remoteIds() : undefined));
    // The instances are still starting on Alibaba while the node goes down; the job row stays Running.
    rig.t = await rig.t.restart();
    rig.admin = rig.t.admin;
    const done = await settle(rig.admin, accepted, 60_000);
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.body.inventories.map((i: Inv) => i.ecsInstanceId).sort(), made);
    assert.ok(done.body.inventories.every((i: Inv) => i.ecsStatus === "Running"));
    assert.deepEqual(await remoteIds(), made, "no second pair of instances");
    assert.equal((await rig.admin.get("/v1/vm-instances?q=provider=Aliyun")).body.inventories.length, 2);
    const jobUuid = (accepted.body.location as string).split("/").pop()!;
    const job = await rig.t.node.services.db.prisma.apiJob.findUniqueOrThrow({ where: { uuid: jobUuid } });
    assert.equal(job.attempts, 2, "run once before the restart and once after");
  });
});
