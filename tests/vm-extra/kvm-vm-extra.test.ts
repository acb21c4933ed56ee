/**
 * The extra VM APIs against a real KVM host (this machine, added over SSH): the VNC console
 * answers at the address Strata reports and takes the password Strata sets, an L3 network is
 * hot-plugged into a running VM, and a clone of a stopped VM boots from its own copy of the
 * root disk with its own IP.
 * Needs ../shared/guest-image/build.sh output at $STRATA_GUEST_IMAGE (default
 * /tmp/guest-image/strata-tiny.qcow2).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { sparePort, startSshd, type TestSshd } from "../support/sshd.ts";

const GUEST_IMAGE = process.env.STRATA_GUEST_IMAGE ?? "/tmp/guest-image/strata-tiny.qcow2";
const MiB = 1024 ** 2;
const PHY = "strata-phy7";
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
const virsh = (...args: string[]) => sh("virsh", ["-c", "qemu:///system", ...args]);

/** The first bytes a TCP server at 127.0.0.1:port sends (a VNC server starts with "RFB 003.00x\n"). */
function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`no banner from port ${port}`)); });
    s.once("data", (d) => { s.destroy(); resolve(d.toString("latin1")); });
    s.once("error", reject);
  });
}

describe("console, NIC hot-plug and clone on a real KVM host", () => {
  let t: TestNode;
  let sshd: TestSshd;
  let hostdPort: number;
  const vms: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "strata-vm-extra-kvm-"));
  const ids: Record<string, string> = {};
  let vm: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  const job = async (r: Promise<{ status: number; body: any; text: string; headers: Headers }>, timeout = 180_000) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const s = await settle(t.admin, await r as never, timeout);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };
  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    return x.body;
  };
  const act = (uuid: string, action: string, body: object = {}) => job(t.admin.put(`/v1/vm-instances/${uuid}/actions`, { [action]: body }));
  const consoleLog = (uuid: string) => `/var/lib/strata-hostd-${hostdPort}/data/console/${uuid}.log`;

  before(async () => {
    assert.ok(existsSync(GUEST_IMAGE), `guest image ${GUEST_IMAGE} (build it with ../shared/guest-image/build.sh)`);
    try { sh("ip", ["link", "del", PHY]); } catch { /* absent */ }
    sh("ip", ["link", "add", PHY, "type", "veth", "peer", "name", `${PHY}p`]);
    sh("ip", ["link", "set", PHY, "up"]);
    t = await startNode();
    sshd = await startSshd();
    hostdPort = await sparePort();
    const a = t.admin;
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "c", hypervisorType: "KVM" } }))).inventory.uuid;
    ids.host = (await job(a.post("/v1/hosts/kvm", {
      params: { clusterUuid: ids.cluster, name: "h", managementIp: "127.0.0.1", sshPort: sshd.port, privateKey: sshd.privateKey, hostdPort },
    }))).inventory.uuid;
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: join(tmp, "ps"), zoneUuid: ids.zone } }))).inventory.uuid;
    const attachPs = await a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {});
    if (attachPs.status === 202) await job(Promise.resolve(attachPs)); else assert.equal(attachPs.status, 200, attachPs.text);
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await job(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${GUEST_IMAGE}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "small", cpuNum: 1, memorySize: 256 * MiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: PHY } }))).inventory.uuid;
    const attachL2 = await a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {});
    if (attachL2.status === 202) await job(Promise.resolve(attachL2)); else assert.equal(attachL2.status, 200, attachL2.text);
    const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");
    for (const [key, start, end, gateway] of [["l3a", "10.252.7.10", "10.252.7.50", "10.252.7.1"], ["l3b", "10.252.7.140", "10.252.7.160", "10.252.7.129"]] as const) {
      ids[key] = (await ok(a.post("/v1/l3-networks", { params: { name: key, l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
      await ok(a.post(`/v1/l3-networks/${ids[key]}/ip-ranges`, { params: { name: "r", startIp: start, endIp: end, netmask: "255.255.255.128", gateway } }));
      await ok(a.post(`/v1/l3-networks/${ids[key]}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
    }
    vm = (await job(a.post("/v1/vm-instances", {
      params: { name: "src", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3a] },
    }), 300_000)).inventory;
    vms.push(vm.uuid);
  });

  after(async () => {
    // Deleting the host through the API stops what hostd started on it (DHCP servers) too.
    if (t && ids.host) {
      await settle(t.admin, await t.admin.delete(`/v1/hosts/${ids.host}?deleteMode=Enforcing`), 60_000).catch(() => undefined);
    }
    for (const uuid of vms) {
      try { virsh("destroy", uuid); } catch { /* not running */ }
      try { virsh("undefine", uuid); } catch { /* not defined */ }
    }
    try { sh("kill", ["-KILL", "--", `-${readFileSync(`/var/lib/strata-hostd-${hostdPort}/supervisor.pid`, "utf8").trim()}`]); } catch { /* gone */ }
    rmSync(`/var/lib/strata-hostd-${hostdPort}`, { recursive: true, force: true });
    await sshd?.stop();
    await t?.destroy();
    try { sh("ip", ["link", "del", PHY]); } catch { /* gone */ }
    try { sh("ip", ["link", "del", `br_${PHY}`]); } catch { /* gone */ }
    rmSync(tmp, { recursive: true, force: true });
  });

  it("reports a console address where a VNC server answers", async () => {
    const addr = await ok(t.admin.get(`/v1/vm-instances/${vm.uuid}/console-addresses`));
    assert.equal(addr.protocol, "vnc");
    assert.equal(addr.hostIp, "127.0.0.1");
    assert.match(await banner(addr.port), /^RFB 003\./);
  });

  it("puts the console password in the domain's graphics passwd: at the next start, then live", async () => {
    const passwd = () => /<graphics [^>]*passwd='([^']*)'/.exec(virsh("dumpxml", "--security-info", vm.uuid))?.[1];
    assert.equal(passwd(), undefined);
    await act(vm.uuid, "setVmConsolePassword", { consolePassword: "Strata7!" });
    // QEMU cannot turn VNC password authentication on in a running VM: it comes with the next start.
    await act(vm.uuid, "stopVmInstance", { type: "cold" });
    await act(vm.uuid, "startVmInstance");
    assert.equal(passwd(), "Strata7!");
    await act(vm.uuid, "setVmConsolePassword", { consolePassword: "0ther" });
    assert.equal(passwd(), "0ther", "changed on the running domain");
  });

  it("hot-plugs a NIC on a second L3 network into the running VM", async () => {
    const r = await job(t.admin.post(`/v1/vm-instances/${vm.uuid}/l3-networks/${ids.l3b}`, {}));
    const nic = r.inventory.vmNics.find((n: { l3NetworkUuid: string }) => n.l3NetworkUuid === ids.l3b);
    assert.match(nic.ip, /^10\.252\.7\.1[4-6]\d$/);
    assert.ok(virsh("domiflist", vm.uuid).includes(nic.mac), virsh("domiflist", vm.uuid));
  });

  it("clones the stopped VM into one that boots from its own root copy with its own IP", async () => {
    await act(vm.uuid, "stopVmInstance", { type: "cold" });
    const r = await act(vm.uuid, "cloneVmInstance", { names: ["clone-1"] });
    const clone = r.inventories[0];
    vms.push(clone.uuid);
    assert.equal(clone.state, "Running");
    const ip = clone.vmNics.find((n: { l3NetworkUuid: string }) => n.l3NetworkUuid === ids.l3a).ip;
    assert.notEqual(ip, vm.vmNics[0].ip);
    const root = clone.allVolumes.find((v: { type: string }) => v.type === "Root");
    const info = JSON.parse(sh("qemu-img", ["info", "-U", "--output=json", root.installPath]));
    assert.equal(info["backing-filename"], undefined, "a full copy, not an overlay");
    const up = await eventually(async () => {
      const text = existsSync(consoleLog(clone.uuid)) ? readFileSync(consoleLog(clone.uuid), "utf8") : "";
      return /STRATA-GUEST-UP .*eth0=\S+/.exec(text)?.[0];
    }, 120_000, 1000);
    assert.ok(up, `console:\n${existsSync(consoleLog(clone.uuid)) ? readFileSync(consoleLog(clone.uuid), "utf8").slice(-2000) : "(no log)"}`);
    assert.match(up, new RegExp(`eth0=${ip.replace(/\./g, "\\.")}(\\s|$)`));
    assert.match(up, /hostname=clone-1/);
  });
});
