/**
 * Issue 9: the Alibaba emulator answers half of all calls with throttling or a 5xx, and every
 * call takes 3 s. Creates through Strata (a VPC, an ECS batch, a disk, an EIP) must each end
 * — done or failed with Alibaba's code, never stuck — and never make a resource twice: the
 * emulator ends with exactly what Strata recorded.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type HybridRig, REGION, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import type { Reply } from "../support/node.ts";
import { ecsNetwork, type EcsNetwork, imageUuid, PASSWORD, pop, ZONE } from "../aliyun/ecs-helpers.ts";

describe("Alibaba Cloud at 50% throttling/5xx and 3 s latency", () => {
  let rig: HybridRig;
  let dc: { uuid: string };
  let net: EcsNetwork;
  let image: string;
  before(async () => {
    rig = await startHybridRig({ transitionMs: 300 });
    dc = await rig.addRegion();
    net = await ecsNetwork(rig, dc);
    image = await imageUuid(rig);
    rig.emulator.faults.configure({ latencyMs: 3000, throttlingRate: 0.25, serverErrorRate: 0.25 });
  });
  after(async () => {
    rig.emulator.faults.configure({});
    await rig.destroy();
  });

  /** Follows a reply to its end: 200 done, or a typed failure; never a job left running. */
  const end = async (p: Promise<Reply>) => {
    const r = await p;
    const final = r.status === 202 ? await settle(rig.admin, r, 600_000) : r;
    assert.ok(final.status === 200 || typeof final.body?.error?.code === "string", `${final.status} ${final.text}`);
    return final;
  };

  it("ends every create and makes nothing twice", async () => {
    const zone = (await rig.admin.get(`/v1/hybrid/identity-zone?q=zoneId=${ZONE}`)).body.inventories[0].uuid as string;
    const results = await Promise.all([
      end(rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dc.uuid, cidrBlock: "10.60.0.0/16", name: "faulty", vRouterName: "faulty-router" } })),
      end(rig.admin.post("/v1/hybrid/aliyun/ecs", {
        params: { name: "faulty-batch", ecsImageUuid: image, ecsVSwitchUuid: net.vswitchUuid, ecsSecurityGroupUuid: net.groupUuid, ecsRootPassword: PASSWORD, instanceType: "ecs.t5-lc1m1.small", amount: 4 },
      })),
      end(rig.admin.post("/v1/hybrid/aliyun/disk", { params: { identityUuid: zone, name: "faulty-disk", sizeWithGB: 40 } })),
      end(rig.admin.post("/v1/hybrid/eip", { params: { name: "faulty-eip", bandWidthMb: 5, type: "aliyun", dataCenterUuid: dc.uuid, chargeType: "PayByTraffic" } })),
    ]);
    const stats = rig.t.node.services.aliyun.context.remote.stats();
    assert.ok(stats.retries > 0, "faults were met and retried");
    rig.emulator.faults.configure({});

    // No job of this test is left Running.
    const running = await rig.t.node.services.db.prisma.apiJob.count({ where: { state: "Running" } });
    assert.equal(running, 0);

    // Alibaba's side holds exactly what Strata recorded: never a second copy.
    const ecs = pop(rig);
    const vpcApi = pop(rig, "2016-04-28");
    const remoteCount = async (client: typeof ecs, action: string, params: Record<string, unknown>) =>
      ((await client.request(action, { RegionId: REGION, PageSize: 50, ...params }, { method: "POST" })) as { TotalCount: number }).TotalCount;
    const [vpc, batch, disk, eip] = results;
    assert.equal(await remoteCount(vpcApi, "DescribeVpcs", { VpcName: "faulty" }), vpc!.status === 200 ? 1 : 0);
    const instances = await remoteCount(ecs, "DescribeInstances", { InstanceName: "faulty-batch*" });
    // A batch whose job failed after RunInstances went through may have made its 4; never more.
    if (batch!.status === 200) assert.equal(instances, 4);
    else assert.ok(instances === 0 || instances === 4, `${instances} instances`);
    assert.equal(await remoteCount(ecs, "DescribeDisks", { DiskName: "faulty-disk" }), disk!.status === 200 ? 1 : 0);
    assert.equal(await remoteCount(vpcApi, "DescribeEipAddresses", {}), eip!.status === 200 ? 1 : 0);
    // And after a sync Strata agrees with Alibaba.
    await rig.sync(dc.uuid);
    const local = (await rig.admin.get("/v1/vm-instances?q=provider=Aliyun&q=name~=faulty-batch%25")).body.inventories.length;
    assert.equal(local, instances);
    assert.ok(results.filter((r) => r.status === 200).length >= 2, `most creates get through: ${results.map((r) => r.status).join(", ")}`);
  });
});
