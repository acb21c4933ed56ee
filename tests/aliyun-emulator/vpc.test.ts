// The emulator's VPC 2016-04-28 product: first its actions called directly with hand-built
// RpcCalls (in-memory state, a controlled clock so timed status moves need no sleeping), then
// end to end through the HTTP server with the real @alicloud/vpc20160428 (ACS3) and
// @alicloud/pop-core (signature v1) clients.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, beforeEach, describe, it } from "node:test";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import VpcSdk from "@alicloud/vpc20160428";
import { EmulatorAccessKeys } from "../../connectors/aliyun/emulator/core/access-keys.ts";
import { AliyunError } from "../../connectors/aliyun/emulator/core/errors.ts";
import type { RpcCall } from "../../connectors/aliyun/emulator/core/rpc.ts";
import { EmulatorState } from "../../connectors/aliyun/emulator/core/state.ts";
import { vpcProduct, vpcTiming } from "../../connectors/aliyun/emulator/products/vpc/index.ts";
import { startEmulator, type RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";

const ACCOUNT = "1234567890123456";
const REGION = "cn-hangzhou";

type Body = Record<string, unknown>;

/** A VPC API client over the product's actions, with its own clock (epoch ms) the test moves. */
function vpcApi(state: EmulatorState) {
  const clock = { now: Date.parse("2026-11-23T06:00:00Z") };
  async function call(action: string, params: Record<string, string> = {}): Promise<Body> {
    const fn = vpcProduct.actions[action];
    assert.ok(fn, `action ${action} exists`);
    const all = { RegionId: REGION, ...params };
    const rpc: RpcCall = {
      product: "Vpc", version: "2016-04-28", action, params: all, accountId: ACCOUNT, regionId: all.RegionId,
      requestId: "TEST", now: clock.now, state,
    };
    return fn(rpc);
  }
  return { call, clock, settle: () => { clock.now += vpcTiming.transitionMs + 1; } };
}

/** Asserts that `p` fails with Alibaba error `code` and HTTP `status`. */
async function rejectsWith(p: Promise<unknown>, code: string, status = 400): Promise<AliyunError> {
  let caught: unknown;
  await p.catch((e: unknown) => { caught = e; });
  assert.ok(caught instanceof AliyunError, `expected AliyunError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.status, status);
  return caught;
}

function list<T = Body>(body: Body, outer: string, inner: string): T[] {
  return (body[outer] as Record<string, T[]>)[inner]!;
}

describe("VPC emulator: VPCs", () => {
  let state: EmulatorState;
  let api: ReturnType<typeof vpcApi>;
  beforeEach(() => {
    state = EmulatorState.open();
    api = vpcApi(state);
  });

  it("creates a VPC Pending, Available once the transition time passed, with its VRouter and System route table", async () => {
    const created = await api.call("CreateVpc", { CidrBlock: "192.168.0.0/16", VpcName: "prod", Description: "main network" });
    assert.match(String(created.VpcId), /^vpc-/);
    assert.match(String(created.VRouterId), /^vrt-/);
    assert.match(String(created.RouteTableId), /^vtb-/);
    assert.match(String(created.ResourceGroupId), /^rg-/);

    const pending = list(await api.call("DescribeVpcs", { VpcId: String(created.VpcId) }), "Vpcs", "Vpc");
    assert.equal(pending[0]!.Status, "Pending");
    api.settle();
    const body = await api.call("DescribeVpcs");
    assert.equal(body.TotalCount, 1);
    assert.equal(body.PageNumber, 1);
    assert.equal(body.PageSize, 10);
    const vpc = list(body, "Vpcs", "Vpc")[0]!;
    assert.equal(vpc.Status, "Available");
    assert.equal(vpc.CidrBlock, "192.168.0.0/16");
    assert.equal(vpc.VpcName, "prod");
    assert.equal(vpc.IsDefault, false);
    assert.deepEqual(vpc.VSwitchIds, { VSwitchId: [] });
    assert.equal(vpc.CreationTime, "2026-11-23T06:00:00Z");

    const routers = list(await api.call("DescribeVRouters"), "VRouters", "VRouter");
    assert.deepEqual(routers.map((r) => [r.VRouterId, r.VpcId, r.RouteTableIds]), [[created.VRouterId, created.VpcId, { RouteTableId: [created.RouteTableId] }]]);
    const tables = list(await api.call("DescribeRouteTableList", { VpcId: String(created.VpcId) }), "RouterTableList", "RouterTableListType");
    assert.equal(tables[0]!.RouteTableType, "System");
    assert.equal(tables[0]!.RouterId, created.VRouterId);
    const entries = list(await api.call("DescribeRouteEntryList", { RouteTableId: String(created.RouteTableId) }), "RouteEntrys", "RouteEntry");
    assert.deepEqual(entries.map((e) => [e.DestinationCidrBlock, e.Type, e.Status]), [["100.64.0.0/10", "System", "Available"]]);
  });

  it("defaults the CIDR block to 172.16.0.0/12 and rejects public or malformed blocks with Alibaba's codes", async () => {
    const { VpcId } = await api.call("CreateVpc");
    assert.equal((await api.call("DescribeVpcAttribute", { VpcId: String(VpcId) })).CidrBlock, "172.16.0.0/12");
    await rejectsWith(api.call("CreateVpc", { CidrBlock: "8.8.8.0/24" }), "InvalidParameter");
    await rejectsWith(api.call("CreateVpc", { CidrBlock: "10.0.0.0/29" }), "InvalidParameter");
    await rejectsWith(api.call("CreateVpc", { CidrBlock: "10.0.0/8" }), "InvalidCidrBlock.Malformed");
    await rejectsWith(api.call("CreateVpc", { VpcName: "http://x" }), "InvalidVpcName.Malformed");
  });

  it("checks the region: missing → MissingParameter, unknown → InvalidRegionId.NotFound 404", async () => {
    await rejectsWith(api.call("DescribeVpcs", { RegionId: "" }), "MissingParameter");
    await rejectsWith(api.call("DescribeVpcs", { RegionId: "mars-north-1" }), "InvalidRegionId.NotFound", 404);
  });

  it("filters DescribeVpcs by id list and name, and caps PageSize at 50", async () => {
    const a = await api.call("CreateVpc", { VpcName: "a", CidrBlock: "10.0.0.0/16" });
    await api.call("CreateVpc", { VpcName: "b", CidrBlock: "10.1.0.0/16" });
    const c = await api.call("CreateVpc", { VpcName: "c", CidrBlock: "10.2.0.0/16" });
    const byIds = list(await api.call("DescribeVpcs", { VpcId: `${a.VpcId},${c.VpcId}` }), "Vpcs", "Vpc");
    assert.deepEqual(byIds.map((v) => v.VpcName), ["a", "c"]);
    assert.deepEqual(list(await api.call("DescribeVpcs", { VpcName: "b" }), "Vpcs", "Vpc").map((v) => v.VpcName), ["b"]);
    const page2 = await api.call("DescribeVpcs", { PageSize: "2", PageNumber: "2" });
    assert.equal(page2.TotalCount, 3);
    assert.deepEqual(list(page2, "Vpcs", "Vpc").map((v) => v.VpcName), ["c"]);
    await rejectsWith(api.call("DescribeVpcs", { PageSize: "51" }), "InvalidParameter");
  });

  it("modifies name and description; unknown ids are InvalidVpcId.NotFound 404", async () => {
    const { VpcId } = await api.call("CreateVpc");
    await api.call("ModifyVpcAttribute", { VpcId: String(VpcId), VpcName: "renamed", Description: "d2" });
    const attr = await api.call("DescribeVpcAttribute", { VpcId: String(VpcId) });
    assert.equal(attr.VpcName, "renamed");
    assert.equal(attr.Description, "d2");
    await rejectsWith(api.call("DescribeVpcAttribute", { VpcId: "vpc-nope" }), "InvalidVpcId.NotFound", 404);
    await rejectsWith(api.call("DeleteVpc", {}), "MissingParameter");
  });

  it("refuses DeleteVpc while Pending, with VSwitches or with ECS security groups, then deletes with its router and tables", async () => {
    const vpc = await api.call("CreateVpc", { CidrBlock: "172.16.0.0/16" });
    const VpcId = String(vpc.VpcId);
    await rejectsWith(api.call("DeleteVpc", { VpcId }), "IncorrectVpcStatus");
    api.settle();
    const { VSwitchId } = await api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.1.0/24" });
    await rejectsWith(api.call("DeleteVpc", { VpcId }), "DependencyViolation.VSwitch");
    api.settle();
    await api.call("DeleteVSwitch", { VSwitchId: String(VSwitchId) });
    state.table(ACCOUNT, REGION, "SecurityGroup")["sg-1"] = { SecurityGroupId: "sg-1", VpcId };
    await rejectsWith(api.call("DeleteVpc", { VpcId }), "DependencyViolation.SecurityGroup");
    delete state.table(ACCOUNT, REGION, "SecurityGroup")["sg-1"];

    assert.deepEqual(await api.call("DeleteVpc", { VpcId }), {});
    assert.equal((await api.call("DescribeVpcs")).TotalCount, 0);
    assert.equal((await api.call("DescribeVRouters")).TotalCount, 0);
    assert.deepEqual(state.table(ACCOUNT, REGION, "RouteEntry"), {});
    await rejectsWith(api.call("DescribeRouteEntryList", { RouteTableId: String(vpc.RouteTableId) }), "InvalidRouteTableId.NotFound", 404);
  });

  it("honours ClientToken: same token and params give the same VPC, other params IdempotentParameterMismatch", async () => {
    const first = await api.call("CreateVpc", { ClientToken: "tok-1", VpcName: "x" });
    const again = await api.call("CreateVpc", { ClientToken: "tok-1", VpcName: "x" });
    assert.deepEqual(again, first);
    assert.equal((await api.call("DescribeVpcs")).TotalCount, 1);
    await rejectsWith(api.call("CreateVpc", { ClientToken: "tok-1", VpcName: "y" }), "IdempotentParameterMismatch");
  });

  it("answers DryRun with DryRunOperation and creates nothing", async () => {
    await rejectsWith(api.call("CreateVpc", { DryRun: "true" }), "DryRunOperation");
    assert.equal((await api.call("DescribeVpcs")).TotalCount, 0);
  });
});

describe("VPC emulator: VSwitches", () => {
  let state: EmulatorState;
  let api: ReturnType<typeof vpcApi>;
  let VpcId: string;
  beforeEach(async () => {
    state = EmulatorState.open();
    api = vpcApi(state);
    VpcId = String((await api.call("CreateVpc", { CidrBlock: "172.16.0.0/16" })).VpcId);
    api.settle();
  });

  it("lets ModifyVpcAttribute change the block only to one that still holds every VSwitch", async () => {
    await api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.200.0/24" });
    await rejectsWith(api.call("ModifyVpcAttribute", { VpcId, CidrBlock: "172.16.0.0/17" }), "InvalidParameter");
    await api.call("ModifyVpcAttribute", { VpcId, CidrBlock: "172.16.0.0/12" });
    assert.equal((await api.call("DescribeVpcAttribute", { VpcId })).CidrBlock, "172.16.0.0/12");
  });

  it("refuses a VSwitch in a Pending VPC with IncorrectVpcStatus", async () => {
    const { VpcId: pending } = await api.call("CreateVpc", { CidrBlock: "10.0.0.0/16" });
    await rejectsWith(api.call("CreateVSwitch", { VpcId: String(pending), ZoneId: "cn-hangzhou-h", CidrBlock: "10.0.1.0/24" }), "IncorrectVpcStatus");
  });

  it("creates a VSwitch Pending → Available with 252 usable addresses in a /24 and lists it in the VPC", async () => {
    const { VSwitchId } = await api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-i", CidrBlock: "172.16.1.0/24", VSwitchName: "web" });
    assert.match(String(VSwitchId), /^vsw-/);
    assert.equal((await api.call("DescribeVSwitchAttributes", { VSwitchId: String(VSwitchId) })).Status, "Pending");
    api.settle();
    const body = await api.call("DescribeVSwitches", { VpcId });
    const vsw = list(body, "VSwitches", "VSwitch")[0]!;
    assert.equal(vsw.Status, "Available");
    assert.equal(vsw.AvailableIpAddressCount, 252);
    assert.equal(vsw.ZoneId, "cn-hangzhou-i");
    assert.equal(vsw.VSwitchName, "web");
    assert.deepEqual(list(await api.call("DescribeVpcs"), "Vpcs", "Vpc")[0]!.VSwitchIds, { VSwitchId: [VSwitchId] });
    assert.equal((await api.call("DescribeVSwitches", { ZoneId: "cn-hangzhou-h" })).TotalCount, 0);
    await api.call("ModifyVSwitchAttribute", { VSwitchId: String(VSwitchId), VSwitchName: "web2" });
    assert.equal((await api.call("DescribeVSwitchAttributes", { VSwitchId: String(VSwitchId) })).VSwitchName, "web2");
  });

  it("rejects blocks outside the VPC, overlapping a sibling, with a bad mask or zone, with Alibaba's codes", async () => {
    await api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.0.0/20" });
    await rejectsWith(api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "10.0.0.0/24" }), "InvalidParameter");
    const overlap = await rejectsWith(api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.8.0/24" }), "InvalidCidrBlock.Overlapped");
    assert.equal(overlap.message, "Specified CIDR block overlapped with other subnets.");
    await rejectsWith(api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.200.0/30" }), "InvalidCirdrBlock.MaskLength");
    await rejectsWith(api.call("CreateVSwitch", { VpcId, ZoneId: "cn-beijing-g", CidrBlock: "172.16.32.0/24" }), "InvalidZoneId.NotFound", 404);
    await rejectsWith(api.call("CreateVSwitch", { VpcId: "vpc-nope", ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.32.0/24" }), "InvalidVpcId.NotFound", 404);
    await rejectsWith(api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h" }), "MissingParameter");
  });

  it("returns the first VSwitch again for a retried ClientToken instead of reporting an overlap", async () => {
    const params = { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.3.0/24", ClientToken: "retry-me" };
    const first = await api.call("CreateVSwitch", params);
    assert.deepEqual(await api.call("CreateVSwitch", params), first);
    assert.equal((await api.call("DescribeVSwitches")).TotalCount, 1);
  });

  it("counts ECS instances against free addresses and refuses DeleteVSwitch while one uses it", async () => {
    const VSwitchId = String((await api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.1.0/28" })).VSwitchId);
    await rejectsWith(api.call("DeleteVSwitch", { VSwitchId }), "IncorrectVSwitchStatus");
    api.settle();
    const instances = state.table(ACCOUNT, REGION, "Instance");
    instances["i-1"] = { InstanceId: "i-1", Status: "Running", VpcAttributes: { VpcId, VSwitchId } };
    assert.equal((await api.call("DescribeVSwitchAttributes", { VSwitchId })).AvailableIpAddressCount, 11);
    await rejectsWith(api.call("DeleteVSwitch", { VSwitchId }), "DependencyViolation");
    delete instances["i-1"];
    await api.call("DeleteVSwitch", { VSwitchId });
    await rejectsWith(api.call("DescribeVSwitchAttributes", { VSwitchId }), "InvalidVSwitchId.NotFound", 404);
    assert.deepEqual(list(await api.call("DescribeVpcs"), "Vpcs", "Vpc")[0]!.VSwitchIds, { VSwitchId: [] });
  });
});

describe("VPC emulator: route entries", () => {
  let state: EmulatorState;
  let api: ReturnType<typeof vpcApi>;
  let VpcId: string;
  let RouteTableId: string;
  beforeEach(async () => {
    state = EmulatorState.open();
    api = vpcApi(state);
    const vpc = await api.call("CreateVpc", { CidrBlock: "172.16.0.0/16" });
    VpcId = String(vpc.VpcId);
    RouteTableId = String(vpc.RouteTableId);
    api.settle();
    const { VSwitchId } = await api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.1.0/24" });
    api.settle();
    state.table(ACCOUNT, REGION, "Instance")["i-router"] = {
      InstanceId: "i-router", Status: "Running", VpcAttributes: { VpcId, VSwitchId, PrivateIpAddress: { IpAddress: ["172.16.1.5"] } },
    };
  });

  it("adds a local System route per VSwitch and a Custom entry Pending → Available with its next hop", async () => {
    const { RouteEntryId } = await api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.8.0.0/16", NextHopId: "i-router" });
    assert.match(String(RouteEntryId), /^rte-/);
    const pending = list(await api.call("DescribeRouteEntryList", { RouteTableId, RouteEntryType: "Custom" }), "RouteEntrys", "RouteEntry");
    assert.equal(pending[0]!.Status, "Pending");
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/16", NextHopId: "i-router" }), "IncorrectRouteEntryStatus");
    api.settle();
    const body = await api.call("DescribeRouteEntryList", { RouteTableId });
    assert.equal(body.NextToken, "");
    const entries = list(body, "RouteEntrys", "RouteEntry");
    assert.deepEqual(entries.map((e) => [e.DestinationCidrBlock, e.Type, e.Status]), [
      ["100.64.0.0/10", "System", "Available"], ["172.16.1.0/24", "System", "Available"], ["10.8.0.0/16", "Custom", "Available"],
    ]);
    assert.deepEqual((entries[2]!.NextHops as { NextHop: Body[] }).NextHop.map((h) => [h.NextHopType, h.NextHopId, h.Enabled]), [["Instance", "i-router", 1]]);
    const tables = list(await api.call("DescribeRouteTables", { VRouterId: String(list(await api.call("DescribeVRouters"), "VRouters", "VRouter")[0]!.VRouterId) }), "RouteTables", "RouteTable");
    assert.equal(list(tables[0]!, "RouteEntrys", "RouteEntry").length, 3);
  });

  it("rejects duplicates, the service block, VSwitch subnets, unknown next hops and bad types with Alibaba's codes", async () => {
    await api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.8.0.0/16", NextHopId: "i-router" });
    api.settle();
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.8.0.0/16", NextHopId: "i-router" }), "InvalidCIDRBlock.Duplicate");
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "100.64.1.0/24", NextHopId: "i-router" }), "InvalidCidrBlock");
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "172.16.1.128/25", NextHopId: "i-router" }), "InvalidCidrBlock");
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/16", NextHopId: "i-nope" }), "InvalidInstanId.NotFound", 404);
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/16", NextHopType: "Teleporter", NextHopId: "x" }), "InvalidNextHopType");
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/16", NextHopType: "VpnGateway", NextHopId: "vpn-1" }), "InvalidNextHop.NotFound");
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId: "vtb-nope", DestinationCidrBlock: "10.9.0.0/16", NextHopId: "i-router" }), "InvalidRouteTableId.NotFound", 404);
    await rejectsWith(api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/33", NextHopId: "i-router" }), "InvalidCidrBlock.Malformed");
  });

  it("pages DescribeRouteEntryList with NextToken and MaxResult (20–100)", async () => {
    for (let i = 0; i < 21; i++) {
      await api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: `10.${i}.0.0/16`, NextHopId: "i-router" });
      api.settle();
    }
    const first = await api.call("DescribeRouteEntryList", { RouteTableId, MaxResult: "20" });
    assert.equal(first.TotalCount, 23);
    assert.equal(list(first, "RouteEntrys", "RouteEntry").length, 20);
    assert.notEqual(first.NextToken, "");
    const second = await api.call("DescribeRouteEntryList", { RouteTableId, MaxResult: "20", NextToken: String(first.NextToken) });
    assert.equal(second.NextToken, "");
    assert.deepEqual(list(second, "RouteEntrys", "RouteEntry").map((e) => e.DestinationCidrBlock), ["10.18.0.0/16", "10.19.0.0/16", "10.20.0.0/16"]);
    await rejectsWith(api.call("DescribeRouteEntryList", { RouteTableId, MaxResult: "5" }), "InvalidParameter");
    await rejectsWith(api.call("DescribeRouteEntryList", { RouteTableId, NextToken: "garbage" }), "InvalidNextToken");
  });

  it("deletes by RouteEntryId or by table + destination + next hop, never a System entry", async () => {
    const { RouteEntryId } = await api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.8.0.0/16", NextHopId: "i-router" });
    await rejectsWith(api.call("DeleteRouteEntry", { RouteEntryId: String(RouteEntryId) }), "IncorrectRouteEntryStatus");
    api.settle();
    await api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/16", NextHopId: "i-router" });
    api.settle();
    await api.call("DeleteRouteEntry", { RouteEntryId: String(RouteEntryId) });
    await rejectsWith(api.call("DeleteRouteEntry", { RouteEntryId: String(RouteEntryId) }), "InvalidRouteEntry.NotFound");
    await rejectsWith(api.call("DeleteVpc", { VpcId }), "DependencyViolation.VSwitch");
    await api.call("DeleteRouteEntry", { RouteTableId, DestinationCidrBlock: "10.9.0.0/16", NextHopId: "i-router" });
    const system = list(await api.call("DescribeRouteEntryList", { RouteTableId }), "RouteEntrys", "RouteEntry")[0]!;
    await rejectsWith(api.call("DeleteRouteEntry", { RouteEntryId: String(system.RouteEntryId) }), "OperationDenied");
    assert.equal((await api.call("DescribeRouteEntryList", { RouteTableId, RouteEntryType: "Custom" })).TotalCount, 0);
  });

  it("refuses a VSwitch whose block would swallow a custom route destination", async () => {
    await api.call("CreateRouteEntry", { RouteTableId, DestinationCidrBlock: "172.16.9.0/24", NextHopId: "i-router" });
    api.settle();
    const err = await rejectsWith(api.call("CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "172.16.8.0/22" }), "InvalidCidrBlock.Overlapped");
    assert.equal(err.message, "Specified CIDR block overlapped with other entry.");
  });
});

describe("VPC emulator: EIPs", () => {
  let state: EmulatorState;
  let api: ReturnType<typeof vpcApi>;
  beforeEach(() => {
    state = EmulatorState.open();
    api = vpcApi(state);
    state.table(ACCOUNT, REGION, "Instance")["i-web"] = {
      InstanceId: "i-web", Status: "Running", VpcAttributes: { VpcId: "vpc-x", VSwitchId: "vsw-x", PrivateIpAddress: { IpAddress: ["172.16.1.9"] } },
    };
  });

  it("allocates, associates (Associating → InUse), refuses release while InUse, unassociates and releases", async () => {
    const { AllocationId, EipAddress } = await api.call("AllocateEipAddress", { Bandwidth: "10", InternetChargeType: "PayByTraffic" });
    assert.match(String(AllocationId), /^eip-/);
    assert.match(String(EipAddress), /^47\.\d+\.\d+\.\d+$/);
    const allocated = list(await api.call("DescribeEipAddresses"), "EipAddresses", "EipAddress")[0]!;
    assert.deepEqual([allocated.Status, allocated.Bandwidth, allocated.InternetChargeType, allocated.IpAddress], ["Available", "10", "PayByTraffic", EipAddress]);

    await api.call("AssociateEipAddress", { AllocationId: String(AllocationId), InstanceId: "i-web" });
    const associating = list(await api.call("DescribeEipAddresses", { AllocationId: String(AllocationId) }), "EipAddresses", "EipAddress")[0]!;
    assert.deepEqual([associating.Status, associating.InstanceId, associating.InstanceType], ["Associating", "i-web", "EcsInstance"]);
    api.settle();
    const inUse = list(await api.call("DescribeEipAddresses", { AssociatedInstanceId: "i-web" }), "EipAddresses", "EipAddress")[0]!;
    assert.deepEqual([inUse.Status, inUse.PrivateIpAddress, inUse.VpcId], ["InUse", "172.16.1.9", "vpc-x"]);
    await rejectsWith(api.call("ReleaseEipAddress", { AllocationId: String(AllocationId) }), "IncorrectEipStatus");
    await rejectsWith(api.call("AssociateEipAddress", { AllocationId: String(AllocationId), InstanceId: "i-web" }), "IncorrectEipStatus");

    await api.call("UnassociateEipAddress", { AllocationId: String(AllocationId), InstanceId: "i-web" });
    assert.equal(list(await api.call("DescribeEipAddresses"), "EipAddresses", "EipAddress")[0]!.Status, "Unassociating");
    api.settle();
    const freed = list(await api.call("DescribeEipAddresses"), "EipAddresses", "EipAddress")[0]!;
    assert.deepEqual([freed.Status, freed.InstanceId], ["Available", ""]);
    await api.call("ReleaseEipAddress", { AllocationId: String(AllocationId) });
    assert.equal((await api.call("DescribeEipAddresses")).TotalCount, 0);
    await rejectsWith(api.call("ReleaseEipAddress", { AllocationId: String(AllocationId) }), "InvalidAllocationId.NotFound", 404);
  });

  it("refuses unknown instances, a second EIP on one instance and unsupported instance types", async () => {
    const a = String((await api.call("AllocateEipAddress")).AllocationId);
    const b = String((await api.call("AllocateEipAddress")).AllocationId);
    await rejectsWith(api.call("AssociateEipAddress", { AllocationId: a, InstanceId: "i-nope" }), "InvalidInstanId.NotFound", 404);
    await rejectsWith(api.call("AssociateEipAddress", { AllocationId: a, InstanceId: "i-web", InstanceType: "Teleporter" }), "InvalidInstanceType.ValueNotSupported");
    await api.call("AssociateEipAddress", { AllocationId: a, InstanceId: "i-web" });
    await rejectsWith(api.call("AssociateEipAddress", { AllocationId: b, InstanceId: "i-web" }), "InvalidAssociation.Duplicated");
    await rejectsWith(api.call("UnassociateEipAddress", { AllocationId: b }), "IncorrectEipStatus");
  });

  it("modifies bandwidth and name within the charge type's limits", async () => {
    const AllocationId = String((await api.call("AllocateEipAddress")).AllocationId);
    await api.call("ModifyEipAddressAttribute", { AllocationId, Bandwidth: "50", Name: "front" });
    const eip = list(await api.call("DescribeEipAddresses", { EipName: "front" }), "EipAddresses", "EipAddress")[0]!;
    assert.deepEqual([eip.Bandwidth, eip.Name], ["50", "front"]);
    await rejectsWith(api.call("ModifyEipAddressAttribute", { AllocationId, Bandwidth: "0" }), "InvalidParameter");
  });

  it("honours ClientToken on AllocateEipAddress", async () => {
    const first = await api.call("AllocateEipAddress", { ClientToken: "eip-tok" });
    assert.deepEqual(await api.call("AllocateEipAddress", { ClientToken: "eip-tok" }), first);
    assert.equal((await api.call("DescribeEipAddresses")).TotalCount, 1);
  });
});

describe("VPC emulator: regions and zones", () => {
  it("lists the six regions and each region's zones, in English on request", async () => {
    const api = vpcApi(EmulatorState.open());
    const regions = list(await api.call("DescribeRegions", { AcceptLanguage: "en-US" }), "Regions", "Region");
    assert.deepEqual(regions.map((r) => r.RegionId), ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-southeast-1", "us-west-1"]);
    assert.equal(regions[0]!.LocalName, "China (Hangzhou)");
    const zones = list(await api.call("DescribeZones", { RegionId: "ap-southeast-1", AcceptLanguage: "en-US" }), "Zones", "Zone");
    assert.deepEqual(zones.map((z) => [z.ZoneId, z.LocalName]), [["ap-southeast-1a", "Singapore Zone A"], ["ap-southeast-1b", "Singapore Zone B"], ["ap-southeast-1c", "Singapore Zone C"]]);
  });
});

// ---- End to end: real clients against the HTTP server -------------------------------------

interface PopClient {
  request(action: string, params: Record<string, unknown>, opts?: { method?: string }): Promise<Record<string, unknown>>;
}
const RPCClient = createRequire(import.meta.url)("@alicloud/pop-core") as new (config: {
  accessKeyId: string; accessKeySecret: string; endpoint: string; apiVersion: string;
}) => PopClient;

/** The generated SDK's error: Alibaba's Code and the HTTP status it came with. */
async function sdkRejects(p: Promise<unknown>, code: string, statusCode = 400): Promise<void> {
  await assert.rejects(p, (e: { code?: string; statusCode?: number }) => {
    assert.equal(e.code, code);
    assert.equal(e.statusCode, statusCode);
    return true;
  });
}

/** Polls `read` until `done` holds (emulated statuses settle after the server's transitionMs). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) assert.fail(`condition not reached within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("VPC emulator over HTTP with @alicloud/vpc20160428 and @alicloud/pop-core", () => {
  let emulator: RunningEmulator;
  let accountId: string;
  let sdk: InstanceType<typeof VpcSdk.default>;
  let pop: PopClient;
  const region = "cn-shanghai";

  before(async () => {
    const keys = new EmulatorAccessKeys();
    const key = keys.generate();
    accountId = key.accountId;
    // Short moves keep the suite quick; the behaviour (Pending first, Available later) is the same.
    emulator = await startEmulator({ accessKeys: keys, transitionMs: 150 });
    sdk = new VpcSdk.default(new $OpenApiUtil.Config({
      accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, regionId: region,
      endpoint: new URL(emulator.url).host, protocol: "http",
    }));
    pop = new RPCClient({ accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, endpoint: emulator.url, apiVersion: "2016-04-28" });
  });
  after(async () => { await emulator.close(); });

  const vpcStatus = async (vpcId: string) =>
    (await sdk.describeVpcAttribute(new VpcSdk.DescribeVpcAttributeRequest({ regionId: region, vpcId }))).body?.status;

  it("creates a VPC that is Pending, then Available; VSwitch blocks outside or overlapping are refused; DeleteVpc waits for its VSwitches", async () => {
    const created = (await sdk.createVpc(new VpcSdk.CreateVpcRequest({ regionId: region, cidrBlock: "192.168.0.0/16", vpcName: "e2e" }))).body!;
    const vpcId = created.vpcId!;
    assert.match(created.routeTableId!, /^vtb-/);
    assert.equal(await vpcStatus(vpcId), "Pending");
    await until(() => vpcStatus(vpcId), (s) => s === "Available");

    const vswitch = (zoneId: string, cidrBlock: string) =>
      sdk.createVSwitch(new VpcSdk.CreateVSwitchRequest({ regionId: region, vpcId, zoneId, cidrBlock }));
    const { vSwitchId } = (await vswitch("cn-shanghai-e", "192.168.1.0/24")).body!;
    await sdkRejects(vswitch("cn-shanghai-e", "10.0.0.0/24"), "InvalidParameter");
    await sdkRejects(vswitch("cn-shanghai-f", "192.168.1.128/25"), "InvalidCidrBlock.Overlapped");
    await sdkRejects(vswitch("cn-hangzhou-h", "192.168.2.0/24"), "InvalidZoneId.NotFound", 404);

    const listed = (await sdk.describeVSwitches(new VpcSdk.DescribeVSwitchesRequest({ regionId: region, vpcId }))).body!;
    assert.equal(listed.totalCount, 1);
    assert.equal(listed.vSwitches!.vSwitch![0]!.availableIpAddressCount, 252);

    await sdkRejects(sdk.deleteVpc(new VpcSdk.DeleteVpcRequest({ regionId: region, vpcId })), "DependencyViolation.VSwitch");
    await until(async () => (await sdk.describeVSwitchAttributes(new VpcSdk.DescribeVSwitchAttributesRequest({ regionId: region, vSwitchId }))).body?.status, (s) => s === "Available");
    await sdk.deleteVSwitch(new VpcSdk.DeleteVSwitchRequest({ regionId: region, vSwitchId }));
    await sdk.deleteVpc(new VpcSdk.DeleteVpcRequest({ regionId: region, vpcId }));
    await sdkRejects(sdk.describeVpcAttribute(new VpcSdk.DescribeVpcAttributeRequest({ regionId: region, vpcId })), "InvalidVpcId.NotFound", 404);
  });

  it("creates route entries, pages them with NextToken through pop-core, and deletes them", async () => {
    const { VpcId, RouteTableId } = await pop.request("CreateVpc", { RegionId: region, CidrBlock: "10.0.0.0/8" }, { method: "POST" }) as { VpcId: string; RouteTableId: string };
    await until(() => vpcStatus(VpcId), (s) => s === "Available");
    const { VSwitchId } = await pop.request("CreateVSwitch", { RegionId: region, VpcId, ZoneId: "cn-shanghai-g", CidrBlock: "10.0.0.0/24" }) as { VSwitchId: string };
    emulator.state.table(accountId, region, "Instance")["i-gw"] = { InstanceId: "i-gw", Status: "Running", VpcAttributes: { VpcId, VSwitchId } };

    const created: string[] = [];
    for (let i = 1; i <= 21; i++) {
      const { RouteEntryId } = await pop.request("CreateRouteEntry", { RegionId: region, RouteTableId, DestinationCidrBlock: `172.16.${i}.0/24`, NextHopId: "i-gw" }) as { RouteEntryId: string };
      created.push(RouteEntryId);
      // Alibaba refuses changes to a table while an entry is Pending, so wait for each to land.
      await until(() => pop.request("DescribeRouteEntryList", { RegionId: region, RouteTableId, RouteEntryId }), (b) =>
        (b.RouteEntrys as { RouteEntry: { Status: string }[] }).RouteEntry[0]?.Status === "Available");
    }
    await assert.rejects(pop.request("CreateRouteEntry", { RegionId: region, RouteTableId, DestinationCidrBlock: "172.16.1.0/24", NextHopId: "i-gw" }),
      (e: { code?: string }) => e.code === "InvalidCIDRBlock.Duplicate");

    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const body = await pop.request("DescribeRouteEntryList", { RegionId: region, RouteTableId, MaxResult: 20, ...(token ? { NextToken: token } : {}) });
      seen.push(...(body.RouteEntrys as { RouteEntry: { RouteEntryId: string }[] }).RouteEntry.map((e) => e.RouteEntryId));
      token = String(body.NextToken);
      pages++;
    } while (token);
    assert.equal(pages, 2);
    assert.equal(seen.length, 23); // 21 custom + 100.64.0.0/10 + the VSwitch's local route
    assert.ok(created.every((id) => seen.includes(id)));

    const sdkPage = (await sdk.describeRouteEntryList(new VpcSdk.DescribeRouteEntryListRequest({ regionId: region, routeTableId: RouteTableId, routeEntryType: "Custom", maxResult: 20 }))).body!;
    assert.equal(sdkPage.routeEntrys!.routeEntry!.length, 20);
    assert.equal(sdkPage.routeEntrys!.routeEntry![0]!.nextHops!.nextHop![0]!.nextHopId, "i-gw");
    assert.ok(sdkPage.nextToken);

    await sdk.deleteRouteEntry(new VpcSdk.DeleteRouteEntryRequest({ regionId: region, routeEntryId: created[0] }));
    await pop.request("DeleteRouteEntry", { RegionId: region, RouteTableId, DestinationCidrBlock: "172.16.2.0/24", NextHopId: "i-gw" });
    const left = await pop.request("DescribeRouteEntryList", { RegionId: region, RouteTableId, RouteEntryType: "Custom", MaxResult: 100 });
    assert.equal(left.TotalCount, 19);
  });

  it("allocates an EIP once per ClientToken, associates it with an instance, refuses release while InUse", async () => {
    const allocate = () => sdk.allocateEipAddress(new VpcSdk.AllocateEipAddressRequest({ regionId: region, bandwidth: "20", internetChargeType: "PayByTraffic", clientToken: "eip-e2e-1" }));
    const first = (await allocate()).body!;
    const second = (await allocate()).body!;
    assert.equal(second.allocationId, first.allocationId);
    assert.equal(second.eipAddress, first.eipAddress);
    const allocationId = first.allocationId!;

    emulator.state.table(accountId, region, "Instance")["i-eip"] = { InstanceId: "i-eip", Status: "Running", VpcAttributes: { VpcId: "vpc-e2e", VSwitchId: "vsw-e2e" } };
    await sdk.associateEipAddress(new VpcSdk.AssociateEipAddressRequest({ regionId: region, allocationId, instanceId: "i-eip" }));
    const describe = async () => (await sdk.describeEipAddresses(new VpcSdk.DescribeEipAddressesRequest({ regionId: region, allocationId }))).body!.eipAddresses!.eipAddress![0]!;
    const inUse = await until(describe, (e) => e.status === "InUse");
    assert.equal(inUse.instanceId, "i-eip");
    assert.equal(inUse.bandwidth, "20");
    await sdkRejects(sdk.releaseEipAddress(new VpcSdk.ReleaseEipAddressRequest({ regionId: region, allocationId })), "IncorrectEipStatus");

    await sdk.unassociateEipAddress(new VpcSdk.UnassociateEipAddressRequest({ regionId: region, allocationId, instanceId: "i-eip" }));
    await until(describe, (e) => e.status === "Available");
    await sdk.releaseEipAddress(new VpcSdk.ReleaseEipAddressRequest({ regionId: region, allocationId }));
    await sdkRejects(sdk.releaseEipAddress(new VpcSdk.ReleaseEipAddressRequest({ regionId: region, allocationId })), "InvalidAllocationId.NotFound", 404);
  });
});
