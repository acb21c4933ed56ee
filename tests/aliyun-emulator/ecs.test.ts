// The emulator's ECS 2014-05-26 product through the real clients: instances and their status
// moves, paging, ClientToken idempotency, security groups, disks, images imported from OSS,
// EIPs from the VPC product, and state that survives a restart.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";
import {
  $Ecs, ACCOUNT_ID, ecs, eventually, failure, IMAGE, KEY_ID, KEY_SECRET, launchTarget, pop, REGION, reach, start, statusOf, type Body,
} from "./harness.ts";

/** The slice of ali-oss (untyped) the image import test uses. */
interface OssClient {
  putBucket(name: string): Promise<unknown>;
  useBucket(name: string): void;
  put(name: string, body: Buffer): Promise<unknown>;
}
const OSS = createRequire(import.meta.url)("ali-oss") as new (opts: Record<string, unknown>) => OssClient;

type Target = Awaited<ReturnType<typeof launchTarget>>;

function runParams(t: Target, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { RegionId: REGION, ImageId: IMAGE, InstanceType: "ecs.g6.large", SecurityGroupId: t.securityGroupId, VSwitchId: t.vswitchId, ...extra };
}

async function run(url: string, t: Target, extra: Record<string, unknown> = {}): Promise<string[]> {
  const r = await pop(url).request("RunInstances", runParams(t, extra)) as { InstanceIdSets: { InstanceIdSet: string[] } };
  return r.InstanceIdSets.InstanceIdSet;
}

async function describe1(url: string, instanceId: string): Promise<Body> {
  const r = await pop(url).request("DescribeInstances", { RegionId: REGION, InstanceIds: JSON.stringify([instanceId]) }) as { Instances: { Instance: Body[] } };
  return r.Instances.Instance[0]!;
}

