/**
 * A private cloud on this machine for real-VM tests: a management node, this machine added
 * as a KVM host over a test sshd, LocalStorage, an ImageStore holding the tiny guest image,
 * a 256 MiB offering, and an L2 network on its own uplink (one end of a veth pair, so no real
 * interface is touched). Tests add their L3 networks with {@link KvmCloud.addFlatL3} on
 * addresses of their own, so several test files never share a bridge or a subnet.
 * Needs the guest image from ../shared/guest-image/build.sh at $STRATA_GUEST_IMAGE.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settle } from "./jobs.ts";
import { startNode, type Reply, type TestNode } from "./node.ts";
import { sparePort, startSshd, type TestSshd } from "./sshd.ts";

export const GUEST_IMAGE = process.env.STRATA_GUEST_IMAGE ?? "/tmp/guest-image/strata-tiny.qcow2";
const MiB = 1024 ** 2;

/** Runs a command and returns its stdout. */
export const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
/** virsh against the system libvirt. */
export const virsh = (...args: string[]) => sh("virsh", ["-c", "qemu:///system", ...args]);

export interface KvmCloud {
  t: TestNode;
  sshd: TestSshd;
  hostdPort: number;
  /** Temp dir holding primary and backup storage. */
  tmp: string;
  /** zone, cluster, host, ps, bs, image, offering, l2 uuids. */
  ids: Record<string, string>;
  /** The 200 body of a call, following a 202 to its job's result; fails the test otherwise. */
  ok(r: Promise<Reply> | Reply, timeoutMs?: number): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Adds a Private L3 network on the L2 with one IP range and the Flat DHCP/Userdata services. */
  addFlatL3(name: string, range: { startIp: string; endIp: string; netmask: string; gateway: string }): Promise<string>;
  /** The guest serial console log hostd writes for a VM. */
  consoleLog(vmUuid: string): string;
  /** Deletes the host through the API (stopping its DHCP servers), then removes everything else. */
  teardown(vmUuids?: string[]): Promise<void>;
}

/**
 * Builds the cloud; `uplink` names the L2 network's physical interface (≤ 12 chars, unique per
 * test file); `nodeEnv` is added to the node's configuration (e.g. ALIYUN_ENDPOINT_OVERRIDE).
 */
export async function setupKvmCloud(uplink: string, nodeEnv: Record<string, string> = {}): Promise<KvmCloud> {
  assert.ok(existsSync(GUEST_IMAGE), `guest image ${GUEST_IMAGE} (build it with ../shared/guest-image/build.sh)`);
  try { sh("ip", ["link", "del", uplink]); } catch { /* absent */ }
  sh("ip", ["link", "add", uplink, "type", "veth", "peer", "name", `${uplink}p`]);
  sh("ip", ["link", "set", uplink, "up"]);
  const tmp = mkdtempSync(join(tmpdir(), `strata-${uplink}-`));
  const t = await startNode({ env: nodeEnv });
  const sshd = await startSshd();
  const hostdPort = await sparePort();
  const ids: Record<string, string> = {};
  const ok = async (r: Promise<Reply> | Reply, timeoutMs = 300_000) => {
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status !== 202) return x.body;
    const s = await settle(t.admin, x, timeoutMs);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };
  const a = t.admin;
  ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
  ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "c", hypervisorType: "KVM" } }))).inventory.uuid;
  ids.host = (await ok(a.post("/v1/hosts/kvm", {
    params: { clusterUuid: ids.cluster, name: "h", managementIp: "127.0.0.1", sshPort: sshd.port, privateKey: sshd.privateKey, hostdPort },
  }))).inventory.uuid;
  ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: join(tmp, "ps"), zoneUuid: ids.zone } }))).inventory.uuid;
  await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
  ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
  await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
  ids.image = (await ok(a.post("/v1/images", {
    params: { name: "tiny", url: `file://${GUEST_IMAGE}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
  }))).inventory.uuid;
  ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "small", cpuNum: 1, memorySize: 256 * MiB } }))).inventory.uuid;
  ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: uplink } }))).inventory.uuid;
  await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
  const flat = (await ok(a.get("/v1/network-services/providers"))).inventories.find((p: { type: string }) => p.type === "Flat");

  return {
    t, sshd, hostdPort, tmp, ids, ok,
    async addFlatL3(name, range) {
      const uuid = (await ok(a.post("/v1/l3-networks", { params: { name, l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
      await ok(a.post(`/v1/l3-networks/${uuid}/ip-ranges`, { params: { name: `${name}-range`, ...range } }));
      await ok(a.post(`/v1/l3-networks/${uuid}/network-services`, { networkServices: { [flat.uuid]: ["DHCP", "Userdata"] } }));
      return uuid;
    },
    consoleLog: (vmUuid) => `/var/lib/strata-hostd-${hostdPort}/data/console/${vmUuid}.log`,
    async teardown(vmUuids = []) {
      await settle(t.admin, await t.admin.delete(`/v1/hosts/${ids.host}?deleteMode=Enforcing`), 60_000).catch(() => undefined);
      for (const uuid of vmUuids) {
        try { virsh("destroy", uuid); } catch { /* not running */ }
        try { virsh("undefine", uuid); } catch { /* not defined */ }
      }
      try { sh("kill", ["-KILL", "--", `-${readFileSync(`/var/lib/strata-hostd-${hostdPort}/supervisor.pid`, "utf8").trim()}`]); } catch { /* gone */ }
      rmSync(`/var/lib/strata-hostd-${hostdPort}`, { recursive: true, force: true });
      await sshd.stop();
      await t.destroy();
      try { sh("ip", ["link", "del", uplink]); } catch { /* gone */ }
      try { sh("ip", ["link", "del", `br_${uplink}`]); } catch { /* gone */ }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
