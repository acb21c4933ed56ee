/**
 * ECS instance metrics: the node reads Alibaba CloudMonitor's DescribeMetricList (the emulator's
 * CMS product, through pop-core) and exports them with hostd's VM metric names, so the ZStack/VM
 * and ZStack/Aliyun/ECS catalog PromQL covers an ECS instance like a local VM.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALIYUN_ACCOUNT_ID, type HybridRig, REGION, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import { ecsNetwork, imageUuid, PASSWORD, pop } from "../aliyun/ecs-helpers.ts";
import { findMetric } from "../../monitoring/zwatch/catalog.ts";

describe("ECS metrics from CloudMonitor on the node's /metrics", () => {
  let rig: HybridRig;
  let ecs: { uuid: string; ecsInstanceId: string; cpuCores: number };
  const metric = async (name: string, vmUuid: string): Promise<number | undefined> => {
    const text = await (await fetch(`${rig.t.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`vmUuid="${vmUuid}"`));
    return line === undefined ? undefined : Number(line.split(" ").pop());
  };

  before(async () => {
    rig = await startHybridRig();
    const dc = await rig.addRegion();
    const net = await ecsNetwork(rig, dc);
    const image = await imageUuid(rig);
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/ecs", {
      params: { name: "web", ecsImageUuid: image, ecsVSwitchUuid: net.vswitchUuid, ecsSecurityGroupUuid: net.groupUuid, ecsRootPassword: PASSWORD, instanceType: "ecs.g6.large" },
    }));
    assert.equal(done.status, 200, done.text);
    ecs = done.body.inventory;
    assert.equal(ecs.cpuCores, 2);
  });
  after(async () => {
    await rig?.destroy();
  });

  it("answers DescribeMetricList in the emulator with CloudMonitor's shape", async () => {
    const cms = pop(rig, "2019-01-01");
    const now = Date.now();
    const r = await cms.request("DescribeMetricList", {
      RegionId: REGION, Namespace: "acs_ecs_dashboard", MetricName: "CPUUtilization", Period: "60",
      StartTime: String(now - 300_000), EndTime: String(now), Dimensions: JSON.stringify([{ instanceId: ecs.ecsInstanceId }]),
    }, { method: "POST" }) as { Code: string; Success: boolean; Period: string; Datapoints: string };
    assert.equal(r.Code, "200");
    assert.equal(r.Success, true);
    const points = JSON.parse(r.Datapoints) as { instanceId: string; userId: string; Average: number; timestamp: number }[];
    assert.ok(points.length >= 4, r.Datapoints);
    assert.ok(points.every((p) => p.instanceId === ecs.ecsInstanceId && p.userId === ALIYUN_ACCOUNT_ID && p.Average === 10));
    await assert.rejects(cms.request("DescribeMetricList", { RegionId: REGION, Namespace: "acs_ecs_dashboard" }, { method: "POST" }), /MetricName/);
  });

  it("exports the instance's CPU, disk and network as vm_* counters integrated from CloudMonitor's rates", async () => {
    const collector = rig.t.node.services.monitoring.ecsMetrics!;
    const rows = rig.emulator.state.table(ALIYUN_ACCOUNT_ID, REGION, "Instance", Date.now()) as Record<string, Record<string, unknown>>;
    rows[ecs.ecsInstanceId]!.EmulatorCpuUtilization = 50;
    const t0 = Date.now();
    await collector.pollOnce(t0); // starts the counters
    assert.equal(await metric("vm_vcpus", ecs.uuid), 2);
    assert.equal(await metric("vm_cpu_seconds_total", ecs.uuid), 0);
    await collector.pollOnce(t0 + 10_000);
    assert.equal(await metric("vm_cpu_seconds_total", ecs.uuid), 10, "50 % of 2 vCPUs for 10 s");
    assert.equal(await metric("vm_disk_read_bytes_total", ecs.uuid), 40_960);
    assert.equal(await metric("vm_network_receive_bytes_total", ecs.uuid), 10_000, "8000 bit/s for 10 s");
    const text = await (await fetch(`${rig.t.url}/metrics`)).text();
    assert.match(text, new RegExp(`vm_cpu_seconds_total\\{vmUuid="${ecs.uuid}",provider="Aliyun"\\} 10`));
  });

  it("drops the series of an instance that stops", async () => {
    const collector = rig.t.node.services.monitoring.ecsMetrics!;
    await rig.t.node.services.db.prisma.ecsInstance.update({ where: { uuid: ecs.uuid }, data: { ecsStatus: "Stopped" } });
    await collector.pollOnce();
    assert.equal(await metric("vm_vcpus", ecs.uuid), undefined);
  });

  it("maps ZStack/Aliyun/ECS metrics onto the same PromQL restricted to provider=\"Aliyun\"", () => {
    const cpu = findMetric("ZStack/Aliyun/ECS", "CPUAverageUsedUtilization")!;
    assert.equal(cpu.promql('vmUuid="x"', "60s"),
      '100 * sum by (vmUuid, hostUuid) (rate(vm_cpu_seconds_total{provider="Aliyun",vmUuid="x"}[60s])) / sum by (vmUuid, hostUuid) (vm_vcpus{provider="Aliyun",vmUuid="x"})');
    for (const name of ["DiskReadBytes", "DiskWriteBytes", "DiskReadOps", "DiskWriteOps", "NetworkInBytes", "NetworkOutBytes"]) {
      assert.ok(findMetric("ZStack/Aliyun/ECS", name), name);
    }
  });
});