describe("Aliyun emulator ECS: instances", () => {
  let emu: RunningEmulator;
  let t: Target;
  before(async () => {
    emu = await start();
    t = await launchTarget(emu.url);
  });
  after(() => emu.close());

  it("runs instances through the generated SDK: Pending, then Running, with IP, disks and tags", async () => {
    const client = ecs(emu.url);
    const r = await client.runInstances(new $Ecs.RunInstancesRequest({
      regionId: REGION, imageId: IMAGE, instanceType: "ecs.g6.large", securityGroupId: t.securityGroupId, vSwitchId: t.vswitchId,
      amount: 2, instanceName: "web", uniqueSuffix: true, internetMaxBandwidthOut: 5, password: "Passw0rd!x",
      systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ category: "cloud_essd", size: 50 }),
      dataDisk: [new $Ecs.RunInstancesRequestDataDisk({ category: "cloud_essd", size: 100 })],
      tag: [new $Ecs.RunInstancesRequestTag({ key: "env", value: "test" })],
    }));
    const ids = r.body!.instanceIdSets!.instanceIdSet!;
    assert.equal(ids.length, 2);
    assert.match(ids[0]!, /^i-[0-9a-z]{20}$/);
    assert.ok(["Pending", "Starting"].includes((await statusOf(emu.url, ids[0]!))!));
    await reach(emu.url, ids[0]!, "Running");

    const d = await client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify(ids) }));
    const [a, b] = d.body!.instances!.instance!;
    assert.equal(a!.instanceName, "web001");
    assert.equal(b!.instanceName, "web002");
    assert.equal(a!.cpu, 2);
    assert.equal(a!.memory, 8192);
    assert.equal(a!.zoneId, "cn-hangzhou-h");
    assert.equal(a!.vpcAttributes!.vpcId, t.vpcId);
    assert.equal(a!.vpcAttributes!.vSwitchId, t.vswitchId);
    assert.match(a!.vpcAttributes!.privateIpAddress!.ipAddress![0]!, /^192\.168\.1\.\d+$/);
    assert.notEqual(a!.vpcAttributes!.privateIpAddress!.ipAddress![0], b!.vpcAttributes!.privateIpAddress!.ipAddress![0]);
    assert.equal(a!.publicIpAddress!.ipAddress!.length, 1);
    assert.deepEqual(a!.securityGroupIds!.securityGroupId, [t.securityGroupId]);
    assert.deepEqual(a!.tags!.tag!.map((x) => [x.tagKey, x.tagValue]), [["env", "test"]]);
    assert.equal(a!.OSType, "linux");
    assert.equal(JSON.stringify(d.body).includes("Passw0rd"), false, "the password is never shown");

    const disks = await client.describeDisks(new $Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: ids[0] }));
    assert.deepEqual(disks.body!.disks!.disk!.map((x) => [x.type, x.category, x.size, x.device, x.status]).sort(),
      [["data", "cloud_essd", 100, "/dev/xvdb", "In_use"], ["system", "cloud_essd", 50, "/dev/xvda", "In_use"]]);
  });

  it("takes a VSwitch's free addresses off the VPC product's AvailableIpAddressCount", async () => {
    const vpc = pop(emu.url, { apiVersion: "2016-04-28" });
    const count = async () => ((await vpc.request("DescribeVSwitches", { RegionId: REGION, VSwitchId: t.vswitchId })) as { VSwitches: { VSwitch: { AvailableIpAddressCount: number }[] } }).VSwitches.VSwitch[0]!.AvailableIpAddressCount;
    const before = await count();
    await run(emu.url, t);
    assert.equal(await count(), before - 1);
  });

  it("refuses to delete a Running instance with IncorrectInstanceStatus 403, and deletes it with Force", async () => {
    const [id] = await run(emu.url, t);
    await reach(emu.url, id!, "Running");
    const err = await failure(ecs(emu.url).deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id })));
    assert.equal(err.code, "IncorrectInstanceStatus");
    assert.equal(err.statusCode, 403);
    await pop(emu.url).request("DeleteInstance", { InstanceId: id, Force: true });
    assert.equal(await statusOf(emu.url, id!), undefined);
    const disks = await pop(emu.url).request("DescribeDisks", { RegionId: REGION, InstanceId: id }) as { TotalCount: number };
    assert.equal(disks.TotalCount, 0, "the system disk goes with the instance");
  });

  it("stops, starts, reboots and deletes an instance through its statuses", async () => {
    const [id] = await run(emu.url, t);
    await reach(emu.url, id!, "Running");
    const client = pop(emu.url);
    assert.equal((await failure(client.request("StartInstance", { InstanceId: id }))).code, "IncorrectInstanceStatus");
    await client.request("StopInstance", { InstanceId: id });
    assert.equal(await statusOf(emu.url, id!), "Stopping");
    await reach(emu.url, id!, "Stopped");
    await client.request("StartInstance", { InstanceId: id });
    assert.equal(await statusOf(emu.url, id!), "Starting");
    await reach(emu.url, id!, "Running");
    await client.request("RebootInstance", { InstanceId: id });
    await reach(emu.url, id!, "Running");
    await client.request("StopInstance", { InstanceId: id, ForceStop: true });
    await reach(emu.url, id!, "Stopped");
    await client.request("DeleteInstance", { InstanceId: id });
    assert.equal((await failure(client.request("StartInstance", { InstanceId: id }))).code, "InvalidInstanceId.NotFound");
  });

  it("creates a Stopped instance with CreateInstance and changes its attributes", async () => {
    const r = await pop(emu.url).request("CreateInstance", runParams(t, { InstanceName: "db", HostName: "db-1" })) as { InstanceId: string };
    await reach(emu.url, r.InstanceId, "Stopped");
    await pop(emu.url).request("ModifyInstanceAttribute", { InstanceId: r.InstanceId, InstanceName: "db-primary", Description: "primary database", HostName: "db-primary" });
    const i = await describe1(emu.url, r.InstanceId);
    assert.deepEqual([i.InstanceName, i.Description, i.HostName], ["db-primary", "primary database", "db-primary"]);
    const bad = await failure(pop(emu.url).request("ModifyInstanceAttribute", { InstanceId: r.InstanceId, Password: "short" }));
    assert.equal(bad.code, "InvalidPassword.Malformed");
  });

  it("gives a VNC URL for a Running instance only and checks VNC passwords", async () => {
    const [id] = await run(emu.url, t);
    assert.equal((await failure(pop(emu.url).request("DescribeInstanceVncUrl", { RegionId: REGION, InstanceId: id }))).code, "IncorrectInstanceStatus");
    await reach(emu.url, id!, "Running");
    const r = await ecs(emu.url).describeInstanceVncUrl(new $Ecs.DescribeInstanceVncUrlRequest({ regionId: REGION, instanceId: id }));
    assert.match(r.body!.vncUrl!, /^wss:\/\/g-vnc\.ecs\.aliyun\.com\/\?s=/);
    await pop(emu.url).request("ModifyInstanceVncPasswd", { RegionId: REGION, InstanceId: id, VncPassword: "abc123" });
    assert.equal((await failure(pop(emu.url).request("ModifyInstanceVncPasswd", { RegionId: REGION, InstanceId: id, VncPassword: "abc" }))).code, "InvalidVncPassword.Malformed");
  });

  it("validates the launch: image, instance type, VSwitch and security group", async () => {
    const client = pop(emu.url);
    assert.equal((await failure(client.request("RunInstances", runParams(t, { ImageId: "m-doesnotexist" })))).code, "InvalidImageId.NotFound");
    assert.equal((await failure(client.request("RunInstances", runParams(t, { InstanceType: "ecs.huge.none" })))).code, "InvalidInstanceType.ValueNotSupported");
    assert.equal((await failure(client.request("RunInstances", runParams(t, { VSwitchId: "vsw-missing" })))).code, "InvalidVSwitchId.NotFound");
    assert.equal((await failure(client.request("RunInstances", runParams(t, { SecurityGroupId: "sg-missing" })))).code, "InvalidSecurityGroupId.NotFound");
    assert.equal((await failure(client.request("RunInstances", runParams(t, { Amount: 101 })))).code, "InvalidParameter");
    // A security group of another VPC cannot guard an instance of this one.
    const other = await launchTarget(emu.url);
    const err = await failure(client.request("RunInstances", runParams(t, { SecurityGroupId: other.securityGroupId })));
    assert.equal(err.code, "InvalidSecurityGroupId.VPCMismatch");
  });
});

