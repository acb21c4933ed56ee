/**
 * The extra VM APIs against a real KVM host (this machine, added over SSH): the VNC console
 * answers at the address Strata reports and takes the password Strata sets, an L3 network is
 * hot-plugged into a running VM, and a clone of a stopped VM boots from its own copy of the
 * root disk with its own IP.
 * Needs ../shared/guest-image/build.sh output at $STRATA_GUEST_IMAGE (default
 * /tmp/guest-image/strata-tiny.qcow2).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { setupKvmCloud, sh, virsh, type KvmCloud } from "../support/kvm-cloud.ts";
import { eventually, type Reply, type TestNode } from "../support/node.ts";

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
  let cloud: KvmCloud;
  let t: TestNode;
  const vms: string[] = [];
  let ids: Record<string, string>;
  let vm: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  const job = (r: Promise<Reply>, timeout = 180_000) => cloud.ok(r, timeout);
  const ok = (r: Promise<Reply>) => cloud.ok(r);
  const act = (uuid: string, action: string, body: object = {}) => job(t.admin.put(`/v1/vm-instances/${uuid}/actions`, { [action]: body }));
  const consoleLog = (uuid: string) => cloud.consoleLog(uuid);

  before(async () => {
    cloud = await setupKvmCloud("strata-phy7");
    ({ t, ids } = cloud);
    ids.l3a = await cloud.addFlatL3("l3a", { startIp: "10.252.7.10", endIp: "10.252.7.50", netmask: "255.255.255.128", gateway: "10.252.7.1" });
    ids.l3b = await cloud.addFlatL3("l3b", { startIp: "10.252.7.140", endIp: "10.252.7.160", netmask: "255.255.255.128", gateway: "10.252.7.129" });
    vm = (await job(t.admin.post("/v1/vm-instances", {
      params: { name: "src", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3a] },
    }), 300_000)).inventory;
    vms.push(vm.uuid);
  });

  after(async () => {
    await cloud?.teardown(vms);
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
