import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import RPCClient from "@alicloud/pop-core";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, REGION, type HybridRig, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";

type Body = Record<string, unknown>;
type Inv = Record<string, unknown> & { uuid: string };

function vpcApi(url: string) {
  const c = new RPCClient({ accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: url, apiVersion: "2016-04-28" });
  return (action: string, params: Body = {}) => c.request(action, { RegionId: REGION, ...params }, { method: "POST" }) as Promise<Body>;
}

describe("Alibaba Express Connect through the REST API: VBRs, router interfaces, quick Express Connect", () => {
  let rig: HybridRig;
  let api: ReturnType<typeof vpcApi>;
  let dcUuid: string;
  let vbr: Inv;
  const list = async (path: string): Promise<Inv[]> => {
    const r = await rig.admin.get(path);
    assert.equal(r.status, 200, r.text);
    return r.body.inventories;
  };
  const createVpc = async (cidrBlock: string, name: string) => {
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dcUuid, cidrBlock, name, vRouterName: `${name}-router` } }));
    assert.equal(done.status, 200, done.text);
    return (await list(`/v1/hybrid/aliyun/vrouter?q=vpcUuid=${done.body.inventory.uuid}`))[0]!;
  };
  const remoteRoutes = async (routeTableId: string) =>
    ((await api("DescribeRouteEntryList", { RouteTableId: routeTableId })) as { RouteEntrys: { RouteEntry: Body[] } }).RouteEntrys.RouteEntry
      .filter((e) => e.Type === "Custom").map((e) => [e.DestinationCidrBlock, e.NextHopType, e.InstanceId]);
  const remoteInterfaces = async () => ((await api("DescribeRouterInterfaces")) as { RouterInterfaceSet: { RouterInterfaceType: Body[] } }).RouterInterfaceSet.RouterInterfaceType;

  before(async () => {
    rig = await startHybridRig();
    api = vpcApi(rig.emulator.url);
    dcUuid = (await rig.addRegion()).uuid;
  });
  after(async () => { await rig.destroy(); });

  it("syncs the region's VBRs with their addressing and route table", async () => {
    const r = await rig.admin.put(`/v1/hybrid/aliyun/border-router/${dcUuid}/sync`, {});
    assert.equal(r.status, 200, r.text);
    [vbr] = r.body.inventories;
    assert.deepEqual([vbr!.status, vbr!.vlanId, vbr!.localGatewayIp, vbr!.peerGatewayIp], ["active", "100", "10.254.0.1", "10.254.0.2"]);
    assert.match(vbr!.routeTableId as string, /^vtb-/);
    assert.equal((await list(`/v1/hybrid/aliyun/border-router?q=vbrId=${vbr!.vbrId}`)).length, 1);
  });

  let vrouter: Inv;
  it("quick Express Connect: interfaces on both sides, connected, and a route each way in both tables", async () => {
    vrouter = await createVpc("192.168.0.0/16", "prod");
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/express-connect/quick", {
      params: { vbrUuid: vbr.uuid, vRouterUuid: vrouter.uuid, localCidr: "172.16.0.0/16", name: "idc-line" },
    }));
    assert.equal(done.status, 200, done.text);
    const { vbrInterface, vrouterInterface, vbrRouteEntry, vrouterRouteEntry } = done.body.inventory;
    assert.deepEqual([vbrInterface.status, vbrInterface.role, vbrInterface.vRouterType, vbrInterface.spec], ["Active", "InitiatingSide", "vbr", "Middle.1"]);
    assert.deepEqual([vrouterInterface.status, vrouterInterface.role, vrouterInterface.vRouterType, vrouterInterface.spec], ["Active", "AcceptingSide", "vrouter", "Negative"]);
    assert.equal(vbrInterface.oppositeInterfaceUuid, vrouterInterface.uuid);
    assert.equal(vrouterInterface.oppositeInterfaceUuid, vbrInterface.uuid);
    assert.deepEqual([vbrRouteEntry.vRouterType, vbrRouteEntry.status, vrouterRouteEntry.status], ["vbr", "Available", "Available"]);

    // Both route tables show the new entries, on Alibaba and in Strata.
    assert.deepEqual(await remoteRoutes(vbr.routeTableId as string), [["192.168.0.0/16", "RouterInterface", vbrInterface.routerInterfaceId]]);
    assert.deepEqual(await remoteRoutes(vrouter.routeTableId as string), [["172.16.0.0/16", "RouterInterface", vrouterInterface.routerInterfaceId]]);
    const vbrRoutes = await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${vbr.uuid}&q=type=Custom`);
    assert.deepEqual(vbrRoutes.map((e) => [e.destinationCidrBlock, e.nextHopType, e.nextHopId]), [["192.168.0.0/16", "RouterInterface", vbrInterface.routerInterfaceId]]);
    const vrRoutes = await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${vrouter.uuid}&q=type=Custom`);
    assert.deepEqual(vrRoutes.map((e) => [e.destinationCidrBlock, e.nextHopType, e.nextHopId]), [["172.16.0.0/16", "RouterInterface", vrouterInterface.routerInterfaceId]]);
    assert.equal((await list(`/v1/hybrid/aliyun/router-interface?q=status=Active`)).length, 2);
  });

  it("quick Express Connect leaves nothing behind when its last step fails", async () => {
    const other = await createVpc("10.1.0.0/16", "test");
    const before = { interfaces: (await remoteInterfaces()).length, records: (await list("/v1/hybrid/aliyun/router-interface")).length };
    // The second CreateRouteEntry — the VRouter's route, the last step — is refused.
    rig.emulator.faults.failNext({ action: "CreateRouteEntry", skip: 1, count: 1, code: "Forbidden.RAM", status: 403, message: "injected" });
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/express-connect/quick", {
      params: { vbrUuid: vbr.uuid, vRouterUuid: other.uuid, localCidr: "172.17.0.0/16", vpcCidr: "10.1.0.0/16", name: "doomed" },
    }));
    assert.notEqual(done.status, 200, done.text);
    assert.match(done.text, /Forbidden\.RAM/);
    assert.equal((await remoteInterfaces()).length, before.interfaces, "no router interface left on Alibaba");
    assert.equal((await list("/v1/hybrid/aliyun/router-interface")).length, before.records);
    assert.deepEqual((await remoteRoutes(vbr.routeTableId as string)).map((e) => e[0]), ["192.168.0.0/16"], "the VBR route of the failed run is gone");
    assert.deepEqual(await remoteRoutes(other.routeTableId as string), []);
    assert.deepEqual((await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${vbr.uuid}&q=type=Custom`)).map((e) => e.destinationCidrBlock), ["192.168.0.0/16"]);
    assert.deepEqual(await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${other.uuid}&q=type=Custom`), []);
  });

  it("creates and connects a router interface pair the ZStack way, and a data-center sync records interfaces and VBR routes", async () => {
    const third = await createVpc("10.2.0.0/16", "third");
    const a = await rig.admin.post("/v1/hybrid/aliyun/router-interface", {
      params: { dataCenterUuid: dcUuid, vRouterUuid: vbr.uuid, routerType: "VBR", spec: "Small.1", name: "to-third", oppositeRouterUuid: third.uuid },
    });
    assert.equal(a.status, 200, a.text);
    const b = await rig.admin.post("/v1/hybrid/aliyun/router-interface", {
      params: { dataCenterUuid: dcUuid, vRouterUuid: third.uuid, routerType: "VRouter", name: "from-vbr", oppositeRouterUuid: vbr.uuid, oppositeInterfaceUuid: a.body.inventory.uuid },
    });
    assert.equal(b.status, 200, b.text);
    assert.deepEqual([a.body.inventory.status, b.body.inventory.spec], ["Idle", "Negative"]);
    const connected = await settle(rig.admin, await rig.admin.put(`/v1/hybrid/aliyun/router-interface/${a.body.inventory.uuid}/actions`, {
      startConnectionBetweenAliyunRouterInterface: { vrouterInterfaceUuid: b.body.inventory.uuid },
    }));
    assert.equal(connected.status, 200, connected.text);
    assert.equal(connected.body.inventory.status, "Active");
    // Forget them locally; the data-center sync brings them back.
    for (const r of [a, b]) assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/router-interface/${r.body.inventory.uuid}`)).status, 200);
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/border-router/${vbr.uuid}`)).status, 200);
    const results = await rig.sync(dcUuid);
    assert.equal(results.VirtualBorderRouter!.created, 1);
    assert.equal(results.AliyunRouterInterface!.created, 2);
    const [vbrAgain] = await list("/v1/hybrid/aliyun/border-router");
    assert.deepEqual((await list(`/v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=${vbrAgain!.uuid}&q=type=Custom`)).map((e) => e.destinationCidrBlock), ["192.168.0.0/16"]);
    const back = await list(`/v1/hybrid/aliyun/router-interface?q=name=to-third`);
    assert.equal(back[0]!.status, "Active");
    assert.ok(back[0]!.oppositeInterfaceUuid);
    // ZStack's route-entry API on a VBR, the next hop named by the interface's Strata uuid.
    const route = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/route-entry", {
      params: { vRouterUuid: vbrAgain!.uuid, vRouterType: "vbr", dstCidrBlock: "10.2.0.0/16", nextHopType: "RouterInterface", nextHopUuid: back[0]!.uuid },
    }));
    assert.equal(route.status, 200, route.text);
    assert.deepEqual([route.body.inventory.vRouterType, route.body.inventory.nextHopId, route.body.inventory.status], ["vbr", back[0]!.routerInterfaceId, "Available"]);
    assert.ok((await remoteRoutes(vbr.routeTableId as string)).some((e) => e[0] === "10.2.0.0/16"));
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/route-entry/${route.body.inventory.uuid}`)).status, 200);
    // Deleting on Alibaba deactivates first.
    const del = await settle(rig.admin, await rig.admin.delete(`/v1/hybrid/aliyun/router-interface/remote/${back[0]!.uuid}`));
    assert.equal(del.status, 200, del.text);
    assert.equal((await remoteInterfaces()).filter((r) => r.Name === "to-third").length, 0);
  });

  it("third-party line: local routes point through it, inside its networks only, and it is not forgotten while they do", async () => {
    const line = await rig.admin.post("/v1/hybrid/third-party-connection", {
      params: {
        name: "sdwan-1", provider: "ExampleNet SD-WAN", bandwidthMbps: 200, localCidrs: ["172.16.0.0/16"], remoteCidrs: ["192.168.0.0/16"],
        localEndpointId: "cpe-203.0.113.5", remoteEndpointId: vbr.vbrId as string, dataCenterUuid: dcUuid,
      },
    });
    assert.equal(line.status, 200, line.text);
    const route = await rig.admin.post("/v1/hybrid/local-route-entry", {
      params: { destinationCidrBlock: "192.168.1.0/24", nextHopType: "ThirdPartyConnection", nextHopUuid: line.body.inventory.uuid },
    });
    assert.equal(route.status, 200, route.text);
    assert.deepEqual([route.body.inventory.nextHopType, route.body.inventory.nextHopUuid], ["ThirdPartyConnection", line.body.inventory.uuid]);
    const outside = await rig.admin.post("/v1/hybrid/local-route-entry", {
      params: { destinationCidrBlock: "10.9.0.0/16", nextHopType: "ThirdPartyConnection", nextHopUuid: line.body.inventory.uuid },
    });
    assert.equal(outside.status, 400, outside.text);
    assert.equal(outside.body.error.code, "SYS.1007");
    const narrow = await rig.admin.put(`/v1/hybrid/third-party-connection/${line.body.inventory.uuid}/actions`, { updateHybridThirdPartyConnection: { remoteCidrs: ["192.168.2.0/24"] } });
    assert.equal(narrow.body.error.code, "SYS.1006", narrow.text);
    const refused = await rig.admin.delete(`/v1/hybrid/third-party-connection/${line.body.inventory.uuid}`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, "SYS.1004");
    assert.equal((await list(`/v1/hybrid/local-route-entry?q=nextHopUuid=${line.body.inventory.uuid}`)).length, 1);
    const enforced = await rig.admin.delete(`/v1/hybrid/third-party-connection/${line.body.inventory.uuid}?deleteMode=Enforcing`);
    assert.equal(enforced.status, 200, enforced.text);
    assert.deepEqual(await list("/v1/hybrid/local-route-entry"), []);
  });
});
