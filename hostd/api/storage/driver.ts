/**
 * Storage I/O on a host for the /storage/* commands: directories, NFS mounts, statfs, file
 * copies, qcow2 resizes. `HostStorage` touches the real filesystem (through execFile, never a
 * shell); `SimStorage` answers from memory for simulator hosts, with no disk I/O at all.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, rmdir, stat, statfs, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { run, ExecError } from "../../drivers/exec.ts";
import { DriverError } from "../../drivers/types.ts";

/** Capacity of the filesystem holding a path, in bytes (statfs, as `df -B1` shows it). */
export interface StorageCapacity {
  /** f_blocks × f_bsize. */
  totalCapacity: number;
  /** f_bavail × f_bsize: what an unprivileged writer can still use. */
  availableCapacity: number;
}

/** What /storage/init needs. */
export interface InitSpec {
  type: "LocalStorage" | "NFS" | "SharedMountPoint";
  url: string;
  mountPath?: string;
  mountOptions?: string;
}

/** The storage operations of one host. Methods reject with DriverError. */
export interface StorageBackend {
  /** Prepares the storage on this host and returns its capacity and the directory volumes go in. */
  init(spec: InitSpec): Promise<StorageCapacity & { path: string }>;
  capacity(path: string): Promise<StorageCapacity>;
  /**
   * Unmounts the NFS export `url` from `mountPath` and removes the then empty directory.
   * Resolves `unmounted: false` when it was not mounted there (idempotent).
   */
  unmount(url: string, mountPath: string): Promise<{ unmounted: boolean }>;
  /** NFS exports mounted on this host: `url` is `server:/export`, `mountPath` where it is mounted. */
  mounts(): Promise<{ url: string; mountPath: string }[]>;
  /** Copies `src` to `dst` (sparse); returns the size of `dst` in bytes. */
  copyFile(src: string, dst: string): Promise<{ size: number }>;
  /** Grows a qcow2 volume to `size` bytes; returns virtual and allocated sizes. */
  resizeVolume(installPath: string, size: number): Promise<{ installPath: string; size: number; actualSize: number }>;
  /**
   * Writes a standalone qcow2 copy of `src` (its backing chain flattened in) to `dst`, which must
   * not exist; returns virtual and allocated sizes of `dst`.
   */
  convertVolume(src: string, dst: string): Promise<{ installPath: string; size: number; actualSize: number }>;
  /** Opens a file for a peer host to download. */
  openFile(path: string): Promise<{ stream: Readable; size: number }>;
  /**
   * Downloads `url` (another host's GET /storage/file/download) with `Authorization: Bearer
   * <secret>` into `dst`, which must not exist; returns its size in bytes.
   */
  pullFile(url: string, secret: string, dst: string): Promise<{ size: number }>;
}

/** Time allowed for copying one volume (convert, download), ms. */
const VOLUME_COPY_TIMEOUT_MS = 3_600_000;

/** Real storage on this host. */
export class HostStorage implements StorageBackend {
  constructor(private readonly timeoutMs = 30_000) {}

  async init(spec: InitSpec): Promise<StorageCapacity & { path: string }> {
    if (spec.type === "LocalStorage") {
      await mkdir(spec.url, { recursive: true });
      return { path: spec.url, ...(await this.capacity(spec.url)) };
    }
    if (spec.type === "SharedMountPoint") {
      const st = await stat(spec.url).catch(() => undefined);
      if (!st?.isDirectory()) {
        throw new DriverError(`SharedMountPoint ${spec.url} is not a directory on this host: mount the shared filesystem there first`);
      }
      return { path: spec.url, ...(await this.capacity(spec.url)) };
    }
    const mountPath = spec.mountPath!;
    await mkdir(mountPath, { recursive: true });
    if (!(await isMountedFrom(mountPath, spec.url))) {
      const args = ["-t", "nfs", ...(spec.mountOptions ? ["-o", spec.mountOptions] : []), spec.url, mountPath];
      await this.exec("mount", args);
    }
    return { path: mountPath, ...(await this.capacity(mountPath)) };
  }

