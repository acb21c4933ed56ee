import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import RPCClient from "@alicloud/pop-core";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, REGION, type HybridRig, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";

type Body = Record<string, unknown>;
type Inv = Record<string, unknown> & { uuid: string };

/** Alibaba's APIs called directly on the emulator, as another Alibaba user (or the console) would. */
function aliyun(url: string, apiVersion: "2016-04-28" | "2014-05-26") {
  const c = new RPCClient({ accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: url, apiVersion });
  return (action: string, params: Body = {}) => c.request(action, { RegionId: REGION, ...params }, { method: "POST" }) as Promise<Body>;
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Alibaba VPCs, VSwitches, route entries and security groups through the REST API", () => {
  let rig: HybridRig;
  let vpcApi: ReturnType<typeof aliyun>;
  let ecsApi: ReturnType<typeof aliyun>;
  let dcUuid: string;
  let zoneUuid: string;
  const list = async (path: string): Promise<Inv[]> => {
    const r = await rig.admin.get(path);
    assert.equal(r.status, 200, r.text);
    return r.body.inventories;
  };

  before(async () => {
    rig = await startHybridRig();
    vpcApi = aliyun(rig.emulator.url, "2016-04-28");
    ecsApi = aliyun(rig.emulator.url, "2014-05-26");
    dcUuid = (await rig.addRegion()).uuid;
    zoneUuid = (await list(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}&q=zoneId=cn-hangzhou-h`))[0]!.uuid;
  });
  after(async () => { await rig.destroy(); });

  let vpc: Inv;
  let vrouter: Inv;
  it("creates a VPC as a job that ends Available, with its VRouter and System route", async () => {
    const accepted = await rig.admin.post("/v1/hybrid/aliyun/vpc", {
      params: { dataCenterUuid: dcUuid, cidrBlock: "192.168.0.0/16", name: "prod", vRouterName: "prod-router", description: "production" },
    });
    assert.equal(accepted.status, 202, accepted.text);
    const done = await settle(rig.admin, accepted);
    assert.equal(done.status, 200, done.text);
    vpc = done.body.inventory;
    assert.equal(vpc.status, "Available");
    assert.equal(vpc.cidrBlock, "192.168.0.0/16");
    assert.match(vpc.ecsVpcId as string, /^vpc-/);
    assert.deepEqual((await list(`/v1/hybrid/aliyun/vpc?q=uuid=${vpc.uuid}`)).map((v) => v.name), ["prod"]);
    const remote = await vpcApi("DescribeVpcs", { VpcId: vpc.ecsVpcId }) as { Vpcs: { Vpc: Body[] } };
    assert.equal(remote.Vpcs.Vpc[0]!.VpcName, "prod");
    vrouter = (await list(`/v1/hybrid/aliyun/vrouter?q=vpcUuid=${vpc.uuid}`))[0]!;
    assert.equal(vrouter.vrId, vpc.vRouterId);
    assert.equal(vrouter.name, "prod-router");
    const routes = await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${vrouter.uuid}`);
    assert.deepEqual(routes.map((e) => [e.destinationCidrBlock, e.type]), [["100.64.0.0/10", "System"]]);
  });

  it("refuses bad VPC CIDR blocks at once with Alibaba's code, creating nothing", async () => {
    const malformed = await rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dcUuid, cidrBlock: "10.0.0.300/8", name: "bad", vRouterName: "bad-router" } });
    assert.equal(malformed.status, 400, malformed.text);
    assert.equal(malformed.body.error.code, "ALIYUN.InvalidCidrBlock.Malformed");
    const publicBlock = await rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dcUuid, cidrBlock: "8.8.0.0/16", name: "bad", vRouterName: "bad-router" } });
    assert.equal(publicBlock.status, 400, publicBlock.text);
    assert.equal(publicBlock.body.error.code, "ALIYUN.InvalidParameter");
    const remote = await vpcApi("DescribeVpcs") as { Vpcs: { Vpc: Body[] } };
    assert.equal(remote.Vpcs.Vpc.length, 1);
  });

  let vswitch: Inv;
  it("creates a VSwitch in an identity zone and refuses overlapping or oversized blocks", async () => {
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/vswitch", {
      params: { vpcUuid: vpc.uuid, identityZoneUuid: zoneUuid, cidrBlock: "192.168.1.0/24", name: "web" },
    }));
    assert.equal(done.status, 200, done.text);
    vswitch = done.body.inventory;
    assert.deepEqual([vswitch.status, vswitch.identityZoneUuid, vswitch.ecsVpcUuid, vswitch.availableIpAddressCount], ["Available", zoneUuid, vpc.uuid, 252]);
    const overlap = await rig.admin.post("/v1/hybrid/aliyun/vswitch", { params: { vpcUuid: vpc.uuid, identityZoneUuid: zoneUuid, cidrBlock: "192.168.1.128/25", name: "web2" } });
    assert.equal(overlap.status, 400, overlap.text);
    assert.equal(overlap.body.error.code, "ALIYUN.InvalidCidrBlock.Overlapped");
    const mask = await rig.admin.post("/v1/hybrid/aliyun/vswitch", { params: { vpcUuid: vpc.uuid, identityZoneUuid: zoneUuid, cidrBlock: "192.168.2.0/30", name: "tiny" } });
    assert.equal(mask.body.error.code, "ALIYUN.InvalidCirdrBlock.MaskLength", mask.text);
    const outside = await rig.admin.post("/v1/hybrid/aliyun/vswitch", { params: { vpcUuid: vpc.uuid, identityZoneUuid: zoneUuid, cidrBlock: "10.1.0.0/24", name: "away" } });
    assert.equal(outside.body.error.code, "ALIYUN.InvalidParameter", outside.text);
    assert.equal((await list(`/v1/hybrid/aliyun/vswitch?q=ecsVpcUuid=${vpc.uuid}`)).length, 1);
  });

  let group: Inv;
  it("creates a security group with rules that Alibaba shows in DescribeSecurityGroupAttribute", async () => {
    const g = await rig.admin.post("/v1/hybrid/aliyun/security-group/remote", { params: { vpcUuid: vpc.uuid, name: "web-sg", description: "web tier" } });
    assert.equal(g.status, 200, g.text);
    group = g.body.inventory;
    const ssh = await rig.admin.post("/v1/hybrid/aliyun/security-group-rule", {
      params: { groupUuid: group.uuid, direction: "ingress", protocol: "tcp", portRange: "22/22", cidr: "0.0.0.0/0", policy: "accept", priority: 1, nictype: "intranet", description: "ssh" },
    });
    assert.equal(ssh.status, 200, ssh.text);
    const out = await rig.admin.post("/v1/hybrid/aliyun/security-group-rule", {
      params: { groupUuid: group.uuid, direction: "egress", protocol: "all", portRange: "-1/-1", cidr: "10.0.0.0/8", policy: "drop", priority: 100 },
    });
    assert.equal(out.status, 200, out.text);
    const attr = await ecsApi("DescribeSecurityGroupAttribute", { SecurityGroupId: group.securityGroupId }) as { Permissions: { Permission: Body[] } };
    assert.deepEqual(attr.Permissions.Permission.map((p) => [p.Direction, p.IpProtocol, p.PortRange, p.SourceCidrIp || p.DestCidrIp, p.Policy, p.Priority]),
      [["ingress", "TCP", "22/22", "0.0.0.0/0", "Accept", "1"], ["egress", "ALL", "-1/-1", "10.0.0.0/8", "Drop", "100"]]);
    assert.equal((await list(`/v1/hybrid/aliyun/security-group-rule?q=ecsSecurityGroupUuid=${group.uuid}`)).length, 2);

    const dup = await rig.admin.post("/v1/hybrid/aliyun/security-group-rule", {
      params: { groupUuid: group.uuid, direction: "ingress", protocol: "tcp", portRange: "22/22", cidr: "0.0.0.0/0" },
    });
    assert.equal(dup.status, 409, dup.text);
    const badPorts = await rig.admin.post("/v1/hybrid/aliyun/security-group-rule", {
      params: { groupUuid: group.uuid, direction: "ingress", protocol: "tcp", portRange: "0/70000", cidr: "0.0.0.0/0" },
    });
    assert.equal(badPorts.status, 400, badPorts.text);
    assert.equal(badPorts.body.error.code, "ALIYUN.InvalidPortRange.Malformed");

    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/security-group-rule/remote/${out.body.inventory.uuid}`)).status, 200);
    const after1 = await ecsApi("DescribeSecurityGroupAttribute", { SecurityGroupId: group.securityGroupId }) as { Permissions: { Permission: Body[] } };
    assert.deepEqual(after1.Permissions.Permission.map((p) => p.Direction), ["ingress"]);
  });

  let instanceId: string;
  it("adds a route entry through an instance and deletes it again on Alibaba", async () => {
    const run = await ecsApi("RunInstances", {
      ImageId: "aliyun_3_x64_20G_alibase_20240819.vhd", InstanceType: "ecs.g6.large", SecurityGroupId: group.securityGroupId, VSwitchId: vswitch.vSwitchId,
    }) as { InstanceIdSets: { InstanceIdSet: string[] } };
    instanceId = run.InstanceIdSets.InstanceIdSet[0]!;
    await until(async () => {
      const r = await ecsApi("DescribeInstances", { InstanceIds: JSON.stringify([instanceId]) }) as { Instances: { Instance: Body[] } };
      return r.Instances.Instance[0]?.Status === "Running" ? true : undefined;
    });
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/route-entry", {
      params: { vRouterUuid: vrouter.uuid, dstCidrBlock: "10.9.0.0/16", nextHopType: "Instance", nextHopId: instanceId, vRouterType: "vrouter" },
    }));
    assert.equal(done.status, 200, done.text);
    const entry = done.body.inventory as Inv;
    assert.deepEqual([entry.status, entry.type, entry.nextHopType, entry.nextHopId], ["Available", "Custom", "Instance", instanceId]);
    const table = vrouter.routeTableId as string;
    const remote = await vpcApi("DescribeRouteEntryList", { RouteTableId: table, DestinationCidrBlock: "10.9.0.0/16" }) as { RouteEntrys: { RouteEntry: Body[] } };
    assert.equal(remote.RouteEntrys.RouteEntry[0]!.RouteEntryId, entry.routeEntryId);

    const dup = await rig.admin.post("/v1/hybrid/aliyun/route-entry", {
      params: { vRouterUuid: vrouter.uuid, dstCidrBlock: "10.9.0.0/16", nextHopType: "Instance", nextHopId: instanceId },
    });
    assert.equal(dup.status, 400, dup.text);
    assert.equal(dup.body.error.code, "ALIYUN.InvalidCIDRBlock.Duplicate");

    const system = (await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${vrouter.uuid}&q=type=System`))[0]!;
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/route-entry/${system.uuid}`)).status, 409);

    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/route-entry/${entry.uuid}`)).status, 200);
    const gone = await vpcApi("DescribeRouteEntryList", { RouteTableId: table, RouteEntryType: "Custom" }) as { RouteEntrys: { RouteEntry: Body[] } };
    assert.equal(gone.RouteEntrys.RouteEntry.length, 0);
    assert.equal((await list(`/v1/hybrid/aliyun/route-entry?q=uuid=${entry.uuid}`)).length, 0);
  });

  it("refuses to delete a VPC that still has a VSwitch with Alibaba's DependencyViolation", async () => {
    const r = await rig.admin.delete(`/v1/hybrid/aliyun/vpc/remote/${vpc.uuid}`);
    assert.equal(r.status, 409, r.text);
    assert.match(r.body.error.code, /^ALIYUN\.DependencyViolation\./);
    assert.equal((await list(`/v1/hybrid/aliyun/vpc?q=uuid=${vpc.uuid}`)).length, 1);
  });

  it("deletes a VSwitch locally only: Alibaba keeps it and a sync brings the record back", async () => {
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/vswitch/${vswitch.uuid}`)).status, 200);
    assert.equal((await list(`/v1/hybrid/aliyun/vswitch?q=ecsVpcUuid=${vpc.uuid}`)).length, 0);
    const remote = await vpcApi("DescribeVSwitches", { VpcId: vpc.ecsVpcId }) as { VSwitches: { VSwitch: Body[] } };
    assert.deepEqual(remote.VSwitches.VSwitch.map((v) => v.VSwitchId), [vswitch.vSwitchId]);
    const results = await rig.sync(dcUuid);
    assert.equal(results.EcsVSwitch!.created, 1);
    const back = await list(`/v1/hybrid/aliyun/vswitch?q=ecsVpcUuid=${vpc.uuid}`);
    assert.deepEqual(back.map((v) => [v.vSwitchId, v.identityZoneUuid, v.name]), [[vswitch.vSwitchId, zoneUuid, "web"]]);
    vswitch = back[0]!;
  });

  it("brings in resources made directly on Alibaba and drops the ones deleted there; a second sync changes nothing", async () => {
    const { VpcId } = await vpcApi("CreateVpc", { CidrBlock: "172.16.0.0/12", VpcName: "console-made" }) as { VpcId: string };
    await until(async () => ((await vpcApi("DescribeVpcs", { VpcId }) as { Vpcs: { Vpc: Body[] } }).Vpcs.Vpc[0]?.Status === "Available" ? true : undefined));
    const { VSwitchId } = await vpcApi("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-i", CidrBlock: "172.16.5.0/24", VSwitchName: "console-vsw" }) as { VSwitchId: string };
    const { SecurityGroupId } = await ecsApi("CreateSecurityGroup", { VpcId, SecurityGroupName: "console-sg" }) as { SecurityGroupId: string };
    await ecsApi("AuthorizeSecurityGroup", { SecurityGroupId, IpProtocol: "TCP", PortRange: "443/443", SourceCidrIp: "0.0.0.0/0" });
    // Settled first, so that the second sync has no status change to pick up.
    await until(async () => ((await vpcApi("DescribeVSwitches", { VSwitchId }) as { VSwitches: { VSwitch: Body[] } }).VSwitches.VSwitch[0]?.Status === "Available" ? true : undefined));

    const first = await rig.sync(dcUuid);
    assert.equal(first.EcsVpc!.created, 1);
    assert.equal(first.VpcVirtualRouter!.created, 1);
    assert.equal(first.EcsVSwitch!.created, 1);
    assert.equal(first.EcsSecurityGroup!.created, 2, "the group and its rule");
    const made = (await list(`/v1/hybrid/aliyun/vpc?q=ecsVpcId=${VpcId}`))[0]!;
    assert.equal(made.name, "console-made");
    assert.equal((await list(`/v1/hybrid/aliyun/vswitch?q=vSwitchId=${VSwitchId}`))[0]!.ecsVpcUuid, made.uuid);
    const sg = (await list(`/v1/hybrid/aliyun/security-group?q=securityGroupId=${SecurityGroupId}`))[0]!;
    const rules = await list(`/v1/hybrid/aliyun/security-group-rule?q=ecsSecurityGroupUuid=${sg.uuid}`);
    assert.deepEqual(rules.map((r) => [r.direction, r.protocol, r.portRange, r.cidrIp, r.policy, r.priority]), [["ingress", "tcp", "443/443", "0.0.0.0/0", "accept", 1]]);

    const second = await rig.sync(dcUuid);
    for (const type of ["EcsVpc", "VpcVirtualRouter", "VpcVirtualRouteEntry", "EcsVSwitch", "EcsSecurityGroup"]) {
      assert.deepEqual(second[type], { created: 0, updated: 0, deleted: 0 }, type);
    }

    await ecsApi("DeleteSecurityGroup", { SecurityGroupId });
    await vpcApi("DeleteVSwitch", { VSwitchId });
    await vpcApi("DeleteVpc", { VpcId });
    const third = await rig.sync(dcUuid);
    assert.equal(third.EcsVpc!.deleted, 1);
    for (const path of [`vpc?q=ecsVpcId=${VpcId}`, `vswitch?q=vSwitchId=${VSwitchId}`, `security-group?q=securityGroupId=${SecurityGroupId}`, `vrouter?q=vpcUuid=${made.uuid}`]) {
      assert.equal((await list(`/v1/hybrid/aliyun/${path}`)).length, 0, path);
    }
    assert.equal((await list(`/v1/hybrid/aliyun/security-group-rule?q=ecsSecurityGroupUuid=${sg.uuid}`)).length, 0);
  });

  it("syncs one VPC's VRouter, route entries and security groups on demand", async () => {
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/vrouter/${vrouter.uuid}`)).status, 200);
    const vr = await rig.admin.put(`/v1/hybrid/aliyun/vrouter/${vpc.uuid}/sync`, { syncAliyunVirtualRouterFromRemote: {} });
    assert.equal(vr.status, 200, vr.text);
    vrouter = vr.body.inventories[0];
    assert.equal(vrouter.vrId, vpc.vRouterId);
    const entries = await rig.admin.put(`/v1/hybrid/aliyun/route-entry/${vrouter.uuid}/sync`, {});
    assert.equal(entries.status, 200, entries.text);
    assert.deepEqual(entries.body.inventories.map((e: Inv) => e.destinationCidrBlock).sort(), ["100.64.0.0/10", "192.168.1.0/24"]);
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/security-group/${group.uuid}`)).status, 200);
    const groups = await rig.admin.put(`/v1/hybrid/aliyun/security-group/${vpc.uuid}/sync`, { syncEcsSecurityGroupFromRemote: {} });
    assert.equal(groups.status, 200, groups.text);
    assert.deepEqual(groups.body.inventories.map((g: Inv) => g.securityGroupId), [group.securityGroupId]);
    group = groups.body.inventories[0];
    const rules = await rig.admin.put(`/v1/hybrid/aliyun/security-group-rule/${group.uuid}/sync`, {});
    assert.deepEqual(rules.body.inventories.map((r: Inv) => r.portRange), ["22/22"]);
  });

  it("renames a VPC on Alibaba and locally", async () => {
    const r = await rig.admin.put(`/v1/hybrid/aliyun/vpc/${vpc.uuid}/actions`, { updateEcsVpc: { name: "prod-2", description: "renamed" } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.name, "prod-2");
    const remote = await vpcApi("DescribeVpcs", { VpcId: vpc.ecsVpcId }) as { Vpcs: { Vpc: Body[] } };
    assert.deepEqual([remote.Vpcs.Vpc[0]!.VpcName, remote.Vpcs.Vpc[0]!.Description], ["prod-2", "renamed"]);
  });

  it("renames a VSwitch and a security group on Alibaba and locally", async () => {
    const v = await rig.admin.put(`/v1/hybrid/aliyun/vswitch/${vswitch.uuid}/actions`, { updateEcsVSwitch: { name: "web-tier" } });
    assert.equal(v.status, 200, v.text);
    const remote = await vpcApi("DescribeVSwitches", { VSwitchId: vswitch.vSwitchId }) as { VSwitches: { VSwitch: Body[] } };
    assert.equal(remote.VSwitches.VSwitch[0]!.VSwitchName, "web-tier");
    const g = await rig.admin.put(`/v1/hybrid/aliyun/security-group/${group.uuid}/actions`, { updateEcsSecurityGroup: { description: "ssh only" } });
    assert.equal(g.status, 200, g.text);
    const attr = await ecsApi("DescribeSecurityGroupAttribute", { SecurityGroupId: group.securityGroupId }) as Body;
    assert.equal(attr.Description, "ssh only");
  });

  it("shows another account none of these records and lets it delete none", async () => {
    assert.equal((await rig.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password" } })).status, 200);
    const tenant = await rig.t.anonymous.login("tenant", "tenant-password");
    for (const path of ["vpc", "vswitch", "vrouter", "route-entry", "security-group", "security-group-rule"]) {
      const r = await tenant.get(`/v1/hybrid/aliyun/${path}`);
      assert.deepEqual([r.status, r.body.inventories?.length], [200, 0], path);
    }
    const del = await tenant.delete(`/v1/hybrid/aliyun/vpc/remote/${vpc.uuid}`);
    assert.equal(del.status, 404, del.text);
    assert.equal(del.body.error.code, "SYS.1003");
  });

  it("deletes the security group, VSwitch and VPC on Alibaba Cloud", async () => {
    await ecsApi("DeleteInstance", { InstanceId: instanceId, Force: true });
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/security-group/remote/${group.uuid}`)).status, 200);
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/vswitch/remote/${vswitch.uuid}`)).status, 200);
    const r = await rig.admin.delete(`/v1/hybrid/aliyun/vpc/remote/${vpc.uuid}`);
    assert.equal(r.status, 200, r.text);
    const remote = await vpcApi("DescribeVpcs", { VpcId: vpc.ecsVpcId }) as { Vpcs: { Vpc: Body[] } };
    assert.equal(remote.Vpcs.Vpc.length, 0);
    for (const path of ["vpc", "vswitch", "security-group", "vrouter", "route-entry"]) {
      assert.equal((await list(`/v1/hybrid/aliyun/${path}?q=dataCenterUuid=${dcUuid}`)).length, 0, path);
    }
  });
});

describe("A VPC create interrupted by a management-node restart", () => {
  let rig: HybridRig;
  before(async () => { rig = await startHybridRig({ transitionMs: 6000 }); });
  // rig.t is the restarted node here, which rig.destroy() would not stop.
  after(async () => {
    await rig.t.destroy();
    await rig.emulator.close();
  });

  it("resumes after the restart and finds the VPC it made instead of making a second one", async () => {
    const dcUuid = (await rig.addRegion()).uuid;
    const vpcApi = aliyun(rig.emulator.url, "2016-04-28");
    const accepted = await rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dcUuid, cidrBlock: "10.0.0.0/8", name: "durable", vRouterName: "durable-vr" } });
    assert.equal(accepted.status, 202, accepted.text);
    await until(async () => ((await vpcApi("DescribeVpcs") as { Vpcs: { Vpc: Body[] } }).Vpcs.Vpc.length === 1 ? true : undefined));
    // The VPC is Pending on Alibaba while the node goes down; the job row stays Running.
    rig.t = await rig.t.restart();
    rig.admin = rig.t.admin;
    const done = await settle(rig.admin, accepted);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.inventory.status, "Available");
    const remote = await vpcApi("DescribeVpcs") as { Vpcs: { Vpc: Body[] } };
    assert.deepEqual(remote.Vpcs.Vpc.map((v) => v.VpcId), [done.body.inventory.ecsVpcId]);
    const local = await rig.admin.get(`/v1/hybrid/aliyun/vpc?q=dataCenterUuid=${dcUuid}`);
    assert.equal(local.body.inventories.length, 1);
    const jobUuid = (accepted.body.location as string).split("/").pop()!;
    const job = await rig.t.node.services.db.prisma.apiJob.findUniqueOrThrow({ where: { uuid: jobUuid } });
    assert.equal(job.attempts, 2, "run once before the restart and once after");
  });
});
