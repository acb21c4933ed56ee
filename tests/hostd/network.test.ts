/**
 * hostd's network commands against the REAL host network stack (iproute2, dnsmasq, busybox
 * udhcpc), as root. Prerequisite: `.ci/setup-network.sh`. Nothing here touches a real uplink:
 * the "physical interface" is a dummy the test creates, and every address is 10.251.x.x inside
 * bridges and namespaces the test made. `after` removes every namespace, veth, bridge, dummy
 * and dnsmasq it may have left.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHostd, type RunningHostd } from "../../hostd/app.ts";
import { bridgeName, dhcpNamespace, dhcpVethNames, vlanInterfaceName } from "../../hostd/network/names.ts";
import { post, quietLogger, removeDir, SECRET, tempDir, zsUuid } from "./helpers.ts";

const exec = promisify(execFile);
const PHY = "strata-phy0";
const BR = bridgeName(PHY);
const VLAN = 100;
const VLAN_BR = bridgeName(PHY, VLAN);
const VLAN_IF = vlanInterfaceName(PHY, VLAN);
/** The test's DHCP client: a namespace plugged into the bridge like a VM NIC would be. */
const CLIENT_NS = "strata-tdhcpc";
const CLIENT_OUT = "stdhcpc0o";
const CLIENT_IN = "stdhcpc0i";

