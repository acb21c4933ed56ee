import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiError } from "../../server/errors/catalogue.ts";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";
import { addSimHost, bridgesOn, hostd, simZone } from "./support.ts";

interface DhcpNet { l3NetworkUuid: string; bridgeName: string; dhcpServerIp: string; gateway: string; netmask: string; dns: string[]; dnsDomain?: string; running: boolean; entries: Array<{ mac: string; ip: string; hostname?: string }> }

describe("FlatNetworkService on simulator hosts", () => {
  let t: TestNode;
  let hostUuid: string;
  let otherClusterHost: string;
  let l3NetworkUuid: string;
  let bareL3: string;

  before(async () => {
    t = await startNode();
    const { zoneUuid, clusterUuid } = await simZone(t, "flat");
    hostUuid = await addSimHost(t, clusterUuid, "flat-a");
    const other = await t.admin.post("/v1/clusters", { params: { zoneUuid, name: "flat-other", hypervisorType: "Simulator" } });
    otherClusterHost = await addSimHost(t, other.body.inventory.uuid, "flat-b");
    const l2 = (await t.admin.post("/v1/l2-networks/vlan", { params: { name: "flat-l2", zoneUuid, physicalInterface: "eth0", vlan: 30 } })).body.inventory;
    assert.equal((await settle(t.admin, await t.admin.post(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`, {}))).status, 200);
    const l3 = (await t.admin.post("/v1/l3-networks", { params: { name: "flat-l3", l2NetworkUuid: l2.uuid, category: "Private", dnsDomain: "strata.test" } })).body.inventory;
    l3NetworkUuid = l3.uuid;
    await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges/by-cidr`, { params: { name: "c", networkCidr: "10.251.20.0/24" } });
    await t.admin.post(`/v1/l3-networks/${l3.uuid}/dns`, { params: { dns: "10.251.20.53" } });
    const flat = (await t.admin.get("/v1/network-services/providers?q=type=Flat")).body.inventories[0];
    await t.admin.post(`/v1/l3-networks/${l3.uuid}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } });
    bareL3 = (await t.admin.post("/v1/l3-networks", { params: { name: "no-dhcp", l2NetworkUuid: l2.uuid, category: "Private" } })).body.inventory.uuid;
    await t.admin.post(`/v1/l3-networks/${bareL3}/ip-ranges/by-cidr`, { params: { name: "c", networkCidr: "10.251.21.0/24" } });
  });
  after(async () => { await t.destroy(); });

  const flat = () => t.node.services.flatNetwork;
  const dhcpOn = async (host: string) => (await hostd<{ networks: DhcpNet[] }>(t, host, "/network/flatdhcp/list")).networks;

  it("prepares host networks: returns each L3's bridge and creates it on the host", async () => {
    await hostd(t, hostUuid, "/network/bridge/delete", { bridgeName: "br_eth0_30" });
    const map = await flat().prepareHostNetworks(hostUuid, [l3NetworkUuid, bareL3]);
    assert.deepEqual(map, { [l3NetworkUuid]: "br_eth0_30", [bareL3]: "br_eth0_30" });
    assert.deepEqual((await bridgesOn(t, hostUuid))["br_eth0_30"], ["eth0.30"]);
  });

  it("refuses an L3 network whose L2 network is not attached to the host's cluster", async () => {
    await assert.rejects(flat().prepareHostNetworks(otherClusterHost, [l3NetworkUuid]), (e: ApiError) => e.code === "SYS.1006");
  });

  it("applies DHCP entries with the L3's gateway, netmask, DNS and a reserved DHCP server address, idempotently per MAC", async () => {
    const prisma = t.node.services.db.prisma;
    const ip1 = await prisma.$transaction((tx) => t.node.services.ipam.allocate(tx, { l3NetworkUuid }));
    const ip2 = await prisma.$transaction((tx) => t.node.services.ipam.allocate(tx, { l3NetworkUuid }));
    await flat().applyDhcp(hostUuid, [
      { l3NetworkUuid, mac: "FA:00:00:00:00:01", ip: ip1.ip, hostname: "vm-1" },
      { l3NetworkUuid, mac: "fa:00:00:00:00:02", ip: ip2.ip },
    ]);
    await flat().applyDhcp(hostUuid, [{ l3NetworkUuid, mac: "fa:00:00:00:00:01", ip: ip1.ip, hostname: "vm-1" }]);
    const [net] = await dhcpOn(hostUuid);
    assert.ok(net);
    assert.deepEqual([net.bridgeName, net.gateway, net.netmask, net.dns, net.dnsDomain, net.running],
      ["br_eth0_30", "10.251.20.1", "255.255.255.0", ["10.251.20.53"], "strata.test", true]);
    assert.equal(net.dhcpServerIp, "10.251.20.254", "the highest free address");
    assert.deepEqual(net.entries.map((e) => [e.mac, e.ip, e.hostname ?? null]).sort(),
      [["fa:00:00:00:00:01", ip1.ip, "vm-1"], ["fa:00:00:00:00:02", ip2.ip, null]]);
    const dhcpRows = await prisma.usedIp.findMany({ where: { l3NetworkUuid, usedFor: "DHCP" } });
    assert.deepEqual(dhcpRows.map((r) => r.ip), ["10.251.20.254"]);
    const stat = await t.admin.get(`/v1/l3-networks/${l3NetworkUuid}/ip-statistic`);
    assert.equal(stat.body.dhcpIpAddressNumber, 1);
  });

  it("skips L3 networks without the DHCP service and refuses bad entries", async () => {
    await flat().applyDhcp(hostUuid, [{ l3NetworkUuid: bareL3, mac: "fa:00:00:00:00:09", ip: "10.251.21.9" }]);
    assert.equal((await dhcpOn(hostUuid)).some((n) => n.l3NetworkUuid === bareL3), false);
    await assert.rejects(flat().applyDhcp(hostUuid, [{ l3NetworkUuid, mac: "fa:00:00:00:00:03", ip: "10.251.99.3" }]), (e: ApiError) => e.httpStatus === 400);
    await assert.rejects(flat().applyDhcp(hostUuid, [{ l3NetworkUuid, mac: "zz", ip: "10.251.20.3" }]), (e: ApiError) => /mac/.test(e.details ?? ""));
    await assert.rejects(flat().applyDhcp(hostUuid, [{ l3NetworkUuid, mac: "fa:00:00:00:00:03", ip: "10.251.20.3", hostname: "bad_name" }]),
      (e: ApiError) => /hostname/.test(e.details ?? ""));
  });

  it("reports a host failure as NETWORK.HOST_FAILED with the agent's error", async () => {
    await hostd(t, hostUuid, "/network/sim/fail", { op: "applyDhcp", error: "dnsmasq exploded" });
    try {
      await assert.rejects(flat().applyDhcp(hostUuid, [{ l3NetworkUuid, mac: "fa:00:00:00:00:04", ip: "10.251.20.4" }]),
        (e: ApiError) => e.code === "NETWORK.HOST_FAILED" && /dnsmasq exploded/.test(e.details ?? ""));
    } finally {
      await hostd(t, hostUuid, "/network/sim/fail", { clear: true });
    }
  });

  it("releases entries; the last one stops the L3's DHCP server on the host", async () => {
    await flat().releaseDhcp(hostUuid, [{ l3NetworkUuid, mac: "FA:00:00:00:00:01" }]);
    assert.deepEqual((await dhcpOn(hostUuid))[0]!.entries.map((e) => e.mac), ["fa:00:00:00:00:02"]);
    await flat().releaseDhcp(hostUuid, [{ l3NetworkUuid, mac: "fa:00:00:00:00:02" }, { l3NetworkUuid, mac: "fa:00:00:00:00:77" }]);
    assert.deepEqual(await dhcpOn(hostUuid), []);
  });
});
