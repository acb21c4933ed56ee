import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { newUuid } from "../../server/ids.ts";
import { type HybridRig, REGION, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import { pop } from "./ecs-helpers.ts";

/** A small file that starts like a qcow2 image (magic QFI\xfb, version 3, 16 MiB virtual size), 1.5 MiB long. */
function fakeQcow2(path: string): void {
  const buf = Buffer.alloc(1536 * 1024);
  buf.write("QFI\xfb", 0, "latin1");
  buf.writeUInt32BE(3, 4);
  buf.writeBigUInt64BE(16n * 1024n * 1024n, 24);
  for (let i = 4096; i < buf.length; i += 7) buf[i] = i % 251;
  writeFileSync(path, buf);
}

describe("ECS images: sync, upload of a local image, delete", () => {
  let rig: HybridRig;
  let dc: { uuid: string };
  let dir: string;
  let localImage: string;

  before(async () => {
    rig = await startHybridRig();
    const ecs = rig.t.node.services.aliyun.parts.ecs as unknown as { uploader: { wait: { intervalMs: number; maxIntervalMs: number } } };
    ecs.uploader.wait = { ...ecs.uploader.wait, intervalMs: 20, maxIntervalMs: 50 };
    dc = await rig.addRegion();
    // A local image on an ImageStore backup storage, written as the images module records a Ready one.
    dir = mkdtempSync(join(tmpdir(), "strata-ecs-image-"));
    const store = join(dir, "images");
    mkdirSync(store);
    const prisma = rig.t.node.services.db.prisma;
    const account = (await prisma.dataCenter.findUniqueOrThrow({ where: { uuid: dc.uuid } })).accountUuid;
    const bs = await prisma.backupStorage.create({ data: { uuid: newUuid(), name: "bs", type: "ImageStore", url: store, accountUuid: account } });
    localImage = newUuid();
    const path = join(store, `${localImage}.qcow2`);
    fakeQcow2(path);
    await prisma.image.create({
      data: {
        uuid: localImage, name: "tiny-linux", url: `file://${path}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux",
        status: "Ready", size: 16n * 1024n * 1024n, actualSize: 1536n * 1024n, accountUuid: account,
        backupStorageRefs: { create: { backupStorageUuid: bs.uuid, installPath: path, status: "Ready" } },
      },
    });
  });
  after(async () => {
    await rig.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("syncs public images of one type, then both, without duplicates", async () => {
    const sys = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/aliyun/image/${dc.uuid}/sync`, { params: { type: "system" } }));
    assert.equal(sys.status, 200, sys.text);
    assert.ok(sys.body.results.EcsImage.created >= 5, sys.text);
    const list = await rig.admin.get("/v1/hybrid/aliyun/image?q=type=system");
    assert.equal(list.body.inventories.length, sys.body.results.EcsImage.created);
    const ubuntu = list.body.inventories.find((i: { ecsImageId: string }) => i.ecsImageId.startsWith("ubuntu_22_04"));
    assert.equal(ubuntu.status, "Available");
    assert.equal(ubuntu.ecsImageSize, 20 * 1024 ** 3);
    const again = await settle(rig.admin, await rig.admin.post(`/v1/hybrid/aliyun/image/${dc.uuid}/sync`, { params: {} }));
    assert.deepEqual(again.body.results.EcsImage, { created: 0, updated: 0, deleted: 0 });
  });

  let ecsImage: { uuid: string; ecsImageId: string };
  it("uploads a local qcow2 image to an ECS custom image, with progress up to 100% and Available", async () => {
    const accepted = await rig.admin.post("/v1/hybrid/aliyun/image", {
      params: { imageUuid: localImage, dataCenterUuid: dc.uuid, name: "tiny-linux-ecs", description: "from Strata" },
    });
    assert.equal(accepted.status, 202, accepted.text);
    const stages = new Set<string>();
    const progressUrl = `/v1/hybrid/aliyun/image/${dc.uuid}/${localImage}/progress`;
    for (let i = 0; i < 400; i++) {
      const p = await rig.admin.get(progressUrl);
      assert.equal(p.status, 200, p.text);
      stages.add(p.body.progress.stage);
      if (p.body.progress.stage === "Available" || p.body.progress.stage === "Failed") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const done = await settle(rig.admin, accepted);
    assert.equal(done.status, 200, done.text);
    ecsImage = done.body.inventory;
    assert.equal(done.body.inventory.status, "Available");
    assert.equal(done.body.inventory.progress, "100%");
    assert.equal(done.body.inventory.localImageUuid, localImage);
    assert.equal(done.body.inventory.type, "self");
    assert.match(ecsImage.ecsImageId, /^m-/);
    assert.ok([...stages].some((s) => s === "Uploading" || s === "Waiting" || s === "Creating"), [...stages].join(","));
    const final = await rig.admin.get(progressUrl);
    assert.deepEqual(final.body.progress, { progress: "100%", stage: "Available" });

    const buckets = await rig.t.node.services.db.prisma.ossBucket.findMany({ where: { dataCenterUuid: dc.uuid } });
    assert.equal(buckets.length, 1);
    assert.equal(buckets[0]!.current, true);
    const remote = await pop(rig).request("DescribeImages", { RegionId: REGION, ImageId: ecsImage.ecsImageId }, { method: "POST" }) as { Images: { Image: { Status: string; DiskDeviceMappings: { DiskDeviceMapping: { ImportOSSBucket: string; Format: string }[] } }[] } };
    const mapping = remote.Images.Image[0]!.DiskDeviceMappings.DiskDeviceMapping[0]!;
    assert.equal(mapping.ImportOSSBucket, buckets[0]!.bucketName);
    assert.equal(mapping.Format, "QCOW2");
    const sync = await rig.sync(dc.uuid);
    assert.deepEqual(sync.EcsImage, { created: 0, updated: 0, deleted: 0 });
  });

  it("refuses an image that is not a Ready disk image", async () => {
    const prisma = rig.t.node.services.db.prisma;
    const iso = await prisma.image.update({ where: { uuid: localImage }, data: { format: "iso" } });
    const r = await rig.admin.post("/v1/hybrid/aliyun/image", { params: { imageUuid: iso.uuid, dataCenterUuid: dc.uuid, name: "iso-image" } });
    assert.equal(r.status, 409, r.text);
    await prisma.image.update({ where: { uuid: localImage }, data: { format: "qcow2" } });
    const missing = await rig.admin.post("/v1/hybrid/aliyun/image", { params: { imageUuid: "0".repeat(32), dataCenterUuid: dc.uuid, name: "none" } });
    assert.equal(missing.status, 404, missing.text);
    const badName = await rig.admin.post("/v1/hybrid/aliyun/image", { params: { imageUuid: localImage, dataCenterUuid: dc.uuid, name: "1bad" } });
    assert.equal(badName.status, 400, badName.text);
  });

  it("renames a custom image on Alibaba", async () => {
    const u = await rig.admin.put(`/v1/hybrid/aliyun/image/${ecsImage.uuid}/actions`, { updateEcsImage: { name: "tiny-renamed" } });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.inventory.name, "tiny-renamed");
    const sync = await rig.sync(dc.uuid);
    assert.deepEqual(sync.EcsImage, { created: 0, updated: 0, deleted: 0 });
  });

  it("deletes the custom image on Alibaba, refuses a remote delete of a public one, and deletes records locally", async () => {
    const pub = (await rig.admin.get("/v1/hybrid/aliyun/image?q=type=system")).body.inventories[0];
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/image/remote/${pub.uuid}`)).status, 409);
    const d = await rig.admin.delete(`/v1/hybrid/aliyun/image/remote/${ecsImage.uuid}`);
    assert.equal(d.status, 200, d.text);
    const remote = await pop(rig).request("DescribeImages", { RegionId: REGION, ImageId: ecsImage.ecsImageId }, { method: "POST" }) as { Images: { Image: unknown[] } };
    assert.equal(remote.Images.Image.length, 0);
    assert.equal((await rig.admin.delete(`/v1/hybrid/aliyun/image/${pub.uuid}`)).status, 200);
    const sync = await rig.sync(dc.uuid);
    assert.deepEqual(sync.EcsImage, { created: 1, updated: 0, deleted: 0 });
  });
});
