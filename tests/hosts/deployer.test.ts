/**
 * HostDeployer against a real OpenSSH server on 127.0.0.1 (tests/support/sshd.ts) and this
 * machine's real libvirt (.ci/setup-libvirt.sh): the "KVM host" is this machine, reached over
 * SSH. Each agent gets a random high hostd port, so its install dir
 * /var/lib/strata-hostd-<port> is unique; `after` removes every agent and stops every sshd.
 * Needs root, openssh-server (.ci/setup-sshd.sh) and libvirtd running.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { appendFile, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { DeployError, HostDeployer, type DeployErrorCode, type SshTarget } from "../../server/hosts/deployer.ts";
import { sparePort, startSshd, toolDir, type TestSshd } from "../support/sshd.ts";

const SECRET = randomBytes(16).toString("hex");
const ARCH = execFileSync("uname", ["-m"], { encoding: "utf8" }).trim();
/** Tools a minimal host has besides libvirt and node (everything the deployer's scripts call). */
const BASE_TOOLS = ["sh", "bash", "uname", "cat", "mkdir", "rm", "mv", "chmod", "sha256sum", "setsid", "sleep", "grep", "tail", "timeout"];

/** A hostd port in 30000–59999 that nothing on 127.0.0.1 listens on now. */
async function hostdPort(): Promise<number> {
  for (;;) {
    const port = 30_000 + Math.floor(Math.random() * 30_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer().once("error", () => resolve(false)).listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free && !existsSync(`/var/lib/strata-hostd-${port}`)) return port;
  }
}

async function post(port: number, path: string, secret = SECRET): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: "{}",
      signal: AbortSignal.timeout(3_000),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  } catch {
    return undefined; // nothing answers
  }
}

