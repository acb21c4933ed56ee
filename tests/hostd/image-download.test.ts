import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import express from "express";
import { imageRoutes } from "../../hostd/api/image/routes.ts";
import { HttpImageDownloader, ImageCommandError } from "../../hostd/api/image/downloader.ts";
import { errorMiddleware } from "../../hostd/errors.ts";
import type { RunningHostd } from "../../hostd/main.ts";
import { FileServer } from "../images/helpers.ts";
import { post, quietLogger, removeDir, SECRET, startSimHostd, tempDir } from "./helpers.ts";

const TOKEN = "a".repeat(64);

describe("hostd POST /storage/image/download", () => {
  let dir: string;
  let files: FileServer;
  let source: string;
  let sha256: string;
  let agent: { url: string; server: Server };
  let sim: RunningHostd;

  before(async () => {
    dir = await tempDir("hostd-image-");
    source = join(dir, "source.qcow2");
    writeFileSync(source, Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251)));
    sha256 = createHash("sha256").update(readFileSync(source)).digest("hex");
    files = await new FileServer().start();
    files.requireAuthorization = `Bearer ${TOKEN}`;
    files.serve("img", source);
    // The image routes with the real downloader, as on a KVM host (no libvirt needed).
    const app = express();
    app.use(express.json());
    app.use(imageRoutes({ kind: "virsh" }, quietLogger));
    app.use(errorMiddleware(quietLogger));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    agent = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
    sim = await startSimHostd(join(dir, "sim"));
  });
  after(async () => {
    await sim.close();
    agent.server.closeAllConnections();
    await new Promise((r) => agent.server.close(r));
    await files.close();
    await removeDir(dir);
  });

  it("downloads with the bearer token into installPath (parents created), verifying sha256", async () => {
    const installPath = join(dir, "ps", "cache", "a", "image.qcow2");
    const r = await post(agent.url, "/storage/image/download", { url: `${files.url}/img`, token: TOKEN, installPath, sha256 });
    assert.deepEqual(r.body, { success: true, installPath, size: 300_000 });
    assert.deepEqual(readFileSync(installPath), readFileSync(source));
    assert.equal(existsSync(`${installPath}.part`), false);
  });

  it("fails a checksum mismatch with IMAGE_CHECKSUM_MISMATCH and leaves no file", async () => {
    const installPath = join(dir, "ps", "bad.qcow2");
    const r = await post(agent.url, "/storage/image/download", { url: `${files.url}/img`, token: TOKEN, installPath, sha256: "0".repeat(64) });
    assert.equal(r.status, 200);
    assert.equal(r.body.success, false);
    assert.equal(r.body.code, "IMAGE_CHECKSUM_MISMATCH");
    assert.equal(existsSync(installPath), false);
    assert.equal(existsSync(`${installPath}.part`), false);
  });

  it("fails a wrong token, a 404 and a refused connection with IMAGE_DOWNLOAD_FAILED", async () => {
    const installPath = join(dir, "ps", "nope.qcow2");
    for (const [url, token] of [[`${files.url}/img`, "b".repeat(64)], [`${files.url}/missing`, TOKEN], ["http://127.0.0.1:1/img", TOKEN]] as const) {
      const r = await post(agent.url, "/storage/image/download", { url, token, installPath });
      assert.equal(r.body.code, "IMAGE_DOWNLOAD_FAILED", `${url}: ${JSON.stringify(r.body)}`);
      assert.equal(existsSync(installPath), false);
      assert.equal(existsSync(`${installPath}.part`), false);
    }
    await assert.rejects(new HttpImageDownloader(quietLogger).download({ url: `${files.url}/missing`, token: TOKEN, installPath }),
      (e: ImageCommandError) => e.code === "IMAGE_DOWNLOAD_FAILED" && /404/.test(e.message));
  });

  it("refuses a malformed command with 400 BAD_REQUEST", async () => {
    const r = await post(agent.url, "/storage/image/download", { url: "ftp://x/y", token: TOKEN, installPath: "relative" });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, "BAD_REQUEST");
    assert.match(r.body.error!, /url/);
    assert.match(r.body.error!, /installPath/);
  });

  it("only records the path on a simulator host (secret required)", async () => {
    const installPath = "/sim/ps/image.qcow2";
    assert.equal((await post(sim.url, "/storage/image/download", { url: `${files.url}/img`, token: TOKEN, installPath })).status, 401);
    const r = await post(sim.url, "/storage/image/download", { url: "http://192.0.2.1/never", token: TOKEN, installPath }, SECRET);
    assert.deepEqual(r.body, { success: true, installPath, size: 0 });
    assert.equal(existsSync(installPath), false);
  });
});