describe("Aliyun emulator ECS: paging and idempotency", () => {
  let emu: RunningEmulator;
  let t: Target;
  let ids: string[];
  before(async () => {
    emu = await start();
    t = await launchTarget(emu.url);
    ids = await run(emu.url, t, { Amount: 25 });
  });
  after(() => emu.close());

  it("pages DescribeInstances with PageNumber/PageSize", async () => {
    const client = pop(emu.url);
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await client.request("DescribeInstances", { RegionId: REGION, PageNumber: page, PageSize: 10 }) as { TotalCount: number; PageNumber: number; PageSize: number; Instances: { Instance: Body[] } };
      assert.equal(r.TotalCount, 25);
      assert.equal(r.PageNumber, page);
      assert.equal(r.PageSize, 10);
      seen.push(...r.Instances.Instance.map((i) => String(i.InstanceId)));
    }
    assert.deepEqual(seen, ids);
    assert.equal((await failure(client.request("DescribeInstances", { RegionId: REGION, PageSize: 101 }))).code, "InvalidParameter");
  });

  it("pages DescribeInstances with NextToken/MaxResults through the generated SDK", async () => {
    const client = ecs(emu.url);
    const seen: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const r = await client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, maxResults: 8, nextToken: token }));
      seen.push(...r.body!.instances!.instance!.map((i) => i.instanceId!));
      token = r.body!.nextToken || undefined;
      calls++;
    } while (token);
    assert.equal(calls, 4);
    assert.deepEqual(seen, ids);
  });

  it("filters DescribeInstances by status, VSwitch, name wildcard and tag", async () => {
    await pop(emu.url).request("RunInstances", runParams(t, { InstanceName: "batch-x", Tag: [{ Key: "team", Value: "blue" }] }));
    const byName = await pop(emu.url).request("DescribeInstances", { RegionId: REGION, InstanceName: "batch-*" }) as { TotalCount: number };
    assert.equal(byName.TotalCount, 1);
    const byTag = await pop(emu.url).request("DescribeInstances", { RegionId: REGION, Tag: [{ Key: "team", Value: "blue" }] }) as { TotalCount: number };
    assert.equal(byTag.TotalCount, 1);
    const byVSwitch = await pop(emu.url).request("DescribeInstances", { RegionId: REGION, VSwitchId: t.vswitchId, PageSize: 100 }) as { TotalCount: number };
    assert.equal(byVSwitch.TotalCount, 26);
    const none = await pop(emu.url).request("DescribeInstances", { RegionId: REGION, Status: "Stopped" }) as { TotalCount: number };
    assert.equal(none.TotalCount, 0);
  });

  it("returns the same instances for a repeated ClientToken, and IdempotentParameterMismatch for other params", async () => {
    const first = await run(emu.url, t, { ClientToken: "token-run-1", Amount: 2 });
    const again = await run(emu.url, t, { ClientToken: "token-run-1", Amount: 2 });
    assert.deepEqual(again, first);
    const count = await pop(emu.url).request("DescribeInstances", { RegionId: REGION, InstanceName: "*" }) as { TotalCount: number };
    assert.equal(count.TotalCount, 28, "the retry created nothing");
    const err = await failure(pop(emu.url).request("RunInstances", runParams(t, { ClientToken: "token-run-1", Amount: 3 })));
    assert.equal(err.code, "IdempotentParameterMismatch");
  });

  it("shows the statuses of instances with DescribeInstanceStatus", async () => {
    const r = await pop(emu.url).request("DescribeInstanceStatus", { RegionId: REGION, PageSize: 50 }) as { TotalCount: number; InstanceStatuses: { InstanceStatus: Body[] } };
    assert.equal(r.TotalCount, 28);
    assert.deepEqual(Object.keys(r.InstanceStatuses.InstanceStatus[0]!).sort(), ["InstanceId", "Status"]);
  });
});