async function rejectsWith(work: Promise<unknown>, code: DeployErrorCode): Promise<DeployError> {
  let caught: unknown;
  await work.catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof DeployError, `expected DeployError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `${caught.code}: ${caught.message}`);
  return caught;
}

describe("HostDeployer (real sshd, real libvirt)", () => {
  const deployer = new HostDeployer();
  const sshds: TestSshd[] = [];
  const agents: Array<{ target: SshTarget; port: number }> = [];
  let scratch: string;
  let sshd: TestSshd;
  let target: SshTarget;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "strata-deployer-test-"));
    sshd = await startSshd();
    sshds.push(sshd);
    target = { host: sshd.host, port: sshd.port, username: "root", privateKey: sshd.privateKey };
  });

  after(async () => {
    for (const a of agents) await deployer.remove(a.target, a.port).catch(() => undefined);
    for (const s of sshds) await s.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  describe("checkPrerequisites", () => {
    it("reports this machine's architecture and nothing missing", async () => {
      const p = await deployer.checkPrerequisites(target);
      assert.equal(p.architecture, ARCH);
      assert.deepEqual(p.missing, []);
      assert.equal(p.hasSystemd, existsSync("/run/systemd/system"));
      assert.match(p.nodeVersion ?? "", /^v\d+\./);
    });

    it("rejects a wrong password with HOST.AUTH_FAILED", async () => {
      const err = await rejectsWith(
        deployer.checkPrerequisites({ host: sshd.host, port: sshd.port, username: "root", password: "not-the-password" }),
        "HOST.AUTH_FAILED",
      );
      assert.doesNotMatch(err.message, /not-the-password/);
    });

    it("reports HOST.UNREACHABLE for a port nothing listens on", async () => {
      const port = await sparePort();
      await rejectsWith(deployer.checkPrerequisites({ ...target, port }), "HOST.UNREACHABLE");
    });
  });

  describe("deploy, redeploy, upgrade, remove", () => {
    let port: number;
    let firstSha: string;

    before(async () => {
      port = await hostdPort();
      agents.push({ target, port });
    });

    it("installs and starts hostd, which answers /host/echo and /host/fact after the SSH session closed", async () => {
      const hostUuid = randomUUID().replace(/-/g, "");
      const r = await deployer.deploy({ target, hostdPort: port, secret: SECRET, hostUuid, domainType: "qemu", expectedArchitecture: ARCH });
      assert.equal(r.installDir, `/var/lib/strata-hostd-${port}`);
      assert.equal(r.supervisor, existsSync("/run/systemd/system") ? "systemd" : "background");
      assert.equal(r.upgraded, false);
      assert.match(r.bundleSha256, /^[0-9a-f]{64}$/);
      assert.ok(!r.nodePath.startsWith(r.installDir), `uses the host's own node, not ${r.nodePath}`);
      firstSha = r.bundleSha256;

      assert.deepEqual((await post(port, "/host/echo"))?.body, { success: true });
      assert.equal((await post(port, "/host/echo", "wrong-secret"))?.status, 401);
      const fact = await post(port, "/host/fact");
      assert.equal(fact?.body.success, true);
      assert.equal(fact?.body.architecture, ARCH);
      assert.equal(fact?.body.hostUuid, hostUuid);
      assert.equal(fact?.body.driver, "virsh");
      assert.equal(fact?.body.libvirtReachable, true);
      assert.equal(fact?.body.domainType, "qemu");

      assert.equal(statSync(`${r.installDir}/secret`).mode & 0o777, 0o600);
      assert.ok(existsSync(`${r.installDir}/hostd.mjs`) && existsSync(`${r.installDir}/data`));
      assert.equal(await deployer.isRunning(target, port), true);
    });

    it("redeploying the same bundle is idempotent: upgraded false, still answering", async () => {
      const r = await deployer.deploy({ target, hostdPort: port, secret: SECRET, hostUuid: "h1", domainType: "qemu" });
      assert.equal(r.upgraded, false);
      assert.equal(r.bundleSha256, firstSha);
      assert.deepEqual((await post(port, "/host/echo"))?.body, { success: true });
      assert.equal(await deployer.isRunning(target, port), true);
    });

    it("a changed bundle upgrades the agent (upgraded true) and the new one answers", async () => {
      const changed = join(scratch, "hostd-changed.mjs");
      await copyFile("dist/hostd.mjs", changed);
      await appendFile(changed, `\n// upgraded ${Date.now()}\n`);
      const r = await new HostDeployer({ bundlePath: changed }).deploy({ target, hostdPort: port, secret: SECRET, hostUuid: "h1", domainType: "qemu" });
      assert.equal(r.upgraded, true);
      assert.notEqual(r.bundleSha256, firstSha);
      assert.deepEqual((await post(port, "/host/echo"))?.body, { success: true });
    });

    it("remove stops hostd (port no longer answers) and deletes the install dir; a second remove is fine", async () => {
      await deployer.remove(target, port);
      assert.equal(await post(port, "/host/echo"), undefined);
      assert.equal(existsSync(`/var/lib/strata-hostd-${port}`), false);
      assert.equal(await deployer.isRunning(target, port), false);
      await deployer.remove(target, port);
    });
  });

  describe("refusals before anything is installed", () => {
    it("rejects another architecture with HOST.ARCH_MISMATCH and installs nothing", async () => {
      const port = await hostdPort();
      await rejectsWith(
        deployer.deploy({ target, hostdPort: port, secret: SECRET, hostUuid: "h2", expectedArchitecture: ARCH === "aarch64" ? "x86_64" : "aarch64" }),
        "HOST.ARCH_MISMATCH",
      );
      assert.equal(existsSync(`/var/lib/strata-hostd-${port}`), false);
    });

    it("a host without libvirt: prerequisites name virsh and qemu-img; deploy throws HOST.PREREQUISITE_MISSING and installs nothing", async () => {
      const bin = await toolDir(join(scratch, "no-libvirt"), [...BASE_TOOLS, "node"]);
      const bare = await startSshd({ env: { PATH: bin } });
      sshds.push(bare);
      const bareTarget = { host: bare.host, port: bare.port, username: "root", privateKey: bare.privateKey };

      const p = await deployer.checkPrerequisites(bareTarget);
      assert.deepEqual(p.missing, ["libvirt (virsh)", "qemu-img"]);

      const port = await hostdPort();
      const err = await rejectsWith(deployer.deploy({ target: bareTarget, hostdPort: port, secret: SECRET, hostUuid: "h3" }), "HOST.PREREQUISITE_MISSING");
      assert.match(err.details ?? "", /libvirt \(virsh\)/);
      assert.match(err.details ?? "", /qemu-img/);
      assert.equal(existsSync(`/var/lib/strata-hostd-${port}`), false);
    });
  });

  describe("a host without node", () => {
    it("uploads the management node's own runtime into the install dir and runs hostd with it", async () => {
      const bin = await toolDir(join(scratch, "no-node"), [...BASE_TOOLS, "virsh", "qemu-img"]);
      const bare = await startSshd({ env: { PATH: bin } });
      sshds.push(bare);
      const bareTarget = { host: bare.host, port: bare.port, username: "root", privateKey: bare.privateKey };
      assert.equal((await deployer.checkPrerequisites(bareTarget)).nodeVersion, undefined);

      const port = await hostdPort();
      agents.push({ target: bareTarget, port });
      const r = await deployer.deploy({ target: bareTarget, hostdPort: port, secret: SECRET, hostUuid: "h4", domainType: "qemu" });
      assert.equal(r.nodePath, `/var/lib/strata-hostd-${port}/node`);
      assert.equal(statSync(r.nodePath).mode & 0o111, 0o111);
      assert.deepEqual((await post(port, "/host/echo"))?.body, { success: true });
      await deployer.remove(bareTarget, port);
      assert.equal(existsSync(r.installDir), false);
    });
  });

  describe("a hostd that never answers", () => {
    let blocker: Server;
    after(() => new Promise<void>((r) => blocker.close(() => r())));

    it("fails with HOST.DEPLOY_FAILED, the log tail in details, and removes what it installed", async () => {
      // Something else holds the port: hostd cannot bind and keeps restarting.
      const port = await hostdPort();
      // It hangs up on every connection, so closing it later does not wait for them.
      blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((r) => blocker.listen(port, "0.0.0.0", () => r()));
      agents.push({ target, port });
      const err = await rejectsWith(
        deployer.deploy({ target, hostdPort: port, secret: SECRET, hostUuid: "h5", domainType: "qemu", timeoutMs: 8_000 }),
        "HOST.DEPLOY_FAILED",
      );
      assert.match(err.details ?? "", /EADDRINUSE/);
      assert.equal(existsSync(`/var/lib/strata-hostd-${port}`), false);
      assert.equal(await deployer.isRunning(target, port), false);
    });
  });
});