  async unmount(url: string, mountPath: string): Promise<{ unmounted: boolean }> {
    const unmounted = await isMountedFrom(mountPath, url);
    if (unmounted) await this.exec("umount", [mountPath]);
    // rmdir, not rm -r: the directory init created goes only if nothing is left in it.
    await rmdir(mountPath).catch(() => undefined);
    return { unmounted };
  }

  async mounts(): Promise<{ url: string; mountPath: string }[]> {
    const mounts = await readFile("/proc/mounts", "utf8").catch(() => "");
    return mounts.split("\n").map((line) => line.split(" "))
      .filter(([, , fstype]) => fstype?.startsWith("nfs"))
      .map(([url, mountPath]) => ({ url: url!, mountPath: mountPath! }));
  }

  async capacity(path: string): Promise<StorageCapacity> {
    try {
      const s = await statfs(path);
      return { totalCapacity: s.blocks * s.bsize, availableCapacity: s.bavail * s.bsize };
    } catch (err) {
      throw new DriverError(`statfs ${path}: ${(err as Error).message}`);
    }
  }

  async copyFile(src: string, dst: string): Promise<{ size: number }> {
    await mkdir(dirname(dst), { recursive: true });
    // Copy beside the destination, then rename: a reader never sees a half-written file.
    const tmp = `${dst}.copying`;
    try {
      await this.exec("cp", ["--sparse=always", "--", src, tmp], 3_600_000);
      await rename(tmp, dst);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err instanceof DriverError ? err : new DriverError(`copy ${src} to ${dst}: ${(err as Error).message}`);
    }
    return { size: (await stat(dst)).size };
  }

  async resizeVolume(installPath: string, size: number) {
    const before = await this.info(installPath);
    if (size < before.virtualSize) {
      throw new DriverError(`volume ${installPath} is ${before.virtualSize} bytes; shrinking to ${size} is refused`);
    }
    if (size > before.virtualSize) await this.exec("qemu-img", ["resize", "-f", before.format, installPath, String(size)]);
    const after = await this.info(installPath);
    return { installPath, size: after.virtualSize, actualSize: after.actualSize };
  }

  async convertVolume(src: string, dst: string) {
    if (await stat(dst).then(() => true, () => false)) throw new DriverError(`volume ${dst} already exists`, "VOLUME_EXISTS");
    await mkdir(dirname(dst), { recursive: true });
    const tmp = `${dst}.converting`;
    try {
      // -U: the source may belong to a running VM (its copy is then crash-consistent).
      await this.exec("qemu-img", ["convert", "-U", "-O", "qcow2", "--", src, tmp], VOLUME_COPY_TIMEOUT_MS);
      await rename(tmp, dst);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err instanceof DriverError ? err : new DriverError(`convert ${src} to ${dst}: ${(err as Error).message}`);
    }
    const info = await this.info(dst);
    return { installPath: dst, size: info.virtualSize, actualSize: info.actualSize };
  }