describe("Aliyun emulator ECS: security groups, disks and EIPs", () => {
  let emu: RunningEmulator;
  let t: Target;
  before(async () => {
    emu = await start();
    t = await launchTarget(emu.url);
  });
  after(() => emu.close());

  it("authorizes and revokes ingress and egress rules in both parameter forms", async () => {
    const client = pop(emu.url);
    const sg = t.securityGroupId;
    await client.request("AuthorizeSecurityGroup", { RegionId: REGION, SecurityGroupId: sg, IpProtocol: "tcp", PortRange: "22/22", SourceCidrIp: "0.0.0.0/0", Priority: 10 });
    await client.request("AuthorizeSecurityGroup", { RegionId: REGION, SecurityGroupId: sg, IpProtocol: "tcp", PortRange: "22/22", SourceCidrIp: "0.0.0.0/0", Priority: 10 });
    await client.request("AuthorizeSecurityGroup", { RegionId: REGION, SecurityGroupId: sg, Permissions: [{ IpProtocol: "TCP", PortRange: "443/443", SourceCidrIp: "10.0.0.0/8" }, { IpProtocol: "ICMP", SourceCidrIp: "10.0.0.0/8", Policy: "drop" }] });
    await client.request("AuthorizeSecurityGroupEgress", { RegionId: REGION, SecurityGroupId: sg, IpProtocol: "all", PortRange: "-1/-1", DestCidrIp: "0.0.0.0/0" });
    const attr = await ecs(emu.url).describeSecurityGroupAttribute(new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: REGION, securityGroupId: sg }));
    const rules = attr.body!.permissions!.permission!.map((p) => [p.direction, p.ipProtocol, p.portRange, p.sourceCidrIp || p.destCidrIp, p.policy, p.priority]);
    assert.deepEqual(rules, [
      ["ingress", "TCP", "443/443", "10.0.0.0/8", "Accept", "1"],
      ["ingress", "ICMP", "-1/-1", "10.0.0.0/8", "Drop", "1"],
      ["egress", "ALL", "-1/-1", "0.0.0.0/0", "Accept", "1"],
      ["ingress", "TCP", "22/22", "0.0.0.0/0", "Accept", "10"],
    ]);
    assert.equal((await failure(client.request("AuthorizeSecurityGroup", { RegionId: REGION, SecurityGroupId: sg, IpProtocol: "tcp", PortRange: "0/99999", SourceCidrIp: "0.0.0.0/0" }))).code, "InvalidPortRange.Malformed");
    await client.request("RevokeSecurityGroup", { RegionId: REGION, SecurityGroupId: sg, IpProtocol: "tcp", PortRange: "22/22", SourceCidrIp: "0.0.0.0/0", Priority: 10 });
    const after = await client.request("DescribeSecurityGroupAttribute", { RegionId: REGION, SecurityGroupId: sg, Direction: "ingress" }) as { Permissions: { Permission: Body[] } };
    assert.equal(after.Permissions.Permission.length, 2);
    const groups = await client.request("DescribeSecurityGroups", { RegionId: REGION, VpcId: t.vpcId }) as { SecurityGroups: { SecurityGroup: Body[] } };
    assert.equal(groups.SecurityGroups.SecurityGroup[0]!.RuleCount, 3);
  });

  it("refuses to delete a security group in use with DependencyViolation", async () => {
    const { SecurityGroupId } = await pop(emu.url).request("CreateSecurityGroup", { RegionId: REGION, VpcId: t.vpcId }) as { SecurityGroupId: string };
    const [id] = await run(emu.url, { ...t, securityGroupId: SecurityGroupId });
    assert.equal((await failure(pop(emu.url).request("DeleteSecurityGroup", { RegionId: REGION, SecurityGroupId }))).code, "DependencyViolation");
    await reach(emu.url, id!, "Running");
    await pop(emu.url).request("DeleteInstance", { InstanceId: id, Force: true });
    await pop(emu.url).request("DeleteSecurityGroup", { RegionId: REGION, SecurityGroupId });
    assert.equal((await failure(pop(emu.url).request("DescribeSecurityGroupAttribute", { RegionId: REGION, SecurityGroupId }))).code, "InvalidSecurityGroupId.NotFound");
  });

  it("creates, attaches, detaches and deletes a data disk through its statuses", async () => {
    const client = pop(emu.url);
    const [id] = await run(emu.url, t);
    const { DiskId } = await client.request("CreateDisk", { RegionId: REGION, ZoneId: "cn-hangzhou-h", Size: 200, DiskCategory: "cloud_essd", DiskName: "data-1" }) as { DiskId: string };
    assert.match(DiskId, /^d-/);
    const disk = async () => ((await client.request("DescribeDisks", { RegionId: REGION, DiskIds: JSON.stringify([DiskId]) })) as { Disks: { Disk: Body[] } }).Disks.Disk[0]!;
    const until = (status: string) => eventually(async () => ((await disk()).Status === status ? true : undefined));
    await until("Available");
    assert.equal((await failure(client.request("AttachDisk", { InstanceId: id, DiskId }))).code, "IncorrectInstanceStatus", "not while the instance is Pending");
    await reach(emu.url, id!, "Running");
    await client.request("AttachDisk", { InstanceId: id, DiskId });
    assert.equal((await disk()).Status, "Attaching");
    await until("In_use");
    assert.deepEqual([(await disk()).InstanceId, (await disk()).Device], [id, "/dev/xvdb"]);
    const busy = await failure(client.request("DeleteDisk", { DiskId }));
    assert.equal(busy.code, "IncorrectDiskStatus");
    await client.request("DetachDisk", { InstanceId: id, DiskId });
    await until("Available");
    await client.request("ModifyDiskAttribute", { DiskId, DiskName: "data-renamed" });
    assert.equal((await disk()).DiskName, "data-renamed");
    await client.request("DeleteDisk", { DiskId });
    assert.equal((await failure(client.request("DeleteDisk", { DiskId }))).code, "InvalidDiskId.NotFound");
  });

  it("shows an EIP associated through the VPC API in DescribeInstances", async () => {
    const [id] = await run(emu.url, t);
    await reach(emu.url, id!, "Running");
    const vpc = pop(emu.url, { apiVersion: "2016-04-28" });
    const eip = await vpc.request("AllocateEipAddress", { RegionId: REGION, Bandwidth: "5" }) as { AllocationId: string; EipAddress: string };
    await eventually(async () => {
      const r = await vpc.request("DescribeEipAddresses", { RegionId: REGION, AllocationId: eip.AllocationId }) as { EipAddresses: { EipAddress: Body[] } };
      return r.EipAddresses.EipAddress[0]?.Status === "Available" ? true : undefined;
    });
    await vpc.request("AssociateEipAddress", { RegionId: REGION, AllocationId: eip.AllocationId, InstanceId: id, InstanceType: "EcsInstance" });
    const shown = (await describe1(emu.url, id!)).EipAddress as Body;
    assert.equal(shown.AllocationId, eip.AllocationId);
    assert.equal(shown.IpAddress, eip.EipAddress);
    assert.equal(shown.Bandwidth, 5);
  });
});

