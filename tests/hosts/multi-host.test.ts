import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { createNetns, type TestNetns } from "../support/netns.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { startSshd, type TestSshd } from "../support/sshd.ts";

describe("two KVM hosts at their own addresses (network namespaces, each with its own sshd)", () => {
  let t: TestNode;
  const namespaces: TestNetns[] = [];
  const sshds: TestSshd[] = [];
  const ports = [21_071, 21_072];

  before(async () => {
    t = await startNode();
    for (const [i, n] of [[0, 71], [1, 72]] as const) {
      const ns = createNetns(n);
      namespaces[i] = ns;
      sshds[i] = await startSshd({ netns: ns.name, listenAddress: ns.address });
    }
  });
  after(async () => {
    for (const port of ports) {
      try {
        const pid = readFileSync(`/var/lib/strata-hostd-${port}/supervisor.pid`, "utf8").trim();
        execFileSync("kill", ["-KILL", "--", `-${pid}`]);
      } catch { /* removed by the test */ }
      execFileSync("rm", ["-rf", `/var/lib/strata-hostd-${port}`]);
    }
    for (const s of sshds) await s?.stop();
    for (const ns of namespaces) ns?.remove();
    await t.destroy();
  });

  it("adds both at once; each is Connected at its own address and pinged there", async () => {
    const zone = await t.admin.post("/v1/zones", { params: { name: "ns-zone" } });
    const cluster = await t.admin.post("/v1/clusters", {
      params: { zoneUuid: zone.body.inventory.uuid, name: "ns", hypervisorType: "KVM", architecture: execFileSync("uname", ["-m"]).toString().trim() },
    });
    const replies = await Promise.all([0, 1].map(async (i) => settle(t.admin, await t.admin.post("/v1/hosts/kvm", {
      params: {
        clusterUuid: cluster.body.inventory.uuid, name: `ns-host-${i}`, managementIp: namespaces[i]!.address,
        sshPort: sshds[i]!.port, privateKey: sshds[i]!.privateKey, hostdPort: ports[i],
      },
    }), 120_000)));
    for (const r of replies) assert.equal(r.status, 200, r.text);
    assert.deepEqual(replies.map((r) => [r.body.inventory.managementIp, r.body.inventory.status]),
      [[namespaces[0]!.address, "Connected"], [namespaces[1]!.address, "Connected"]]);

    // Each agent answers at its namespace's address, not on this machine's loopback.
    for (const i of [0, 1]) {
      const m = await fetch(`http://${namespaces[i]!.address}:${ports[i]}/metrics`);
      assert.equal(m.status, 200);
    }
    await assert.rejects(fetch(`http://127.0.0.1:${ports[0]}/metrics`, { signal: AbortSignal.timeout(1000) }));

    await t.admin.put("/v1/global-configurations/host/ping.interval/actions", { updateGlobalConfig: { value: "1" } });
    const since = Date.now();
    const pinged = await eventually(async () => {
      const hosts = await t.node.services.db.prisma.host.findMany();
      return hosts.every((h) => h.lastPingDate && h.lastPingDate.getTime() > since && h.status === "Connected");
    }, 10_000);
    assert.ok(pinged, "both hosts pinged and Connected");

    for (const r of replies) {
      const d = await settle(t.admin, await t.admin.delete(`/v1/hosts/${r.body.inventory.uuid}`), 60_000);
      assert.equal(d.status, 200, d.text);
    }
  });
});
