import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { ossBucketFor } from "../../connectors/aliyun/oss/part.ts";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, type HybridRig, startHybridRig } from "../support/aliyun.ts";

/** The slice of ali-oss (untyped) these tests drive directly against the emulator. */
interface OssClient {
  putBucket(name: string): Promise<unknown>;
  listBuckets(query?: Record<string, unknown>): Promise<{ buckets: { name: string; region: string }[] | null }>;
  deleteBucket(name: string): Promise<unknown>;
  useBucket(name: string): void;
  put(name: string, body: Buffer): Promise<unknown>;
  delete(name: string): Promise<unknown>;
}
const OSS = createRequire(import.meta.url)("ali-oss") as new (opts: Record<string, unknown>) => OssClient;

type Inv = Record<string, unknown> & { uuid: string };

describe("Alibaba OSS buckets through the REST API", () => {
  let rig: HybridRig;
  let store: OssClient;
  let dcUuid: string;
  const names = async () => ((await store.listBuckets()).buckets ?? []).map((b) => b.name);
  const records = async (q = ""): Promise<Inv[]> => {
    const r = await rig.admin.get(`/v1/hybrid/aliyun/oss-bucket${q}`);
    assert.equal(r.status, 200, r.text);
    return r.body.inventories;
  };

  before(async () => {
    rig = await startHybridRig();
    store = new OSS({ accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: rig.emulator.url, region: "oss-cn-hangzhou", secure: false });
    dcUuid = (await rig.addRegion()).uuid;
  });
  after(async () => { await rig.destroy(); });

  let created: Inv;
  it("creates a bucket on Alibaba that ali-oss then lists", async () => {
    const r = await rig.admin.post("/v1/hybrid/aliyun/oss-bucket/remote", { params: { bucketName: "strata-made", dataCenterUuid: dcUuid, description: "made by Strata" } });
    assert.equal(r.status, 200, r.text);
    created = r.body.inventory;
    assert.deepEqual([created.bucketName, created.regionName, created.current], ["strata-made", "cn-hangzhou", false]);
    assert.ok((await names()).includes("strata-made"));
    const remote = await rig.admin.get(`/v1/hybrid/oss/${dcUuid}/remote`);
    assert.equal(remote.status, 200, remote.text);
    assert.deepEqual(remote.body.inventories, [{ bucketName: "strata-made", regionId: "cn-hangzhou" }]);
  });

  it("refuses a name that is taken with ALIYUN.BucketAlreadyExists", async () => {
    await store.putBucket("taken-elsewhere");
    const r = await rig.admin.post("/v1/hybrid/aliyun/oss-bucket/remote", { params: { bucketName: "taken-elsewhere", dataCenterUuid: dcUuid } });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.error.code, "ALIYUN.BucketAlreadyExists");
    assert.equal((await records("?q=bucketName=taken-elsewhere")).length, 0);
  });

  let added: Inv;
  it("adds a bucket made with ali-oss, and refuses one that does not exist", async () => {
    const r = await rig.admin.post("/v1/hybrid/aliyun/oss-bucket", { params: { bucketName: "taken-elsewhere", dataCenterUuid: dcUuid } });
    assert.equal(r.status, 200, r.text);
    added = r.body.inventory;
    const again = await rig.admin.post("/v1/hybrid/aliyun/oss-bucket", { params: { bucketName: "taken-elsewhere", dataCenterUuid: dcUuid } });
    assert.equal(again.status, 409, again.text);
    const missing = await rig.admin.post("/v1/hybrid/aliyun/oss-bucket", { params: { bucketName: "no-such-bucket", dataCenterUuid: dcUuid } });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.error.code, "HYBRID.REMOTE_NOT_FOUND");
  });

  it("attaches one bucket as the data center's current one and detaches it", async () => {
    const a = await rig.admin.put(`/v1/hybrid/aliyun/oss-bucket/${created.uuid}/attach`, { attachOssBucketToEcsDataCenter: {} });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.inventory.current, true);
    const b = await rig.admin.put(`/v1/hybrid/aliyun/oss-bucket/${added.uuid}/attach`, {});
    assert.equal(b.body.inventory.current, true);
    assert.deepEqual((await records("?q=current=true")).map((x) => x.bucketName), ["taken-elsewhere"]);
    const d = await rig.admin.put(`/v1/hybrid/aliyun/oss-bucket/${added.uuid}/detach`, { detachOssBucketFromEcsDataCenter: {} });
    assert.equal(d.body.inventory.current, false);
  });

  it("picks the staging bucket for the ECS part: current, else any, else a new one", async () => {
    const ctx = rig.t.node.services.aliyun.context;
    assert.equal((await ossBucketFor(ctx, dcUuid)).bucketName, "strata-made", "the oldest when none is current");
    await rig.admin.put(`/v1/hybrid/aliyun/oss-bucket/${added.uuid}/attach`, {});
    assert.equal((await ossBucketFor(ctx, dcUuid)).bucketName, "taken-elsewhere");
    const other = await rig.addRegion("cn-shanghai");
    const fresh = await ossBucketFor(ctx, other.uuid);
    assert.match(fresh.bucketName, /^strata-images-[0-9a-f]{8}-cn-shanghai$/);
    assert.equal(fresh.current, true);
    assert.ok((await names()).includes(fresh.bucketName));
    assert.equal((await ossBucketFor(ctx, other.uuid)).uuid, fresh.uuid);
  });

  it("refuses to delete a bucket that holds objects with ALIYUN.BucketNotEmpty, then deletes it once empty", async () => {
    store.useBucket("strata-made");
    await store.put("images/disk.qcow2", Buffer.from("not really a disk"));
    const full = await rig.admin.delete(`/v1/hybrid/aliyun/oss-bucket/remote/${created.uuid}`);
    assert.equal(full.status, 409, full.text);
    assert.equal(full.body.error.code, "ALIYUN.BucketNotEmpty");
    assert.equal((await records(`?q=uuid=${created.uuid}`)).length, 1);
    await store.delete("images/disk.qcow2");
    const r = await rig.admin.delete(`/v1/hybrid/aliyun/oss-bucket/remote/${created.uuid}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!(await names()).includes("strata-made"));
    assert.equal((await records(`?q=uuid=${created.uuid}`)).length, 0);
  });

  it("deletes a record locally only, and drops records of buckets deleted on Alibaba at the next sync", async () => {
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/oss-bucket/${added.uuid}`)).status, 200);
    assert.ok((await names()).includes("taken-elsewhere"), "the bucket stays on Alibaba");
    const again = await rig.admin.post("/v1/hybrid/aliyun/oss-bucket", { params: { bucketName: "taken-elsewhere", dataCenterUuid: dcUuid } });
    assert.equal(again.status, 200, again.text);
    await store.putBucket("never-added");
    const quiet = await rig.sync(dcUuid);
    assert.deepEqual(quiet.OssBucket, { created: 0, updated: 0, deleted: 0 }, "buckets are added, never imported");
    await store.deleteBucket("taken-elsewhere");
    const results = await rig.sync(dcUuid);
    assert.deepEqual(results.OssBucket, { created: 0, updated: 0, deleted: 1 });
    assert.deepEqual(await records(`?q=dataCenterUuid=${dcUuid}`), []);
  });
});
