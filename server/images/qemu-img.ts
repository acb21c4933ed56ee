import { execFile } from "node:child_process";
import { open } from "node:fs/promises";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** What `qemu-img info --output=json` says of a file. */
export interface QemuImgInfo {
  /** Format qemu-img probed: qcow2, raw, vmdk, ... (an ISO is probed as raw). */
  format: string;
  /** Virtual disk size in bytes. */
  virtualSize: number;
  /** Backing file named in the image header, if any. */
  backingFile?: string;
}

/** qemu-img could not read the file; `message` is its stderr. */
export class QemuImgError extends Error {
  override readonly name = "QemuImgError";
}

/**
 * Runs `qemu-img info --output=json [-f format] <path>` (60 s limit).
 * @throws QemuImgError when qemu-img cannot open the file (as the format, when given).
 */
export async function qemuImgInfo(path: string, format?: string): Promise<QemuImgInfo> {
  const args = ["info", "--output=json", ...(format ? ["-f", format] : []), path];
  try {
    const { stdout } = await exec("qemu-img", args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
    const j = JSON.parse(stdout) as { format?: string; "virtual-size"?: number; "backing-filename"?: string };
    if (typeof j.format !== "string" || typeof j["virtual-size"] !== "number") throw new QemuImgError(`unexpected qemu-img output: ${stdout.slice(0, 200)}`);
    return { format: j.format, virtualSize: j["virtual-size"], backingFile: j["backing-filename"] };
  } catch (err) {
    if (err instanceof QemuImgError) throw err;
    const e = err as { stderr?: string; code?: string | number; message: string };
    if (e.code === "ENOENT") throw new Error("qemu-img is not installed on the management node");
    throw new QemuImgError((e.stderr ?? e.message).trim().replace(/^qemu-img: /, ""));
  }
}

/**
 * Runs `qemu-img check -f qcow2` (metadata consistency; 5 min limit). Leaked clusters (exit 3)
 * are harmless and pass. @throws QemuImgError when the image is corrupt (exit 2) or unreadable.
 */
export async function qemuImgCheck(path: string): Promise<void> {
  try {
    await exec("qemu-img", ["check", "-f", "qcow2", path], { timeout: 300_000, maxBuffer: 4 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; code?: string | number; message: string };
    if (e.code === 3) return;
    if (e.code === "ENOENT") throw new Error("qemu-img is not installed on the management node");
    throw new QemuImgError(((e.stderr || e.stdout) ?? e.message).trim().split("\n").slice(0, 3).join("; "));
  }
}

/** Whether a file carries the ISO 9660 volume descriptor signature "CD001" at byte 32769. */
export async function isIso9660(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(5);
    const { bytesRead } = await fh.read(buf, 0, 5, 0x8001);
    return bytesRead === 5 && buf.toString("latin1") === "CD001";
  } finally {
    await fh.close();
  }
}
