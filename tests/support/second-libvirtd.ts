/**
 * A second libvirtd on this machine, so that live migration has a real destination: a
 * privileged libvirtd in its own mount namespace (`unshare --mount`) with fresh /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt bind-mounted from a
 * temp dir, its sockets in a directory both namespaces see, and its own host UUID (libvirt
 * refuses a migration between two daemons with the same one). QEMU runs as root without
 * relabelling, as the system daemon does after .ci/setup-libvirt.sh. The network namespace is
 * shared: bridges, the migration stream and the guests' NICs are the machine's.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SecondLibvirtd {
  /** `qemu+unix:///system?socket=...`: what hostd and virsh use to reach it. */
  uri: string;
  /** virsh against it. */
  virsh(...args: string[]): string;
  /** Destroys its domains, stops it and removes its files. */
  stop(): Promise<void>;
}

/** Starts the daemon and waits until virsh can connect (up to 15 s). */
export async function startSecondLibvirtd(): Promise<SecondLibvirtd> {
  const dir = mkdtempSync(join(tmpdir(), "strata-libvirtd2-"));
  const sockets = join(dir, "sockets");
  for (const d of ["run", "lib", "cache", "log", "etc", "sockets"]) mkdirSync(join(dir, d), { recursive: true });
  mkdirSync("/var/cache/libvirt", { recursive: true });
  writeFileSync(join(dir, "etc", "libvirtd.conf"), [
    `unix_sock_dir = "${sockets}"`,
    `host_uuid = "${randomUUID()}"`,
    "",
  ].join("\n"));
  writeFileSync(join(dir, "etc", "qemu.conf"), [
    'user = "root"', 'group = "root"', "dynamic_ownership = 0",
    // No virtlogd in this namespace: QEMU writes its own log files.
    'stdio_handler = "file"', 'security_driver = "none"', "",
  ].join("\n"));
  const script = [
    "set -e",
    "mount --make-rprivate /",
    `mount --bind ${join(dir, "run")} /run/libvirt`,
    `mount --bind ${join(dir, "lib")} /var/lib/libvirt`,
    `mount --bind ${join(dir, "cache")} /var/cache/libvirt`,
    `mount --bind ${join(dir, "log")} /var/log/libvirt`,
    `mount --bind ${join(dir, "etc")} /etc/libvirt`,
    `exec libvirtd -f /etc/libvirt/libvirtd.conf -p ${join(dir, "libvirtd.pid")}`,
  ].join("\n");
  writeFileSync(join(dir, "start.sh"), script);
  const child = spawn("unshare", ["--mount", "sh", join(dir, "start.sh")], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => { stderr += b.toString(); });
  child.unref();
  const uri = `qemu+unix:///system?socket=${join(sockets, "libvirt-sock")}`;
  const virsh = (...args: string[]) => execFileSync("virsh", ["-c", uri, ...args], { stdio: ["ignore", "pipe", "pipe"] }).toString();
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      virsh("version");
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`second libvirtd did not start: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    uri,
    virsh,
    async stop() {
      for (const name of virsh("list", "--all", "--name").split("\n").map((l) => l.trim()).filter(Boolean)) {
        try { virsh("destroy", name); } catch { /* not running */ }
        try { virsh("undefine", name); } catch { /* gone */ }
      }
      try {
        process.kill(Number(readFileSync(join(dir, "libvirtd.pid"), "utf8").trim()), "SIGTERM");
      } catch { /* gone */ }
      await new Promise((r) => setTimeout(r, 500));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
