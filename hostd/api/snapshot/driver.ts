/**
 * Volume snapshots, live resizes and volume exports on a host. `HostSnapshots` drives qemu-img
 * and virsh (execFile, never a shell); `SimSnapshots` records what it was asked for, for
 * simulator hosts, with no disk I/O.
 *
 * Snapshots are qcow2 internal snapshots named after the snapshot's uuid:
 * - VM shut off or no VM: `qemu-img snapshot -c|-d|-a <name> <file>` on the one file;
 * - VM running: `virsh snapshot-create-as --atomic --no-metadata`, which takes an internal
 *   snapshot of every qcow2 disk of the domain (and its memory state) under that name; libvirt
 *   keeps no metadata, so undefining the domain stays possible. Deleting while running uses
 *   the QEMU monitor (`delvm`), which removes the name from every disk. The copies on other
 *   disks of the VM are not tracked by the management node; they only take space.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { ExecError, run } from "../../drivers/exec.ts";
import { DriverError, type HypervisorDriver } from "../../drivers/types.ts";
import type { ExportVolumeCmd, LiveResizeCmd, VolumeSnapshotCmd } from "./schema.ts";

/** What a snapshot command reports. */
export interface SnapshotResult {
  installPath: string;
  snapshotName: string;
  /** Virtual size of the volume, bytes. */
  size: number;
  /** How the snapshot was taken or removed: "qemu-img" (offline) or "libvirt" (running VM). */
  mode: "qemu-img" | "libvirt";
}

/** What an export reports: the image store's answer to the upload. */
export interface ExportResult {
  /** Bytes uploaded. */
  size: number;
  /** The management node's JSON reply to the upload. */
  upload: unknown;
}

/** Snapshot, live-resize and export operations of one host. Methods reject with DriverError. */
export interface SnapshotBackend {
  create(cmd: VolumeSnapshotCmd): Promise<SnapshotResult>;
  delete(cmd: VolumeSnapshotCmd): Promise<SnapshotResult>;
  revert(cmd: VolumeSnapshotCmd): Promise<SnapshotResult>;
  liveResize(cmd: LiveResizeCmd): Promise<{ installPath: string; size: number; actualSize: number }>;
  export(cmd: ExportVolumeCmd): Promise<ExportResult>;
}

/** Time limit of one qemu-img/virsh call, ms: snapshots of big disks take a while. */
const TIMEOUT_MS = 600_000;

/** Real snapshots through qemu-img and virsh. */
export class HostSnapshots implements SnapshotBackend {
  constructor(private readonly driver: Pick<HypervisorDriver, "domainState">, private readonly libvirtUri = "qemu:///system") {}

  async create(cmd: VolumeSnapshotCmd): Promise<SnapshotResult> {
    if (await this.running(cmd.vmInstanceUuid)) {
      await this.exec("virsh", ["-c", this.libvirtUri, "snapshot-create-as", "--domain", cmd.vmInstanceUuid!, "--name", cmd.snapshotName,
        "--atomic", "--no-metadata"]);
      return this.result(cmd, "libvirt");
    }
    await this.exec("qemu-img", ["snapshot", "-c", cmd.snapshotName, cmd.installPath]);
    return this.result(cmd, "qemu-img");
  }

  async delete(cmd: VolumeSnapshotCmd): Promise<SnapshotResult> {
    const present = (await this.snapshots(cmd.installPath)).includes(cmd.snapshotName);
    if (await this.running(cmd.vmInstanceUuid)) {
      if (present) {
        const { stdout } = await this.exec("virsh", ["-c", this.libvirtUri, "qemu-monitor-command", cmd.vmInstanceUuid!, "--hmp",
          `delvm ${cmd.snapshotName}`]);
        if (/error|not found|fail/i.test(stdout)) throw new DriverError(`delvm ${cmd.snapshotName}: ${stdout.trim()}`);
      }
      return this.result(cmd, "libvirt");
    }
    if (present) await this.exec("qemu-img", ["snapshot", "-d", cmd.snapshotName, cmd.installPath]);
    return this.result(cmd, "qemu-img");
  }

  async revert(cmd: VolumeSnapshotCmd): Promise<SnapshotResult> {
    if (await this.running(cmd.vmInstanceUuid)) {
      throw new DriverError(`VM ${cmd.vmInstanceUuid} is running; stop it before reverting its volume`);
    }
    await this.exec("qemu-img", ["snapshot", "-a", cmd.snapshotName, cmd.installPath]);
    return this.result(cmd, "qemu-img");
  }

  async liveResize(cmd: LiveResizeCmd) {
    const before = await this.info(cmd.installPath);
    if (cmd.size < before.virtualSize) {
      throw new DriverError(`volume ${cmd.installPath} is ${before.virtualSize} bytes; shrinking to ${cmd.size} is refused`);
    }
    if (cmd.size > before.virtualSize) {
      if (!(await this.running(cmd.vmInstanceUuid))) {
        await this.exec("qemu-img", ["resize", "-f", before.format, cmd.installPath, String(cmd.size)]);
      } else {
        await this.exec("virsh", ["-c", this.libvirtUri, "blockresize", cmd.vmInstanceUuid, cmd.installPath, `${cmd.size}B`]);
      }
    }
    const after = await this.info(cmd.installPath);
    return { installPath: cmd.installPath, size: after.virtualSize, actualSize: after.actualSize };
  }

