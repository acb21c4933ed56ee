import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const HOSTS = 200;

describe(`${HOSTS} simulator hosts on one management node`, () => {
  let t: TestNode;
  let clusterUuid: string;
  before(async () => {
    t = await startNode();
    const zone = await t.admin.post("/v1/zones", { params: { name: "scale" } });
    const c = await t.admin.post("/v1/clusters", { params: { zoneUuid: zone.body.inventory.uuid, name: "sims", hypervisorType: "Simulator" } });
    clusterUuid = c.body.inventory.uuid;
  });
  after(async () => { await t.destroy(); });

  it("adds them all, 20 at a time, every job succeeding", async () => {
    for (let batch = 0; batch < HOSTS / 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
        settle(t.admin, await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid, name: `sim-${batch * 20 + i}`, cpuCapacity: 16 } }))));
      for (const r of replies) assert.equal(r.status, 200, r.text);
    }
    const count = await t.admin.get("/v1/hosts?q=status=Connected&count=true");
    assert.equal(count.body.total, HOSTS);
  });

  it("keeps every one Connected through five 1-second ping rounds", async () => {
    await t.admin.put("/v1/global-configurations/host/ping.interval/actions", { updateGlobalConfig: { value: "1" } });
    await t.admin.put("/v1/global-configurations/host/ping.maxFailures/actions", { updateGlobalConfig: { value: "1" } });
    const since = new Date().toISOString();
    for (let round = 0; round < 5; round++) {
      await new Promise((r) => setTimeout(r, 1000));
      const connected = await t.admin.get("/v1/hosts?q=status=Connected&count=true");
      assert.equal(connected.body.total, HOSTS, `round ${round}`);
    }
    const drops = await t.admin.get(`/v1/events?q=type=ResourceStatusChanged&q=newState=Disconnected&q=createDate>=${since}&count=true`);
    assert.equal(drops.body.total, 0);
    const pinged = await t.admin.get(`/v1/hosts?q=lastOpDate>=${since}&count=true`);
    assert.equal(pinged.body.total, HOSTS, "every host was pinged in the window");
  });
});
