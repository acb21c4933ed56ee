// The emulator's NAS 2017-06-26 product end to end: file systems, access groups and rules, and
// mount targets placed in the VPC product's VPCs, through the generated @alicloud/nas20170626
// client (ACS3, which sends no RegionId) and pop-core (signature v1, with RegionId).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import NasSdk from "@alicloud/nas20170626";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { mountTargetBacking, nasBacking } from "../../connectors/aliyun/emulator/products/nas/index.ts";
import type { RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { eventually, failure, KEY_ID, KEY_SECRET, network, pop, REGION, start } from "./harness.ts";

/** Long enough to observe transitional statuses reliably, short enough to keep the suite quick. */
const SLOW_TRANSITION_MS = 500;

type Nas = InstanceType<typeof NasSdk.default>;

describe("NAS emulator: file systems, access groups and rules, mount targets", () => {
  let emulator: RunningEmulator;
  let nas: Nas;
  let nasPop: ReturnType<typeof pop>;

  before(async () => {
    // Status windows long enough that "Pending right after create" holds on a loaded machine.
    emulator = await start({ transitionMs: SLOW_TRANSITION_MS });
    nas = new NasSdk.default(new $OpenApiUtil.Config({
      accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, regionId: REGION, endpoint: new URL(emulator.url).host, protocol: "http",
    }));
    nasPop = pop(emulator.url, { apiVersion: "2017-06-26" });
  });
  after(async () => { await emulator.close(); });

  const fileSystem = async (fileSystemId: string) =>
    (await nas.describeFileSystems(new NasSdk.DescribeFileSystemsRequest({ fileSystemId }))).body!.fileSystems!.fileSystem![0];

  /** A Running NFS file system. */
  async function runningFileSystem(description = "strata-data"): Promise<string> {
    const { fileSystemId } = (await nas.createFileSystem(new NasSdk.CreateFileSystemRequest({ protocolType: "NFS", storageType: "Performance", fileSystemType: "standard", zoneId: "cn-hangzhou-h", description }))).body!;
    await eventually(async () => (await fileSystem(fileSystemId!))?.status === "Running" ? true : undefined);
    return fileSystemId!;
  }

  it("creates a file system Pending, then Running, once per ClientToken, and shows it as DescribeFileSystems does", async () => {
    const create = () => nas.createFileSystem(new NasSdk.CreateFileSystemRequest({
      protocolType: "NFS", storageType: "Capacity", fileSystemType: "standard", zoneId: "cn-hangzhou-i", description: "vm-volumes", clientToken: "nas-fs-1",
    }));
    const { fileSystemId } = (await create()).body!;
    assert.match(fileSystemId!, /^[0-9a-f]{10}$/);
    assert.equal((await fileSystem(fileSystemId!))!.status, "Pending");
    assert.equal((await create()).body!.fileSystemId, fileSystemId);
    const fs = await eventually(async () => {
      const f = await fileSystem(fileSystemId!);
      return f?.status === "Running" ? f : undefined;
    });
    assert.equal(fs.protocolType, "NFS");
    assert.equal(fs.storageType, "Capacity");
    assert.equal(fs.fileSystemType, "standard");
    assert.equal(fs.zoneId, "cn-hangzhou-i");
    assert.equal(fs.regionId, "cn-hangzhou");
    assert.equal(fs.description, "vm-volumes");
    assert.equal(fs.capacity, 10_485_760);
    assert.equal(fs.meteredSize, 0);
    assert.match(fs.createTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}CST$/);
    assert.deepEqual(fs.mountTargets!.mountTarget, []);

    await nas.modifyFileSystem(new NasSdk.ModifyFileSystemRequest({ fileSystemId, description: "renamed-volumes" }));
    assert.equal((await fileSystem(fileSystemId!))!.description, "renamed-volumes");
    const mismatch = await failure(nas.createFileSystem(new NasSdk.CreateFileSystemRequest({ protocolType: "SMB", storageType: "Capacity", clientToken: "nas-fs-1" })));
    assert.equal(mismatch.code, "IdempotentParameterMismatch");
  });

  it("rejects bad protocol, storage and zone values with Alibaba's codes and pages the list", async () => {
    const create = (p: Record<string, unknown>) => nas.createFileSystem(new NasSdk.CreateFileSystemRequest({ protocolType: "NFS", storageType: "Performance", ...p }));
    const bad = await failure(create({ protocolType: "NFS4" }));
    assert.equal(bad.code, "InvalidParameter");
    assert.equal(bad.statusCode, 400);
    assert.equal((await failure(create({ storageType: undefined }))).code, "MissingParameter");
    assert.equal((await failure(create({ fileSystemType: "extreme" }))).code, "InvalidParameter");
    const zone = await failure(create({ zoneId: "cn-shanghai-e" }));
    assert.equal(zone.code, "InvalidZoneId.NotFound");
    assert.equal(zone.statusCode, 404);
    assert.equal((await failure(create({ description: "http://x" }))).code, "InvalidParameter");

    await create({ description: "page-a" });
    await create({ description: "page-b" });
    const all = (await nas.describeFileSystems(new NasSdk.DescribeFileSystemsRequest({ pageSize: 100 }))).body!;
    const page = (await nas.describeFileSystems(new NasSdk.DescribeFileSystemsRequest({ pageSize: 1, pageNumber: 2 }))).body!;
    assert.equal(page.totalCount, all.totalCount);
    assert.equal(page.pageNumber, 2);
    assert.equal(page.fileSystems!.fileSystem!.length, 1);
    assert.equal(page.fileSystems!.fileSystem![0]!.fileSystemId, all.fileSystems!.fileSystem![1]!.fileSystemId);
    const missing = await failure(nas.deleteFileSystem(new NasSdk.DeleteFileSystemRequest({ fileSystemId: "0000000000" })));
    assert.equal(missing.code, "InvalidFileSystem.NotFound");
    assert.equal(missing.statusCode, 404);
  });

  it("has the default VPC access group, creates groups and rules with Alibaba's values, and deletes them", async () => {
    const groups = (await nas.describeAccessGroups(new NasSdk.DescribeAccessGroupsRequest({}))).body!.accessGroups!.accessGroup!;
    const dflt = groups.find((g) => g.accessGroupName === "DEFAULT_VPC_GROUP_NAME")!;
    assert.equal(dflt.accessGroupType, "Vpc");
    assert.equal(dflt.ruleCount, 1);

    const { accessGroupName } = (await nas.createAccessGroup(new NasSdk.CreateAccessGroupRequest({ accessGroupName: "strata-hosts", accessGroupType: "Vpc", description: "KVM hosts" }))).body!;
    assert.equal(accessGroupName, "strata-hosts");
    assert.equal((await failure(nas.createAccessGroup(new NasSdk.CreateAccessGroupRequest({ accessGroupName: "strata-hosts", accessGroupType: "Vpc" })))).code, "InvalidAccessGroup.AlreadyExist");
    assert.equal((await failure(nas.createAccessGroup(new NasSdk.CreateAccessGroupRequest({ accessGroupName: "x", accessGroupType: "Vpc" })))).code, "InvalidParameter");
    assert.equal((await failure(nas.createAccessGroup(new NasSdk.CreateAccessGroupRequest({ accessGroupName: "other-group", accessGroupType: "Galaxy" })))).code, "InvalidParameter");

    const rule = (p: Record<string, unknown>) => nas.createAccessRule(new NasSdk.CreateAccessRuleRequest({ accessGroupName: "strata-hosts", sourceCidrIp: "192.168.0.0/24", ...p }));
    const { accessRuleId } = (await rule({ RWAccessType: "RDONLY", userAccessType: "root_squash", priority: 10 })).body!;
    assert.equal(accessRuleId, "1");
    assert.equal((await rule({ sourceCidrIp: "10.0.0.5" })).body!.accessRuleId, "2");
    for (const p of [{ priority: 101 }, { priority: 0 }, { RWAccessType: "RW" }, { userAccessType: "squash_all" }, { sourceCidrIp: "10.0.0.0/33" }]) {
      assert.equal((await failure(rule(p))).code, "InvalidParameter", JSON.stringify(p));
    }
    const missingGroup = await failure(rule({ accessGroupName: "nope-group" }));
    assert.equal(missingGroup.code, "InvalidAccessGroup.NotFound");
    assert.equal(missingGroup.statusCode, 404);

    const rules = (await nas.describeAccessRules(new NasSdk.DescribeAccessRulesRequest({ accessGroupName: "strata-hosts" }))).body!;
    assert.equal(rules.totalCount, 2);
    const first = rules.accessRules!.accessRule![0]!;
    assert.equal(first.sourceCidrIp, "192.168.0.0/24");
    assert.equal(first.RWAccess, "RDONLY");
    assert.equal(first.userAccess, "root_squash");
    assert.equal(first.priority, 10);
    const described = (await nas.describeAccessGroups(new NasSdk.DescribeAccessGroupsRequest({ accessGroupName: "strata-hosts", useUTCDateTime: true }))).body!.accessGroups!.accessGroup![0]!;
    assert.equal(described.ruleCount, 2);
    assert.match(described.createTime!, /Z$/);

    await nas.deleteAccessRule(new NasSdk.DeleteAccessRuleRequest({ accessGroupName: "strata-hosts", accessRuleId: "2" }));
    const gone = await failure(nas.deleteAccessRule(new NasSdk.DeleteAccessRuleRequest({ accessGroupName: "strata-hosts", accessRuleId: "2" })));
    assert.equal(gone.code, "InvalidAccessRule.NotFound");
    await nas.deleteAccessGroup(new NasSdk.DeleteAccessGroupRequest({ accessGroupName: "strata-hosts" }));
    assert.equal((await failure(nas.deleteAccessGroup(new NasSdk.DeleteAccessGroupRequest({ accessGroupName: "DEFAULT_VPC_GROUP_NAME" })))).code, "OperationDenied.DefaultAccessGroup");
  });

  it("creates a mount target in a VPC VSwitch, Pending then Active, and refuses deleting what it uses", async () => {
    const { vpcId, vswitchId } = await network(emulator.url, "172.20.0.0/16", "172.20.1.0/24");
    await nas.createAccessGroup(new NasSdk.CreateAccessGroupRequest({ accessGroupName: "mt-group", accessGroupType: "Vpc" }));
    await nas.createAccessRule(new NasSdk.CreateAccessRuleRequest({ accessGroupName: "mt-group", sourceCidrIp: "172.20.0.0/16", RWAccessType: "RDWR", userAccessType: "no_squash", priority: 1 }));

    // A file system that is still Pending takes no mount target.
    const { fileSystemId: pending } = (await nas.createFileSystem(new NasSdk.CreateFileSystemRequest({ protocolType: "NFS", storageType: "Performance" }))).body!;
    const mount = (p: Record<string, unknown>) => nas.createMountTarget(new NasSdk.CreateMountTargetRequest({ accessGroupName: "mt-group", networkType: "Vpc", vpcId, vSwitchId: vswitchId, ...p }));
    assert.equal((await failure(mount({ fileSystemId: pending }))).code, "OperationDenied.FileSystemStatus");

    const fileSystemId = await runningFileSystem("mounted");
    assert.equal((await failure(mount({ fileSystemId, vSwitchId: "vsw-nope" }))).code, "InvalidVSwitchId.NotFound");
    assert.equal((await failure(mount({ fileSystemId, vpcId: "vpc-nope" }))).code, "InvalidVpcId.NotFound");
    assert.equal((await failure(mount({ fileSystemId, accessGroupName: "no-such-group" }))).code, "InvalidAccessGroup.NotFound");
    const { mountTargetDomain } = (await mount({ fileSystemId })).body!;
    assert.match(mountTargetDomain!, new RegExp(`^${fileSystemId}-[0-9a-z]{5}\\.cn-hangzhou\\.nas\\.aliyuncs\\.com$`));

    const targets = async () => (await nas.describeMountTargets(new NasSdk.DescribeMountTargetsRequest({ fileSystemId }))).body!.mountTargets!.mountTarget!;
    assert.equal((await targets())[0]!.status, "Pending");
    const active = await eventually(async () => {
      const t = (await targets())[0]!;
      return t.status === "Active" ? t : undefined;
    });
    assert.equal(active.mountTargetDomain, mountTargetDomain);
    assert.equal(active.networkType, "Vpc");
    assert.equal(active.vpcId, vpcId);
    assert.equal(active.vswId, vswitchId);
    assert.equal(active.accessGroup, "mt-group");
    const embedded = (await fileSystem(fileSystemId))!.mountTargets!.mountTarget![0]!;
    assert.equal(embedded.mountTargetDomain, mountTargetDomain);
    assert.equal(embedded.accessGroupName, "mt-group");
    const group = (await nas.describeAccessGroups(new NasSdk.DescribeAccessGroupsRequest({ accessGroupName: "mt-group" }))).body!.accessGroups!.accessGroup![0]!;
    assert.equal(group.mountTargetCount, 1);

    assert.equal((await failure(nas.deleteFileSystem(new NasSdk.DeleteFileSystemRequest({ fileSystemId })))).code, "OperationDenied.HasMountTargets");
    assert.equal((await failure(nas.deleteAccessGroup(new NasSdk.DeleteAccessGroupRequest({ accessGroupName: "mt-group" })))).code, "OperationDenied.AccessGroupInUse");
    const vpcApi = pop(emulator.url, { apiVersion: "2016-04-28" });
    assert.equal((await failure(vpcApi.request("DeleteVSwitch", { RegionId: REGION, VSwitchId: vswitchId }))).code, "DependencyViolation");

    await nas.modifyMountTarget(new NasSdk.ModifyMountTargetRequest({ fileSystemId, mountTargetDomain, accessGroupName: "DEFAULT_VPC_GROUP_NAME", status: "Inactive" }));
    const modified = (await targets())[0]!;
    assert.equal(modified.status, "Inactive");
    assert.equal(modified.accessGroup, "DEFAULT_VPC_GROUP_NAME");

    await nas.deleteMountTarget(new NasSdk.DeleteMountTargetRequest({ fileSystemId, mountTargetDomain }));
    const gone = await failure(nas.deleteMountTarget(new NasSdk.DeleteMountTargetRequest({ fileSystemId, mountTargetDomain })));
    assert.equal(gone.code, "InvalidMountTarget.NotFound");
    assert.equal(gone.statusCode, 404);
    await nas.deleteAccessGroup(new NasSdk.DeleteAccessGroupRequest({ accessGroupName: "mt-group" }));
    await nas.deleteFileSystem(new NasSdk.DeleteFileSystemRequest({ fileSystemId }));
    assert.equal(await fileSystem(fileSystemId), undefined);
  });

  it("maps a mount target to the local NFS export configured to stand in for it", async () => {
    const { vpcId, vswitchId } = await network(emulator.url, "172.21.0.0/16", "172.21.1.0/24");
    const fileSystemId = await runningFileSystem("backed");
    nasBacking.defaultExport = "127.0.0.1:/srv/nfs/strata";
    let domain: string;
    try {
      domain = (await nas.createMountTarget(new NasSdk.CreateMountTargetRequest({ fileSystemId, accessGroupName: "DEFAULT_VPC_GROUP_NAME", networkType: "Vpc", vpcId, vSwitchId: vswitchId }))).body!.mountTargetDomain!;
    } finally {
      delete nasBacking.defaultExport;
    }
    const backing = mountTargetBacking(emulator.state, domain)!;
    assert.equal(backing.localExport, "127.0.0.1:/srv/nfs/strata");
    assert.equal(backing.fileSystemId, fileSystemId);
    assert.equal(backing.regionId, "cn-hangzhou");
    // Kept in the state (visible in GET /__emulator/state), so it survives a restart.
    const state = await (await fetch(`${emulator.url}/__emulator/state`)).json() as { accounts: Record<string, Record<string, Record<string, Record<string, { __localExport?: string }>>>> };
    assert.equal(Object.values(state.accounts)[0]!["cn-hangzhou"]!.NasMountTarget![domain]!.__localExport, "127.0.0.1:/srv/nfs/strata");
    nasBacking.byDomain.set(domain, "10.0.0.9:/exports/other");
    try {
      assert.equal(mountTargetBacking(emulator.state, domain)!.localExport, "10.0.0.9:/exports/other");
    } finally {
      nasBacking.byDomain.delete(domain);
    }
    assert.equal(mountTargetBacking(emulator.state, "nope.cn-hangzhou.nas.aliyuncs.com"), undefined);
  });

  it("serves the region a pop-core call names and cn-hangzhou when none is named", async () => {
    const { FileSystemId } = await nasPop.request("CreateFileSystem", { RegionId: "cn-shanghai", ProtocolType: "SMB", StorageType: "Performance" }) as { FileSystemId: string };
    const there = await nasPop.request("DescribeFileSystems", { RegionId: "cn-shanghai", FileSystemId }) as { FileSystems: { FileSystem: { RegionId: string; ZoneId: string; ProtocolType: string }[] } };
    assert.equal(there.FileSystems.FileSystem[0]!.RegionId, "cn-shanghai");
    assert.equal(there.FileSystems.FileSystem[0]!.ZoneId, "cn-shanghai-e");
    assert.equal(await fileSystem(FileSystemId), undefined, "not in the default region");
    assert.equal((await failure(nasPop.request("DescribeFileSystems", { RegionId: "mars-1" }))).code, "InvalidRegionId.NotFound");
  });
});
