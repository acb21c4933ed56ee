/**
 * Builds dist/hostd.mjs with scripts/build-hostd.mjs and runs it as the management node would:
 * a plain `node dist/hostd.mjs` with no node_modules next to it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { post, removeDir, SECRET, tempDir } from "./helpers.ts";

const exec = promisify(execFile);

describe("bundled hostd (dist/hostd.mjs)", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let url: string;

  before(async () => {
    dir = await tempDir("hostd-bundle-");
    await exec(process.execPath, ["scripts/build-hostd.mjs"], { timeout: 60_000 });
    // Copy it away from the repo so it cannot resolve anything from node_modules.
    const bundle = join(dir, "hostd.mjs");
    await copyFile("dist/hostd.mjs", bundle);
    await writeFile(join(dir, "secret"), `${SECRET}\n`);
    child = spawn(
      process.execPath,
      [bundle, "--driver", "sim", "--port", "0", "--listen", "127.0.0.1", "--secret-file", join(dir, "secret"), "--data-dir", join(dir, "data"), "--host-uuid", "bundle-host"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bundle did not start: ${stderr}`)), 15_000);
      child!.once("exit", (code) => reject(new Error(`bundle exited with ${code}: ${stderr}`)));
      createInterface({ input: child!.stdout! }).on("line", (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "hostd listening" && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      });
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await removeDir(dir);
  });

  it("answers /host/echo with the secret from --secret-file (trailing newline ignored)", async () => {
    assert.deepEqual((await post(url, "/host/echo", {}, SECRET)).body, { success: true });
    assert.equal((await post(url, "/host/echo", {}, "nope")).status, 401);
    assert.deepEqual((await post(url, "/host/ping", { hostUuid: "bundle-host" }, SECRET)).body, { success: true, hostUuid: "bundle-host" });
  });

  it("serves metrics", async () => {
    assert.match(await (await fetch(`${url}/metrics`)).text(), /host_memory_total_bytes\{hostUuid="bundle-host"\}/);
  });

  it("exits cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child!.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  it("refuses to start without a secret file, with exit code 2", async () => {
    await assert.rejects(exec(process.execPath, [join(dir, "hostd.mjs"), "--driver", "sim"]), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? "", /secret-file/);
      return true;
    });
  });
});