describe("Aliyun emulator ECS: images", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await start();
  });
  after(() => emu.close());

  it("lists the public system images with ImageOwnerAlias system", async () => {
    const r = await ecs(emu.url).describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: "system", pageSize: 50 }));
    const ids = r.body!.images!.image!.map((i) => i.imageId);
    for (const id of ["aliyun_3_x64_20G_alibase_20240819.vhd", "ubuntu_22_04_x64_20G_alibase_20240926.vhd", "centos_7_9_x64_20G_alibase_20240628.vhd"]) assert.ok(ids.includes(id), id);
    assert.ok(r.body!.images!.image!.every((i) => i.imageOwnerAlias === "system" && i.status === "Available"));
  });

  it("imports an image from an OSS object: Waiting/Creating with progress, then Available; a missing object is refused", async () => {
    // The OSS side of the contract: bucket rows keyed by name, object rows keyed "<bucket>/<key>" with `size` in bytes.
    emu.state.table(ACCOUNT_ID, "global", "OssBucket").images = { Name: "images" };
    emu.state.table(ACCOUNT_ID, "global", "OssObject")["images/disk.qcow2"] = { bucket: "images", key: "disk.qcow2", size: 3 * 1024 ** 3 };
    const client = ecs(emu.url);
    const missing = await failure(client.importImage(new $Ecs.ImportImageRequest({
      regionId: REGION, diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: "images", OSSObject: "nope.qcow2", format: "QCOW2" })],
    })));
    assert.equal(missing.code, "InvalidOSSObject.NotFound");
    assert.equal(missing.statusCode, 404);

    const r = await client.importImage(new $Ecs.ImportImageRequest({
      regionId: REGION, imageName: "golden-ubuntu", OSType: "linux", platform: "Ubuntu", architecture: "x86_64",
      diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: "images", OSSObject: "disk.qcow2", format: "QCOW2" })],
    }));
    const imageId = r.body!.imageId!;
    assert.match(imageId, /^m-/);
    assert.match(r.body!.taskId!, /^t-/);
    const image = async () => (await client.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId, status: "Waiting,Creating,Available" }))).body!.images!.image![0]!;
    const progress = new Set<string>();
    await eventually(async () => {
      const i = await image();
      progress.add(`${i.status} ${i.progress}`);
      return i.status === "Available" ? true : undefined;
    });
    assert.ok([...progress].some((p) => p.startsWith("Waiting") || p.startsWith("Creating")), [...progress].join(", "));
    const done = await image();
    assert.deepEqual([done.progress, done.size, done.imageOwnerAlias, done.imageName], ["100%", 3, "self", "golden-ubuntu"]);
    assert.equal(done.diskDeviceMappings!.diskDeviceMapping![0]!.importOSSObject, "disk.qcow2");
    const task = await client.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId: r.body!.taskId }));
    assert.deepEqual([task.body!.taskStatus, task.body!.taskProcess, task.body!.taskAction], ["Finished", "100%", "ImportImage"]);

    // The imported image launches instances, and can be renamed and deleted.
    const t = await launchTarget(emu.url);
    const [id] = await run(emu.url, t, { ImageId: imageId });
    assert.equal((await describe1(emu.url, id!)).ImageId, imageId);
    await pop(emu.url).request("ModifyImageAttribute", { RegionId: REGION, ImageId: imageId, ImageName: "golden-2" });
    await pop(emu.url).request("DeleteImage", { RegionId: REGION, ImageId: imageId });
    const gone = await pop(emu.url).request("DescribeImages", { RegionId: REGION, ImageId: imageId }) as { TotalCount: number };
    assert.equal(gone.TotalCount, 0);
  });
});

