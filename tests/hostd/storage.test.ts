/**
 * hostd /storage/* commands with the real (virsh-driver) back end on temp directories:
 * statfs figures match `df -B1`, file copies, qcow2 overlays on a cached image, growth.
 * Only qemu-img and coreutils are needed; libvirt is not touched.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHostd, type RunningHostd } from "../../hostd/main.ts";
import { post, quietLogger, removeDir, SECRET, startSimHostd, tempDir } from "./helpers.ts";

const exec = promisify(execFile);
const MiB = 2 ** 20;

async function qemuInfo(path: string): Promise<Record<string, unknown>> {
  return JSON.parse((await exec("qemu-img", ["info", "--output=json", "-U", path])).stdout) as Record<string, unknown>;
}

describe("hostd storage commands (real filesystem)", () => {
  let dir: string;
  let hostd: RunningHostd;

  before(async () => {
    dir = await tempDir("hostd-storage-");
    hostd = await startHostd({ port: 0, listen: "127.0.0.1", secret: SECRET, dataDir: join(dir, "data"), driver: "virsh", stateIntervalMs: 0, logger: quietLogger });
  });
  after(async () => {
    await hostd?.close();
    if (dir) await removeDir(dir);
  });

  it("initialises LocalStorage by creating its directory and reports statfs capacity as df -B1 does", async () => {
    const url = join(dir, "ps", "local");
    const r = await post(hostd.url, "/storage/init", { type: "LocalStorage", url }, SECRET);
    assert.equal(r.body.success, true, r.body.error);
    assert.ok((await stat(url)).isDirectory());
    const [, line] = (await exec("df", ["-B1", "--output=size,avail", url])).stdout.trim().split("\n");
    const [size, avail] = line!.trim().split(/\s+/).map(Number);
    assert.equal(r.body.totalCapacity, size);
    assert.ok(Math.abs((r.body.availableCapacity as number) - avail!) < 64 * MiB, `${r.body.availableCapacity} vs df ${avail}`);
    const c = await post(hostd.url, "/storage/capacity", { path: url }, SECRET);
    assert.equal(c.body.totalCapacity, size);
  });

  it("refuses a SharedMountPoint that is not a directory, and malformed commands", async () => {
    const r = await post(hostd.url, "/storage/init", { type: "SharedMountPoint", url: join(dir, "no-such-mount") }, SECRET);
    assert.equal(r.status, 200);
    assert.equal(r.body.success, false);
    assert.match(r.body.error!, /not a directory.*mount the shared filesystem/);
    const nfs = await post(hostd.url, "/storage/init", { type: "NFS", url: "nfs.example:/export" }, SECRET);
    assert.equal(nfs.status, 400);
    assert.match(nfs.body.error!, /mountPath: is required for NFS/);
    const rel = await post(hostd.url, "/storage/init", { type: "LocalStorage", url: "relative/dir" }, SECRET);
    assert.equal(rel.status, 400);
    const dots = await post(hostd.url, "/storage/file/copy", { src: "/etc/../etc/passwd", dst: join(dir, "x") }, SECRET);
    assert.equal(dots.status, 400);
  });

  it("unmounts an NFS export idempotently: one not mounted is no error, its empty mount directory goes", async () => {
    const mountPath = join(dir, "nfs", "prim-x");
    await exec("mkdir", ["-p", mountPath]);
    const r = await post(hostd.url, "/storage/unmount", { url: "192.0.2.9:/export", mountPath }, SECRET);
    assert.equal(r.body.success, true, r.body.error);
    assert.equal(r.body.unmounted, false);
    await assert.rejects(stat(mountPath), "the empty mount directory is removed");
    const twice = await post(hostd.url, "/storage/unmount", { url: "192.0.2.9:/export", mountPath }, SECRET);
    assert.equal(twice.body.success, true, twice.body.error);
    const bad = await post(hostd.url, "/storage/unmount", { url: "/not/an/export", mountPath }, SECRET);
    assert.equal(bad.status, 400);
    const mounts = await post(hostd.url, "/storage/mounts", {}, SECRET);
    assert.equal(mounts.body.success, true);
    assert.ok(Array.isArray(mounts.body.mounts));
  });

  it("copies an image into a cache and creates a qcow2 root volume backed by it, then grows it (never shrinks)", async () => {
    const src = join(dir, "images", "base.qcow2");
    await exec("mkdir", ["-p", join(dir, "images")]);
    await exec("qemu-img", ["create", "-f", "qcow2", src, String(64 * MiB)]);
    const cache = join(dir, "ps", "local", "imagecache", "template", "img1", "img1.qcow2");
    const copy = await post(hostd.url, "/storage/file/copy", { src, dst: cache }, SECRET);
    assert.equal(copy.body.success, true, copy.body.error);
    assert.equal(copy.body.size, (await stat(cache)).size);
    assert.equal((await qemuInfo(cache)).format, "qcow2");

    const vol = join(dir, "ps", "local", "rootVolumes", "acct-a", "vol-v1", "v1.qcow2");
    const created = await post(hostd.url, "/vm/volume/create", { installPath: vol, size: 128 * MiB, backingFile: cache }, SECRET);
    assert.equal(created.body.success, true, created.body.error);
    const info = await qemuInfo(vol);
    assert.equal(info["backing-filename"], cache);
    assert.equal(info["backing-filename-format"], "qcow2");
    assert.equal(info["virtual-size"], 128 * MiB);

    const grown = await post(hostd.url, "/storage/volume/resize", { installPath: vol, size: 256 * MiB }, SECRET);
    assert.equal(grown.body.success, true, grown.body.error);
    assert.equal(grown.body.size, 256 * MiB);
    assert.equal((await qemuInfo(vol))["virtual-size"], 256 * MiB);
    const shrink = await post(hostd.url, "/storage/volume/resize", { installPath: vol, size: 64 * MiB }, SECRET);
    assert.equal(shrink.body.success, false);
    assert.match(shrink.body.error!, /shrinking .* is refused/);
    assert.equal((await qemuInfo(vol))["virtual-size"], 256 * MiB);
  });
});

describe("hostd storage commands (sim driver)", () => {
  it("simulates storage without touching the disk", async () => {
    const dir = await tempDir("hostd-sim-storage-");
    const sim = await startSimHostd(dir);
    try {
      const url = join(dir, "never-created");
      const r = await post(sim.url, "/storage/init", { type: "LocalStorage", url }, SECRET);
      assert.equal(r.body.success, true, r.body.error);
      assert.equal(r.body.totalCapacity, 4 * 1024 ** 4);
      await assert.rejects(stat(url));
      const resize = await post(sim.url, "/storage/volume/resize", { installPath: join(url, "v.qcow2"), size: 2 * MiB }, SECRET);
      assert.equal(resize.body.success, true);
      const shrink = await post(sim.url, "/storage/volume/resize", { installPath: join(url, "v.qcow2"), size: MiB }, SECRET);
      assert.equal(shrink.body.success, false);

      const nfs = { url: "192.0.2.9:/export", mountPath: "/opt/strata/nfsprimarystorage/prim-x" };
      assert.equal((await post(sim.url, "/storage/init", { type: "NFS", ...nfs }, SECRET)).body.success, true);
      assert.deepEqual((await post(sim.url, "/storage/mounts", {}, SECRET)).body.mounts, [nfs]);
      assert.equal((await post(sim.url, "/storage/unmount", nfs, SECRET)).body.unmounted, true);
      assert.deepEqual((await post(sim.url, "/storage/mounts", {}, SECRET)).body.mounts, []);
      const again = await post(sim.url, "/storage/unmount", nfs, SECRET);
      assert.equal(again.body.success, true);
      assert.equal(again.body.unmounted, false);
    } finally {
      await sim.close();
      await removeDir(dir);
    }
  });
});
