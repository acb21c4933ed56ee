// `npm run aliyun-emulator` as a process: configured from the environment, prints a generated
// key when none is given, and writes its state on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import RPCClient from "@alicloud/pop-core";

describe("Aliyun emulator entrypoint (main.ts)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "aliyun-emulator-main-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints a generated AccessKey, serves signed calls with it, and flushes state on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "connectors/aliyun/emulator/main.ts"], {
      env: { ...process.env, ALIYUN_EMULATOR_PORT: "0", ALIYUN_EMULATOR_DATA_DIR: dir, ALIYUN_EMULATOR_ACCESS_KEYS: "", ALIYUN_EMULATOR_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 20_000);
        child.stdout.on("data", () => {
          const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const id = /^AccessKeyId=(\S+)$/m.exec(out)?.[1];
      const secret = /^AccessKeySecret=(\S+)$/m.exec(out)?.[1];
      assert.ok(id && secret, out);
      const vpc = new RPCClient({ accessKeyId: id, accessKeySecret: secret, endpoint: url, apiVersion: "2016-04-28" });
      const { VpcId } = await vpc.request("CreateVpc", { RegionId: "cn-shanghai", CidrBlock: "172.16.0.0/12" }) as { VpcId: string };
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      const file = join(dir, "state.json");
      assert.ok(existsSync(file));
      assert.ok(readFileSync(file, "utf8").includes(VpcId), "the VPC was written before exit");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
