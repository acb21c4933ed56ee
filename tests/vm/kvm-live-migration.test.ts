/**
 * Live migration for real: a VM on SharedMountPoint storage boots on this machine's system
 * libvirtd (host 1, 127.0.0.1) and moves, while it runs, to a second libvirtd in its own mount
 * namespace (host 2, 127.0.0.2, whose hostd finds it through the SSH session's
 * LIBVIRT_DEFAULT_URI). The guest keeps its IP and answers HTTP from host 2 without booting
 * again; there it then grows to 2 vCPUs and 512 MiB online (vm/numa headroom). Needs ../shared/guest-image/build.sh output at $STRATA_GUEST_IMAGE.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setupKvmCloud, sh, virsh, type KvmCloud } from "../support/kvm-cloud.ts";
import { eventually, type Reply } from "../support/node.ts";
import { startSecondLibvirtd, type SecondLibvirtd } from "../support/second-libvirtd.ts";
import { sparePort, startSshd, type TestSshd } from "../support/sshd.ts";

const GUEST_UP = /STRATA-GUEST-UP .*eth0=\S+/g;

describe("live migration of a running VM between two libvirt daemons", () => {
  let cloud: KvmCloud;
  let libvirtd2: SecondLibvirtd;
  let sshd2: TestSshd;
  let hostdPort2 = 0;
  let bridge = "";
  const ids: Record<string, string> = {};
  let vm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const ok = (r: Promise<Reply>, timeout = 300_000) => cloud.ok(r, timeout);
  const consoleLog = (port: number) => `/var/lib/strata-hostd-${port}/data/console/${vm.uuid}.log`;
  const read = (path: string) => { try { return readFileSync(path, "utf8"); } catch { return ""; } };
  const httpGet = async (ip: string) => {
    try {
      return (await (await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3000) })).text()).trim();
    } catch {
      return undefined;
    }
  };

  before(async () => {
    cloud = await setupKvmCloud("strata-phy6");
    Object.assign(ids, cloud.ids);
    const a = cloud.t.admin;
    libvirtd2 = await startSecondLibvirtd();
    sshd2 = await startSshd({ listenAddress: "127.0.0.2", env: { LIBVIRT_DEFAULT_URI: libvirtd2.uri } });
    hostdPort2 = await sparePort();
    ids.host2 = (await ok(a.post("/v1/hosts/kvm", {
      params: { clusterUuid: ids.cluster, name: "h2", managementIp: "127.0.0.2", sshPort: sshd2.port, privateKey: sshd2.privateKey, hostdPort: hostdPort2 },
    }))).inventory.uuid;
    mkdirSync(join(cloud.tmp, "smp"));
    ids.smp = (await ok(a.post("/v1/primary-storage/smp", { params: { name: "smp", url: join(cloud.tmp, "smp"), zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.smp}`, {}));
    // Started with hot-plug headroom, so the VM can grow online after the move.
    await cloud.t.node.services.configs.update("vm", "numa", "true");
    ids.bigger = (await ok(a.post("/v1/instance-offerings", { params: { name: "2c512m", cpuNum: 2, memorySize: 512 * 1024 ** 2 } }))).inventory.uuid;
    ids.l3 = await cloud.addFlatL3("flat", { startIp: "10.249.6.10", endIp: "10.249.6.50", netmask: "255.255.255.0", gateway: "10.249.6.1" });
  });

  after(async () => {
    if (ids.host2) await ok(cloud.t.admin.delete(`/v1/hosts/${ids.host2}?deleteMode=Enforcing`), 60_000).catch(() => undefined);
    try { sh("kill", ["-KILL", "--", `-${readFileSync(`/var/lib/strata-hostd-${hostdPort2}/supervisor.pid`, "utf8").trim()}`]); } catch { /* gone */ }
    rmSync(`/var/lib/strata-hostd-${hostdPort2}`, { recursive: true, force: true });
    await libvirtd2?.stop();
    await sshd2?.stop();
    await cloud?.teardown(vm?.uuid ? [vm.uuid] : []);
  });

  it("boots the VM on host 1 from shared storage", async () => {
    vm = (await ok(cloud.t.admin.post("/v1/vm-instances", {
      params: { name: "mover", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3], hostUuid: ids.host, primaryStorageUuidForRootVolume: ids.smp },
      systemTags: ["hostname::mover"],
    }))).inventory;
    assert.equal(vm.hostUuid, ids.host);
    const up = await eventually(async () => read(consoleLog(cloud.hostdPort)).match(GUEST_UP)?.[0], 180_000, 1000);
    assert.ok(up, `console:\n${read(consoleLog(cloud.hostdPort)).slice(-2000)}`);
    bridge = /bridge\s+(\S+)/.exec(virsh("domiflist", vm.uuid))?.[1] ?? "";
    try { sh("ip", ["addr", "add", "10.249.6.1/24", "dev", bridge]); } catch { /* already there */ }
    assert.equal(await eventually(() => httpGet(vm.vmNics[0].ip), 60_000, 1000), "mover");
  });

  it("offers host 2 as the only target", async () => {
    const r = await cloud.t.admin.get(`/v1/vm-instances/${vm.uuid}/migration-target-hosts`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.inventories.map((h: { uuid: string }) => h.uuid), [ids.host2]);
  });

  it("moves the running VM to host 2: libvirt, the record and the guest agree, and the guest did not boot again", async () => {
    const moved = (await ok(cloud.t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { migrateVm: {} }))).inventory;
    assert.equal(moved.state, "Running");
    assert.equal(moved.hostUuid, ids.host2);
    assert.match(libvirtd2.virsh("domstate", vm.uuid), /running/);
    assert.throws(() => virsh("domstate", vm.uuid), "host 1's libvirtd no longer has the domain");
    assert.match(libvirtd2.virsh("dumpxml", vm.uuid), new RegExp(`strata-hostd-${hostdPort2}/data/console/`), "console log on host 2's hostd");
    assert.equal(await eventually(() => httpGet(vm.vmNics[0].ip), 30_000, 500), "mover", "same IP, still serving");
    assert.equal((read(consoleLog(cloud.hostdPort)).match(GUEST_UP) ?? []).length, 1, "booted once, on host 1");
    assert.equal((read(consoleLog(hostdPort2)).match(GUEST_UP) ?? []).length, 0, "no boot on host 2");
    const hosts = await cloud.t.node.services.db.prisma.host.findMany({ where: { uuid: { in: [ids.host!, ids.host2!] } } });
    assert.equal(hosts.find((h) => h.uuid === ids.host)!.allocatedCpu, 0);
    assert.equal(hosts.find((h) => h.uuid === ids.host2)!.allocatedCpu, 1);
  });

  it("grows the running VM to 2 vCPUs and 512 MiB on host 2, libvirt agreeing, the guest still serving", async () => {
    const grown = (await ok(cloud.t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { changeInstanceOffering: { instanceOfferingUuid: ids.bigger } }))).inventory;
    assert.equal(grown.state, "Running");
    assert.equal(grown.cpuNum, 2);
    const info = libvirtd2.virsh("dominfo", vm.uuid);
    assert.match(info, /CPU\(s\):\s+2\n/);
    assert.match(info, new RegExp(`Used memory:\\s+${512 * 1024} KiB`));
    assert.match(libvirtd2.virsh("dumpxml", vm.uuid), /<memory model='dimm'/);
    assert.equal(await eventually(() => httpGet(vm.vmNics[0].ip), 30_000, 500), "mover");
  });

  it("stops the VM where it now runs", async () => {
    const stopped = (await ok(cloud.t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { stopVmInstance: { type: "cold" } }))).inventory;
    assert.equal(stopped.state, "Stopped");
    assert.match(libvirtd2.virsh("domstate", vm.uuid), /shut off/);
  });
});
