/**
 * Issue 5's acceptance, through Strata's REST API only, against the running emulator: add an
 * AccessKey and region cn-hangzhou, sync; create a VPC, a VSwitch, a security group with rules
 * and an ECS instance; see it Running in GET /v1/vm-instances next to a local VM; stop, start,
 * delete it; upload a qcow2 image to an ECS custom image through OSS with progress; create an
 * OSS bucket and delete it on Alibaba Cloud; delete a VSwitch locally only and see it still on
 * the emulator. Resources made directly on the emulator (official SDK) appear after a sync,
 * ones deleted there disappear, and a second sync changes nothing.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as $Vpc from "@alicloud/vpc20160428";
import { Config } from "@alicloud/openapi-client";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, type HybridRig, REGION, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import type { Reply } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("Alibaba Cloud part 1 acceptance: one model, one REST API", () => {
  let rig: HybridRig;
  const tmp = mkdtempSync(join(tmpdir(), "strata-hybrid-acceptance-"));
  const ids = {} as Record<"key" | "dc" | "zone" | "ecsImage" | "vpc" | "vswitch" | "vSwitchId" | "group" | "ecs" | "localImage", string>;
  /** The official generated VPC client (ACS3 signatures), as an operator's own scripts use it. */
  let vpcSdk: InstanceType<typeof $Vpc.default.default>;

  const ok = async (p: Promise<Reply>): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await p;
    assert.ok(r.status === 200 || r.status === 202, `${r.status} ${r.text}`);
    if (r.status === 200) return r.body;
    const done = await settle(rig.admin, r, 120_000);
    assert.equal(done.status, 200, done.text);
    return done.body;
  };

  before(async () => {
    rig = await startHybridRig({ transitionMs: 100 });
    vpcSdk = new $Vpc.default.default(new Config({
      accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: new URL(rig.emulator.url).host, protocol: "http", regionId: REGION,
    }) as never);
  });
  after(async () => {
    await rig.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("adds an AccessKey and region cn-hangzhou, and syncs it", async () => {
    ids.key = (await ok(rig.admin.post("/v1/hybrid/aliyun/key", { params: { name: "prod", key: ALIYUN_KEY_ID, secret: ALIYUN_KEY_SECRET } }))).inventory.uuid;
    ids.dc = (await ok(rig.admin.post("/v1/hybrid/data-center", { params: { regionId: REGION, type: "aliyun" } }))).inventory.uuid;
    const synced = await rig.sync(ids.dc);
    assert.ok(synced.IdentityZone!.created >= 2, JSON.stringify(synced));
    const zones = await ok(rig.admin.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${ids.dc}&q=zoneId=cn-hangzhou-h`));
    ids.zone = zones.inventories[0].uuid;
    const images = await ok(rig.admin.get(`/v1/hybrid/aliyun/image?q=dataCenterUuid=${ids.dc}&q=type=system`));
    ids.ecsImage = images.inventories.find((i: { ecsImageId: string }) => i.ecsImageId.startsWith("ubuntu")).uuid;
  });

  it("creates a VPC, a VSwitch and a security group with rules", async () => {
    ids.vpc = (await ok(rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: ids.dc, cidrBlock: "172.20.0.0/16", name: "prod", vRouterName: "prod-router" } }))).inventory.uuid;
    const vswitch = (await ok(rig.admin.post("/v1/hybrid/aliyun/vswitch", { params: { vpcUuid: ids.vpc, identityZoneUuid: ids.zone, cidrBlock: "172.20.1.0/24", name: "web" } }))).inventory;
    ids.vswitch = vswitch.uuid;
    ids.vSwitchId = vswitch.vSwitchId;
    ids.group = (await ok(rig.admin.post("/v1/hybrid/aliyun/security-group/remote", { params: { vpcUuid: ids.vpc, name: "web-sg" } }))).inventory.uuid;
    for (const [protocol, portRange] of [["tcp", "22/22"], ["tcp", "443/443"]]) {
      await ok(rig.admin.post("/v1/hybrid/aliyun/security-group-rule", {
        params: { groupUuid: ids.group, direction: "ingress", protocol, portRange, cidr: "0.0.0.0/0", policy: "accept", priority: 1 },
      }));
    }
    const rules = await ok(rig.admin.get(`/v1/hybrid/aliyun/security-group-rule?q=ecsSecurityGroupUuid=${ids.group}`));
    assert.equal(rules.inventories.length, 2);
  });

  it("creates an ECS instance and lists it Running in /v1/vm-instances next to a local VM", async () => {
    const ecs = (await ok(rig.admin.post("/v1/hybrid/aliyun/ecs", {
      params: { name: "web-1", ecsImageUuid: ids.ecsImage, ecsVSwitchUuid: ids.vswitch, ecsSecurityGroupUuid: ids.group, ecsRootPassword: "Strata-Accept-1", instanceType: "ecs.g6.large" },
    }))).inventory;
    ids.ecs = ecs.uuid;
    assert.equal(ecs.ecsStatus, "Running");

    // A local VM on a simulated KVM host of the private cloud.
    const a = rig.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    const zone = (await ok(a.post("/v1/zones", { params: { name: "dc1" } }))).inventory.uuid;
    const cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: cluster, name: "sim-1", cpuCapacity: 8, memoryCapacity: 16 * GiB } }));
    const ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${cluster}/primary-storage/${ps}`, {}));
    const bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${zone}/backup-storage/${bs}`, {}));
    ids.localImage = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bs] },
    }))).inventory.uuid;
    const offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    const l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${l2}/clusters/${cluster}`, {}));
    const l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.9.10", endIp: "10.253.9.50", netmask: "255.255.255.0", gateway: "10.253.9.1" } }));
    const local = (await ok(a.post("/v1/vm-instances", { params: { name: "local-1", instanceOfferingUuid: offering, imageUuid: ids.localImage, l3NetworkUuids: [l3] } }))).inventory;

    const all = (await ok(a.get("/v1/vm-instances?sort=%2Bname"))).inventories as { uuid: string; name: string; state: string; provider: string; providerAttributes: Record<string, unknown> | null }[];
    const byUuid = new Map(all.map((v) => [v.uuid, v]));
    assert.equal(byUuid.get(local.uuid)?.provider, "KVM");
    assert.equal(byUuid.get(local.uuid)?.state, "Running");
    assert.equal(byUuid.get(local.uuid)?.providerAttributes, null);
    const cloud = byUuid.get(ids.ecs)!;
    assert.equal(cloud.provider, "Aliyun");
    assert.equal(cloud.state, "Running");
    assert.equal(cloud.providerAttributes!.regionId, REGION);
    assert.equal(cloud.providerAttributes!.instanceType, "ecs.g6.large");
    assert.equal(cloud.providerAttributes!.vSwitchId, ids.vSwitchId);
  });

  it("stops, starts and deletes the ECS instance through the VM API", async () => {
    const act = (body: Record<string, unknown>) => ok(rig.admin.put(`/v1/vm-instances/${ids.ecs}/actions`, body));
    assert.equal((await act({ stopVmInstance: {} })).inventory.state, "Stopped");
    assert.equal((await act({ startVmInstance: {} })).inventory.state, "Running");
    const running = await rig.admin.delete(`/v1/vm-instances/${ids.ecs}`);
    assert.equal(running.status, 409, running.text);
    assert.equal(running.body.error.code, "ALIYUN.IncorrectInstanceStatus");
    await act({ stopVmInstance: {} });
    await ok(rig.admin.delete(`/v1/vm-instances/${ids.ecs}`));
    assert.equal((await ok(rig.admin.get(`/v1/vm-instances?q=uuid=${ids.ecs}`))).inventories.length, 0);
  });

  it("uploads the local qcow2 image to an ECS custom image through OSS, with progress", async () => {
    const accepted = await rig.admin.post("/v1/hybrid/aliyun/image", { params: { imageUuid: ids.localImage, dataCenterUuid: ids.dc, name: "tiny-on-ecs" } });
    assert.equal(accepted.status, 202, accepted.text);
    const seen: string[] = [];
    for (let i = 0; i < 600; i++) {
      const p = await ok(rig.admin.get(`/v1/hybrid/aliyun/image/${ids.dc}/${ids.localImage}/progress`));
      if (seen.at(-1) !== `${p.progress.stage} ${p.progress.progress}`) seen.push(`${p.progress.stage} ${p.progress.progress}`);
      if (p.progress.stage === "Available") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = await settle(rig.admin, accepted, 120_000);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.inventory.status, "Available");
    assert.equal(seen.at(-1), "Available 100%", seen.join(" → "));
  });

  it("creates an OSS bucket and deletes it on Alibaba Cloud", async () => {
    const bucket = (await ok(rig.admin.post("/v1/hybrid/aliyun/oss-bucket/remote", { params: { bucketName: "strata-acceptance-logs", dataCenterUuid: ids.dc } }))).inventory;
    const remote = await ok(rig.admin.get(`/v1/hybrid/oss/${ids.dc}/remote`));
    assert.ok(JSON.stringify(remote).includes("strata-acceptance-logs"));
    await ok(rig.admin.delete(`/v1/hybrid/aliyun/oss-bucket/remote/${bucket.uuid}`));
    const after1 = await ok(rig.admin.get(`/v1/hybrid/oss/${ids.dc}/remote`));
    assert.ok(!JSON.stringify(after1).includes("strata-acceptance-logs"));
  });

  it("deletes a VSwitch locally only: it stays on Alibaba Cloud and comes back with a sync", async () => {
    await ok(rig.admin.delete(`/v1/hybrid/aliyun/vswitch/${ids.vswitch}`));
    assert.equal((await ok(rig.admin.get(`/v1/hybrid/aliyun/vswitch?q=vSwitchId=${ids.vSwitchId}`))).inventories.length, 0);
    const remote = await vpcSdk.describeVSwitches(new $Vpc.DescribeVSwitchesRequest({ regionId: REGION, vSwitchId: ids.vSwitchId }));
    assert.equal(remote.body!.vSwitches!.vSwitch!.length, 1, "still present on the emulator");
    await rig.sync(ids.dc);
    assert.equal((await ok(rig.admin.get(`/v1/hybrid/aliyun/vswitch?q=vSwitchId=${ids.vSwitchId}`))).inventories.length, 1);
  });

  it("brings in what the official SDK made on Alibaba's side, drops what it deleted, and a second sync changes nothing", async () => {
    const made = await vpcSdk.createVpc(new $Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: "10.40.0.0/16", vpcName: "made-outside" }));
    const vpcId = made.body!.vpcId!;
    for (let i = 0; i < 100; i++) {
      const d = await vpcSdk.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId }));
      if (d.body!.vpcs!.vpc![0]!.status === "Available") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await rig.sync(ids.dc);
    const found = await ok(rig.admin.get(`/v1/hybrid/aliyun/vpc?q=ecsVpcId=${vpcId}`));
    assert.equal(found.inventories.length, 1);
    assert.equal(found.inventories[0].name, "made-outside");

    await vpcSdk.deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: REGION, vpcId }));
    await rig.sync(ids.dc);
    assert.equal((await ok(rig.admin.get(`/v1/hybrid/aliyun/vpc?q=ecsVpcId=${vpcId}`))).inventories.length, 0);

    const again = await rig.sync(ids.dc);
    for (const [type, r] of Object.entries(again)) assert.deepEqual(r, { created: 0, updated: 0, deleted: 0 }, type);
  });

  it("audits the Alibaba calls and emits events like local ones", async () => {
    const audits = await ok(rig.admin.get("/v1/audits?q=apiName=CreateEcsVpcRemote"));
    assert.ok(audits.inventories.length >= 1, "VPC creation audited");
    const events = await ok(rig.admin.get(`/v1/events?q=resourceUuid=${ids.vpc}`));
    assert.ok(events.inventories.some((e: { type: string }) => e.type === "ResourceCreated"), JSON.stringify(events));
  });
});
