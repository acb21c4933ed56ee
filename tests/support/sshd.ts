/**
 * A real OpenSSH server for integration tests: its own host key, config and client key pair in
 * a temp dir, listening on a spare port (127.0.0.1 by default). Tests log in as root with
 * `privateKey`; any password fails (root has no usable password), which is how tests get an
 * authentication failure. Needs openssh-server and ssh-keygen (.ci/setup-sshd.sh) and root.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** A running test sshd. */
export interface TestSshd {
  host: string;
  port: number;
  username: "root";
  /** The client's ed25519 private key (OpenSSH PEM-style text), authorised for root. */
  privateKey: string;
  /** The temp dir holding keys, config and anything else the test put there. */
  dir: string;
  /** Stops sshd (sessions it started that detached, e.g. a setsid'd hostd, keep running) and deletes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts `/usr/sbin/sshd -D -e` with a private config.
 * - `env`: variables every session gets (sshd `SetEnv`), e.g. `{ PATH: dir }` for a host that lacks tools.
 * - `listenAddress`: default 127.0.0.1.
 * - `netns`: run sshd inside this network namespace (`ip netns exec`), for multi-host tests.
 */
export async function startSshd(opts: { env?: Record<string, string>; listenAddress?: string; netns?: string } = {}): Promise<TestSshd> {
  const host = opts.listenAddress ?? "127.0.0.1";
  const dir = await mkdtemp(join(tmpdir(), "strata-sshd-"));
  // sshd's privilege-separation dir; refuses to start without it.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  await exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "strata-test-host", "-f", join(dir, "host_ed25519_key")]);
  await exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "strata-test-client", "-f", join(dir, "client_key")]);
  await writeFile(join(dir, "authorized_keys"), await readFile(join(dir, "client_key.pub")), { mode: 0o600 });
  const privateKey = await readFile(join(dir, "client_key"), "utf8");

  const port = opts.netns ? 20_000 + Math.floor(Math.random() * 20_000) : await sparePort(host);
  const config = [
    `Port ${port}`,
    `ListenAddress ${host}`,
    `HostKey ${join(dir, "host_ed25519_key")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "PermitRootLogin yes",
    "PubkeyAuthentication yes",
    "PasswordAuthentication yes",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "StrictModes no",
    "Subsystem sftp internal-sftp",
    "LogLevel INFO",
    ...Object.entries(opts.env ?? {}).map(([k, v]) => `SetEnv ${k}=${quoteSetEnv(v)}`),
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);

  const argv = ["/usr/sbin/sshd", "-D", "-e", "-f", join(dir, "sshd_config")];
  const child = opts.netns ? spawn("ip", ["netns", "exec", opts.netns, ...argv], { stdio: ["ignore", "ignore", "pipe"] }) : spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start in 10 s: ${stderr}`)), 10_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("Server listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}: ${stderr}`));
    });
  }).catch(async (err: unknown) => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  // Keep draining stderr (one line per login) so sshd never blocks on a full pipe.
  child.stderr!.on("data", () => undefined);

  return {
    host,
    port,
    username: "root",
    privateKey,
    dir,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `<dir>/bin` with symlinks to the named tools (found on this machine's PATH), for a
 * test host whose sessions see only those (`startSshd({ env: { PATH: bin } })`).
 * Returns the bin dir. Tools not found here are skipped.
 */
export async function toolDir(dir: string, tools: string[]): Promise<string> {
  const bin = join(dir, "bin");
  await mkdir(bin, { recursive: true });
  for (const tool of tools) {
    const found = await exec("sh", ["-c", `command -v ${tool}`]).then((r) => r.stdout.trim(), () => "");
    if (found.startsWith("/")) await symlink(found, join(bin, tool));
  }
  return bin;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** A free TCP port on `host` right now. */
export function sparePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** SetEnv takes shell-like words: quote a value with spaces. */
function quoteSetEnv(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value;
}