const ipQuiet = (...args: string[]) => {
  try {
    execFileSync("ip", args, { stdio: "ignore" });
  } catch {
    // absent
  }
};
const linkOf = (name: string) =>
  (JSON.parse(execFileSync("ip", ["-j", "-d", "link", "show", "dev", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as Array<Record<string, any>>)[0]!; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether this kernel can create 802.1Q interfaces (some CI kernels lack the 8021q module). */
function kernelSupportsVlan(): boolean {
  try {
    execFileSync("ip", ["link", "add", "link", PHY, "name", "strata-vtest", "type", "vlan", "id", "4000"], { stdio: "ignore" });
    ipQuiet("link", "del", "strata-vtest");
    return true;
  } catch {
    return false;
  }
}

function cleanupClient(): void {
  ipQuiet("link", "del", CLIENT_OUT);
  ipQuiet("netns", "del", CLIENT_NS);
}

describe("hostd network commands on the real host (iproute2 + dnsmasq)", () => {
  const l3 = zsUuid();
  let vlanSupported = false;
  let dir: string;
  let hostd: RunningHostd;
  const cmd = (path: string, body: unknown) => post(hostd.url, path, body, SECRET);

  before(async () => {
    for (const tool of ["dnsmasq", "busybox"]) {
      try {
        await exec("sh", ["-c", `command -v ${tool}`]);
      } catch {
        throw new Error(`${tool} is not installed; run .ci/setup-network.sh as root first`);
      }
    }
    cleanupClient();
    ipQuiet("link", "del", BR);
    ipQuiet("link", "del", VLAN_BR);
    ipQuiet("link", "del", PHY);
    // A dummy uplink; kernels without the dummy module get one end of a veth pair instead.
    try {
      execFileSync("ip", ["link", "add", PHY, "type", "dummy"], { stdio: "ignore" });
    } catch {
      execFileSync("ip", ["link", "add", PHY, "type", "veth", "peer", "name", `${PHY}p`]);
    }
    vlanSupported = kernelSupportsVlan();
    dir = await tempDir("hostd-network-");
    hostd = await startHostd({
      port: 0, listen: "127.0.0.1", secret: SECRET, dataDir: dir, hostUuid: `it-host-${zsUuid()}`,
      driver: "virsh", stateIntervalMs: 0, logger: quietLogger,
    });
  });

  after(async () => {
    if (hostd) await cmd("/network/flatdhcp/delete", { l3NetworkUuid: l3 }).catch(() => undefined);
    // Belt and braces: whatever the commands above could not remove.
    const pidFile = dir ? join(dir, "dnsmasq", l3, "dnsmasq.pid") : "";
    if (pidFile && existsSync(pidFile)) {
      const pid = Number((await readFile(pidFile, "utf8")).trim());
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    ipQuiet("link", "del", dhcpVethNames(l3).outer);
    ipQuiet("netns", "del", dhcpNamespace(l3));
    cleanupClient();
    ipQuiet("link", "del", BR);
    ipQuiet("link", "del", VLAN_BR);
    ipQuiet("link", "del", VLAN_IF);
    ipQuiet("link", "del", PHY);
    ipQuiet("link", "del", `${PHY}p`);
    await hostd?.close();
    if (dir) await removeDir(dir);
  });

  it("creates a no-vlan bridge with the uplink enslaved, idempotently", async () => {
    const r = await cmd("/network/l2novlan/createbridge", { physicalInterface: PHY, bridgeName: BR });
    assert.equal(r.body.success, true, r.body.error);
    assert.equal(r.body.createdBridge, true);
    assert.equal(linkOf(BR).linkinfo.info_kind, "bridge");
    assert.equal(linkOf(PHY).master, BR);
    const again = await cmd("/network/l2novlan/createbridge", { physicalInterface: PHY, bridgeName: BR });
    assert.equal(again.body.success, true);
    assert.equal(again.body.createdBridge, false);
  });

  it("creates a vlan bridge over <if>.<vlan> with the right VLAN id (or, without 8021q, fails leaving nothing)", async (t) => {
    assert.ok(VLAN_BR.length <= 15, VLAN_BR);
    const r = await cmd("/network/l2vlan/createbridge", { physicalInterface: PHY, vlan: VLAN, bridgeName: VLAN_BR });
    if (!vlanSupported) {
      t.diagnostic("this kernel cannot create VLAN interfaces (no 8021q): checking the clean failure instead");
      assert.equal(r.body.success, false);
      assert.equal(r.body.code, "COMMAND_FAILED");
      assert.throws(() => linkOf(VLAN_IF));
      assert.throws(() => linkOf(VLAN_BR));
      return;
    }
    assert.equal(r.body.success, true, r.body.error);
    assert.equal(r.body.createdVlanInterface, true);
    const v = linkOf(VLAN_IF);
    assert.equal(v.linkinfo.info_kind, "vlan");
    assert.equal(v.linkinfo.info_data.id, VLAN);
    assert.equal(v.master, VLAN_BR);
    const list = await cmd("/network/bridge/list", {});
    const mine = (list.body.bridges as Array<{ bridgeName: string; interfaces: string[] }>).filter((b) => b.bridgeName === BR || b.bridgeName === VLAN_BR);
    assert.deepEqual(mine.map((b) => [b.bridgeName, b.interfaces]).sort(), [[BR, [PHY]], [VLAN_BR, [VLAN_IF]]].sort());
  });

  it("fails cleanly on a missing uplink and refuses a bad interface name", async () => {
    const missing = await cmd("/network/l2novlan/createbridge", { physicalInterface: "strata-nope0", bridgeName: "br_strata-nope0" });
    assert.equal(missing.body.success, false);
    assert.equal(missing.body.code, "COMMAND_FAILED");
    assert.match(missing.body.error!, /strata-nope0 does not exist/);
    const bad = await cmd("/network/l2novlan/createbridge", { physicalInterface: "eth0; reboot", bridgeName: "br0" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error!, /physicalInterface/);
  });

  it("serves DHCP from dnsmasq in the L3's namespace: a client on the bridge gets exactly its entry", async () => {
    const mac = "fa:16:3e:51:00:0a";
    const apply = await cmd("/network/flatdhcp/apply", {
      l3NetworkUuid: l3, bridgeName: BR, dhcpServerIp: "10.251.7.2", gateway: "10.251.7.1", netmask: "255.255.255.0",
      dns: ["10.251.7.53"], dnsDomain: "strata.test",
      entries: [{ mac, ip: "10.251.7.10", hostname: "vm-one" }, { mac: "fa:16:3e:51:00:0b", ip: "10.251.7.11", hostname: "vm-two" }],
    });
    assert.equal(apply.body.success, true, apply.body.error);
    assert.equal(apply.body.running, true);
    const pid = apply.body.pid as number;
    const ns = dhcpNamespace(l3);
    const pids = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split("\n").map(Number);
    assert.ok(pids.includes(pid), `dnsmasq ${pid} runs in ${ns}`);
    assert.equal((await readFile(`/proc/${pid}/comm`, "utf8")).trim(), "dnsmasq");
    assert.equal(linkOf(dhcpVethNames(l3).outer).master, BR);

    // Applying the same MAC again replaces its entry (SIGHUP, same dnsmasq) rather than adding one.
    const again = await cmd("/network/flatdhcp/apply", {
      l3NetworkUuid: l3, bridgeName: BR, dhcpServerIp: "10.251.7.2", gateway: "10.251.7.1", netmask: "255.255.255.0",
      dns: ["10.251.7.53"], dnsDomain: "strata.test", entries: [{ mac, ip: "10.251.7.10", hostname: "vm-one" }],
    });
    assert.equal(again.body.pid, pid);
    assert.equal((again.body.entries as unknown[]).length, 2);

    const lease = await dhcpClient(mac);
    assert.ok(lease, "udhcpc obtained a lease");
    assert.equal(lease.ip, "10.251.7.10");
    assert.equal(lease.subnet, "255.255.255.0");
    assert.equal(lease.router, "10.251.7.1");
    assert.equal(lease.dns, "10.251.7.53");
    assert.equal(lease.domain, "strata.test");
    assert.equal(lease.hostname, "vm-one");
    assert.equal(lease.serverid, "10.251.7.2");
  });

  it("stops serving a released MAC, and stops dnsmasq and removes the namespace with the last one", async () => {
    const r1 = await cmd("/network/flatdhcp/release", { l3NetworkUuid: l3, entries: [{ mac: "fa:16:3e:51:00:0a" }] });
    assert.equal(r1.body.success, true, r1.body.error);
    assert.deepEqual([r1.body.remaining, r1.body.running], [1, true]);
    assert.equal(await dhcpClient("fa:16:3e:51:00:0a"), undefined, "no lease for a released MAC");
    const status = await cmd("/network/flatdhcp/list", {});
    const [net] = status.body.networks as Array<{ pid: number; entries: unknown[] }>;
    assert.equal(net!.entries.length, 1);

    const r2 = await cmd("/network/flatdhcp/release", { l3NetworkUuid: l3, entries: [{ mac: "fa:16:3e:51:00:0b" }] });
    assert.deepEqual([r2.body.remaining, r2.body.running], [0, false]);
    assert.equal(existsSync(`/proc/${net!.pid}`), false, "dnsmasq exited");
    assert.doesNotMatch(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }), new RegExp(dhcpNamespace(l3)));
    const idempotent = await cmd("/network/flatdhcp/release", { l3NetworkUuid: l3, entries: [{ mac: "fa:16:3e:51:00:0b" }] });
    assert.equal(idempotent.body.success, true);
  });

  it("deletes bridges and the VLAN sub-interface it created, but never the physical interface", async () => {
    const r = await cmd("/network/bridge/delete", { bridgeName: VLAN_BR, physicalInterface: PHY, vlan: VLAN });
    assert.equal(r.body.success, true, r.body.error);
    assert.equal(r.body.deleted, vlanSupported);
    assert.throws(() => linkOf(VLAN_IF));
    assert.equal((await cmd("/network/bridge/delete", { bridgeName: BR })).body.deleted, true);
    assert.equal(linkOf(PHY).master, undefined);
    assert.equal((await cmd("/network/bridge/delete", { bridgeName: BR })).body.deleted, false);
  });

  /**
   * Runs busybox udhcpc in a fresh namespace whose NIC has `mac` and is a port of the test
   * bridge; returns the lease's variables (ip, subnet, router, dns, ...) or undefined.
   */
  async function dhcpClient(mac: string): Promise<Record<string, string> | undefined> {
    cleanupClient();
    const out = join(dir, "lease.env");
    const script = join(dir, "udhcpc.sh");
    await rm(out, { force: true });
    await writeFile(script, `#!/bin/sh\n[ "$1" = bound ] && env > ${out}\nexit 0\n`);
    await chmod(script, 0o755);
    try {
      execFileSync("ip", ["netns", "add", CLIENT_NS]);
      execFileSync("ip", ["link", "add", CLIENT_OUT, "type", "veth", "peer", "name", CLIENT_IN, "netns", CLIENT_NS]);
      execFileSync("ip", ["link", "set", CLIENT_OUT, "master", BR, "up"]);
      execFileSync("ip", ["-n", CLIENT_NS, "link", "set", CLIENT_IN, "address", mac, "up"]);
      try {
        await exec("ip", ["netns", "exec", CLIENT_NS, "busybox", "udhcpc", "-i", CLIENT_IN, "-f", "-q", "-n", "-t", "4", "-T", "1", "-A", "1", "-s", script],
          { timeout: 20_000 });
      } catch {
        return undefined;
      }
      const env = await readFile(out, "utf8").catch(() => "");
      if (!env) return undefined;
      return Object.fromEntries(env.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    } finally {
      cleanupClient();
    }
  }
});