  async openFile(path: string): Promise<{ stream: Readable; size: number }> {
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) throw new DriverError(`${path} is not a file on this host`);
    return { stream: createReadStream(path), size: st.size };
  }

  async pullFile(url: string, secret: string, dst: string): Promise<{ size: number }> {
    if (await stat(dst).then(() => true, () => false)) throw new DriverError(`${dst} already exists`, "VOLUME_EXISTS");
    await mkdir(dirname(dst), { recursive: true });
    const tmp = `${dst}.pulling`;
    try {
      const r = await fetch(url, { headers: { authorization: `Bearer ${secret}` }, redirect: "error", signal: AbortSignal.timeout(VOLUME_COPY_TIMEOUT_MS) });
      if (!r.ok || !r.body) throw new DriverError(`GET ${url}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
      await pipeline(Readable.fromWeb(r.body as never), createWriteStream(tmp, { mode: 0o600 }));
      const expected = Number(r.headers.get("content-length") ?? NaN);
      const size = (await stat(tmp)).size;
      if (Number.isFinite(expected) && size !== expected) throw new DriverError(`GET ${url}: got ${size} of ${expected} bytes`);
      await rename(tmp, dst);
      return { size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err instanceof DriverError ? err : new DriverError(`download ${url} to ${dst}: ${(err as Error).message}`);
    }
  }

  private async info(path: string): Promise<{ format: string; virtualSize: number; actualSize: number }> {
    const { stdout } = await this.exec("qemu-img", ["info", "--output=json", "-U", path]);
    const j = JSON.parse(stdout) as { format?: string; "virtual-size"?: number; "actual-size"?: number };
    return { format: j.format ?? "raw", virtualSize: j["virtual-size"] ?? 0, actualSize: j["actual-size"] ?? 0 };
  }

  private async exec(file: string, args: string[], timeoutMs = this.timeoutMs) {
    try {
      return await run(file, args, timeoutMs);
    } catch (err) {
      throw new DriverError(err instanceof ExecError ? err.message : String(err));
    }
  }
}

/** True when /proc/mounts shows `source` mounted on `mountPath`. */
async function isMountedFrom(mountPath: string, source: string): Promise<boolean> {
  const mounts = await readFile("/proc/mounts", "utf8").catch(() => "");
  return mounts.split("\n").some((line) => {
    const [dev, dir] = line.split(" ");
    return dir === mountPath && dev === source;
  });
}

/** Storage of a simulator host: answers from memory, never touches the disk. */
export class SimStorage implements StorageBackend {
  private readonly files = new Map<string, number>();
  /** NFS mounts /storage/init made: mount path → export. */
  private readonly mounted = new Map<string, string>();

  /** @param diskSize simulated filesystem size in bytes (default 4 TiB, as the sim driver's). */
  constructor(private readonly diskSize = 4 * 1024 ** 4) {}

  async init(spec: InitSpec): Promise<StorageCapacity & { path: string }> {
    const path = spec.type === "NFS" ? spec.mountPath! : spec.url;
    if (spec.type === "NFS") this.mounted.set(path, spec.url);
    return { path, ...(await this.capacity(path)) };
  }

  async unmount(url: string, mountPath: string): Promise<{ unmounted: boolean }> {
    const unmounted = this.mounted.get(mountPath) === url;
    if (unmounted) this.mounted.delete(mountPath);
    return { unmounted };
  }

  async mounts(): Promise<{ url: string; mountPath: string }[]> {
    return [...this.mounted].map(([mountPath, url]) => ({ url, mountPath }));
  }

  async capacity(_path: string): Promise<StorageCapacity> {
    const used = [...this.files.values()].reduce((s, n) => s + n, 0);
    return { totalCapacity: this.diskSize, availableCapacity: Math.max(0, this.diskSize - used) };
  }

  async copyFile(src: string, dst: string): Promise<{ size: number }> {
    const size = this.files.get(src) ?? 0;
    this.files.set(dst, size);
    return { size };
  }

  async resizeVolume(installPath: string, size: number) {
    const current = this.files.get(installPath);
    if (current !== undefined && size < current) {
      throw new DriverError(`volume ${installPath} is ${current} bytes; shrinking to ${size} is refused`);
    }
    this.files.set(installPath, size);
    return { installPath, size, actualSize: 196_608 };
  }

  async convertVolume(src: string, dst: string) {
    if (this.files.has(dst)) throw new DriverError(`volume ${dst} already exists`, "VOLUME_EXISTS");
    const size = this.files.get(src) ?? 0;
    this.files.set(dst, size);
    return { installPath: dst, size, actualSize: 196_608 };
  }

  async openFile(path: string): Promise<{ stream: Readable; size: number }> {
    // A simulated file has no bytes; its recorded size travels in the body so a pull can keep it.
    const body = Buffer.from(String(this.files.get(path) ?? 0));
    return { stream: Readable.from([body]), size: body.length };
  }

  async pullFile(url: string, secret: string, dst: string): Promise<{ size: number }> {
    if (this.files.has(dst)) throw new DriverError(`${dst} already exists`, "VOLUME_EXISTS");
    const r = await fetch(url, { headers: { authorization: `Bearer ${secret}` }, redirect: "error", signal: AbortSignal.timeout(30_000) });
    if (!r.ok) throw new DriverError(`GET ${url}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
    const size = Number(await r.text()) || 0;
    this.files.set(dst, size);
    return { size };
  }
}
