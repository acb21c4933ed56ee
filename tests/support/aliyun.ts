// A management node wired to an in-process Alibaba Cloud emulator, for the connector's tests:
// every Alibaba call the node makes goes through the real pop-core / ali-oss clients to the
// emulator (ALIYUN_ENDPOINT_OVERRIDE), exactly as it would to Alibaba Cloud.
import assert from "node:assert/strict";
import { EmulatorAccessKeys } from "../../connectors/aliyun/emulator/core/access-keys.ts";
import { type RunningEmulator, startEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { settle } from "./jobs.ts";
import { type Client, startNode, type TestNode } from "./node.ts";

export const ALIYUN_KEY_ID = "LTAI5tStrataTests001";
export const ALIYUN_KEY_SECRET = "strata-connector-test-secret";
export const ALIYUN_ACCOUNT_ID = "5555666677778888";
export const REGION = "cn-hangzhou";

/** A node, the emulator it talks to, and (after {@link HybridRig.addRegion}) a data center. */
export interface HybridRig {
  t: TestNode;
  admin: Client;
  emulator: RunningEmulator;
  /** Adds the test key (once) and region `regionId` with its zones; returns the data-center inventory. */
  addRegion(regionId?: string): Promise<{ uuid: string; regionId: string }>;
  /** Runs SyncDataCenterFromRemote and waits for its result (60 s unless `timeoutMs`). */
  sync(dataCenterUuid: string, timeoutMs?: number): Promise<Record<string, { created: number; updated: number; deleted: number }>>;
  /** Stops node and emulator and removes their data. */
  destroy(): Promise<void>;
}

/**
 * Starts the emulator (status moves take `transitionMs`, default 200 ms) and a management node
 * pointed at it, with a short Alibaba retry backoff so fault tests stay quick.
 */
export async function startHybridRig(opts: { transitionMs?: number; emulatorDataDir?: string } = {}): Promise<HybridRig> {
  const emulator = await startEmulator({
    accessKeys: EmulatorAccessKeys.parse(`${ALIYUN_KEY_ID}:${ALIYUN_KEY_SECRET}:${ALIYUN_ACCOUNT_ID}`),
    transitionMs: opts.transitionMs ?? 200,
    dataDir: opts.emulatorDataDir,
  });
  const t = await startNode({ env: { ALIYUN_ENDPOINT_OVERRIDE: emulator.url } });
  t.node.services.aliyun.context.remote.setRetryPolicy({ baseDelayMs: 20, maxDelayMs: 200, attempts: 8 });
  let keyAdded = false;
  const rig: HybridRig = {
    t, admin: t.admin, emulator,
    async addRegion(regionId = REGION) {
      if (!keyAdded) {
        const k = await t.admin.post("/v1/hybrid/aliyun/key", { params: { name: "test-key", key: ALIYUN_KEY_ID, secret: ALIYUN_KEY_SECRET } });
        assert.equal(k.status, 200, k.text);
        keyAdded = true;
      }
      const r = await t.admin.post("/v1/hybrid/data-center", { params: { regionId, type: "aliyun", syncZones: true } });
      assert.equal(r.status, 200, r.text);
      return r.body.inventory;
    },
    async sync(dataCenterUuid, timeoutMs = 60_000) {
      const done = await settle(t.admin, await t.admin.get(`/v1/hybrid/data-center/${dataCenterUuid}/sync`), timeoutMs);
      assert.equal(done.status, 200, done.text);
      if (process.env.STRATA_SYNC_TIMINGS) console.log("sync step durations (ms)", JSON.stringify(done.body.durationsMs));
      return done.body.results;
    },
    async destroy() {
      await t.destroy();
      await emulator.close();
    },
  };
  return rig;
}
