import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Caller } from "../../server/auth/context.ts";
import { commandHostd } from "../../server/hosts/hostd-client.ts";
import { newUuid } from "../../server/ids.ts";
import type { ImageFetcher } from "../../server/volumes/image-fetcher.ts";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const GiB = 1024 ** 3;
const SIM_DISK = 4 * 1024 ** 4;

describe("volumes on simulator hosts", () => {
  let t: TestNode;
  let zoneUuid: string;
  let hostUuid: string;
  let psUuid: string;
  let caller: Caller;
  const fetched: string[] = [];

  const hostAvailable = async () =>
    (await t.admin.get(`/v1/primary-storage/local-storage/${psUuid}/host-capacities?hostUuid=${hostUuid}`)).body.inventories[0].availableCapacity as number;

  before(async () => {
    t = await startNode();
    zoneUuid = (await t.admin.post("/v1/zones", { params: { name: "z" } })).body.inventory.uuid;
    const clusterUuid = (await t.admin.post("/v1/clusters", { params: { zoneUuid, name: "sim", hypervisorType: "Simulator" } })).body.inventory.uuid;
    hostUuid = (await settle(t.admin, await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid, name: "h1" } }))).body.inventory.uuid;
    psUuid = (await t.admin.post("/v1/primary-storage/local-storage", { params: { name: "local", url: "/var/lib/strata/ps", zoneUuid } })).body.inventory.uuid;
    assert.equal((await settle(t.admin, await t.admin.post(`/v1/clusters/${clusterUuid}/primary-storage/${psUuid}`, {}))).status, 200);
    const admin = await t.node.services.db.prisma.account.findFirstOrThrow({ where: { name: "admin" } });
    caller = { kind: "system", accountUuid: admin.uuid, accountName: "admin", accountType: "SystemAdmin", isAdmin: true };
    // Images come from a local file through hostd /storage/file/copy instead of a backup storage.
    const fake: ImageFetcher = {
      async fetch(req) {
        fetched.push(req.installPath);
        const r = await commandHostd<{ size: number }>(req.endpoint, "/storage/file/copy", { src: "/images/base.qcow2", dst: req.installPath });
        return { size: BigInt(r.size) };
      },
    };
    t.node.services.volumes.imageFetcher = fake;
  });
  after(async () => { await t.destroy(); });

  it("validates data volume creation", async () => {
    const both = await t.admin.post("/v1/volumes/data", { params: { name: "d", size: GiB, diskOfferingUuid: "0".repeat(32) } });
    assert.equal(both.status, 400);
    assert.match(both.body.error.details, /exactly one of diskOfferingUuid and size/);
    const neither = await t.admin.post("/v1/volumes/data", { params: { name: "d" } });
    assert.equal(neither.status, 400);
    const neg = await t.admin.post("/v1/volumes/data", { params: { name: "d", size: -1 } });
    assert.equal(neg.status, 400);
    const offering = await t.admin.post("/v1/volumes/data", { params: { name: "d", diskOfferingUuid: "0".repeat(32) } });
    assert.equal(offering.status, 404);
    const ps = await t.admin.post("/v1/volumes/data", { params: { name: "d", size: GiB, primaryStorageUuid: "0".repeat(32) } });
    assert.equal(ps.status, 404);
  });

  it("runs the data volume lifecycle: create, resize (grow only), delete, recover, expunge", async () => {
    const c = await t.admin.post("/v1/volumes/data", { params: { name: "data-1", size: GiB } });
    assert.equal(c.status, 200, c.text);
    const v = c.body.inventory;
    assert.equal(v.status, "NotInstantiated");
    assert.equal(v.type, "Data");
    assert.equal(v.size, GiB);

    const shrink = await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { resizeVolume: { size: GiB / 2 } });
    assert.equal(shrink.status, 400);
    assert.match(shrink.body.error.description, /only grow/);
    const grow = await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { resizeVolume: { size: 2 * GiB } }));
    assert.equal(grow.status, 200, grow.text);
    assert.equal(grow.body.inventory.size, 2 * GiB);

    const early = await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { expungeVolume: {} });
    assert.equal(early.status, 409);
    assert.equal((await t.admin.delete(`/v1/volumes/${v.uuid}`)).status, 200);
    const deleted = (await t.admin.get(`/v1/volumes/${v.uuid}`)).body.inventories[0];
    assert.equal(deleted.status, "Deleted");
    assert.ok(deleted.deletedDate);
    const rec = await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { recoverVolume: {} });
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.body.inventory.status, "NotInstantiated");
    assert.equal((await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { recoverVolume: {} })).status, 409);

    await t.admin.delete(`/v1/volumes/${v.uuid}`);
    const ex = await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { expungeVolume: {} }));
    assert.equal(ex.status, 200, ex.text);
    assert.equal((await t.admin.get(`/v1/volumes/${v.uuid}`)).status, 404);
  });

  it("creates a data volume file on the host, grows it with capacity, and releases everything on expunge", async () => {
    const before = await hostAvailable();
    const v = await t.node.services.volumes.createDataVolume({ caller, hostUuid, size: 10n * BigInt(GiB), name: "on-host" });
    assert.equal(v.status, "Ready");
    assert.equal(v.hostUuid, hostUuid);
    assert.match(v.installPath!, new RegExp(`^/var/lib/strata/ps/dataVolumes/acct-${caller.accountUuid}/vol-${v.uuid}/${v.uuid}\\.qcow2$`));
    assert.equal(await hostAvailable(), before - 10 * GiB);

    const grow = await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { resizeVolume: { size: 15 * GiB } }));
    assert.equal(grow.status, 200, grow.text);
    assert.equal(grow.body.inventory.size, 15 * GiB);
    assert.equal(await hostAvailable(), before - 15 * GiB);
    const huge = await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { resizeVolume: { size: SIM_DISK } }));
    assert.equal(huge.status, 503);
    assert.equal(huge.body.error.code, "PS.CAPACITY_EXCEEDED");
    assert.equal(await hostAvailable(), before - 15 * GiB, "a refused resize reserves nothing");

    const csv = await t.admin.get("/v1/volumes?format=csv&q=name=on-host");
    assert.match(csv.text, /^uuid,/);
    assert.match(csv.text, /on-host/);

    await t.admin.delete(`/v1/volumes/${v.uuid}`);
    assert.equal(await hostAvailable(), before - 15 * GiB, "a Deleted volume keeps its file and capacity");
    assert.equal((await settle(t.admin, await t.admin.put(`/v1/volumes/${v.uuid}/actions`, { expungeVolume: {} }))).status, 200);
    assert.equal(await hostAvailable(), before);
  });

  it("creates root volumes backed by an image cache filled once per storage and host", async () => {
    const prisma = t.node.services.db.prisma;
    const image = await prisma.image.create({
      data: {
        uuid: newUuid(), name: "cirros", url: "file:///images/base.qcow2", format: "qcow2", mediaType: "RootVolumeTemplate",
        platform: "Linux", status: "Ready", size: BigInt(GiB), actualSize: 20n * 1024n * 1024n, accountUuid: caller.accountUuid,
      },
    });
    const vms = await Promise.all([1, 2].map((i) => prisma.vmInstance.create({
      data: { uuid: newUuid(), name: `vm-${i}`, zoneUuid, cpuNum: 1, memorySize: BigInt(GiB), state: "Starting", accountUuid: caller.accountUuid },
    })));
    const before = await hostAvailable();
    const [a, b] = await Promise.all(vms.map((vm) => t.node.services.volumes.createRootVolume({
      caller, vmInstanceUuid: vm.uuid, hostUuid, imageUuid: image.uuid, baseUrl: t.url, name: `root-${vm.name}`,
    })));
    assert.equal(fetched.length, 1, "the image is cached once");
    assert.equal(fetched[0], `/var/lib/strata/ps/imagecache/template/${image.uuid}/${image.uuid}.qcow2`);
    for (const v of [a!, b!]) {
      assert.equal(v.type, "Root");
      assert.equal(v.status, "Ready");
      assert.equal(v.size, BigInt(GiB), "size = max(image size, requested)");
      assert.equal(v.rootImageUuid, image.uuid);
      assert.equal(v.hostUuid, hostUuid);
    }
    const caches = await prisma.imageCache.findMany({ where: { imageUuid: image.uuid } });
    assert.equal(caches.length, 1);
    assert.equal(await hostAvailable(), before - 2 * GiB, "two 1 GiB volumes; the sim cache file is 0 bytes");
    const rootDelete = await t.admin.delete(`/v1/volumes/${a!.uuid}`);
    assert.equal(rootDelete.status, 409);

    const missing = await t.node.services.volumes.createRootVolume({
      caller, vmInstanceUuid: vms[0]!.uuid, hostUuid, imageUuid: "0".repeat(32), baseUrl: t.url, name: "x",
    }).catch((e: unknown) => e);
    assert.equal((missing as { code?: string }).code, "SYS.1003");
    await t.node.services.volumes.expungeVolume(a!.uuid);
    await t.node.services.volumes.expungeVolume(b!.uuid);
    assert.equal(await hostAvailable(), before);
  });
});
