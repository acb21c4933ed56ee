/**
 * Alibaba sync at scale (issue 9): the emulator holds `instances` ECS instances, `disks` data
 * disks and `groups` security groups, created through its API with pop-core; Strata then runs
 * a first full sync of the data center and a no-change re-sync. Reports seconds and the API
 * calls each made.
 */
import { performance } from "node:perf_hooks";
import type RPCClient from "@alicloud/pop-core";
import { pop } from "../aliyun/ecs-helpers.ts";
import { REGION, startHybridRig } from "../support/aliyun.ts";

export interface SyncFigure {
  instances: number;
  disks: number;
  groups: number;
  first: { seconds: number; calls: number };
  again: { seconds: number; calls: number; changed: number };
}

export async function benchAliyunSync(instances: number, disks: number, groups: number): Promise<SyncFigure> {
  const rig = await startHybridRig({ transitionMs: 20 });
  try {
    const ecs = pop(rig);
    const vpcApi = pop(rig, "2016-04-28");
    const call = (c: RPCClient, action: string, params: Record<string, unknown>) => c.request(action, { RegionId: REGION, ...params }, { method: "POST" }) as Promise<Record<string, string>>;
    const { VpcId } = await call(vpcApi, "CreateVpc", { CidrBlock: "10.0.0.0/8" });
    await new Promise((r) => setTimeout(r, 100));
    const { VSwitchId } = await call(vpcApi, "CreateVSwitch", { VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: "10.1.0.0/16" });
    const groupIds: string[] = [];
    for (let i = 0; i < groups; i++) groupIds.push((await call(ecs, "CreateSecurityGroup", { VpcId, SecurityGroupName: `sg-${i}` })).SecurityGroupId!);
    for (let made = 0; made < instances; made += 100) {
      await call(ecs, "RunInstances", {
        ImageId: "ubuntu_22_04_x64_20G_alibase_20240926.vhd", InstanceType: "ecs.t5-lc1m1.small", VSwitchId, SecurityGroupId: groupIds[0] ?? "",
        Amount: Math.min(100, instances - made), InstanceName: `bench-${made}`,
      });
    }
    for (let i = 0; i < disks; i++) await call(ecs, "CreateDisk", { ZoneId: "cn-hangzhou-h", Size: 20, DiskCategory: "cloud_efficiency", DiskName: `d-${i}` });
    await new Promise((r) => setTimeout(r, 200)); // every status settles

    const dc = await rig.addRegion();
    const stats = () => rig.t.node.services.aliyun.context.remote.stats().calls;
    let calls = stats();
    let t0 = performance.now();
    await rig.sync(dc.uuid, 3_600_000);
    const first = { seconds: (performance.now() - t0) / 1000, calls: stats() - calls };
    calls = stats();
    t0 = performance.now();
    const results = await rig.sync(dc.uuid, 3_600_000);
    const changed = Object.values(results).reduce((n, r) => n + r.created + r.updated + r.deleted, 0);
    const again = { seconds: (performance.now() - t0) / 1000, calls: stats() - calls, changed };
    return { instances, disks, groups, first, again };
  } finally {
    await rig.destroy();
  }
}
