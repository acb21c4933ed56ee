// The emulator's Express Connect (VPC API 2016-04-28): the seeded physical connection and VBR,
// CreateVirtualBorderRouter, router interface pairs between a VBR and a VPC's VRouter, and routes
// through them — end to end with the generated @alicloud/vpc20160428 client and pop-core.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import VpcSdk from "@alicloud/vpc20160428";
import type { RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { eventually, failure, KEY_ID, KEY_SECRET, network, pop, REGION, start } from "./harness.ts";

/** Long enough to observe transitional statuses reliably, short enough to keep the suite quick. */
const SLOW_TRANSITION_MS = 500;

type Sdk = InstanceType<typeof VpcSdk.default>;

describe("Express Connect emulator: VBRs, router interfaces and routes through them", () => {
  let emulator: RunningEmulator;
  let sdk: Sdk;
  let vpc: ReturnType<typeof pop>;

  before(async () => {
    // Status windows long enough that "Pending right after create" holds on a loaded machine.
    emulator = await start({ transitionMs: SLOW_TRANSITION_MS });
    sdk = new VpcSdk.default(new $OpenApiUtil.Config({
      accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, regionId: REGION, endpoint: new URL(emulator.url).host, protocol: "http",
    }));
    vpc = pop(emulator.url, { apiVersion: "2016-04-28" });
  });
  after(async () => { await emulator.close(); });

  const vbrs = async (filter: { key: string; value: string[] }[] = [], page: { pageSize?: number; pageNumber?: number } = {}) =>
    (await sdk.describeVirtualBorderRouters(new VpcSdk.DescribeVirtualBorderRoutersRequest({
      regionId: REGION, filter: filter.map((f) => new VpcSdk.DescribeVirtualBorderRoutersRequestFilter(f)), ...page,
    }))).body!;

  const interfaces = async (filter: { key: string; value: string[] }[]) =>
    (await sdk.describeRouterInterfaces(new VpcSdk.DescribeRouterInterfacesRequest({
      regionId: REGION, filter: filter.map((f) => new VpcSdk.DescribeRouterInterfacesRequestFilter(f)),
    }))).body!.routerInterfaceSet!.routerInterfaceType!;

  const statusOf = async (id: string) => (await interfaces([{ key: "RouterInterfaceId", value: [id] }]))[0]?.status;

  it("seeds one active VBR per region on a physical connection, with a VBR route table", async () => {
    const body = await vbrs();
    assert.equal(body.totalCount, 1);
    const vbr = body.virtualBorderRouterSet!.virtualBorderRouterType![0]!;
    assert.match(vbr.vbrId!, /^vbr-/);
    assert.equal(vbr.status, "active");
    assert.equal(vbr.vlanId, 100);
    assert.equal(vbr.localGatewayIp, "10.254.0.1");
    assert.equal(vbr.peerGatewayIp, "10.254.0.2");
    assert.match(vbr.physicalConnectionId!, /^pc-/);
    assert.match(vbr.routeTableId!, /^vtb-/);
    assert.equal(vbr.associatedPhysicalConnections!.associatedPhysicalConnection![0]!.physicalConnectionId, vbr.physicalConnectionId);
    const tables = await vpc.request("DescribeRouteTableList", { RegionId: REGION, RouterType: "VBR" }) as { RouterTableList: { RouterTableListType: { RouteTableId: string; RouterId: string }[] } };
    assert.deepEqual(tables.RouterTableList.RouterTableListType.map((t) => [t.RouteTableId, t.RouterId]), [[vbr.routeTableId, vbr.vbrId]]);
    // Another region has its own.
    const other = await vpc.request("DescribeVirtualBorderRouters", { RegionId: "cn-beijing" }) as { TotalCount: number };
    assert.equal(other.TotalCount, 1);
  });

  it("creates VBRs on the physical connection, refuses a VLAN in use, bad addressing and unknown lines, and filters and pages", async () => {
    const seeded = (await vbrs()).virtualBorderRouterSet!.virtualBorderRouterType![0]!;
    const create = (p: Record<string, unknown>) => sdk.createVirtualBorderRouter(new VpcSdk.CreateVirtualBorderRouterRequest({
      regionId: REGION, physicalConnectionId: seeded.physicalConnectionId, vlanId: 200, localGatewayIp: "10.254.1.1", peerGatewayIp: "10.254.1.2",
      peeringSubnetMask: "255.255.255.252", name: "second", ...p,
    }));
    const { vbrId } = (await create({ clientToken: "vbr-1" })).body!;
    assert.match(vbrId!, /^vbr-/);
    assert.equal((await create({ clientToken: "vbr-1" })).body!.vbrId, vbrId);
    assert.equal((await failure(create({ vlanId: 100 }))).code, "InvalidVlanId.Used");
    assert.equal((await failure(create({ vlanId: 201, peerGatewayIp: "10.254.2.2" }))).code, "InvalidParameter");
    assert.equal((await failure(create({ vlanId: 3000 }))).code, "InvalidParameter");
    const unknown = await failure(create({ vlanId: 202, physicalConnectionId: "pc-nope" }));
    assert.equal(unknown.code, "InvalidPhysicalConnectionId.NotFound");
    assert.equal(unknown.statusCode, 404);

    const filtered = await vbrs([{ key: "VbrId", value: [vbrId!] }]);
    assert.equal(filtered.totalCount, 1);
    assert.equal(filtered.virtualBorderRouterSet!.virtualBorderRouterType![0]!.vlanId, 200);
    assert.equal((await vbrs([{ key: "VlanId", value: ["100", "200"] }])).totalCount, 2);
    const page2 = await vbrs([], { pageSize: 1, pageNumber: 2 });
    assert.equal(page2.totalCount, 2);
    assert.equal(page2.virtualBorderRouterSet!.virtualBorderRouterType!.length, 1);
    assert.equal((await failure(vbrs([{ key: "Colour", value: ["red"] }]))).code, "InvalidParameter");
  });

  it("pairs a VBR interface with a VRouter interface, connects them to Active and routes both ways through them", async () => {
    const vbr = (await vbrs([{ key: "VlanId", value: ["100"] }])).virtualBorderRouterSet!.virtualBorderRouterType![0]!;
    const { vpcId } = await network(emulator.url, "172.16.0.0/16", "172.16.1.0/24");
    const vpcInfo = await vpc.request("DescribeVpcAttribute", { RegionId: REGION, VpcId: vpcId }) as { VRouterId: string };
    const vrouterTable = (await vpc.request("DescribeRouteTableList", { RegionId: REGION, VpcId: vpcId }) as { RouterTableList: { RouterTableListType: { RouteTableId: string }[] } }).RouterTableList.RouterTableListType[0]!.RouteTableId;

    const initiator = (await sdk.createRouterInterface(new VpcSdk.CreateRouterInterfaceRequest({
      regionId: REGION, role: "InitiatingSide", routerType: "VBR", routerId: vbr.vbrId, spec: "Large.1",
      oppositeRegionId: REGION, oppositeRouterType: "VRouter", oppositeRouterId: vpcInfo.VRouterId, name: "vbr-side",
      healthCheckSourceIp: "10.254.0.2", healthCheckTargetIp: "10.254.0.1",
    }))).body!.routerInterfaceId!;
    const acceptor = (await sdk.createRouterInterface(new VpcSdk.CreateRouterInterfaceRequest({
      regionId: REGION, role: "AcceptingSide", routerType: "VRouter", routerId: vpcInfo.VRouterId, spec: "Negative",
      oppositeRegionId: REGION, oppositeRouterType: "VBR", oppositeRouterId: vbr.vbrId, oppositeInterfaceId: initiator,
    }))).body!.routerInterfaceId!;
    assert.match(initiator, /^ri-/);
    assert.equal(await statusOf(initiator), "Idle");

    const connect = (id: string) => sdk.connectRouterInterface(new VpcSdk.ConnectRouterInterfaceRequest({ regionId: REGION, routerInterfaceId: id }));
    assert.equal((await failure(connect(initiator))).code, "MissingParameter", "the initiator does not name its opposite interface yet");
    assert.equal((await failure(connect(acceptor))).code, "OperationFailed.NotInitiatingSide");
    await sdk.modifyRouterInterfaceAttribute(new VpcSdk.ModifyRouterInterfaceAttributeRequest({ regionId: REGION, routerInterfaceId: initiator, oppositeInterfaceId: acceptor }));

    // Routing through an interface that is not Active is refused.
    const route = (routeTableId: string, destinationCidrBlock: string, nextHopId: string) =>
      vpc.request("CreateRouteEntry", { RegionId: REGION, RouteTableId: routeTableId, DestinationCidrBlock: destinationCidrBlock, NextHopType: "RouterInterface", NextHopId: nextHopId });
    assert.equal((await failure(route(vbr.routeTableId!, "172.16.0.0/16", initiator))).code, "IncorrectStatus.RouterInterface");

    await connect(initiator);
    const [i, a] = await Promise.all([statusOf(initiator), statusOf(acceptor)]);
    assert.equal(i, "Connecting");
    assert.equal(a, "AcceptingConnecting");
    await eventually(async () => (await statusOf(initiator)) === "Active" && (await statusOf(acceptor)) === "Active" ? true : undefined);
    assert.equal((await failure(connect(initiator))).code, "IncorrectStatus");

    const listed = (await interfaces([{ key: "RouterId", value: [vbr.vbrId!] }]))[0]!;
    assert.equal(listed.role, "InitiatingSide");
    assert.equal(listed.spec, "Large.1");
    assert.equal(listed.bandwidth, 1000);
    assert.equal(listed.oppositeInterfaceId, acceptor);
    assert.equal(listed.oppositeInterfaceStatus, "Active");
    assert.equal(listed.oppositeVpcInstanceId, vpcId);
    assert.ok(listed.connectedTime);
    assert.deepEqual((await interfaces([{ key: "Role", value: ["AcceptingSide"] }])).map((r) => r.routerInterfaceId), [acceptor]);

    // Each side's table routes to the other through its own interface; another router's interface is refused.
    const toVpc = await route(vbr.routeTableId!, "172.16.0.0/16", initiator) as { RouteEntryId: string };
    assert.equal((await failure(route(vrouterTable, "192.168.101.0/24", initiator))).code, "InvalidRouterInterface");
    const toIdc = await route(vrouterTable, "192.168.100.0/24", acceptor) as { RouteEntryId: string };
    const entries = await sdk.describeRouteEntryList(new VpcSdk.DescribeRouteEntryListRequest({ regionId: REGION, routeTableId: vbr.routeTableId, routeEntryType: "Custom" }));
    assert.equal(entries.body!.routeEntrys!.routeEntry![0]!.nextHops!.nextHop![0]!.nextHopId, initiator);

    // Tear-down order: an Active interface and one with routes cannot go.
    const del = (id: string) => sdk.deleteRouterInterface(new VpcSdk.DeleteRouterInterfaceRequest({ regionId: REGION, routerInterfaceId: id }));
    assert.equal((await failure(del(initiator))).code, "IncorrectStatus");
    await sdk.deactivateRouterInterface(new VpcSdk.DeactivateRouterInterfaceRequest({ regionId: REGION, routerInterfaceId: initiator }));
    assert.equal(await statusOf(initiator), "Deactivating");
    await eventually(async () => (await statusOf(initiator)) === "Inactive" ? true : undefined);
    assert.equal((await failure(del(initiator))).code, "DependencyViolation.RouteEntry");
    await sdk.activateRouterInterface(new VpcSdk.ActivateRouterInterfaceRequest({ regionId: REGION, routerInterfaceId: initiator }));
    await eventually(async () => (await statusOf(initiator)) === "Active" ? true : undefined);
    await sdk.deactivateRouterInterface(new VpcSdk.DeactivateRouterInterfaceRequest({ regionId: REGION, routerInterfaceId: initiator }));
    await eventually(async () => (await statusOf(initiator)) === "Inactive" ? true : undefined);
    await eventually(async () => {
      const list = await vpc.request("DescribeRouteEntryList", { RegionId: REGION, RouteTableId: vbr.routeTableId, RouteEntryId: toVpc.RouteEntryId }) as { RouteEntrys: { RouteEntry: { Status: string }[] } };
      return list.RouteEntrys.RouteEntry[0]?.Status === "Available" ? true : undefined;
    });
    await vpc.request("DeleteRouteEntry", { RegionId: REGION, RouteEntryId: toVpc.RouteEntryId });
    await del(initiator);
    assert.equal(await statusOf(initiator), undefined);
    assert.ok(toIdc.RouteEntryId);
  });

  it("validates Role, Spec, routers and opposite pairing with Alibaba-style codes", async () => {
    const vbr = (await vbrs([{ key: "VlanId", value: ["100"] }])).virtualBorderRouterSet!.virtualBorderRouterType![0]!;
    const { vpcId } = await network(emulator.url, "172.17.0.0/16", "172.17.1.0/24");
    const { VRouterId } = await vpc.request("DescribeVpcAttribute", { RegionId: REGION, VpcId: vpcId }) as { VRouterId: string };
    const create = (p: Record<string, unknown>) => vpc.request("CreateRouterInterface", {
      RegionId: REGION, Role: "InitiatingSide", RouterType: "VBR", RouterId: vbr.vbrId, Spec: "Small.1", OppositeRegionId: REGION, ...p,
    });
    assert.equal((await failure(create({ Spec: "Huge.9" }))).code, "InvalidParameter");
    assert.equal((await failure(create({ Spec: "Negative" }))).code, "InvalidParameter");
    assert.equal((await failure(create({ Role: "AcceptingSide", Spec: "Negative" }))).code, "InvalidParameter");
    assert.equal((await failure(create({ OppositeRegionId: "mars-1" }))).code, "InvalidParameter");
    assert.equal((await failure(create({ Role: "Sideways" }))).code, "InvalidParameter");
    assert.equal((await failure(create({ RouterType: "VRouter", RouterId: "vrt-nope" }))).code, "InvalidRouterId.NotFound");

    // The initiator names an acceptor that does not name it back.
    const { RouterInterfaceId: stranger } = await create({ Role: "AcceptingSide", RouterType: "VRouter", RouterId: VRouterId, Spec: "Negative", OppositeRouterType: "VBR", OppositeRouterId: vbr.vbrId }) as { RouterInterfaceId: string };
    const { RouterInterfaceId: initiator } = await create({ OppositeRouterId: VRouterId, OppositeInterfaceId: stranger }) as { RouterInterfaceId: string };
    assert.equal((await failure(vpc.request("ConnectRouterInterface", { RegionId: REGION, RouterInterfaceId: initiator }))).code, "OperationFailed.OppositeMismatch");
    assert.equal((await failure(vpc.request("ActivateRouterInterface", { RegionId: REGION, RouterInterfaceId: initiator }))).code, "IncorrectStatus");
    const unknown = await failure(vpc.request("ConnectRouterInterface", { RegionId: REGION, RouterInterfaceId: "ri-nope" }));
    assert.equal(unknown.code, "InvalidRouterInterfaceId.NotFound");
    // Idle interfaces delete at once.
    await vpc.request("DeleteRouterInterface", { RegionId: REGION, RouterInterfaceId: initiator });
    await vpc.request("DeleteRouterInterface", { RegionId: REGION, RouterInterfaceId: stranger });
  });

  it("keeps a VPC whose VRouter has an interface from being deleted with DependencyViolation.RouterInterface", async () => {
    const { VpcId, VRouterId } = await vpc.request("CreateVpc", { RegionId: REGION, CidrBlock: "172.18.0.0/16" }) as { VpcId: string; VRouterId: string };
    await eventually(async () => (await vpc.request("DescribeVpcs", { RegionId: REGION, VpcId }) as { Vpcs: { Vpc: { Status: string }[] } }).Vpcs.Vpc[0]?.Status === "Available" ? true : undefined);
    const { RouterInterfaceId } = await vpc.request("CreateRouterInterface", {
      RegionId: REGION, Role: "AcceptingSide", RouterType: "VRouter", RouterId: VRouterId, Spec: "Negative", OppositeRegionId: "cn-shanghai",
    }) as { RouterInterfaceId: string };
    assert.equal((await failure(vpc.request("DeleteVpc", { RegionId: REGION, VpcId }))).code, "DependencyViolation.RouterInterface");
    await vpc.request("DeleteRouterInterface", { RegionId: REGION, RouterInterfaceId });
    await vpc.request("DeleteVpc", { RegionId: REGION, VpcId });
  });
});
