/**
 * The VM APIs beyond the lifecycle on simulator hosts: console, offering and boot settings,
 * NIC attach/detach, clone and cold migration — their state rules, bad input, and what they
 * change in the database, on the hosts' capacity and in the simulated hypervisor.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { SimDriver } from "../../hostd/drivers/sim.ts";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;

describe("VM console, offering, NICs, clone and migration on simulator hosts", () => {
  let t: TestNode;
  const tmp = mkdtempSync(join(tmpdir(), "strata-vm-extra-"));
  const ids: Record<string, string> = {};
  let vm: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status === 202) {
      const s = await settle(t.admin, x as never, 120_000);
      assert.equal(s.status, 200, s.text);
      return s.body;
    }
    return x.body;
  };
  const act = (uuid: string, action: string, body: object = {}) => t.admin.put(`/v1/vm-instances/${uuid}/actions`, { [action]: body });
  const refused = async (r: Promise<{ status: number; body: any; text: string }>, status: number, details: RegExp) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.equal(x.status, status, x.text);
    assert.match(`${x.body.error.description} ${x.body.error.details}`, details);
  };
  const getVm = async (uuid: string) => (await t.admin.get(`/v1/vm-instances/${uuid}`)).body.inventories[0];
  const prisma = () => t.node.services.db.prisma;
  /** The simulated hypervisor of a host (tests look inside it). */
  const sim = (hostUuid: string): SimDriver =>
    (t.node.services.simulators as unknown as { running: Map<string, { driver: SimDriver }> }).running.get(hostUuid)!.driver;

  before(async () => {
    t = await startNode();
    const a = t.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (const name of ["sim-a", "sim-b"]) {
      ids[name] = (await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }))).inventory.uuid;
    }
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.small = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.big = (await ok(a.post("/v1/instance-offerings", { params: { name: "2c2g", cpuNum: 2, memorySize: 2 * GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    for (const [key, net] of [["l3a", "10.253.7"], ["l3b", "10.253.8"]] as const) {
      ids[key] = (await ok(a.post("/v1/l3-networks", { params: { name: key, l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
      await ok(a.post(`/v1/l3-networks/${ids[key]}/ip-ranges`, { params: { name: "r", startIp: `${net}.10`, endIp: `${net}.50`, netmask: "255.255.255.0", gateway: `${net}.1` } }));
      await ok(a.post(`/v1/l3-networks/${ids[key]}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
    }
    vm = (await ok(a.post("/v1/vm-instances", {
      params: { name: "src", instanceOfferingUuid: ids.small, imageUuid: ids.image, l3NetworkUuids: [ids.l3a] },
    }))).inventory;
    assert.equal(vm.state, "Running");
  });
  after(async () => {
    await t.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses bad input with 400 naming the field", async () => {
    const cases: [string, object, RegExp][] = [
      ["changeInstanceOffering", { instanceOfferingUuid: "nope" }, /instanceOfferingUuid/],
      ["setVmConsolePassword", { consolePassword: "123456789" }, /consolePassword/],
      ["setVmHostname", { hostname: "-bad-" }, /hostname/],
      ["setVmUserData", { userData: "not base64!" }, /userData/],
      ["cloneVmInstance", { names: [] }, /names/],
      ["migrateVm", { hostUuid: "nope" }, /hostUuid/],
    ];
    for (const [action, body, field] of cases) await refused(act(vm.uuid, action, body), 400, field);
    await refused(t.admin.post(`/v1/vm-instances/${vm.uuid}/l3-networks/${ids.l3b}`, { params: { staticIp: "999.1.1.1" } }), 400, /staticIp/);
    await refused(t.admin.post(`/v1/vm-instances/${vm.uuid}/l3-networks/${ids.l3b}`, { params: { staticIp: "10.253.9.3" } }), 400, /10\.253\.9\.3/);
    await refused(t.admin.delete("/v1/vm-instances/nics/nope"), 400, /uuid/);
  });

  it("refuses actions the VM's state does not allow with 409 naming the state", async () => {
    await refused(act(vm.uuid, "changeInstanceOffering", { instanceOfferingUuid: ids.big }), 409, /without CPU\/memory hot-plug headroom.*stop the VM first/);
    await refused(act(vm.uuid, "migrateVm", {}), 409, /LocalStorage primary storage local; live migration needs shared primary storage/);
    await refused(t.admin.post(`/v1/vm-instances/${vm.uuid}/l3-networks/${ids.l3a}`, {}), 409, /already has a NIC/);
    await ok(act(vm.uuid, "pauseVmInstance"));
    await refused(act(vm.uuid, "cloneVmInstance", { names: ["x"] }), 409, /Paused/);
    await ok(act(vm.uuid, "resumeVmInstance"));
    await ok(act(vm.uuid, "stopVmInstance", { type: "cold" }));
    await refused(t.admin.get(`/v1/vm-instances/${vm.uuid}/console-addresses`), 409, /Stopped/);
    await ok(act(vm.uuid, "startVmInstance"));
  });

  it("answers the console address and keeps the console password sealed, applied live and at start", async () => {
    const addr = (await ok(t.admin.get(`/v1/vm-instances/${vm.uuid}/console-addresses`)));
    assert.equal(addr.hostIp, "127.0.0.1");
    assert.equal(addr.protocol, "vnc");
    assert.ok(addr.port >= 5900, JSON.stringify(addr));
    await ok(act(vm.uuid, "setVmConsolePassword", { consolePassword: "s3cret" }));
    const host = (await getVm(vm.uuid)).hostUuid;
    // Started without a password, the VNC server cannot get one live (as QEMU): it waits for the next start.
    assert.equal(sim(host).domainSpec(vm.uuid)?.consolePassword, undefined);
    const tag = await prisma().systemTag.findFirst({ where: { resourceUuid: vm.uuid, tag: { startsWith: "consolePassword::" } } });
    assert.ok(tag && !tag.tag.includes("s3cret"), "stored encrypted");
    const audit = await prisma().audit.findFirst({ where: { apiName: "SetVmConsolePassword" } });
    assert.ok(audit && !JSON.stringify(audit).includes("s3cret"), "not in the audit log");
    assert.ok(!(await t.admin.get(`/v1/vm-instances/${vm.uuid}`)).text.includes("s3cret"));
    await ok(act(vm.uuid, "stopVmInstance", { type: "cold" }));
    await ok(act(vm.uuid, "startVmInstance"));
    assert.equal(sim(host).domainSpec(vm.uuid)?.consolePassword, "s3cret", "given at start");
    await ok(act(vm.uuid, "setVmConsolePassword", { consolePassword: "n3w" }));
    assert.equal(sim(host).domainSpec(vm.uuid)?.consolePassword, "n3w", "changed live");
    await ok(act(vm.uuid, "deleteVmConsolePassword"));
    await ok(act(vm.uuid, "stopVmInstance", { type: "cold" }));
    await ok(act(vm.uuid, "startVmInstance"));
    assert.equal(sim(host).domainSpec(vm.uuid)?.consolePassword, undefined);
  });

  it("changes a stopped VM's offering: cpuNum and memory, and the host capacity it takes at the next start", async () => {
    await ok(act(vm.uuid, "stopVmInstance", { type: "cold" }));
    const changed = (await ok(act(vm.uuid, "changeInstanceOffering", { instanceOfferingUuid: ids.big }))).inventory;
    assert.equal(changed.cpuNum, 2);
    assert.equal(changed.memorySize, 2 * GiB);
    assert.equal(changed.instanceOfferingUuid, ids.big);
    const started = (await ok(act(vm.uuid, "startVmInstance"))).inventory;
    const host = await prisma().host.findUniqueOrThrow({ where: { uuid: started.hostUuid } });
    assert.equal(host.allocatedCpu, 2);
    assert.equal(Number(host.allocatedMemory), 2 * GiB);
    assert.equal(sim(started.hostUuid).domainSpec(vm.uuid)?.cpuNum, 2);
    const hostname = (await ok(act(vm.uuid, "setVmHostname", { hostname: "web-7" }))).inventory;
    assert.equal(hostname.uuid, vm.uuid);
    assert.ok(await prisma().systemTag.findFirst({ where: { resourceUuid: vm.uuid, tag: "hostname::web-7" } }));
    await ok(act(vm.uuid, "deleteVmHostname"));
    assert.equal(await prisma().systemTag.count({ where: { resourceUuid: vm.uuid, tag: { startsWith: "hostname::" } } }), 0);
    await ok(act(vm.uuid, "setVmUserData", { userData: Buffer.from("#!/bin/sh\necho hi\n").toString("base64") }));
    assert.equal(await prisma().systemTag.count({ where: { resourceUuid: vm.uuid, tag: { startsWith: "userdata::" } } }), 1);
    await ok(act(vm.uuid, "deleteVmUserData"));
    vm = started;
  });

  it("attaches an L3 network to a running VM (hot-plugged, with an IP) and detaches it, freeing the IP", async () => {
    const attached = (await ok(t.admin.post(`/v1/vm-instances/${vm.uuid}/l3-networks/${ids.l3b}`, { params: { staticIp: "10.253.8.20" } }))).inventory;
    assert.equal(attached.vmNics.length, 2);
    const nic = attached.vmNics.find((n: { l3NetworkUuid: string }) => n.l3NetworkUuid === ids.l3b);
    assert.equal(nic.ip, "10.253.8.20");
    assert.equal(nic.deviceId, 1);
    const spec = sim(vm.hostUuid).domainSpec(vm.uuid)!;
    assert.ok(spec.nics?.some((n) => n.mac === nic.mac), "hot-plugged");
    await refused(t.admin.delete(`/v1/vm-instances/nics/${vm.vmNics[0].uuid}`), 409, /default L3 network/);
    const detached = (await ok(t.admin.delete(`/v1/vm-instances/nics/${nic.uuid}`))).inventory;
    assert.equal(detached.vmNics.length, 1);
    assert.ok(!sim(vm.hostUuid).domainSpec(vm.uuid)!.nics?.some((n) => n.mac === nic.mac), "unplugged");
    assert.equal(await prisma().usedIp.count({ where: { ip: "10.253.8.20" } }), 0, "IP freed");
    assert.equal(await prisma().vmNic.count({ where: { uuid: nic.uuid } }), 0);
  });

  it("clones a running VM into independent VMs with their own IPs, MACs and root volume copies", async () => {
    const r = await ok(act(vm.uuid, "cloneVmInstance", { names: ["clone-1", "clone-2"] }));
    assert.equal(r.inventories.length, 2);
    const srcRoot = (await getVm(vm.uuid)).allVolumes.find((v: { type: string }) => v.type === "Root");
    const ips = new Set([vm.vmNics[0].ip]);
    const macs = new Set([vm.vmNics[0].mac]);
    for (const c of r.inventories) {
      assert.equal(c.state, "Running");
      assert.equal(c.cpuNum, 2);
      assert.equal(c.hostUuid, vm.hostUuid, "local storage keeps clones on the source's host");
      ips.add(c.vmNics[0].ip);
      macs.add(c.vmNics[0].mac);
      const root = c.allVolumes.find((v: { type: string }) => v.type === "Root");
      assert.notEqual(root.installPath, srcRoot.installPath);
      assert.equal(root.size, srcRoot.size);
      const row = await prisma().volume.findUniqueOrThrow({ where: { uuid: root.uuid } });
      assert.equal(row.status, "Ready");
      assert.equal(row.vmInstanceUuid, c.uuid);
    }
    assert.equal(ips.size, 3, "new IPs");
    assert.equal(macs.size, 3, "new MACs");
    // Independent: destroying a clone leaves the source and the other clone alone.
    await ok(t.admin.delete(`/v1/vm-instances/${r.inventories[0].uuid}`));
    await ok(act(r.inventories[0].uuid, "expungeVmInstance"));
    assert.equal((await getVm(vm.uuid)).state, "Running");
    assert.equal((await getVm(r.inventories[1].uuid)).state, "Running");
    await ok(t.admin.delete(`/v1/vm-instances/${r.inventories[1].uuid}`));
    await ok(act(r.inventories[1].uuid, "expungeVmInstance"));
  });

  it("migrates a stopped VM to the other host: volumes, capacity and lastHostUuid move", async () => {
    await ok(act(vm.uuid, "stopVmInstance", { type: "cold" }));
    const before = await getVm(vm.uuid);
    const from = before.lastHostUuid as string;
    const to = (from === ids["sim-a"] ? ids["sim-b"] : ids["sim-a"])!;
    const refs = async () => Object.fromEntries((await prisma().localStorageHostRef.findMany({ where: { primaryStorageUuid: ids.ps } }))
      .map((r) => [r.hostUuid, r.availableCapacity]));
    const capBefore = await refs();
    await refused(act(vm.uuid, "migrateVm", { hostUuid: from }), 409, /already there/);
    const moved = (await ok(act(vm.uuid, "migrateVm", {}))).inventory;
    assert.equal(moved.state, "Stopped");
    assert.equal(moved.lastHostUuid, to);
    const volumes = await prisma().volume.findMany({ where: { vmInstanceUuid: vm.uuid } });
    assert.ok(volumes.length > 0);
    let reserved = 0n;
    for (const v of volumes) {
      assert.equal(v.hostUuid, to);
      reserved += t.node.services.primaryStorage.capacity.reservationFor(v.size);
    }
    const capAfter = await refs();
    assert.equal(capAfter[from]! - capBefore[from]!, reserved, "released on the source");
    assert.equal(capBefore[to]! - capAfter[to]!, reserved, "reserved on the target");
    const started = (await ok(act(vm.uuid, "startVmInstance"))).inventory;
    assert.equal(started.hostUuid, to, "starts where its volumes are");
    assert.equal(sim(from).domainSpec(vm.uuid), undefined, "the source host forgot the VM");
  });
});
