/**
 * SSH deployer: installs, starts, upgrades, checks and removes hostd (the KVM host agent,
 * hostd/README.md) on a host, as ZStack's KVM host "connect" deploys kvmagent over SSH.
 * A driver: it does I/O and nothing else; HostService decides when to call it.
 *
 * On the host, one agent per hostd port (so several test "hosts" can share one machine):
 *
 * | path                                            | what                                       |
 * |-------------------------------------------------|--------------------------------------------|
 * | `/var/lib/strata-hostd-<port>/hostd.mjs`        | the bundle (scripts/build-hostd.mjs)       |
 * | `/var/lib/strata-hostd-<port>/secret`           | bearer secret, mode 0600                   |
 * | `/var/lib/strata-hostd-<port>/data/`            | hostd --data-dir (state, console logs)     |
 * | `/var/lib/strata-hostd-<port>/hostd.log`        | hostd's stdout/stderr                      |
 * | `/var/lib/strata-hostd-<port>/node`             | uploaded Node runtime, only when the host has no node >= 20 |
 * | `/etc/systemd/system/strata-hostd-<port>.service` | unit, when the host runs systemd         |
 * | `/var/lib/strata-hostd-<port>/supervise.sh`, `supervisor.pid` | restart loop in its own session, without systemd |
 *
 * Needs a root login (the agent drives libvirt and writes under /var/lib and /etc). The host's
 * SSH key is not verified (as in ZStack); the password or key is never logged.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino, type Logger } from "pino";
import { shQuote, SshConnectError, SshSession } from "./ssh.ts";

/** Where and how to log in to a host over SSH: a password or a private key (PEM/OpenSSH text). */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
}

/** Stable codes of deployment failures. */
export type DeployErrorCode =
  | "HOST.AUTH_FAILED" // wrong password / key refused
  | "HOST.UNREACHABLE" // TCP connect refused / timeout / DNS
  | "HOST.PREREQUISITE_MISSING" // details name each missing prerequisite
  | "HOST.ARCH_MISMATCH" // host arch differs from the cluster's
  | "HOST.DEPLOY_FAILED"; // anything after prerequisites (copy, start, agent never answered)