  async export(cmd: ExportVolumeCmd): Promise<ExportResult> {
    // Beside the volume: the same storage has room for a copy the size of the volume's data.
    const tmp = join(dirname(cmd.installPath), `.export-${randomBytes(6).toString("hex")}.qcow2`);
    try {
      await this.exec("qemu-img", ["convert", "-O", "qcow2", ...(cmd.snapshotName ? ["-l", `snapshot.name=${cmd.snapshotName}`] : []),
        cmd.installPath, tmp], 3_600_000);
      const size = (await stat(tmp)).size;
      let res: Response;
      try {
        res = await fetch(cmd.uploadUrl, {
          method: "PUT",
          headers: { authorization: `Bearer ${cmd.token}`, "content-type": "application/octet-stream", "content-length": String(size) },
          body: Readable.toWeb(createReadStream(tmp)) as unknown as BodyInit,
          duplex: "half",
          redirect: "error",
          signal: AbortSignal.timeout(3_600_000),
        } as RequestInit);
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new DriverError(`upload to ${cmd.uploadUrl} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
      const text = await res.text();
      if (!res.ok) throw new DriverError(`upload to ${cmd.uploadUrl} answered HTTP ${res.status}: ${text.slice(0, 300)}`);
      let upload: unknown = text;
      try {
        upload = JSON.parse(text);
      } catch {
        // not JSON: pass it on as text
      }
      return { size, upload };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async running(vmInstanceUuid: string | undefined): Promise<boolean> {
    if (!vmInstanceUuid) return false;
    const state = await this.driver.domainState(vmInstanceUuid);
    return state !== undefined && state !== "Stopped" && state !== "Crashed";
  }

  private async result(cmd: VolumeSnapshotCmd, mode: SnapshotResult["mode"]): Promise<SnapshotResult> {
    return { installPath: cmd.installPath, snapshotName: cmd.snapshotName, size: (await this.info(cmd.installPath)).virtualSize, mode };
  }

  /** Names of the internal snapshots of a file (-U: a running QEMU may hold its lock). */
  private async snapshots(path: string): Promise<string[]> {
    const { stdout } = await this.exec("qemu-img", ["info", "--output=json", "-U", path]);
    const j = JSON.parse(stdout) as { snapshots?: { name: string }[] };
    return (j.snapshots ?? []).map((s) => s.name);
  }

  private async info(path: string): Promise<{ format: string; virtualSize: number; actualSize: number }> {
    const { stdout } = await this.exec("qemu-img", ["info", "--output=json", "-U", path]);
    const j = JSON.parse(stdout) as { format?: string; "virtual-size"?: number; "actual-size"?: number };
    return { format: j.format ?? "raw", virtualSize: j["virtual-size"] ?? 0, actualSize: j["actual-size"] ?? 0 };
  }

  private async exec(file: string, args: string[], timeoutMs = TIMEOUT_MS) {
    try {
      return await run(file, args, timeoutMs);
    } catch (err) {
      throw new DriverError(err instanceof ExecError ? err.message : String(err));
    }
  }
}

/** Snapshots of a simulator host: remembered in memory, no disk I/O. */
export class SimSnapshots implements SnapshotBackend {
  /** installPath → snapshot names, in creation order. */
  readonly snapshots = new Map<string, string[]>();

  async create(cmd: VolumeSnapshotCmd): Promise<SnapshotResult> {
    const list = this.snapshots.get(cmd.installPath) ?? [];
    if (!list.includes(cmd.snapshotName)) list.push(cmd.snapshotName);
    this.snapshots.set(cmd.installPath, list);
    return { installPath: cmd.installPath, snapshotName: cmd.snapshotName, size: 0, mode: "qemu-img" };
  }

  async delete(cmd: VolumeSnapshotCmd): Promise<SnapshotResult> {
    const list = (this.snapshots.get(cmd.installPath) ?? []).filter((n) => n !== cmd.snapshotName);
    this.snapshots.set(cmd.installPath, list);
    return { installPath: cmd.installPath, snapshotName: cmd.snapshotName, size: 0, mode: "qemu-img" };
  }

  async revert(cmd: VolumeSnapshotCmd): Promise<SnapshotResult> {
    if (!(this.snapshots.get(cmd.installPath) ?? []).includes(cmd.snapshotName)) {
      throw new DriverError(`no snapshot ${cmd.snapshotName} in ${cmd.installPath}`);
    }
    return { installPath: cmd.installPath, snapshotName: cmd.snapshotName, size: 0, mode: "qemu-img" };
  }

  async liveResize(cmd: LiveResizeCmd) {
    return { installPath: cmd.installPath, size: cmd.size, actualSize: 196_608 };
  }

  async export(_cmd: ExportVolumeCmd): Promise<ExportResult> {
    throw new DriverError("simulator hosts keep no volume data: a volume cannot be exported as an image");
  }
}
