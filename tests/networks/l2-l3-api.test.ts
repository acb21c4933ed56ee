import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";
import { addSimHost, bridgesOn, hostd, simZone } from "./support.ts";

describe("L2 and L3 networks API", () => {
  let t: TestNode;
  let zoneUuid: string;
  let clusterUuid: string;
  let hosts: string[];

  before(async () => {
    t = await startNode();
    ({ zoneUuid, clusterUuid } = await simZone(t));
    hosts = [await addSimHost(t, clusterUuid, "sim-a"), await addSimHost(t, clusterUuid, "sim-b")];
  });
  after(async () => { await t.destroy(); });

  const createL2 = (params: Record<string, unknown>, kind = "no-vlan") => t.admin.post(`/v1/l2-networks/${kind}`, { params: { zoneUuid, ...params } });
  const createL3 = async (l2NetworkUuid: string, name = "l3") =>
    (await t.admin.post("/v1/l3-networks", { params: { name, l2NetworkUuid, category: "Private" } })).body.inventory;

  describe("validation", () => {
    const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
      ["no-vlan", "missing physicalInterface", { name: "x" }, /physicalInterface/],
      ["no-vlan", "interface name with a space", { name: "x", physicalInterface: "eth 0" }, /physicalInterface/],
      ["no-vlan", "interface name over 15 characters", { name: "x", physicalInterface: "a".repeat(16) }, /physicalInterface/],
      ["no-vlan", "empty name", { name: "", physicalInterface: "eth0" }, /name/],
      ["vlan", "vlan 0", { name: "x", physicalInterface: "eth0", vlan: 0 }, /vlan/],
      ["vlan", "vlan 4095", { name: "x", physicalInterface: "eth0", vlan: 4095 }, /vlan/],
      ["vlan", "missing vlan", { name: "x", physicalInterface: "eth0" }, /vlan/],
      ["no-vlan", "unknown field", { name: "x", physicalInterface: "eth0", mtu: 9000 }, /mtu/],
    ];
    for (const [kind, what, params, field] of cases) {
      it(`refuses an L2 network with ${what} (400, field named)`, async () => {
        const r = await createL2(params, kind);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.error.code, "SYS.1007");
        assert.match(`${r.body.error.description} ${r.body.error.details}`, field);
      });
    }

    it("refuses an L3 network with a bad category or missing L2 network", async () => {
      const l2 = (await createL2({ name: "val-l2", physicalInterface: "eth9" })).body.inventory;
      const cat = await t.admin.post("/v1/l3-networks", { params: { name: "x", l2NetworkUuid: l2.uuid, category: "Shiny" } });
      assert.equal(cat.status, 400);
      assert.match(cat.body.error.details, /category/);
      const missing = await t.admin.post("/v1/l3-networks", { params: { name: "x", l2NetworkUuid: "0".repeat(32), category: "Private" } });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "SYS.1003");
    });

    it("refuses bad IP ranges with a message naming the field", async () => {
      const l2 = (await createL2({ name: "range-l2", physicalInterface: "eth8" })).body.inventory;
      const l3 = await createL3(l2.uuid, "range-l3");
      const add = (p: Record<string, unknown>) => t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges`,
        { params: { name: "r", startIp: "10.251.1.10", endIp: "10.251.1.100", netmask: "255.255.255.0", gateway: "10.251.1.1", ...p } });
      const bad: Array<[Record<string, unknown>, RegExp]> = [
        [{ startIp: "10.251.1" }, /startIp/],
        [{ endIp: "::1" }, /endIp/],
        [{ netmask: "255.0.255.0" }, /netmask/],
        [{ gateway: "x" }, /gateway/],
        [{ startIp: "10.251.1.200" }, /startIp.*after endIp/],
        [{ endIp: "10.251.2.5" }, /endIp.*subnet/],
        [{ gateway: "10.251.1.50" }, /gateway.*inside the range/],
        [{ startIp: "10.251.1.0" }, /startIp.*network address/],
        [{ endIp: "10.251.1.255" }, /endIp.*broadcast/],
      ];
      for (const [p, re] of bad) {
        const r = await add(p);
        assert.equal(r.status, 400, `${JSON.stringify(p)}: ${r.text}`);
        assert.match(`${r.body.error.description} ${r.body.error.details}`, re, JSON.stringify(p));
      }
      assert.equal((await add({})).status, 200);
      const overlap = await add({ startIp: "10.251.1.100", endIp: "10.251.1.120" });
      assert.equal(overlap.status, 400);
      assert.match(overlap.body.error.details, /overlaps/);
      const otherGw = await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges`,
        { params: { name: "r2", startIp: "10.251.2.10", endIp: "10.251.2.20", netmask: "255.255.255.0", gateway: "10.251.2.1" } });
      assert.equal(otherGw.status, 400);
      assert.match(otherGw.body.error.details, /same/);
      const cidr = await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges/by-cidr`, { params: { name: "c", networkCidr: "10.251.1.1/24" } });
      assert.equal(cidr.status, 400);
      assert.match(cidr.body.error.details, /networkCidr/);
    });
  });

  describe("CRUD", () => {
    it("creates, gets, queries, updates an L2 vlan network with a ZStack bridge name", async () => {
      const r = await createL2({ name: "vlan-10", physicalInterface: "eth0", vlan: 10, description: "d" }, "vlan");
      assert.equal(r.status, 200, r.text);
      const inv = r.body.inventory;
      assert.equal(inv.type, "L2VlanNetwork");
      assert.equal(inv.vlan, 10);
      assert.equal(inv.bridgeName, "br_eth0_10");
      assert.deepEqual(inv.attachedClusterUuids, []);
      const long = (await createL2({ name: "long", physicalInterface: "enp129s0f0np0", vlan: 4094 }, "vlan")).body.inventory;
      assert.ok(long.bridgeName.length <= 15 && long.bridgeName.startsWith("br_enp") && long.bridgeName.endsWith("_4094"), long.bridgeName);
      const got = await t.admin.get(`/v1/l2-networks/${inv.uuid}`);
      assert.equal(got.body.inventories[0].name, "vlan-10");
      const q = await t.admin.get("/v1/l2-networks?q=vlan=10&q=type=L2VlanNetwork");
      assert.deepEqual(q.body.inventories.map((i: { uuid: string }) => i.uuid), [inv.uuid]);
      const u = await t.admin.put(`/v1/l2-networks/${inv.uuid}/actions`, { updateL2Network: { name: "vlan-ten" } });
      assert.equal(u.body.inventory.name, "vlan-ten");
      assert.equal((await t.admin.get(`/v1/l2-networks/${"0".repeat(32)}`)).status, 404);
    });

    it("creates an L3 network with ranges (also by CIDR), DNS, state changes, and queries it", async () => {
      const l2 = (await createL2({ name: "crud-l2", physicalInterface: "eth1" })).body.inventory;
      const l3 = await createL3(l2.uuid, "crud-l3");
      assert.equal(l3.state, "Enabled");
      assert.equal(l3.zoneUuid, zoneUuid);
      const byCidr = await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges/by-cidr`, { params: { name: "c", networkCidr: "10.251.3.0/24" } });
      assert.equal(byCidr.status, 200, byCidr.text);
      assert.deepEqual([byCidr.body.inventory.startIp, byCidr.body.inventory.endIp, byCidr.body.inventory.gateway, byCidr.body.inventory.netmask],
        ["10.251.3.2", "10.251.3.254", "10.251.3.1", "255.255.255.0"]);
      assert.equal(byCidr.body.inventory.networkCidr, "10.251.3.0/24");
      const dns = await t.admin.post(`/v1/l3-networks/${l3.uuid}/dns`, { params: { dns: "10.251.3.53" } });
      assert.deepEqual(dns.body.inventory.dns, ["10.251.3.53"]);
      assert.equal((await t.admin.post(`/v1/l3-networks/${l3.uuid}/dns`, { params: { dns: "10.251.3.53" } })).status, 409);
      assert.equal((await t.admin.post(`/v1/l3-networks/${l3.uuid}/dns`, { params: { dns: "nope" } })).status, 400);
      const ranges = await t.admin.get(`/v1/l3-networks/ip-ranges?q=l3NetworkUuid=${l3.uuid}`);
      assert.equal(ranges.body.inventories.length, 1);
      const q = await t.admin.get(`/v1/l3-networks?q=ipRanges.networkCidr=10.251.3.0/24`);
      assert.deepEqual(q.body.inventories.map((i: { uuid: string }) => i.uuid), [l3.uuid]);
      assert.equal(q.body.inventories[0].ipRanges.length, 1);
      const off = await t.admin.put(`/v1/l3-networks/${l3.uuid}/actions`, { changeL3NetworkState: { stateEvent: "disable" } });
      assert.equal(off.body.inventory.state, "Disabled");
      await t.admin.put(`/v1/l3-networks/${l3.uuid}/actions`, { changeL3NetworkState: { stateEvent: "enable" } });
      const upd = await t.admin.put(`/v1/l3-networks/${l3.uuid}/actions`, { updateL3Network: { dnsDomain: "strata.test", category: "Public" } });
      assert.deepEqual([upd.body.inventory.dnsDomain, upd.body.inventory.category], ["strata.test", "Public"]);
      const rm = await t.admin.delete(`/v1/l3-networks/${l3.uuid}/dns/10.251.3.53`);
      assert.deepEqual(rm.body.inventory.dns, []);
    });

    it("reserves addresses, lists free ones and counts them", async () => {
      const l2 = (await createL2({ name: "free-l2", physicalInterface: "eth2" })).body.inventory;
      const l3 = await createL3(l2.uuid, "free-l3");
      await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges`,
        { params: { name: "r", startIp: "10.251.4.10", endIp: "10.251.4.19", netmask: "255.255.255.0", gateway: "10.251.4.1" } });
      const res = await t.admin.post(`/v1/l3-networks/${l3.uuid}/reserved-ip-ranges`, { params: { startIp: "10.251.4.10", endIp: "10.251.4.12" } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.inventory.count, 3);
      const again = await t.admin.post(`/v1/l3-networks/${l3.uuid}/reserved-ip-ranges`, { params: { startIp: "10.251.4.12", endIp: "10.251.4.13" } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, "IPAM.IP_IN_USE");
      const outside = await t.admin.post(`/v1/l3-networks/${l3.uuid}/reserved-ip-ranges`, { params: { startIp: "10.251.4.19", endIp: "10.251.4.20" } });
      assert.equal(outside.status, 400);
      const free = await t.admin.get(`/v1/l3-networks/${l3.uuid}/ip/free?limit=3`);
      assert.deepEqual(free.body.inventories.map((f: { ip: string }) => f.ip), ["10.251.4.13", "10.251.4.14", "10.251.4.15"]);
      assert.equal(free.body.inventories[0].gateway, "10.251.4.1");
      const stat = await t.admin.get(`/v1/l3-networks/${l3.uuid}/ip-statistic`);
      assert.deepEqual([stat.body.totalCapacity, stat.body.availableCapacity, stat.body.reservedIpAddressNumber], [10, 7, 3]);
      await t.admin.delete(`/v1/l3-networks/${l3.uuid}/reserved-ip-ranges/10.251.4.10/10.251.4.12`);
      assert.equal((await t.admin.get(`/v1/l3-networks/${l3.uuid}/ip-statistic`)).body.availableCapacity, 10);
      assert.equal((await t.admin.get(`/v1/l3-networks/${l3.uuid}/ip/free?limit=0`)).status, 400);
    });

    it("lists the Flat provider and attaches/detaches its services (body not in params)", async () => {
      const providers = await t.admin.get("/v1/network-services/providers");
      assert.equal(providers.status, 200);
      const flat = providers.body.inventories.find((p: { type: string }) => p.type === "Flat");
      assert.deepEqual(flat.networkServiceTypes, ["DHCP", "Userdata", "DNS"]);
      const l2 = (await createL2({ name: "svc-l2", physicalInterface: "eth3" })).body.inventory;
      const l3 = await createL3(l2.uuid, "svc-l3");
      const r = await t.admin.post(`/v1/l3-networks/${l3.uuid}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.inventory.networkServices.map((s: { networkServiceType: string }) => s.networkServiceType).sort(), ["DHCP", "Userdata"]);
      const bad = await t.admin.post(`/v1/l3-networks/${l3.uuid}/network-services`, { networkServices: { [flat.uuid]: ["LoadBalancer"] } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.description, /LoadBalancer/);
      const wrapped = await t.admin.post(`/v1/l3-networks/${l3.uuid}/network-services`, { params: { networkServices: { [flat.uuid]: ["DHCP"] } } });
      assert.equal(wrapped.status, 400);
      const d = await t.admin.delete(`/v1/l3-networks/${l3.uuid}/network-services?networkServices=${encodeURIComponent(JSON.stringify({ [flat.uuid]: ["Userdata"] }))}`);
      assert.equal(d.status, 200, d.text);
      assert.deepEqual(d.body.inventory.networkServices.map((s: { networkServiceType: string }) => s.networkServiceType), ["DHCP"]);
    });
  });

  describe("attaching to a cluster of simulator hosts", () => {
    it("creates the bridge on every Connected host through a job, and detaching removes it", async () => {
      const l2 = (await createL2({ name: "att-vlan", physicalInterface: "eth0", vlan: 200 }, "vlan")).body.inventory;
      const r = await settle(t.admin, await t.admin.post(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`, {}));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.inventory.attachedClusterUuids, [clusterUuid]);
      for (const h of hosts) assert.deepEqual((await bridgesOn(t, h))["br_eth0_200"], ["eth0.200"], `bridge on ${h}`);
      const again = await t.admin.post(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`, {});
      assert.equal(again.status, 409);
      const q = await t.admin.get(`/v1/l2-networks?q=clusters.clusterUuid=${clusterUuid}`);
      assert.ok(q.body.inventories.some((i: { uuid: string }) => i.uuid === l2.uuid));

      const d = await settle(t.admin, await t.admin.delete(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`));
      assert.equal(d.status, 200, d.text);
      assert.deepEqual(d.body.inventory.attachedClusterUuids, []);
      for (const h of hosts) assert.equal((await bridgesOn(t, h))["br_eth0_200"], undefined);
    });

    it("fails the job when one host fails, removing the bridge from the others", async () => {
      const l2 = (await createL2({ name: "att-fail", physicalInterface: "eth5" })).body.inventory;
      await hostd(t, hosts[1]!, "/network/sim/fail", { op: "ensureBridge", error: "no such device eth5" });
      try {
        const r = await settle(t.admin, await t.admin.post(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`, {}));
        assert.equal(r.status, 503, r.text);
        assert.equal(r.body.error.code, "NETWORK.HOST_FAILED");
        assert.match(JSON.stringify(r.body.error), /no such device eth5/);
        assert.match(r.body.error.description, /sim-b/);
        for (const h of hosts) assert.equal((await bridgesOn(t, h))["br_eth5"], undefined, `nothing left on ${h}`);
        assert.deepEqual((await t.admin.get(`/v1/l2-networks/${l2.uuid}`)).body.inventories[0].attachedClusterUuids, []);
      } finally {
        await hostd(t, hosts[1]!, "/network/sim/fail", { clear: true });
      }
    });

    it("refuses a second L2 network with the same bridge in the cluster, and one from another zone", async () => {
      const a = (await createL2({ name: "dup-a", physicalInterface: "eth6" })).body.inventory;
      const b = (await createL2({ name: "dup-b", physicalInterface: "eth6" })).body.inventory;
      assert.equal((await settle(t.admin, await t.admin.post(`/v1/l2-networks/${a.uuid}/clusters/${clusterUuid}`, {}))).status, 200);
      const dup = await t.admin.post(`/v1/l2-networks/${b.uuid}/clusters/${clusterUuid}`, {});
      assert.equal(dup.status, 409);
      assert.match(dup.body.error.details, /br_eth6/);
      const other = await simZone(t, "other");
      const foreign = await t.admin.post(`/v1/l2-networks/${a.uuid}/clusters/${other.clusterUuid}`, {});
      assert.equal(foreign.status, 400);
    });

    it("gives a host that (re)connects the bridges of its cluster", async () => {
      const l2 = (await createL2({ name: "reconnect", physicalInterface: "eth7" })).body.inventory;
      assert.equal((await settle(t.admin, await t.admin.post(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`, {}))).status, 200);
      const late = await addSimHost(t, clusterUuid, "sim-late");
      assert.deepEqual((await bridgesOn(t, late))["br_eth7"], ["eth7"]);
      await hostd(t, late, "/network/bridge/delete", { bridgeName: "br_eth7" });
      const r = await settle(t.admin, await t.admin.put(`/v1/hosts/${late}/actions`, { reconnectHost: {} }));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await bridgesOn(t, late))["br_eth7"], ["eth7"]);
      await settle(t.admin, await t.admin.delete(`/v1/hosts/${late}`));
    });
  });

  describe("deletion", () => {
    it("refuses to delete an L2 network with L3 networks (Permissive); Enforcing deletes them and the bridges", async () => {
      const l2 = (await createL2({ name: "del-l2", physicalInterface: "eth4" })).body.inventory;
      const l3 = await createL3(l2.uuid, "del-l3");
      await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges/by-cidr`, { params: { name: "c", networkCidr: "10.251.5.0/28" } });
      await t.admin.post(`/v1/l3-networks/${l3.uuid}/reserved-ip-ranges`, { params: { startIp: "10.251.5.2", endIp: "10.251.5.2" } });
      assert.equal((await settle(t.admin, await t.admin.post(`/v1/l2-networks/${l2.uuid}/clusters/${clusterUuid}`, {}))).status, 200);
      const refused = await t.admin.delete(`/v1/l2-networks/${l2.uuid}`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, "SYS.1004");
      assert.match(refused.body.error.details, /del-l3/);
      const r = await settle(t.admin, await t.admin.delete(`/v1/l2-networks/${l2.uuid}?deleteMode=Enforcing`));
      assert.equal(r.status, 200, r.text);
      assert.equal((await t.admin.get(`/v1/l3-networks/${l3.uuid}`)).status, 404);
      assert.equal((await t.admin.get(`/v1/l2-networks/${l2.uuid}`)).status, 404);
      assert.equal(await t.node.services.db.prisma.usedIp.count({ where: { l3NetworkUuid: l3.uuid } }), 0);
      for (const h of hosts) assert.equal((await bridgesOn(t, h))["br_eth4"], undefined);
    });

    it("refuses to delete an L3 network or IP range whose addresses VM NICs use", async () => {
      const l2 = (await createL2({ name: "nic-l2", physicalInterface: "eth10" })).body.inventory;
      const l3 = await createL3(l2.uuid, "nic-l3");
      const range = (await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges/by-cidr`, { params: { name: "c", networkCidr: "10.251.6.0/29" } })).body.inventory;
      const prisma = t.node.services.db.prisma;
      const ip = await prisma.$transaction((tx) => t.node.services.ipam.allocate(tx, { l3NetworkUuid: l3.uuid }));
      const vm = await prisma.vmInstance.create({
        data: { uuid: "e".repeat(32), name: "vm", zoneUuid, cpuNum: 1, memorySize: 1n, state: "Stopped", accountUuid: l3.accountUuid },
      });
      await prisma.vmNic.create({
        data: { uuid: "f".repeat(32), vmInstanceUuid: vm.uuid, l3NetworkUuid: l3.uuid, l2NetworkUuid: l2.uuid, usedIpUuid: ip.usedIpUuid, ip: ip.ip, mac: "fa:00:00:00:00:01", deviceId: 0, internalName: "vnic1.0" },
      });
      const delL3 = await t.admin.delete(`/v1/l3-networks/${l3.uuid}`);
      assert.equal(delL3.status, 409);
      const delRange = await t.admin.delete(`/v1/l3-networks/ip-ranges/${range.uuid}`);
      assert.equal(delRange.status, 409);
      const delL2 = await t.admin.delete(`/v1/l2-networks/${l2.uuid}?deleteMode=Enforcing`);
      assert.equal(delL2.status, 409);
      await prisma.vmInstance.delete({ where: { uuid: vm.uuid } });
      await prisma.$transaction((tx) => t.node.services.ipam.release(tx, ip.usedIpUuid));
      assert.equal((await t.admin.delete(`/v1/l3-networks/ip-ranges/${range.uuid}`)).status, 200);
      assert.equal((await t.admin.delete(`/v1/l3-networks/${l3.uuid}`)).status, 200);
    });
  });
});