/** A deployment step failed; `details` carries what the operator needs (missing tools, log tail). */
export class DeployError extends Error {
  override name = "DeployError";
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

/**
 * What a host offers. `missing` names each missing prerequisite: "libvirt (virsh)", "qemu-img",
 * "/dev/kvm", "libvirtd not reachable" (only checked when virsh exists), "root login (uid 0)".
 */
export interface HostPrerequisites {
  /** `uname -m`: x86_64, aarch64, ... */
  architecture: string;
  missing: string[];
  hasSystemd: boolean;
  /** `node --version` of the host's own node (e.g. "v20.20.2"), when it has one. */
  nodeVersion?: string;
}

/** What to deploy where. */
export interface DeployOptions {
  target: SshTarget;
  /** Port hostd listens on (default 7070). One agent per port per machine: install dir and service name are keyed by it. */
  hostdPort: number;
  /** Bearer secret hostd requires; written to a 0600 file on the host. */
  secret: string;
  hostUuid: string;
  /**
   * libvirt URI hostd connects to. Default: none given, so hostd uses the host's
   * LIBVIRT_DEFAULT_URI (libvirt's own variable, e.g. set for the SSH user) or qemu:///system.
   */
  libvirtUri?: string;
  /** Default "auto" (hostd detects). With "qemu", a missing /dev/kvm is not a missing prerequisite. */
  domainType?: "auto" | "kvm" | "qemu";
  /** x86_64 | aarch64: a different host → HOST.ARCH_MISMATCH before anything is installed. */
  expectedArchitecture?: string;
  /** Whole deployment, ms; default 120 000. */
  timeoutMs?: number;
}

/** A deployed, answering hostd. */
export interface DeployResult {
  installDir: string;
  supervisor: "systemd" | "background";
  /** Node runtime hostd runs with: the host's node (>= 20) or one uploaded into installDir. */
  nodePath: string;
  /** sha256 (hex) of the hostd bundle now installed. */
  bundleSha256: string;
  /** True when a different bundle was installed before and has been replaced. */
  upgraded: boolean;
}

/** Oldest Node major the bundle runs on (it is built with target node20). */
const MIN_NODE_MAJOR = 20;
const DEFAULT_TIMEOUT_MS = 120_000;
const SSH_READY_TIMEOUT_MS = 10_000;
/** How long a started hostd gets to answer /host/echo. */
const ANSWER_TIMEOUT_MS = 20_000;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Remote paths of the agent listening on `port`. */
function layout(port: number) {
  const dir = `/var/lib/strata-hostd-${port}`;
  const service = `strata-hostd-${port}`;
  return {
    dir,
    service,
    unit: `/etc/systemd/system/${service}.service`,
    bundle: `${dir}/hostd.mjs`,
    node: `${dir}/node`,
    secret: `${dir}/secret`,
    data: `${dir}/data`,
    log: `${dir}/hostd.log`,
    supervisor: `${dir}/supervise.sh`,
    pidFile: `${dir}/supervisor.pid`,
  };
}
type Layout = ReturnType<typeof layout>;

/** The probe's findings plus what deploy needs and callers do not. */
interface HostProbe extends HostPrerequisites {
  nodePath?: string;
}

/** Installs hostd on hosts over SSH. Safe to share; holds only the built bundle's cache. */
export class HostDeployer {
  private readonly log: Logger;
  private readonly bundlePath?: string;
  /** Per host and hostd port: deploy/remove of one agent run one at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /**
   * `bundlePath`: a built hostd bundle to install. Default: dist/hostd.mjs, rebuilt once per
   * process by scripts/build-hostd.mjs (falls back to an existing dist/hostd.mjs when esbuild is
   * not installed, as in a production install without dev dependencies).
   */
  constructor(opts: { bundlePath?: string; log?: Logger } = {}) {
    this.bundlePath = opts.bundlePath;
    this.log = opts.log ?? pino({ level: "silent" });
  }

  /**
   * Logs in and reports the host's architecture, missing prerequisites, systemd and node.
   * Throws DeployError HOST.AUTH_FAILED or HOST.UNREACHABLE.
   */
  async checkPrerequisites(target: SshTarget, libvirtUri?: string): Promise<HostPrerequisites> {
    return this.withSession(target, "checking prerequisites", async (ssh) => {
      const { architecture, missing, hasSystemd, nodeVersion } = await this.probe(ssh, libvirtUri);
      return { architecture, missing, hasSystemd, ...(nodeVersion ? { nodeVersion } : {}) };
    });
  }

  /**
   * Installs (or upgrades) and (re)starts hostd, then waits until it answers /host/echo with
   * the secret. Idempotent: a second run with the same bundle restarts the agent with the
   * given settings; with a different bundle it upgrades it. On failure after the
   * prerequisites it stops what it started and removes a fresh install (an upgraded install
   * keeps its data/), then throws DeployError (HOST.DEPLOY_FAILED, details: tail of hostd.log).
   */
  deploy(o: DeployOptions): Promise<DeployResult> {
    return this.serialised(o.target, o.hostdPort, async () => {
      const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const log = this.log.child({ host: o.target.host, sshPort: o.target.port, hostdPort: o.hostdPort });
      const bundle = await this.bundle().catch((err: unknown) => {
        throw new DeployError("HOST.DEPLOY_FAILED", `cannot build the hostd bundle: ${(err as Error).message}`);
      });
      return this.withSession(o.target, "deploying hostd", (ssh) => this.deployOver(ssh, o, bundle, deadline, log));
    });
  }