describe("Aliyun emulator ECS: images from OSS uploads", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await start();
  });
  after(() => emu.close());

  it("imports an image from an object uploaded with ali-oss by the same account", async () => {
    const oss = new OSS({ accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, endpoint: emu.url, region: "oss-cn-hangzhou", timeout: 30_000 });
    await oss.putBucket("strata-images");
    oss.useBucket("strata-images");
    await oss.put("uploads/tiny.raw", Buffer.alloc(64 * 1024, 7));
    const r = await ecs(emu.url).importImage(new $Ecs.ImportImageRequest({
      regionId: REGION, imageName: "tiny",
      diskDeviceMapping: [new $Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: "strata-images", OSSObject: "uploads/tiny.raw", format: "RAW", diskImageSize: 5 })],
    }));
    const imageId = r.body!.imageId!;
    const available = await eventually(async () => {
      const i = (await pop(emu.url).request("DescribeImages", { RegionId: REGION, ImageId: imageId })) as { Images: { Image: Body[] } };
      return i.Images.Image[0];
    });
    assert.deepEqual([available.ImageName, available.Size, available.Status], ["tiny", 5, "Available"]);
  });
});

describe("Aliyun emulator ECS: persistence", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "aliyun-emulator-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps instances, security groups and pending status moves across a restart with the same dataDir", async () => {
    const first = await start({ dataDir: dir, transitionMs: 600 });
    const t = await launchTarget(first.url);
    const [id] = await run(first.url, t, { InstanceName: "survivor" });
    await first.close();

    const second = await start({ dataDir: dir, transitionMs: 600 });
    let a: string | undefined;
    try {
      const i = await describe1(second.url, id!);
      assert.equal(i.InstanceName, "survivor");
      await reach(second.url, id!, "Running");
      const groups = await pop(second.url).request("DescribeSecurityGroups", { RegionId: REGION }) as { TotalCount: number };
      assert.equal(groups.TotalCount, 1);
      [a] = await run(second.url, t, { ClientToken: "after-restart" });
    } finally {
      await second.close();
    }
    // ClientTokens are kept too: a retry after the restart does not launch twice.
    const third = await start({ dataDir: dir });
    try {
      assert.deepEqual(await run(third.url, t, { ClientToken: "after-restart" }), [a]);
    } finally {
      await third.close();
    }
  });
});
