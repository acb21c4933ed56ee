/**
 * ZWatch end to end, for real: Debian's Prometheus scrapes the management node and the
 * simulated hostds it discovers through the file_sd target file the node keeps; a CPU alarm on
 * a VM goes Alarm and notifies an email (in-process SMTP server), a JSON POST (local receiver)
 * and a signed DingTalk message (a robot that checks the signature), then clears with a
 * resolved message; a host disconnect event reaches all three channels once, and a restart in
 * between sends nothing twice.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { panelQueries } from "../support/dashboards.ts";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { startPrometheus, type TestPrometheus } from "../support/prometheus.ts";
import { startDingTalkRobot, startHttpReceiver, startSmtpServer, type HttpReceiver } from "../support/receivers.ts";
import { sparePort } from "../support/sshd.ts";

const GiB = 1024 ** 3;
const DING_SECRET = "SECzwatch-e2e";

describe("ZWatch with a real Prometheus, simulated hostds and local receivers", () => {
  let t: TestNode;
  let prom: TestPrometheus;
  let http: HttpReceiver;
  let robot: Awaited<ReturnType<typeof startDingTalkRobot>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const tmp = mkdtempSync(join(tmpdir(), "strata-zwatch-"));
  const fileSdPath = join(tmp, "sd", "hostd-targets.json");
  const ids: Record<string, string> = {};
  let port = 0;

  const ok = async (r: Promise<{ status: number; body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status === 202) {
      const s = await settle(t.admin, x as never, 120_000);
      assert.equal(s.status, 200, s.text);
      return s.body;
    }
    return x.body;
  };
  const evaluate = () => t.node.services.monitoring.evaluator.evaluateAll();
  const alarmStatus = async () => (await t.admin.get(`/v1/zwatch/alarms/${ids.alarm}`)).body.inventories[0].status as string;
  const counts = () => ({ http: http.received.length, ding: robot.accepted.length, mail: smtp.mails.length });

  const start = (env: Record<string, string> = {}) => startNode({
    env: { STRATA_PORT: String(port), PROMETHEUS_URL: prom.url, PROMETHEUS_FILE_SD_PATH: fileSdPath, ...env },
  });

  before(async () => {
    http = await startHttpReceiver();
    robot = await startDingTalkRobot(DING_SECRET);
    smtp = await startSmtpServer();
    port = await sparePort();
    prom = await startPrometheus({ nodeAddress: `127.0.0.1:${port}`, fileSdPath });
    t = await start();
    const c = t.node.services.configs;
    for (const [cat, name, v] of [["zwatch", "rate.window", "5"], ["zwatch", "evaluation.interval", "3600"], ["sns", "smtp.host", "127.0.0.1"],
      ["sns", "smtp.port", String(smtp.port)], ["sns", "delivery.backoff", "1"], ["sns", "timeZone", "Asia/Shanghai"]] as const) {
      await c.update(cat, name, v);
    }
    const a = t.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    ids.host = (await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name: "sim-a", cpuCapacity: 8, memoryCapacity: 16 * GiB } }))).inventory.uuid;
    ids.ps = (await ok(a.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata-sim-ps", zoneUuid: ids.zone } }))).inventory.uuid;
    await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ids.ps}`, {}));
    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "l3", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.17.10", endIp: "10.253.17.50", netmask: "255.255.255.0", gateway: "10.253.17.1" } }));
    ids.vm = (await ok(a.post("/v1/vm-instances", { params: { name: "busy-vm", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] } }))).inventory.uuid;

    ids.topic = (await ok(a.post("/v1/sns/topics", { params: { name: "oncall" } }))).inventory.uuid;
    const eps = [
      await ok(a.post("/v1/sns/application-endpoints/http", { params: { name: "hook", url: `${http.url}/alarm`, secret: "zwatch-hmac-secret" } })),
      await ok(a.post("/v1/sns/application-endpoints/ding-talk", { params: { name: "robot", url: `${robot.url}/robot/send?access_token=t`, secret: DING_SECRET } })),
      await ok(a.post("/v1/sns/application-endpoints/email", { params: { name: "mail", email: "oncall@example.test" } })),
    ];
    for (const e of eps) await ok(a.post(`/v1/sns/topics/${ids.topic}/endpoints/${e.inventory.uuid}`, {}));
  });
  after(async () => {
    await t?.destroy();
    await prom?.stop();
    await http?.close();
    await robot?.close();
    await smtp?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("writes every Connected host's hostd into the file_sd target file, with its labels", async () => {
    const groups = await eventually(async () => {
      try {
        const g = JSON.parse(readFileSync(fileSdPath, "utf8")) as { targets: string[]; labels: Record<string, string> }[];
        return g.length === 1 ? g : undefined;
      } catch {
        return undefined;
      }
    }, 10_000);
    assert.ok(groups);
    const host = await t.node.services.db.prisma.host.findUniqueOrThrow({ where: { uuid: ids.host } });
    assert.deepEqual(groups[0], {
      targets: [`127.0.0.1:${host.hostdPort}`],
      labels: { hostUuid: ids.host, clusterUuid: ids.cluster, zoneUuid: ids.zone, hypervisorType: "Simulator" },
    });
  });

  it("has Prometheus scrape the management node and the discovered hostd", async () => {
    const up = await eventually(async () => {
      const r = await prom.query("up");
      return r.filter((s) => s.value[1] === "1").length >= 2 ? r : undefined;
    }, 20_000, 250);
    assert.ok(up, "both targets up");
    const vmCpu = await eventually(async () => (await prom.query(`vm_cpu_seconds_total{vmUuid="${ids.vm}"}`)).length > 0, 10_000, 250);
    assert.ok(vmCpu);
    const api = await prom.query('strata_api_requests_total{apiName="CreateVmInstance"}');
    assert.ok(api.length > 0, "API metrics scraped");
    const res = await prom.query('strata_resources{resourceType="VmInstance",state="Running"}');
    assert.equal(res[0]?.value[1], "1");
  });

  it("lists the metric catalog and answers metric data from Prometheus, clamping the step", async () => {
    const cat = await t.admin.get("/v1/zwatch/all/metrics?namespace=ZStack/VM");
    assert.equal(cat.status, 200);
    const names = cat.body.metrics.map((m: { name: string }) => m.name);
    for (const n of ["CPUAverageUsedUtilization", "MemoryUsedInPercent", "DiskReadBytes", "DiskWriteBytes", "DiskReadOps", "DiskWriteOps", "NetworkInBytes", "NetworkOutBytes"]) {
      assert.ok(names.includes(n), n);
    }
    const now = Math.floor(Date.now() / 1000);
    const data = await eventually(async () => {
      const r = await t.admin.get(`/v1/zwatch/metrics?namespace=ZStack/VM&metricName=CPUAverageUsedUtilization&labels=VMUuid=${ids.vm}&startTime=${now - 30}&endTime=${now + 5}&period=1`);
      // A fresh series underestimates rate() until the window is full; the sim guest uses 10% of its vCPU.
      return r.status === 200 && r.body.data.at(-1)?.value > 8 ? r : undefined;
    }, 15_000, 500);
    assert.ok(data);
    assert.equal(data.body.data[0].labels.VMUuid, ids.vm);
    assert.equal(data.body.period, 1);
    assert.ok(data.body.data.every((p: { value: number }) => p.value > 0 && p.value < 12), JSON.stringify(data.body.data));
    const wide = await t.admin.get(`/v1/zwatch/metrics?namespace=ZStack/VM&metricName=CPUAverageUsedUtilization&startTime=${now - 86_400 * 30}&endTime=${now}&period=1`);
    assert.equal(wide.status, 200, wide.text);
    assert.ok(wide.body.period >= Math.ceil(86_400 * 30 / 10_999), `period ${wide.body.period}`);
    const unknown = await t.admin.get("/v1/zwatch/metrics?namespace=ZStack/VM&metricName=Nope");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "ZWATCH.UNKNOWN_METRIC");
  });

  it("refuses an alarm on an unknown metric, label or topic", async () => {
    const base = { name: "x", namespace: "ZStack/VM", metricName: "CPUAverageUsedUtilization", comparisonOperator: "GreaterThan", threshold: 1, period: 0 };
    const r1 = await t.admin.post("/v1/zwatch/alarms", { params: { ...base, metricName: "CPU" } });
    assert.equal(r1.body.error.code, "ZWATCH.UNKNOWN_METRIC");
    const r2 = await t.admin.post("/v1/zwatch/alarms", { params: { ...base, labels: [{ key: "Color", op: "Equal", value: "x" }] } });
    assert.equal(r2.body.error.code, "ZWATCH.UNKNOWN_LABEL");
    const r3 = await t.admin.post("/v1/zwatch/alarms", { params: { ...base, actions: [{ actionUuid: "0".repeat(32), actionType: "sns" }] } });
    assert.equal(r3.status, 404);
  });

  it("turns a VM's CPU alarm to Alarm after its period and notifies email, HTTP and DingTalk once", async () => {
    const created = await ok(t.admin.post("/v1/zwatch/alarms", {
      params: {
        name: "vm-cpu-high", namespace: "ZStack/VM", metricName: "CPUAverageUsedUtilization", comparisonOperator: "GreaterThan",
        threshold: 5, period: 2, repeatInterval: 3600, emergencyLevel: "Emergent", enableRecovery: true,
        labels: [{ key: "VMUuid", op: "Equal", value: ids.vm }], actions: [{ actionUuid: ids.topic, actionType: "sns" }],
      },
    }));
    ids.alarm = created.inventory.uuid;
    assert.equal(created.inventory.status, "InsufficientData");
    await evaluate();
    assert.equal(await alarmStatus(), "OK", "condition holds but not yet for period");
    const before = counts();
    const fired = await eventually(async () => {
      await evaluate();
      return (await alarmStatus()) === "Alarm";
    }, 15_000, 500);
    assert.ok(fired);
    await eventually(async () => counts().http > before.http && counts().ding > before.ding && counts().mail > before.mail, 10_000);
    await evaluate(); // still in Alarm: no repeat within repeatInterval
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(counts(), { http: before.http + 1, ding: before.ding + 1, mail: before.mail + 1 });
    const post = http.received.at(-1)!.json;
    assert.equal(post.data.kind, "alarm");
    assert.equal(post.data.alarmUuid, ids.alarm);
    assert.equal(post.data.newStatus, "Alarm");
    assert.equal(post.data.resourceName, "busy-vm");
    assert.match(smtp.mails.at(-1)!.data, /\[ALARM\] vm-cpu-high: busy-vm/);
    assert.match(smtp.mails.at(-1)!.data, /Asia\/Shanghai/);
    assert.match(robot.accepted.at(-1)!.json.markdown.text, /CPUAverageUsedUtilization > 5%/);
  });

  it("clears when the VM stops using CPU and sends a resolved message", async () => {
    await ok(t.admin.put(`/v1/vm-instances/${ids.vm}/actions`, { pauseVmInstance: {} }));
    const before = counts();
    const cleared = await eventually(async () => {
      await evaluate();
      return (await alarmStatus()) === "OK";
    }, 20_000, 500);
    assert.ok(cleared);
    await eventually(async () => counts().http > before.http && counts().ding > before.ding && counts().mail > before.mail, 10_000);
    assert.equal(http.received.at(-1)!.json.data.resolved, true);
    assert.match(smtp.mails.at(-1)!.data, /\[RESOLVED\] vm-cpu-high/);
    const hist = await t.admin.get(`/v1/zwatch/alarms/histories?q=alarmUuid=${ids.alarm}&sort=createDate`);
    assert.deepEqual(hist.body.inventories.map((h: { oldStatus: string; newStatus: string }) => `${h.oldStatus}>${h.newStatus}`),
      ["InsufficientData>OK", "OK>Alarm", "Alarm>OK"]);
  });

  it("answers every Grafana dashboard panel's query with data", async () => {
    const queries = panelQueries({ hostUuid: ids.host!, vmUuid: ids.vm!, __rate_interval: "5s", datasource: "strata-prometheus" });
    assert.ok(queries.length >= 30, `${queries.length} queries`);
    const empty: string[] = [];
    for (const q of queries) {
      const ok = await eventually(async () => (await prom.query(q.expr)).length > 0, 5000, 250);
      if (!ok) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
    }
    assert.deepEqual(empty, []);
  });

  // How long a round takes is measured by `npm run bench` (section alarms), not asserted here.
  it("evaluates 1,000 alarms in a round, each getting its status from Prometheus", async () => {
    const prisma = t.node.services.db.prisma;
    const accountUuid = (await prisma.account.findFirstOrThrow({ where: { name: "admin" } })).uuid;
    await prisma.zwatchAlarm.createMany({
      data: Array.from({ length: 1000 }, (_, i) => ({
        uuid: `${"b".repeat(24)}${i.toString(16).padStart(8, "0")}`, name: `bench-${i}`, namespace: "ZStack/Host", metricName: "MemoryUsedInPercent",
        comparisonOperator: i % 2 ? "GreaterThan" : "LessThan", threshold: 50, period: 0, repeatInterval: 3600, repeatCount: 0,
        emergencyLevel: "Normal", actions: [] as never, accountUuid,
        // One in ten filters on a label the metric's result does not carry: it needs its own query.
        labels: (i % 10 ? [{ key: "HostUuid", op: "Equal", value: ids.host }] : [{ key: "ClusterUuid", op: "Equal", value: ids.cluster }]) as never,
      })),
    });
    // Every alarm needs the host's memory series; Prometheus must have scraped it.
    assert.ok(await eventually(async () => (await prom.query(`host_memory_available_bytes{hostUuid="${ids.host}"}`)).length > 0, 20_000, 250));
    const evaluator = t.node.services.monitoring.evaluator;
    const first = await evaluator.evaluateAll();
    const second = await evaluator.evaluateAll();
    assert.ok(first.evaluated >= 1000 && first.errors === 0 && second.errors === 0);
    const statuses = await prisma.zwatchAlarm.groupBy({ by: ["status"], where: { name: { startsWith: "bench-" } }, _count: { _all: true } });
    assert.deepEqual(statuses.map((x) => [x.status, x._count._all]).sort(), [["Alarm", 500], ["OK", 500]]);
    await prisma.zwatchAlarmSeries.deleteMany({ where: { alarmUuid: { startsWith: "b".repeat(24) } } });
    await prisma.zwatchAlarmHistory.deleteMany({ where: { alarmUuid: { startsWith: "b".repeat(24) } } });
    await prisma.zwatchAlarm.deleteMany({ where: { name: { startsWith: "bench-" } } });
  });

  it("sends a host-disconnected event to all three channels once, even across a restart", async () => {
    const sub = await ok(t.admin.post("/v1/zwatch/events/subscriptions", {
      params: { namespace: "ZStack/Host", eventName: "HostDisconnected", actions: [{ actionUuid: ids.topic, actionType: "sns" }] },
    }));
    assert.equal(sub.inventory.eventName, "HostDisconnected");
    const before = counts();
    const hosts = t.node.services.hosts;
    const host = await t.node.services.db.prisma.host.findUniqueOrThrow({ where: { uuid: ids.host } });
    await hosts.setStatus(host, "Disconnected");
    await eventually(async () => counts().http > before.http && counts().ding > before.ding && counts().mail > before.mail, 10_000);
    assert.match(smtp.mails.at(-1)!.data, /HostDisconnected/);
    // The target file drops the Disconnected host.
    assert.ok(await eventually(async () => JSON.parse(readFileSync(fileSdPath, "utf8")).length === 0, 5000));

    t = await t.restart(); // the new node re-handles recent events: the stored records make that a no-op
    await t.node.services.monitoring.eventSubscriptions.settled();
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(counts(), { http: before.http + 1, ding: before.ding + 1, mail: before.mail + 1 });
    const records = await t.admin.get("/v1/zwatch/events?q=eventName=HostDisconnected");
    assert.equal(records.body.inventories.length, 1);
    assert.equal(records.body.inventories[0].readStatus, "Unread");
    const read = await t.admin.put(`/v1/zwatch/events/${records.body.inventories[0].uuid}/actions`, { updateEventReadStatus: { readStatus: "Read" } });
    assert.equal(read.body.inventory.readStatus, "Read");
  });

  it("serves /metrics without a session and counts API calls, deliveries and resources", async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(text, /strata_api_request_duration_seconds_bucket\{le="[^"]+",apiName="QueryEventSubscription"|strata_api_request_duration_seconds_bucket\{/);
    assert.match(text, /strata_resources\{resourceType="Host",state="Enabled",status="(Connected|Disconnected)"\} 1/);
    assert.match(text, /# TYPE strata_sns_deliveries_total counter/); // counts restart at 0 with the new process
    assert.match(text, /process_cpu_user_seconds_total/);
  });
});
