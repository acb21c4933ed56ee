/**
 * The main job, end to end: a VM created through the REST API runs on a real KVM host (this
 * machine, added over SSH), boots the tiny guest image with the IP that IPAM allocated (served
 * by Strata's flat DHCP), the hostname and userdata from the config drive, and goes through its
 * lifecycle, leaving nothing behind.
 * Needs ../shared/guest-image/build.sh output at $STRATA_GUEST_IMAGE (default
 * /tmp/guest-image/strata-tiny.qcow2); .ci/run builds it.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { setupKvmCloud, sh, virsh, type KvmCloud } from "../support/kvm-cloud.ts";
import { eventually, type Reply, type TestNode } from "../support/node.ts";

const MiB = 1024 ** 2;

describe("a VM on a real KVM host, through the REST API", () => {
  let cloud: KvmCloud;
  let t: TestNode;
  let hostdPort: number;
  let vm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let bridge = "";
  let ids: Record<string, string>;
  const job = (r: Promise<Reply>, timeout = 180_000) => cloud.ok(r, timeout);
  const ok = (r: Promise<Reply>) => cloud.ok(r);

  before(async () => {
    cloud = await setupKvmCloud("strata-phy9");
    ({ t, hostdPort, ids } = cloud);
    ids.disk = (await ok(t.admin.post("/v1/disk-offerings", { params: { name: "d64", diskSize: 64 * MiB } }))).inventory.uuid;
    ids.l3 = await cloud.addFlatL3("flat", { startIp: "10.252.0.10", endIp: "10.252.0.50", netmask: "255.255.255.0", gateway: "10.252.0.1" });
  });

  after(async () => {
    await cloud?.teardown(vm?.uuid ? [vm.uuid] : []);
  });

  it("creates a VM that runs with the offering's CPU and memory, a backed root disk and the allocated MAC on the bridge", async () => {
    const userData = Buffer.from("#!/bin/sh\necho STRATA-USERDATA-RAN\n").toString("base64");
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5Zm9yc3RyYXRhdGVzdHNvbmx5MDAwMDA= test@strata";
    const r = await job(t.admin.post("/v1/vm-instances", {
      params: { name: "web 1", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3], dataDiskOfferingUuids: [ids.disk] },
      systemTags: [`userdata::${userData}`, "hostname::web-1", `sshkey::${key}`],
    }), 300_000);
    vm = r.inventory;
    assert.equal(vm.state, "Running");
    assert.equal(vm.hostUuid, ids.host);
    const nic = vm.vmNics[0];
    assert.match(nic.ip, /^10\.252\.0\.(\d+)$/);

    const info = virsh("dominfo", vm.uuid);
    assert.match(info, /State:\s+running/);
    assert.match(info, /CPU\(s\):\s+1\n/);
    assert.match(info, new RegExp(`Max memory:\\s+${256 * 1024} KiB`));
    const blk = virsh("domblklist", vm.uuid);
    const root = vm.allVolumes.find((v: { type: string }) => v.type === "Root");
    assert.ok(blk.includes(root.installPath), blk);
    // -U: the running domain holds the image's write lock.
    const backing = JSON.parse(sh("qemu-img", ["info", "-U", "--output=json", root.installPath]))["backing-filename"];
    assert.ok(backing, "root volume has a backing file");
    const cache = await t.node.services.db.prisma.imageCache.findFirst({ where: { imageUuid: ids.image } });
    assert.equal(backing, cache?.installUrl);
    assert.match(blk, /vdb/, "data volume attached");
    const ifaces = virsh("domiflist", vm.uuid);
    assert.ok(ifaces.includes(nic.mac), ifaces);
    bridge = /bridge\s+(\S+)/.exec(ifaces)?.[1] ?? "";
    assert.ok(bridge, ifaces);
  });

  it("boots the guest with the hostname, the userdata and the very IP IPAM allocated, served by Strata's DHCP", async () => {
    const log = `/var/lib/strata-hostd-${hostdPort}/data/console/${vm.uuid}.log`;
    const up = await eventually(async () => {
      const text = existsSync(log) ? readFileSync(log, "utf8") : "";
      return /STRATA-GUEST-UP .*eth0=\S+/.exec(text)?.[0];
    }, 180_000, 1000);
    assert.ok(up, `console:\n${existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "(no log)"}`);
    assert.match(up, /hostname=web-1/);
    assert.match(up, new RegExp(`eth0=${vm.vmNics[0].ip.replace(/\./g, "\\.")}(\\s|$)`));
    assert.match(readFileSync(log, "utf8"), /STRATA-USERDATA-RAN/);
  });

  it("answers http://<its ip>/ from the host", async () => {
    // The host reaches the guest through the bridge, as the L3 network's gateway would.
    try { sh("ip", ["addr", "add", "10.252.0.1/24", "dev", bridge]); } catch { /* already there */ }
    const body = await eventually(async () => {
      try {
        return await (await fetch(`http://${vm.vmNics[0].ip}/`, { signal: AbortSignal.timeout(3000) })).text();
      } catch {
        return undefined;
      }
    }, 60_000, 1000);
    assert.equal(body?.trim(), "web-1");
  });

  it("stops, starts, reboots, pauses and resumes, with libvirt agreeing each time", async () => {
    const act = (action: string, body: object = {}) => job(t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { [action]: body }), 180_000);
    assert.equal((await act("stopVmInstance", { type: "cold" })).inventory.state, "Stopped");
    assert.match(virsh("domstate", vm.uuid), /shut off/);
    const refused = await t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { pauseVmInstance: {} });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.details, /Stopped/);
    assert.equal((await act("startVmInstance")).inventory.state, "Running");
    assert.match(virsh("domstate", vm.uuid), /running/);
    assert.equal((await act("rebootVmInstance")).inventory.state, "Running");
    assert.equal((await act("pauseVmInstance")).inventory.state, "Paused");
    assert.match(virsh("domstate", vm.uuid), /paused/);
    assert.equal((await act("resumeVmInstance")).inventory.state, "Running");
    assert.match(virsh("domstate", vm.uuid), /running/);
  });

  it("hot-plugs a new data volume into the running VM, and detaches it while stopped", async () => {
    const created = await ok(t.admin.post("/v1/volumes/data", { params: { name: "extra", diskOfferingUuid: ids.disk } }));
    const volUuid = created.inventory.uuid;
    const before = virsh("domblklist", vm.uuid);
    const attached = await job(t.admin.post(`/v1/volumes/${volUuid}/vm-instances/${vm.uuid}`, {}), 120_000);
    const vol = attached.inventory.allVolumes.find((v: { uuid: string }) => v.uuid === volUuid);
    assert.ok(vol?.installPath, "the volume was created on the VM's host");
    const after = virsh("domblklist", vm.uuid);
    assert.ok(after.includes(vol.installPath), after);
    assert.ok(!before.includes(vol.installPath));
    const refused = await t.admin.post(`/v1/volumes/${volUuid}/vm-instances/${vm.uuid}`, {});
    assert.equal(refused.status, 409, "already attached");
    // Hot-unplug needs the guest's cooperation (ACPI), which the tiny guest lacks: detach stopped.
    await job(t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { stopVmInstance: { type: "cold" } }));
    const detached = await job(t.admin.delete(`/v1/volumes/${volUuid}/vm-instances`), 120_000);
    assert.ok(!detached.inventory.allVolumes.some((v: { uuid: string }) => v.uuid === volUuid));
    await job(t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { startVmInstance: {} }));
    assert.ok(!virsh("domblklist", vm.uuid).includes(vol.installPath));
    vm.allVolumes.push(vol); // expunging the VM below does not remove a detached volume; it is checked separately
    vm.detachedVolume = vol;
  });

  it("notices a VM powered off behind its back: Stopped, with an event, its host capacity freed", async () => {
    const hostBefore = (await t.admin.get(`/v1/hosts/${ids.host}`)).body.inventories[0];
    virsh("destroy", vm.uuid);
    const stopped = await eventually(async () =>
      (await t.admin.get(`/v1/vm-instances/${vm.uuid}`)).body.inventories[0].state === "Stopped", 30_000, 500);
    assert.ok(stopped, "state report reached the management node");
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${vm.uuid}&q=newState=Stopped&sort=-createDate&limit=1`);
    assert.equal(ev.body.inventories[0].oldState, "Running");
    const hostAfter = (await t.admin.get(`/v1/hosts/${ids.host}`)).body.inventories[0];
    assert.equal(hostAfter.availableCpuCapacity, hostBefore.availableCpuCapacity + 1);
  });

  it("destroys into the recycle bin, recovers, and expunges leaving nothing in libvirt or on disk", async () => {
    const files = vm.allVolumes.filter((v: { uuid: string }) => v.uuid !== vm.detachedVolume?.uuid).map((v: { installPath: string }) => v.installPath);
    const destroyed = await job(t.admin.delete(`/v1/vm-instances/${vm.uuid}`), 180_000);
    assert.equal(destroyed.inventory.state, "Destroyed");
    assert.ok(files.every((f: string) => existsSync(f)), "volumes kept in the recycle bin");
    const recovered = await t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { recoverVmInstance: {} });
    assert.equal(recovered.body.inventory.state, "Stopped");
    await job(t.admin.delete(`/v1/vm-instances/${vm.uuid}`), 180_000);
    await job(t.admin.put(`/v1/vm-instances/${vm.uuid}/actions`, { expungeVmInstance: {} }), 180_000);
    assert.equal((await t.admin.get(`/v1/vm-instances/${vm.uuid}`)).status, 404);
    assert.doesNotMatch(virsh("list", "--all", "--name"), new RegExp(vm.uuid));
    for (const f of files) assert.equal(existsSync(f), false, `${f} removed`);
    const ip = await t.node.services.db.prisma.usedIp.count({ where: { ip: vm.vmNics[0].ip, usedFor: "VmNic" } });
    assert.equal(ip, 0, "IP released");
    vm = {};
  });
});
