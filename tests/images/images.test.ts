import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { after, before, describe, it } from "node:test";
import { HttpImageDownloader } from "../../hostd/api/image/downloader.ts";
import type { Caller } from "../../server/auth/context.ts";
import type { ApiError } from "../../server/errors/catalogue.ts";
import { settle } from "../support/jobs.ts";
import { eventually, startNode, type Client, type TestNode } from "../support/node.ts";
import { digest, FileServer, qemuImgCreate } from "./helpers.ts";

const MiB = 1024 ** 2;

describe("images API", () => {
  let t: TestNode;
  let work: string;
  let store: string;
  let bsUuid: string;
  let files: FileServer;
  let qcow2: string;
  let raw: string;
  let admin: Caller;

  before(async () => {
    t = await startNode();
    work = mkdtempSync(join(tmpdir(), "strata-img-test-"));
    store = join(work, "store");
    qcow2 = qemuImgCreate(work, "t.qcow2", "qcow2", "64M");
    raw = qemuImgCreate(work, "t.raw", "raw", "4M");
    writeFileSync(raw, Buffer.from("not just zeros"), { flag: "r+" });
    files = await new FileServer().start();
    const zone = (await t.admin.post("/v1/zones", { params: { name: "zone-1" } })).body.inventory;
    const bs = (await t.admin.post("/v1/backup-storage/image-store", { params: { name: "bs-1", url: store } })).body.inventory;
    bsUuid = bs.uuid;
    await t.admin.post(`/v1/zones/${zone.uuid}/backup-storage/${bsUuid}`, {});
    admin = { kind: "system", accountUuid: zone.accountUuid, accountName: "admin", accountType: "SystemAdmin", isAdmin: true };
  });
  after(async () => {
    await files.close();
    await t.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  const add = async (params: Record<string, unknown>, client: Client = t.admin) =>
    settle(client, await client.post("/v1/images", {
      params: { mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bsUuid], ...params },
    }));
  /** The store holds only the files of these images (no partial or orphan file). */
  const storeFiles = () => readdirSync(store).sort();
  const assertNoTrace = async (name: string) => {
    assert.deepEqual((await t.admin.get(`/v1/images?q=name=${name}`)).body.inventories, [], "no Image row");
    assert.equal(storeFiles().filter((f) => !f.match(/\.(qcow2|raw|iso)$/)).length, 0, `no partial file: ${storeFiles().join(", ")}`);
  };

  it("adds a qcow2 image from file:// through a job: format detected, sizes, checksums as sha256sum/md5sum", async () => {
    const r = await add({ name: "cirros", url: `file://${qcow2}`, guestOsType: "Linux" });
    assert.equal(r.status, 200, r.text);
    const img = r.body.inventory;
    assert.equal(img.status, "Ready");
    assert.equal(img.state, "Enabled");
    assert.equal(img.format, "qcow2");
    assert.equal(img.size, 64 * MiB, "virtual size");
    assert.equal(img.actualSize, statSync(qcow2).size);
    assert.equal(img.progress, 100);
    assert.equal(img.sha256, execFileSync("sha256sum", [qcow2], { encoding: "utf8" }).split(" ")[0]);
    assert.equal(img.md5Sum, execFileSync("md5sum", [qcow2], { encoding: "utf8" }).split(" ")[0]);
    assert.equal(img.architecture, "x86_64");
    assert.equal(img.backupStorageRefs.length, 1);
    const ref = img.backupStorageRefs[0];
    assert.deepEqual([ref.backupStorageUuid, ref.status, ref.installPath], [bsUuid, "Ready", join(store, `${img.uuid}.qcow2`)]);
    assert.equal(digest(ref.installPath, "sha256"), img.sha256);
    const ev = await t.admin.get(`/v1/events?q=resourceUuid=${img.uuid}&sort=%2BcreateDate`);
    assert.deepEqual(ev.body.inventories.map((e: { type: string; newState: string }) => e.newState), ["Downloading", "Ready"]);
  });

  it("adds a raw image over http:// with the declared format verified", async () => {
    const r = await add({ name: "raw-http", url: files.serve("t.raw", raw), format: "raw", mediaType: "DataVolumeTemplate" });
    assert.equal(r.status, 200, r.text);
    const img = r.body.inventory;
    assert.equal(img.format, "raw");
    assert.equal(img.size, 4 * MiB);
    assert.equal(img.sha256, digest(raw, "sha256"));
    assert.ok(existsSync(join(store, `${img.uuid}.raw`)));
  });

  it("detects an ISO 9660 file as format iso for mediaType ISO", async () => {
    const iso = join(work, "fake.iso");
    writeFileSync(iso, Buffer.alloc(64 * 1024));
    const fd = openSync(iso, "r+");
    writeSync(fd, Buffer.from("\x01CD001\x01", "latin1"), 0, 7, 0x8000);
    closeSync(fd);
    const r = await add({ name: "installer", url: `file://${iso}`, mediaType: "ISO", platform: "Other" });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.format, "iso");
    assert.equal(r.body.inventory.size, 64 * 1024);
    await assert.rejects(t.node.services.images.getImageForVm(admin, r.body.inventory.uuid), (e: ApiError) => e.code === "SYS.1006");
    const ok = await t.node.services.images.getImageForVm(admin, r.body.inventory.uuid, { mediaTypes: ["ISO"] });
    assert.equal(ok.image.format, "iso");
  });

  it("fails a qcow2 declared raw with IMAGE.FORMAT_MISMATCH and leaves nothing", async () => {
    const before = storeFiles();
    const r = await add({ name: "mismatch", url: `file://${qcow2}`, format: "raw" });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, "IMAGE.FORMAT_MISMATCH");
    await assertNoTrace("mismatch");
    assert.deepEqual(storeFiles(), before);
  });

  it("fails random bytes declared qcow2 with IMAGE.CORRUPT and leaves nothing", async () => {
    const junk = join(work, "junk.qcow2");
    writeFileSync(junk, Buffer.from(Array.from({ length: 256 * 1024 }, () => Math.floor(Math.random() * 256))));
    const before = storeFiles();
    const r = await add({ name: "corrupt", url: files.serve("junk.qcow2", junk), format: "qcow2" });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.error.code, "IMAGE.CORRUPT");
    await assertNoTrace("corrupt");
    assert.deepEqual(storeFiles(), before);
  });

  it("fails an unreachable URL with IMAGE.DOWNLOAD_FAILED (404, refused, missing file) and leaves nothing", async () => {
    const before = storeFiles();
    for (const url of [`${files.url}/missing.qcow2`, "http://127.0.0.1:1/x.qcow2", `file://${join(work, "none.qcow2")}`]) {
      const r = await add({ name: "unreachable", url });
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error.code, "IMAGE.DOWNLOAD_FAILED", url);
      await assertNoTrace("unreachable");
    }
    assert.deepEqual(storeFiles(), before);
  });

  it("refuses bad input synchronously: scheme, backup storage unknown/Disabled/unattached, ISO format mix", async () => {
    const post = (params: Record<string, unknown>) => t.admin.post("/v1/images", {
      params: { name: "x", url: `file://${qcow2}`, mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bsUuid], ...params },
    });
    assert.equal((await post({ url: "ftp://example.invalid/x.img" })).status, 400);
    assert.equal((await post({ format: "vmdk" })).status, 400);
    assert.equal((await post({ format: "iso" })).status, 400);
    assert.equal((await post({ backupStorageUuids: [] })).status, 400);
    const unknown = await post({ backupStorageUuids: ["0".repeat(32)] });
    assert.equal(unknown.status, 404);
    await t.admin.put(`/v1/backup-storage/${bsUuid}/actions`, { changeBackupStorageState: { stateEvent: "disable" } });
    const disabled = await post({});
    assert.equal(disabled.status, 409);
    assert.equal(disabled.body.error.code, "SYS.1006");
    await t.admin.put(`/v1/backup-storage/${bsUuid}/actions`, { changeBackupStorageState: { stateEvent: "enable" } });
    const lone = (await t.admin.post("/v1/backup-storage/image-store", { params: { name: "lone", url: join(work, "lone") } })).body.inventory;
    const unattached = await post({ backupStorageUuids: [lone.uuid] });
    assert.equal(unattached.status, 409);
    assert.match(unattached.body.error.details, /attached to no zone/);
    await t.admin.delete(`/v1/backup-storage/${lone.uuid}`);
  });

  it("lets a Normal account add http images within quota image.num, never file:// ones", async () => {
    const acc = (await t.admin.post("/v1/accounts", { params: { name: "tenant", password: "tenant-password", type: "Normal" } })).body.inventory;
    const tenant = await t.anonymous.login("tenant", "tenant-password");
    const file = await tenant.post("/v1/images", { params: { name: "steal", url: "file:///etc/passwd", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bsUuid] } });
    assert.equal(file.status, 403);
    await t.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: acc.uuid, name: "image.num", value: 1 } });
    const mine = await add({ name: "tenant-img", url: files.serve("t.raw", raw) }, tenant);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.inventory.accountUuid, acc.uuid);
    const over = await tenant.post("/v1/images", { params: { name: "two", url: files.serve("t.raw", raw), mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bsUuid] } });
    assert.equal(over.status, 400);
    assert.equal(over.body.error.code, "ID.1003");
    // The tenant sees its own image and, once shared, the admin's.
    assert.deepEqual((await tenant.get("/v1/images")).body.inventories.map((i: { name: string }) => i.name), ["tenant-img"]);
    const [cirros] = (await t.admin.get("/v1/images?q=name=cirros")).body.inventories;
    assert.equal((await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { shareResource: { accountUuids: [acc.uuid] } })).status, 200);
    assert.equal((await tenant.get(`/v1/images/${cirros.uuid}`)).status, 200);
    assert.equal((await tenant.put(`/v1/images/${cirros.uuid}/actions`, { updateImage: { name: "mine" } })).status, 403);
    const tenantCaller: Caller = { kind: "system", accountUuid: acc.uuid, accountName: "tenant", accountType: "Normal", isAdmin: false };
    assert.equal((await t.node.services.images.getImageForVm(tenantCaller, cirros.uuid)).backupStorageRef.backupStorageUuid, bsUuid);
    await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { revokeResourceSharing: { all: true } });
    assert.equal((await tenant.get(`/v1/images/${cirros.uuid}`)).status, 404);
  });

  it("serves image files at /image-store to the right bearer token only", async () => {
    const [cirros] = (await t.admin.get("/v1/images?q=name=cirros")).body.inventories;
    const { url, token } = t.node.services.imageStore.downloadUrl(cirros.uuid, bsUuid, t.url);
    assert.equal(url, `${t.url}/image-store/${bsUuid}/${cirros.uuid}`);
    assert.equal((await fetch(url)).status, 401);
    const wrong = await fetch(url, { headers: { authorization: `Bearer ${"0".repeat(64)}` } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, "ID.1001");
    const other = t.node.services.imageStore.downloadUrl("f".repeat(32), bsUuid, t.url);
    assert.equal((await fetch(url, { headers: { authorization: `Bearer ${other.token}` } })).status, 401, "a token is bound to one image");
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(Buffer.from(await ok.arrayBuffer()), readFileSync(qcow2));
    const missing = await fetch(other.url, { headers: { authorization: `Bearer ${other.token}` } });
    assert.equal(missing.status, 404);

    // hostd's downloader fetches it with the token and verifies the checksum
    const dest = join(work, "host", "cache", `${cirros.uuid}.qcow2`);
    const got = await new HttpImageDownloader(pino({ level: "silent" })).download({ url, token, installPath: dest, sha256: cirros.sha256 });
    assert.deepEqual(got, { installPath: dest, size: statSync(qcow2).size });
  });

  it("updates and disables an image; a Disabled image makes no VM", async () => {
    const [cirros] = (await t.admin.get("/v1/images?q=name=cirros")).body.inventories;
    const u = await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { updateImage: { guestOsType: "CirrOS 0.6", platform: "Other" } });
    assert.equal(u.body.inventory.guestOsType, "CirrOS 0.6");
    await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { changeImageState: { stateEvent: "disable" } });
    await assert.rejects(t.node.services.images.getImageForVm(admin, cirros.uuid), (e: ApiError) => e.code === "SYS.1006" && /Disabled/.test(e.details ?? ""));
    await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { changeImageState: { stateEvent: "enable" } });
    const q = await t.admin.get(`/v1/images?q=backupStorageRefs.backupStorageUuid=${bsUuid}&q=format=qcow2&format=csv&fields=name,format,status`);
    assert.equal(q.text.trim(), "name,format,status\ncirros,qcow2,Ready");
  });

  it("deletes (recoverable), recovers, deletes again and expunges, removing the file", async () => {
    const [cirros] = (await t.admin.get("/v1/images?q=name=cirros")).body.inventories;
    const path = cirros.backupStorageRefs[0].installPath;
    assert.equal((await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { expungeImage: {} })).status, 409, "expunge needs Deleted");
    assert.equal((await t.admin.delete(`/v1/images/${cirros.uuid}`)).status, 200);
    const img = (await t.admin.get(`/v1/images/${cirros.uuid}`)).body.inventories[0];
    assert.equal(img.status, "Deleted");
    assert.equal(img.backupStorageRefs[0].status, "Deleted");
    assert.ok(existsSync(path));
    await assert.rejects(t.node.services.images.getImageForVm(admin, cirros.uuid), (e: ApiError) => e.code === "SYS.1006");
    const rec = await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { recoverImage: {} });
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.body.inventory.status, "Ready");
    assert.equal((await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { recoverImage: {} })).status, 409);
    await t.admin.delete(`/v1/images/${cirros.uuid}`);
    const ex = await t.admin.put(`/v1/images/${cirros.uuid}/actions`, { expungeImage: {} });
    assert.equal(ex.status, 200, ex.text);
    assert.equal(existsSync(path), false, "file removed");
    assert.equal((await t.admin.get(`/v1/images/${cirros.uuid}`)).status, 404);
  });

  it("refuses to delete a backup storage holding images unless Enforcing", async () => {
    const r = await t.admin.delete(`/v1/backup-storage/${bsUuid}`);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, "SYS.1004");
    assert.match(r.body.error.details, /raw-http/);
  });

  it("fails an interrupted download after a restart and removes its partial file and row", async () => {
    files.stalled.add("/stall.raw");
    const accepted = await t.admin.post("/v1/images", {
      params: { name: "stalled", url: `${files.url}/stall.raw`, format: "raw", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [bsUuid] },
    });
    assert.equal(accepted.status, 202);
    const partial = await eventually(async () => storeFiles().find((f) => f.endsWith(".download")));
    assert.ok(partial, "download started");
    const progress = await eventually(async () => (await t.admin.get("/v1/images?q=name=stalled")).body.inventories[0]?.progress);
    assert.ok(progress > 0 && progress < 100, `progress ${progress}`);
    assert.equal((await t.admin.get("/v1/images?q=name=stalled")).body.inventories[0].status, "Downloading");
    t = await t.restart();
    const r = await settle(t.admin, { ...accepted, status: 202 });
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, "SYS.1012");
    await files.close(); // ends the stalled response the old run still holds
    files = await new FileServer().start();
    const gone = await eventually(async () => !storeFiles().some((f) => f.endsWith(".download")));
    assert.ok(gone, "partial file removed");
    assert.deepEqual((await t.admin.get("/v1/images?q=name=stalled")).body.inventories, []);
  });

  it("deletes a backup storage with Enforcing, expunging images whose only copy was there", async () => {
    const paths = (await t.admin.get("/v1/images")).body.inventories.flatMap((i: { backupStorageRefs: { installPath: string }[] }) =>
      i.backupStorageRefs.map((r) => r.installPath));
    assert.ok(paths.length > 0);
    const r = await t.admin.delete(`/v1/backup-storage/${bsUuid}?deleteMode=Enforcing`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await t.admin.get("/v1/images")).body.inventories, []);
    assert.deepEqual(paths.filter((p: string) => existsSync(p)), []);
  });
});