  /** Stops hostd on `hostdPort` (systemd unit or background supervisor) and deletes its install dir. No error when absent. */
  remove(target: SshTarget, hostdPort: number): Promise<void> {
    return this.serialised(target, hostdPort, async () => {
      const paths = layout(hostdPort);
      await this.withSession(target, "removing hostd", async (ssh) => {
        await this.stopAgent(ssh, paths, { removeUnit: true });
        await ssh.run(`rm -rf ${shQuote(paths.dir)}`);
      });
      if (!(await waitUntil(async () => !(await portOpen(target.host, hostdPort)), 5_000))) {
        this.log.warn({ host: target.host, hostdPort }, "hostd removed, but something still listens on its port");
      }
      this.log.info({ host: target.host, hostdPort }, "hostd removed");
    });
  }

  /** Whether the agent for `hostdPort` is running (systemd unit active, or supervisor alive). */
  isRunning(target: SshTarget, hostdPort: number): Promise<boolean> {
    const paths = layout(hostdPort);
    return this.withSession(target, "checking hostd", async (ssh) => {
      const r = await ssh.exec([
        `if test -f ${shQuote(paths.unit)} && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet ${shQuote(paths.service)}; then echo running; exit 0; fi`,
        `pid=$(cat ${shQuote(paths.pidFile)} 2>/dev/null) || exit 0`,
        `case "$pid" in ''|*[!0-9]*) exit 0;; esac`,
        `kill -0 -- "-$pid" 2>/dev/null && echo running`,
        "exit 0",
      ].join("\n"));
      return r.stdout.trim() === "running";
    });
  }

  /**
   * Runs `work` over a fresh connection, always closed after. Connection failures become
   * HOST.AUTH_FAILED / HOST.UNREACHABLE; other non-DeployErrors HOST.DEPLOY_FAILED.
   */
  private async withSession<T>(target: SshTarget, what: string, work: (ssh: SshSession) => Promise<T>): Promise<T> {
    const ssh = await this.connect(target);
    try {
      return await work(ssh);
    } catch (err) {
      if (err instanceof DeployError) throw err;
      throw new DeployError("HOST.DEPLOY_FAILED", `${what} on ${target.host} failed: ${(err as Error).message}`);
    } finally {
      ssh.close();
    }
  }

