import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Client, eventually } from "../support/node.ts";

/** Starts `npm start` (the README's command) on the embedded store and waits for its URL. */
function startGateway(dataDir: string, port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_LISTEN: "127.0.0.1" };
  delete env.DATABASE_URL;
  delete env.STRATA_ADMIN_PASSWORD;
  const child = spawn("npm", ["start", "--silent"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 60_000);
    child.stdout!.on("data", () => {
      if (out.includes("Strata management node serving")) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${out}`)));
  });
}

/** SIGTERMs the whole group (npm, tsx, node) and returns what the gateway logged. */
async function stopGateway(g: { child: ChildProcess; output: () => string }): Promise<string> {
  const exited = new Promise((r) => g.child.once("exit", r));
  process.kill(-g.child.pid!, "SIGTERM");
  await exited;
  await new Promise((r) => setTimeout(r, 200)); // let the last log lines arrive
  return g.output();
}

describe("first start with `npm start` on the embedded store", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "strata-e2e-"));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  let password = "";
  let zoneUuid = "";
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("serves /v1, prints a generated admin password once, and accepts it", async () => {
    const g = await startGateway(dataDir, port);
    try {
      const m = /password: (\S+)/.exec(g.output());
      assert.ok(m, `admin password printed:\n${g.output()}`);
      password = m[1]!;
      const admin = await new Client(url).login("admin", password);
      const zone = await admin.post("/v1/zones", { params: { name: "edge-zone" }, userTags: ["site-a"] });
      assert.equal(zone.status, 200);
      zoneUuid = zone.body.inventory.uuid;
      const cluster = await admin.post("/v1/clusters", { params: { zoneUuid, name: "kvm-1", hypervisorType: "KVM" } });
      assert.equal(cluster.status, 200);
      const audits = await eventually(async () => {
        const r = await admin.get("/v1/audits?q=apiName=CreateCluster");
        return r.body.inventories.length ? r : undefined;
      });
      assert.equal(audits!.body.inventories[0].result, "Success");
    } finally {
      const log = await stopGateway(g);
      assert.match(log, /shutting down/);
      assert.doesNotMatch(log, /shutdown failed/);
    }
  });

  it("keeps everything across a restart and prints no new password", async () => {
    const g = await startGateway(dataDir, port);
    try {
      assert.doesNotMatch(g.output(), /password:/);
      const admin = await new Client(url).login("admin", password);
      const zones = await admin.get("/v1/zones?q=__userTag__=site-a");
      assert.deepEqual(zones.body.inventories.map((z: { uuid: string }) => z.uuid), [zoneUuid]);
      const clusters = await admin.get(`/v1/clusters?q=zone.uuid=${zoneUuid}&count=true`);
      assert.equal(clusters.body.total, 1);
      const events = await admin.get(`/v1/events?q=resourceUuid=${zoneUuid}`);
      assert.deepEqual(events.body.inventories.map((e: { type: string }) => e.type), ["ResourceCreated"]);
    } finally {
      assert.doesNotMatch(await stopGateway(g), /shutdown failed/);
    }
  });
});
