import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, type HybridRig, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import type { Client } from "../support/node.ts";
import { ecsNetwork, type EcsNetwork, imageUuid, PASSWORD } from "./ecs-helpers.ts";

describe("ECS quotas and ownership for a normal account", () => {
  let rig: HybridRig;
  let tenant: Client;
  let tenantUuid: string;
  let dc: { uuid: string };
  let net: EcsNetwork;
  let image: string;

  before(async () => {
    rig = await startHybridRig();
    const a = await rig.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password" } });
    assert.equal(a.status, 200, a.text);
    tenantUuid = a.body.inventory.uuid;
    tenant = await rig.admin.login("tenant", "tenant-password");
    assert.equal((await tenant.post("/v1/hybrid/aliyun/key", { params: { name: "k", key: ALIYUN_KEY_ID, secret: ALIYUN_KEY_SECRET } })).status, 200);
    const r = await tenant.post("/v1/hybrid/data-center", { params: { regionId: "cn-hangzhou", type: "aliyun", syncZones: true } });
    assert.equal(r.status, 200, r.text);
    dc = r.body.inventory;
    net = await ecsNetwork(rig, dc);
    image = await imageUuid(rig);
    for (const [name, value] of [["vm.num", 2], ["vm.cpuNum", 4], ["eip.num", 0]] as const) {
      const q = await rig.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: tenantUuid, name, value } });
      assert.equal(q.status, 200, q.text);
    }
  });
  after(async () => { await rig.destroy(); });

  const create = (params: Record<string, unknown>) => tenant.post("/v1/hybrid/aliyun/ecs", {
    params: { name: "tenant-vm", ecsImageUuid: image, ecsVSwitchUuid: net.vswitchUuid, ecsSecurityGroupUuid: net.groupUuid, ecsRootPassword: PASSWORD, ...params },
  });

  it("refuses a batch over vm.num and an instance over vm.cpuNum with ID.1003, creating nothing", async () => {
    const many = await create({ instanceType: "ecs.t5-lc1m1.small", amount: 3 });
    assert.equal(many.status, 400, many.text);
    assert.equal(many.body.error.code, "ID.1003");
    assert.match(many.text, /vm\.num/);
    const big = await create({ instanceType: "ecs.c7.2xlarge" });
    assert.equal(big.status, 400, big.text);
    assert.match(big.text, /vm\.cpuNum/);
    assert.equal((await tenant.get("/v1/hybrid/aliyun/ecs")).body.inventories.length, 0);
  });

  it("creates within the quotas, owned by the tenant; the next one over vm.num is refused", async () => {
    const done = await settle(tenant, await create({ instanceType: "ecs.c6.large", amount: 2 }));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.inventories.length, 2);
    assert.ok(done.body.inventories.every((i: { accountUuid: string }) => i.accountUuid === tenantUuid));
    const vms = (await tenant.get("/v1/vm-instances?q=provider=Aliyun")).body.inventories;
    assert.equal(vms.length, 2);
    const third = await create({ instanceType: "ecs.t5-lc1m1.small" });
    assert.equal(third.status, 400, third.text);
    assert.equal(third.body.error.code, "ID.1003");
  });

  it("refuses an EIP over eip.num", async () => {
    const r = await tenant.post("/v1/hybrid/eip", { params: { name: "e", bandWidthMb: 1, type: "aliyun", dataCenterUuid: dc.uuid, chargeType: "PayByTraffic" } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, "ID.1003");
  });

  it("hides the tenant's instances from another account", async () => {
    await rig.admin.post("/v1/accounts", { params: { name: "other", password: "other-password" } });
    const other = await rig.admin.login("other", "other-password");
    assert.equal((await other.get("/v1/hybrid/aliyun/ecs")).body.inventories.length, 0);
    const one = (await tenant.get("/v1/hybrid/aliyun/ecs")).body.inventories[0];
    const r = await other.put(`/v1/hybrid/aliyun/ecs/${one.uuid}/actions`, { stopEcsInstance: {} });
    assert.equal(r.status, 404, r.text);
  });
});