  /** Runs `work` after any earlier deploy/remove of the same agent has settled. */
  private serialised<T>(target: SshTarget, hostdPort: number, work: () => Promise<T>): Promise<T> {
    const key = `${target.host}:${target.port}:${hostdPort}`;
    const run = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.queues.set(key, run);
    const forget = () => {
      if (this.queues.get(key) === run) this.queues.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  /** deploy's steps over an open connection: probe, refuse, install, start, wait for an answer. */
  private async deployOver(ssh: SshSession, o: DeployOptions, bundle: Bundle, deadline: number, log: Logger): Promise<DeployResult> {
    const libvirtUri = o.libvirtUri;
    const paths = layout(o.hostdPort);
    const probe = await within(this.probe(ssh, libvirtUri), deadline, "checking prerequisites");
    if (o.expectedArchitecture && normaliseArch(probe.architecture) !== normaliseArch(o.expectedArchitecture)) {
      throw new DeployError(
        "HOST.ARCH_MISMATCH",
        `host ${o.target.host} is ${probe.architecture}, the cluster's hosts are ${o.expectedArchitecture}`,
      );
    }
    const missing = probe.missing.filter((m) => !(m === "/dev/kvm" && o.domainType === "qemu"));
    if (missing.length > 0) {
      throw new DeployError(
        "HOST.PREREQUISITE_MISSING",
        `host ${o.target.host} lacks ${missing.join(", ")}`,
        missing.join("\n"),
      );
    }

    const existing = await within(ssh.exec(
      `if test -d ${shQuote(paths.dir)}; then echo exists; sha256sum ${shQuote(paths.bundle)} 2>/dev/null; fi`,
      { timeoutMs: remaining(deadline) },
    ), deadline, "inspecting the install dir");
    const existed = existing.stdout.startsWith("exists");
    const installedSha = /^([0-9a-f]{64})\s/m.exec(existing.stdout)?.[1];
    const supervisor = probe.hasSystemd ? "systemd" : "background";
    log.info({ supervisor, existed, upgrade: installedSha !== undefined && installedSha !== bundle.sha256 }, "deploying hostd");

    try {
      const nodePath = await within(this.install(ssh, paths, probe, bundle, installedSha, o.secret, deadline), deadline, "installing hostd");
      const args = hostdArgs(paths, o, libvirtUri);
      await within(
        supervisor === "systemd" ? this.startSystemd(ssh, paths, nodePath, args, deadline) : this.startBackground(ssh, paths, nodePath, args, deadline),
        deadline,
        "starting hostd",
      );
      await this.waitForAnswer(o.target.host, o.hostdPort, o.secret, Math.min(deadline, Date.now() + ANSWER_TIMEOUT_MS));
      log.info({ supervisor, nodePath, bundleSha256: bundle.sha256 }, "hostd deployed and answering");
      return {
        installDir: paths.dir,
        supervisor,
        nodePath,
        bundleSha256: bundle.sha256,
        upgraded: installedSha !== undefined && installedSha !== bundle.sha256,
      };
    } catch (err) {
      const logTail = await this.rollBack(ssh, paths, existed, log);
      const message = err instanceof DeployError ? err.message : `deploying hostd failed: ${(err as Error).message}`;
      throw new DeployError("HOST.DEPLOY_FAILED", message, logTail ? `hostd.log (last lines):\n${logTail}` : undefined);
    }
  }

  private async connect(target: SshTarget): Promise<SshSession> {
    try {
      return await SshSession.connect(target, SSH_READY_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof SshConnectError) {
        throw new DeployError(err.reason === "auth" ? "HOST.AUTH_FAILED" : "HOST.UNREACHABLE", err.message);
      }
      throw err;
    }
  }

  /** All prerequisite checks in one command, one `key=value` per line. */
  private async probe(ssh: SshSession, libvirtUri: string | undefined): Promise<HostProbe> {
    const script = [
      `echo "arch=$(uname -m)"`,
      // Builtins only (a minimal PATH may lack `id`): the effective uid from /proc.
      `uid=; while read -r k _ e _; do if [ "$k" = "Uid:" ]; then uid=$e; break; fi; done </proc/self/status`,
      `[ -n "$uid" ] || uid=$(id -u 2>/dev/null)`,
      `echo "uid=$uid"`,
      "if command -v virsh >/dev/null 2>&1; then",
      "  echo virsh=1",
      // A wedged libvirtd would hang virsh; bound it where coreutils' timeout exists.
      `  t=; command -v timeout >/dev/null 2>&1 && t="timeout 15"`,
      `  if $t virsh ${libvirtUri ? `-c ${shQuote(libvirtUri)} ` : ""}version >/dev/null 2>&1; then echo libvirtd=1; else echo libvirtd=0; fi`,
      "else echo virsh=0; fi",
      "if command -v qemu-img >/dev/null 2>&1; then echo qemuimg=1; else echo qemuimg=0; fi",
      "if test -e /dev/kvm; then echo kvm=1; else echo kvm=0; fi",
      `if p=$(command -v node 2>/dev/null); then echo "node=$p"; echo "nodeversion=$("$p" --version 2>/dev/null)"; fi`,
      "if test -d /run/systemd/system && command -v systemctl >/dev/null 2>&1; then echo systemd=1; else echo systemd=0; fi",
    ].join("\n");
    const r = await ssh.exec(script, { timeoutMs: 30_000 });
    const facts = new Map<string, string>();
    for (const line of r.stdout.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1).trim());
    }
    if (!facts.get("arch")) {
      throw new DeployError("HOST.DEPLOY_FAILED", "cannot inspect the host over SSH (no output from uname -m)", r.stderr.trim() || undefined);
    }
    const missing: string[] = [];
    if (facts.get("uid") !== "0") missing.push("root login (uid 0)");
    if (facts.get("virsh") !== "1") missing.push("libvirt (virsh)");
    if (facts.get("qemuimg") !== "1") missing.push("qemu-img");
    if (facts.get("kvm") !== "1") missing.push("/dev/kvm");
    if (facts.get("virsh") === "1" && facts.get("libvirtd") !== "1") missing.push("libvirtd not reachable");
    return {
      architecture: facts.get("arch")!,
      missing,
      hasSystemd: facts.get("systemd") === "1",
      ...(facts.get("nodeversion") ? { nodeVersion: facts.get("nodeversion") } : {}),
      ...(facts.get("node") ? { nodePath: facts.get("node") } : {}),
    };
  }

