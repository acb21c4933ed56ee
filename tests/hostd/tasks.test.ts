import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RunningHostd } from "../../hostd/main.ts";
import { CallbackClient } from "../../hostd/callback-client.ts";
import { TaskRunner, type TaskCallback } from "../../hostd/tasks.ts";
import { post, quietLogger, Receiver, removeDir, SECRET, startSimHostd, tempDir, zsUuid } from "./helpers.ts";

describe("TaskRunner", () => {
  let receiver: Receiver;
  let runner: TaskRunner;
  before(async () => {
    receiver = await new Receiver().start();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respond = () => 200;
    runner = new TaskRunner(new CallbackClient(SECRET, quietLogger, { attempts: 4, baseDelayMs: 10, timeoutMs: 1_000 }), quietLogger);
  });

  it("answers at once and POSTs the result to the callback URL with the bearer secret", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reply = await runner.run("test.work", { taskUuid: "t1", callbackUrl: `${receiver.url}/cb` }, async () => {
      await gate;
      return { answer: 42 };
    });
    assert.deepEqual(reply, { success: true, accepted: true, taskUuid: "t1" });
    assert.equal(runner.status("t1"), "running");
    assert.equal(receiver.requests.length, 0);
    release();
    const cb = await receiver.waitFor((r) => r.path === "/cb");
    assert.deepEqual(cb.body, { taskUuid: "t1", success: true, result: { answer: 42 } } satisfies TaskCallback);
    assert.equal(cb.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(runner.status("t1"), "done");
  });

  it("runs a duplicate taskUuid only once, whether still running or recently finished", async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = async () => {
      runs++;
      await gate;
      return {};
    };
    const fields = { taskUuid: "dup", callbackUrl: `${receiver.url}/cb` };
    await runner.run("w", fields, work);
    const again = await runner.run("w", fields, work);
    assert.deepEqual(again, { success: true, accepted: true, taskUuid: "dup", duplicate: true });
    release();
    await runner.drain();
    const afterDone = await runner.run("w", fields, work);
    assert.equal(afterDone.duplicate, true);
    await runner.drain();
    assert.equal(runs, 1);
    assert.equal(receiver.requests.length, 1);
  });

  it("forgets finished tasks after the retention time", async () => {
    const shortMemory = new TaskRunner(new CallbackClient(SECRET, quietLogger), quietLogger, 0);
    let runs = 0;
    const fields = { taskUuid: "short", callbackUrl: `${receiver.url}/cb` };
    await shortMemory.run("w", fields, async () => ({ run: ++runs }));
    await shortMemory.drain();
    await new Promise((r) => setTimeout(r, 5));
    const second = await shortMemory.run("w", fields, async () => ({ run: ++runs }));
    assert.equal(second.duplicate, undefined);
    await shortMemory.drain();
    assert.equal(runs, 2);
  });

  it("reports a failed task with success:false and the error", async () => {
    await runner.run("w", { taskUuid: "bad", callbackUrl: `${receiver.url}/cb` }, async () => {
      throw new Error("disk on fire");
    });
    await runner.drain();
    const body = receiver.requests[0]!.body as TaskCallback;
    assert.equal(body.taskUuid, "bad");
    assert.equal(body.success, false);
    assert.match(body.error!, /disk on fire/);
    assert.deepEqual(body.result, {});
  });

  it("retries the callback with backoff on 5xx until it is accepted", async () => {
    receiver.respond = (_r, i) => (i < 2 ? 503 : 200);
    await runner.run("w", { taskUuid: "retry", callbackUrl: `${receiver.url}/cb` }, async () => ({}));
    await runner.drain();
    assert.equal(receiver.requests.length, 3);
    assert.ok(receiver.requests.every((r) => (r.body as TaskCallback).taskUuid === "retry"));
  });

  it("does not retry a callback the receiver rejects with 4xx", async () => {
    receiver.respond = () => 400;
    await runner.run("w", { taskUuid: "reject", callbackUrl: `${receiver.url}/cb` }, async () => ({}));
    await runner.drain();
    assert.equal(receiver.requests.length, 1);
  });

  it("runs synchronously and returns the result when no taskUuid is given", async () => {
    assert.deepEqual(await runner.run("w", {}, async () => ({ x: 1 })), { success: true, x: 1 });
    await assert.rejects(runner.run("w", {}, async () => Promise.reject(new Error("boom"))), /boom/);
  });

  it("refuses a taskUuid without callbackUrl, which would never be answered", async () => {
    await assert.rejects(runner.run("w", { taskUuid: "lonely" }, async () => ({})), /together/);
  });
});

describe("VM commands as tasks over HTTP (sim)", () => {
  let dir: string;
  let hostd: RunningHostd;
  let receiver: Receiver;
  before(async () => {
    dir = await tempDir();
    receiver = await new Receiver().start();
    hostd = await startSimHostd(dir);
  });
  after(async () => {
    await hostd.close();
    await receiver.close();
    await removeDir(dir);
  });

  it("accepts /vm/start with a taskUuid and reports the outcome to callbackUrl", async () => {
    const vm = zsUuid();
    const taskUuid = zsUuid();
    const body = {
      taskUuid,
      callbackUrl: `${receiver.url}/task-done`,
      vmInstanceUuid: vm,
      cpuNum: 1,
      memorySize: 256 * 2 ** 20,
      rootVolume: { installPath: "/sim/root.qcow2" },
    };
    const r = await post(hostd.url, "/vm/start", body, SECRET);
    assert.deepEqual(r.body, { success: true, accepted: true, taskUuid });
    const dup = await post(hostd.url, "/vm/start", body, SECRET);
    assert.equal(dup.body.duplicate, true);

    const cb = await receiver.waitFor((x) => (x.body as TaskCallback).taskUuid === taskUuid);
    const result = cb.body as TaskCallback;
    assert.equal(result.success, true);
    assert.equal(result.result.vmInstanceUuid, vm);
    assert.equal(result.result.state, "Running");
    await hostd.tasks.drain();
    assert.equal(receiver.requests.filter((x) => (x.body as TaskCallback).taskUuid === taskUuid).length, 1);
  });

  it("reports a failing task through the callback, not the immediate reply", async () => {
    const taskUuid = zsUuid();
    const r = await post(hostd.url, "/vm/stop", { taskUuid, callbackUrl: `${receiver.url}/task-done`, vmInstanceUuid: zsUuid() }, SECRET);
    assert.equal(r.body.accepted, true);
    // Stopping an unknown VM is a success (idempotent), so force a real failure instead:
    const failing = zsUuid();
    const r2 = await post(hostd.url, "/vm/pause", { taskUuid: failing, callbackUrl: `${receiver.url}/task-done`, vmInstanceUuid: zsUuid() }, SECRET);
    assert.equal(r2.body.accepted, true);
    const cb = await receiver.waitFor((x) => (x.body as TaskCallback).taskUuid === failing);
    assert.equal((cb.body as TaskCallback).success, false);
    assert.equal((cb.body as TaskCallback).code, "DOMAIN_NOT_FOUND");
  });
});
