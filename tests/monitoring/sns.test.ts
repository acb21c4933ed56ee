/**
 * SNS end to end through the REST API: topics, HTTP / DingTalk / email endpoints, subscriptions,
 * and stored deliveries sent to local receivers (HTTP with an HMAC signature, a DingTalk robot
 * that checks DingTalk's signature, an in-process SMTP server) — retries on 5xx, no retry on a
 * rejected signature or a DingTalk errcode, connectionStatus, test messages, a clean restart.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { httpSignature } from "../../monitoring/sns/channels/http.ts";
import { newUuid } from "../../server/ids.ts";
import { eventually, startNode, type TestNode } from "../support/node.ts";
import { startDingTalkRobot, startHttpReceiver, startSmtpServer, type HttpReceiver } from "../support/receivers.ts";

const SECRET = "hmac-secret-for-tests";
const DING_SECRET = "SECdingtalk-secret-for-tests";

describe("SNS topics, endpoints and deliveries", () => {
  let t: TestNode;
  let http: HttpReceiver;
  let robot: Awaited<ReturnType<typeof startDingTalkRobot>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const ids: Record<string, string> = {};
  const sns = () => t.node.services.monitoring.sns;
  const prisma = () => t.node.services.db.prisma;

  /** Publishes one message to the topic as an alarm or event would, and pokes the sweep. */
  const publish = async (key: string) => {
    const n = await prisma().$transaction((tx) => sns().publish(tx, [ids.topic!], key, (locale) => ({
      subject: `subject ${key} ${locale}`, text: `text ${key}`, markdown: `**${key}**`, data: { key },
    })));
    sns().poke();
    return n;
  };
  const deliveries = async (key: string) => prisma().snsDelivery.findMany({ where: { dedupKey: key }, orderBy: { channel: "asc" } });

  before(async () => {
    http = await startHttpReceiver();
    robot = await startDingTalkRobot(DING_SECRET);
    smtp = await startSmtpServer();
    t = await startNode();
    const c = t.node.services.configs;
    await c.update("sns", "delivery.backoff", "1");
    await c.update("sns", "delivery.maxAttempts", "3");
    await c.update("sns", "delivery.timeout", "2");
    await c.update("sns", "smtp.host", "127.0.0.1");
    await c.update("sns", "smtp.port", String(smtp.port));
  });
  after(async () => {
    await t?.destroy();
    await http?.close();
    await robot?.close();
    await smtp?.close();
  });

  it("creates a topic and one endpoint of each type, hiding their secrets", async () => {
    const topic = await t.admin.post("/v1/sns/topics", { params: { name: "ops", locale: "en_US" } });
    assert.equal(topic.status, 200, topic.text);
    ids.topic = topic.body.inventory.uuid;
    const h = await t.admin.post("/v1/sns/application-endpoints/http", { params: { name: "hook", url: `${http.url}/hook`, secret: SECRET, username: "u", password: "p4ss" } });
    assert.equal(h.status, 200, h.text);
    ids.http = h.body.inventory.uuid;
    assert.equal(h.body.inventory.type, "Http");
    assert.equal(h.body.inventory.connectionStatus, "Unknown");
    assert.ok(!h.text.includes(SECRET) && !h.text.includes("p4ss"), "secrets are not returned");
    const d = await t.admin.post("/v1/sns/application-endpoints/ding-talk", {
      params: { name: "robot", url: `${robot.url}/robot/send?access_token=abc`, secret: DING_SECRET, atPersonPhoneNumbers: ["13800000000"] },
    });
    assert.equal(d.status, 200, d.text);
    ids.ding = d.body.inventory.uuid;
    const e = await t.admin.post("/v1/sns/application-endpoints/email", { params: { name: "oncall", email: "oncall@example.test" } });
    assert.equal(e.status, 200, e.text);
    ids.email = e.body.inventory.uuid;
    const row = await prisma().snsEndpoint.findUnique({ where: { uuid: ids.http } });
    assert.ok(row?.secretsEncrypted && !row.secretsEncrypted.includes(SECRET), "stored sealed");
  });

  it("refuses bad input with 400 naming the field, and unknown topics with 404", async () => {
    const bad = await t.admin.post("/v1/sns/application-endpoints/http", { params: { name: "x", url: "ftp://example.test" } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /url/);
    const badMail = await t.admin.post("/v1/sns/application-endpoints/email", { params: { name: "x", email: "not-an-address" } });
    assert.equal(badMail.status, 400);
    assert.match(badMail.text, /email/);
    const missing = await t.admin.post(`/v1/sns/topics/${newUuid()}/endpoints/${ids.http}`, {});
    assert.equal(missing.status, 404);
  });

  it("subscribes endpoints to the topic, once", async () => {
    for (const e of [ids.http, ids.ding, ids.email]) {
      const r = await t.admin.post(`/v1/sns/topics/${ids.topic}/endpoints/${e}`, {});
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.inventory.topicUuids, [ids.topic]);
    }
    const again = await t.admin.post(`/v1/sns/topics/${ids.topic}/endpoints/${ids.http}`, {});
    assert.equal(again.status, 409);
    const topics = await t.admin.get("/v1/sns/topics");
    assert.equal(topics.body.inventories[0].subscriberCount, 3);
  });

  it("delivers one message to all three channels: signed JSON, signed DingTalk markdown, an email", async () => {
    assert.equal(await publish("m1"), 3);
    const rows = await eventually(async () => {
      const r = await deliveries("m1");
      return r.every((d) => d.status === "Delivered") ? r : undefined;
    }, 10_000);
    assert.ok(rows, JSON.stringify(await deliveries("m1")));
    assert.deepEqual(rows.map((d) => d.channel), ["DingTalk", "Email", "Http"]);
    const dRow = rows.find((d) => d.channel === "DingTalk")!;
    assert.equal(dRow.errcode, 0);
    assert.equal(rows.find((d) => d.channel === "Http")!.httpCode, 200);

    const got = http.received.at(-1)!;
    assert.equal(got.json.subject, "subject m1 en_US");
    const expected = httpSignature(SECRET, String(got.headers["x-strata-timestamp"]), got.body);
    assert.equal(got.headers["x-strata-signature"], expected, "HMAC-SHA256 over timestamp.body");
    assert.equal(got.headers.authorization, `Basic ${Buffer.from("u:p4ss").toString("base64")}`);

    assert.equal(robot.accepted.length, 1);
    const msg = robot.accepted[0]!.json;
    assert.equal(msg.msgtype, "markdown");
    assert.match(msg.markdown.text, /\*\*m1\*\*/);
    assert.deepEqual(msg.at.atMobiles, ["13800000000"]);

    assert.equal(smtp.mails.length, 1);
    assert.deepEqual(smtp.mails[0]!.to, ["oncall@example.test"]);
    assert.match(smtp.mails[0]!.data, /Subject: subject m1 en_US/);

    const eps = await t.admin.get("/v1/sns/application-endpoints");
    assert.ok(eps.body.inventories.every((e: { connectionStatus: string }) => e.connectionStatus === "Connected"), eps.text);
  });

  it("stores a decision once: publishing the same key again sends nothing", async () => {
    assert.equal(await publish("m1"), 0);
    assert.equal((await deliveries("m1")).length, 3);
  });

  it("retries a 5xx with backoff until it succeeds, recording every attempt", async () => {
    http.replies.push({ status: 503, body: "busy" });
    const before = http.received.length;
    await publish("m2");
    const row = await eventually(async () => {
      const d = (await deliveries("m2")).find((x) => x.channel === "Http");
      return d?.status === "Delivered" ? d : undefined;
    }, 10_000);
    assert.ok(row);
    assert.equal(row.attempts, 2);
    assert.equal(http.received.length - before, 2);
    const m = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(m, /strata_sns_deliveries_total\{channel="Http",result="Retry"\} 1/);
  });

  it("does not retry a rejected signature (401) and marks the endpoint Disconnected", async () => {
    http.replies.push({ status: 401, body: "bad signature" });
    await publish("m3");
    const row = await eventually(async () => {
      const d = (await deliveries("m3")).find((x) => x.channel === "Http");
      return d?.status === "Failed" ? d : undefined;
    }, 10_000);
    assert.ok(row);
    assert.equal(row.attempts, 1);
    assert.equal(row.httpCode, 401);
    assert.equal(row.response, "bad signature");
    const ep = await prisma().snsEndpoint.findUnique({ where: { uuid: ids.http } });
    assert.equal(ep?.connectionStatus, "Disconnected");
  });

  it("treats a DingTalk errcode as a failure, retrying only throttling (130101)", async () => {
    robot.errcodes.push(130101);
    await publish("m4");
    const ok = await eventually(async () => {
      const d = (await deliveries("m4")).find((x) => x.channel === "DingTalk");
      return d?.status === "Delivered" ? d : undefined;
    }, 10_000);
    assert.ok(ok);
    assert.equal(ok.attempts, 2);
    robot.errcodes.push(300001);
    await publish("m5");
    const failed = await eventually(async () => {
      const d = (await deliveries("m5")).find((x) => x.channel === "DingTalk");
      return d?.status === "Failed" ? d : undefined;
    }, 10_000);
    assert.ok(failed);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.errcode, 300001);
  });

  it("fails a DingTalk message whose signature the robot rejects (wrong secret), without retry", async () => {
    const d = await t.admin.post("/v1/sns/application-endpoints/ding-talk", { params: { name: "wrong", url: `${robot.url}/robot/send`, secret: "SECwrong" } });
    const r = await t.admin.put(`/v1/sns/application-endpoints/${d.body.inventory.uuid}/actions`, { sendTestMessage: {} });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.status, "Failed");
    assert.equal(r.body.inventory.errcode, 310000);
    assert.equal(r.body.inventory.attempts, 1);
  });

  it("sends a test message to any endpoint and shows its delivery", async () => {
    const r = await t.admin.put(`/v1/sns/application-endpoints/${ids.email}/actions`, { sendTestMessage: {} });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.status, "Delivered");
    assert.match(smtp.mails.at(-1)!.data, /TEST/);
    const q = await t.admin.get(`/v1/sns/deliveries?q=endpointUuid=${ids.email}&sort=-createDate`);
    assert.equal(q.body.inventories[0].uuid, r.body.inventory.uuid);
  });

  it("refuses a redirect instead of following it", async () => {
    http.replies.push({ status: 302, headers: { location: "http://192.0.2.1/" } });
    const r = await t.admin.put(`/v1/sns/application-endpoints/${ids.http}/actions`, { sendTestMessage: {} });
    assert.equal(r.body.inventory.status, "Failed");
    assert.equal(r.body.inventory.httpCode, 302);
    assert.match(r.body.inventory.error, /redirect/);
  });

  it("keeps Pending deliveries across a restart and sends each once", async () => {
    await t.node.services.monitoring.deliveries.stop();
    await publish("m6"); // stored, not sent: the sweep is stopped
    assert.ok((await deliveries("m6")).every((d) => d.status === "Pending"));
    const before = { http: http.received.length, mails: smtp.mails.length };
    t = await t.restart();
    const rows = await eventually(async () => {
      const r = await deliveries("m6");
      return r.every((d) => d.status === "Delivered") ? r : undefined;
    }, 10_000);
    assert.ok(rows);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(http.received.length - before.http, 1);
    assert.equal(smtp.mails.length - before.mails, 1);
  });

  it("keeps a DingTalk robot within 20 messages a minute by batching the rest", async () => {
    const busy = await startDingTalkRobot(DING_SECRET);
    try {
      const topic = (await t.admin.post("/v1/sns/topics", { params: { name: "burst" } })).body.inventory.uuid;
      const ep = (await t.admin.post("/v1/sns/application-endpoints/ding-talk", { params: { name: "busy", url: `${busy.url}/robot/send`, secret: DING_SECRET } })).body.inventory.uuid;
      await t.admin.post(`/v1/sns/topics/${topic}/endpoints/${ep}`, {});
      await prisma().$transaction(async (tx) => {
        for (let i = 0; i < 25; i++) {
          await sns().publish(tx, [topic], `burst-${i}`, () => ({ subject: `burst ${i}`, text: `burst ${i}`, markdown: `burst item ${i}`, data: {} }));
        }
      });
      sns().poke();
      const rows = await eventually(async () => {
        const r = await prisma().snsDelivery.findMany({ where: { endpointUuid: ep } });
        return r.length === 25 && r.every((d) => d.status === "Delivered") ? r : undefined;
      }, 10_000);
      assert.ok(rows, "all 25 delivered");
      assert.equal(busy.accepted.length, 20, "20 messages reached the robot");
      const batched = busy.accepted.find((m) => /notifications/.test(m.json.markdown.title))!;
      assert.equal((batched.json.markdown.text.match(/burst item/g) ?? []).length, 6);
      assert.equal(rows.filter((d) => d.response?.startsWith("batched into")).length, 5);
    } finally {
      await busy.close();
    }
  });

  it("unsubscribes and deletes", async () => {
    assert.equal((await t.admin.delete(`/v1/sns/topics/${ids.topic}/endpoints/${ids.email}`)).status, 200);
    assert.equal((await t.admin.delete(`/v1/sns/topics/${ids.topic}/endpoints/${ids.email}`)).status, 404);
    assert.equal((await t.admin.delete(`/v1/sns/application-endpoints/${ids.email}`)).status, 200);
    assert.equal((await t.admin.delete(`/v1/sns/topics/${ids.topic}`)).status, 200);
    assert.equal((await t.admin.get(`/v1/sns/topics/${ids.topic}`)).status, 404);
  });
});