  /** Copies the runtime, bundle and secret; returns the node path to run hostd with. */
  private async install(
    ssh: SshSession,
    paths: Layout,
    probe: HostProbe,
    bundle: Bundle,
    installedSha: string | undefined,
    secret: string,
    deadline: number,
  ): Promise<string> {
    await ssh.run(`mkdir -p ${shQuote(paths.data)} && chmod 0755 ${shQuote(paths.dir)}`, { timeoutMs: remaining(deadline) });

    let nodePath = probe.nodePath;
    if (!nodePath || nodeMajor(probe.nodeVersion) < MIN_NODE_MAJOR) {
      // A bare KVM host: ship the management node's own runtime (same OS family and arch,
      // which the architecture check ensured; official Node binaries need only glibc).
      nodePath = paths.node;
      const local = await fileSha256(process.execPath);
      const remote = await ssh.exec(`sha256sum ${shQuote(paths.node)} 2>/dev/null`, { timeoutMs: remaining(deadline) });
      if (!remote.stdout.startsWith(local)) {
        this.log.info({ nodeVersion: probe.nodeVersion ?? null }, "host has no node >= 20: uploading the management node's runtime");
        await ssh.upload(process.execPath, `${paths.node}.new`, 0o755);
        await ssh.run(`mv -f ${shQuote(`${paths.node}.new`)} ${shQuote(paths.node)}`, { timeoutMs: remaining(deadline) });
      }
    }

    if (installedSha !== bundle.sha256) {
      // Upload beside it and rename: a running hostd keeps its already-loaded file.
      await ssh.upload(bundle.path, `${paths.bundle}.new`, 0o644);
      await ssh.run(`mv -f ${shQuote(`${paths.bundle}.new`)} ${shQuote(paths.bundle)}`, { timeoutMs: remaining(deadline) });
    }

    // A fresh file is created 0600, so the secret is never readable by others.
    await ssh.run(`rm -f ${shQuote(`${paths.secret}.new`)}`, { timeoutMs: remaining(deadline) });
    await ssh.writeFile(`${paths.secret}.new`, `${secret}\n`, 0o600);
    await ssh.run(`mv -f ${shQuote(`${paths.secret}.new`)} ${shQuote(paths.secret)}`, { timeoutMs: remaining(deadline) });
    return nodePath;
  }

  /** Writes the unit and (re)starts it; the unit restarts hostd whenever it exits. */
  private async startSystemd(ssh: SshSession, paths: Layout, nodePath: string, args: string[], deadline: number): Promise<void> {
    // A host that ran hostd without systemd before: stop that supervisor first.
    await this.stopBackground(ssh, paths, deadline);
    const unit = [
      "# Written by the Strata management node (server/hosts/deployer.ts); redeploying overwrites it.",
      "[Unit]",
      `Description=Strata hostd, the KVM host agent (${paths.service})`,
      "After=network-online.target libvirtd.service",
      "Wants=network-online.target",
      "",
      "[Service]",
      `ExecStart=${[nodePath, paths.bundle, ...args].map(systemdQuote).join(" ")}`,
      `WorkingDirectory=${paths.dir}`,
      "Restart=always",
      "RestartSec=1",
      `StandardOutput=append:${paths.log}`,
      `StandardError=append:${paths.log}`,
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n");
    await ssh.writeFile(paths.unit, unit, 0o644);
    await ssh.run(
      `systemctl daemon-reload && systemctl enable ${shQuote(paths.service)} && systemctl restart ${shQuote(paths.service)}`,
      { timeoutMs: remaining(deadline) },
    );
  }

  /**
   * Without systemd: a restart loop in its own session (setsid), detached from the SSH
   * channel (all of its stdio redirected), so it outlives the SSH session. Its pid is also its
   * process group id, which stopBackground kills as a whole.
   */
  private async startBackground(ssh: SshSession, paths: Layout, nodePath: string, args: string[], deadline: number): Promise<void> {
    await this.stopBackground(ssh, paths, deadline);
    const script = [
      "#!/bin/sh",
      "# Strata hostd supervisor, written by the management node (server/hosts/deployer.ts).",
      "# Restarts hostd whenever it exits. Stop it with: kill -TERM -- -$(cat supervisor.pid)",
      `echo $$ > ${shQuote(paths.pidFile)}`,
      "while :; do",
      `  ${[nodePath, paths.bundle, ...args].map(shQuote).join(" ")}`,
      `  echo "strata-hostd supervisor: hostd exited with status $?, restarting in 1 s" >&2`,
      "  sleep 1",
      "done",
      "",
    ].join("\n");
    await ssh.writeFile(paths.supervisor, script, 0o755);
    await ssh.run(
      [
        `cd ${shQuote(paths.dir)} || exit 1`,
        `setsid sh ${shQuote(paths.supervisor)} >>${shQuote(paths.log)} 2>&1 </dev/null &`,
        "i=0",
        `while ! test -s ${shQuote(paths.pidFile)}; do`,
        `  i=$((i + 1)); if [ $i -gt 100 ]; then echo "supervisor did not start" >&2; exit 1; fi`,
        "  sleep 0.1",
        "done",
      ].join("\n"),
      { timeoutMs: remaining(deadline) },
    );
  }

  /** Stops the background supervisor's whole process group, if one runs; waits until it is gone. */
  private async stopBackground(ssh: SshSession, paths: Layout, deadline = Date.now() + 30_000): Promise<void> {
    await ssh.run(
      [
        `pid=$(cat ${shQuote(paths.pidFile)} 2>/dev/null) || exit 0`,
        `case "$pid" in ''|*[!0-9]*) rm -f ${shQuote(paths.pidFile)}; exit 0;; esac`,
        // After a reboot the pid may belong to something else: only kill our supervisor.
        `if grep -qF ${shQuote(paths.supervisor)} "/proc/$pid/cmdline" 2>/dev/null; then`,
        `  kill -TERM -- "-$pid" 2>/dev/null`,
        "  i=0",
        `  while kill -0 -- "-$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done`,
        `  kill -KILL -- "-$pid" 2>/dev/null`,
        "fi",
        `rm -f ${shQuote(paths.pidFile)}`,
        "exit 0",
      ].join("\n"),
      { timeoutMs: Math.max(remaining(deadline), 15_000) },
    );
  }

  /** Stops the agent however it was started; `removeUnit` also disables and deletes the unit. */
  private async stopAgent(ssh: SshSession, paths: Layout, opts: { removeUnit: boolean }): Promise<void> {
    await ssh.run(
      [
        `if test -f ${shQuote(paths.unit)} && command -v systemctl >/dev/null 2>&1; then`,
        `  systemctl ${opts.removeUnit ? "disable --now" : "stop"} ${shQuote(paths.service)} >/dev/null 2>&1`,
        opts.removeUnit ? `  rm -f ${shQuote(paths.unit)}; systemctl daemon-reload` : "  :",
        "fi",
        "exit 0",
      ].join("\n"),
      { timeoutMs: 60_000 },
    );
    await this.stopBackground(ssh, paths);
  }

  /** After a failed deploy: stop what was started, delete a fresh install. Returns the log tail. */
  private async rollBack(ssh: SshSession, paths: Layout, existed: boolean, log: Logger): Promise<string | undefined> {
    let logTail: string | undefined;
    try {
      logTail = (await ssh.exec(`tail -n 30 ${shQuote(paths.log)} 2>/dev/null`, { timeoutMs: 10_000 })).stdout.trim() || undefined;
      await this.stopAgent(ssh, paths, { removeUnit: !existed });
      if (!existed) await ssh.run(`rm -rf ${shQuote(paths.dir)}`, { timeoutMs: 30_000 });
    } catch (err) {
      log.warn({ err }, "cleaning up after a failed deploy failed");
    }
    return logTail;
  }

  /** Polls POST /host/echo with the secret until it succeeds or `until` (epoch ms) passes. */
  private async waitForAnswer(host: string, port: number, secret: string, until: number): Promise<void> {
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/host/echo`;
    let last = "no answer";
    for (;;) {
      try {
        const r = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
          body: "{}",
          signal: AbortSignal.timeout(2_000),
        });
        const body = (await r.json().catch(() => undefined)) as { success?: boolean } | undefined;
        if (r.status === 200 && body?.success === true) return;
        last = `HTTP ${r.status}`;
      } catch (err) {
        last = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      }
      if (Date.now() >= until) {
        throw new DeployError("HOST.DEPLOY_FAILED", `hostd did not answer ${url} (last: ${last})`);
      }
      await sleep(250);
    }
  }

  private async bundle(): Promise<Bundle> {
    const path = this.bundlePath ?? (await defaultBundle(this.log));
    return { path, sha256: await fileSha256(path) };
  }
}

interface Bundle {
  path: string;
  sha256: string;
}

/** hostd's command line after `<node> hostd.mjs`. */
function hostdArgs(paths: Layout, o: DeployOptions, libvirtUri: string | undefined): string[] {
  return [
    "--port", String(o.hostdPort),
    "--secret-file", paths.secret,
    "--data-dir", paths.data,
    "--host-uuid", o.hostUuid,
    ...(libvirtUri ? ["--libvirt-uri", libvirtUri] : []),
    "--domain-type", o.domainType ?? "auto",
  ];
}

let builtBundle: Promise<string> | undefined;

/** dist/hostd.mjs, rebuilt once per process (built beside it and renamed, so readers never see half a file). */
function defaultBundle(log: Logger): Promise<string> {
  builtBundle ??= (async () => {
    const target = join(REPO_ROOT, "dist", "hostd.mjs");
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      await runNode([join(REPO_ROOT, "scripts", "build-hostd.mjs"), "--outfile", tmp]);
      await rename(tmp, target);
      log.info({ bundle: target }, "built the hostd bundle");
    } catch (err) {
      await rm(tmp, { force: true });
      if (!(await stat(target).then(() => true, () => false))) throw err;
      log.warn({ err, bundle: target }, "cannot rebuild the hostd bundle: using the existing one");
    }
    return target;
  })();
  builtBundle.catch(() => (builtBundle = undefined));
  return builtBundle;
}

function runNode(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args[0]} exited with ${code}: ${stderr.trim()}`))));
  });
}

const fileShaCache = new Map<string, { mtimeMs: number; size: number; sha256: string }>();

/** sha256 hex of a local file (cached by path, size and mtime: the node binary is ~100 MB). */
async function fileSha256(path: string): Promise<string> {
  const s = await stat(path);
  const cached = fileShaCache.get(path);
  if (cached && cached.mtimeMs === s.mtimeMs && cached.size === s.size) return cached.sha256;
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest("hex");
  fileShaCache.set(path, { mtimeMs: s.mtimeMs, size: s.size, sha256 });
  return sha256;
}

function nodeMajor(version: string | undefined): number {
  const m = /^v?(\d+)\./.exec(version ?? "");
  return m ? Number(m[1]) : 0;
}

/** Debian and Go names of the same architectures map to `uname -m`'s. */
function normaliseArch(arch: string): string {
  const a = arch.trim().toLowerCase();
  return a === "amd64" ? "x86_64" : a === "arm64" ? "aarch64" : a;
}

/** Quotes one ExecStart argument for systemd (double quotes; % and $ are systemd specifiers). */
function systemdQuote(arg: string): string {
  return `"${arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

function remaining(deadline: number): number {
  return Math.max(deadline - Date.now(), 1);
}

/** Rejects with HOST.DEPLOY_FAILED when `deadline` passes first. */
async function within<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeployError("HOST.DEPLOY_FAILED", `deploy timed out while ${what}`)), remaining(deadline));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: 1_000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
