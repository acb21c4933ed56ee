/**
 * Turns the IOMMU on (or off) in the kernel command line the host boots with next time. The
 * running kernel cannot change it: the answer always says whether a reboot is needed.
 *
 * Two ways, as ZStack's kvmagent does it:
 * - `grubby --update-kernel=ALL --args=...` where grubby exists (RHEL/CentOS family);
 * - otherwise the GRUB defaults file (`<root>/etc/default/grub`): the arguments are added to
 *   GRUB_CMDLINE_LINUX, then `update-grub` / `grub2-mkconfig` regenerate grub.cfg when hostd
 *   manages the real root ("/"); under a test root the file edit is the whole effect.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { run } from "../drivers/exec.ts";

/** Where to act. */
export interface IommuConfigPaths {
  /** Host root; "/" on a real host. */
  root: string;
  /** GRUB defaults file; default `<root>/etc/default/grub`. */
  grubDefaultPath?: string;
  /** grubby binary; default: `grubby` on PATH, looked up only when root is "/". */
  grubbyPath?: string;
}

/** What changing the setting did. */
export interface IommuConfigResult {
  /** "grubby" or "grub-default" (the GRUB defaults file). */
  method: "grubby" | "grub-default";
  /** Kernel arguments added (enable) or removed (disable). */
  kernelArgs: string[];
  /** The boot configuration changed (false: it already said so). */
  changed: boolean;
  /** The running kernel differs from what the next boot will have: reboot for it to take effect. */
  rebootNeeded: boolean;
  /** grub.cfg was regenerated (update-grub / grub2-mkconfig ran). */
  grubConfigRegenerated: boolean;
}

/** The IOMMU arguments for this CPU vendor: intel_iommu=on or amd_iommu=on, plus iommu=pt. */
export function iommuKernelArgs(cpuVendor: "intel" | "amd"): string[] {
  return [cpuVendor === "amd" ? "amd_iommu=on" : "intel_iommu=on", "iommu=pt"];
}

/**
 * Adds `args` to (enable) or removes every IOMMU argument from (disable) the
 * GRUB_CMDLINE_LINUX line of a GRUB defaults file's text. Pure.
 * @returns the new text and whether it changed.
 */
export function editGrubDefault(text: string, args: string[], enable: boolean): { text: string; changed: boolean } {
  const lines = text.split("\n");
  let i = lines.findIndex((l) => /^GRUB_CMDLINE_LINUX=/.test(l));
  if (i < 0) {
    lines.push('GRUB_CMDLINE_LINUX=""');
    i = lines.length - 1;
  }
  const m = /^GRUB_CMDLINE_LINUX=(["']?)(.*)\1\s*$/.exec(lines[i]!)!;
  const current = (m?.[2] ?? "").split(/\s+/).filter(Boolean);
  const isIommu = (a: string) => /^(intel_iommu|amd_iommu|iommu)=/.test(a);
  const next = enable
    ? [...current.filter((a) => !isIommu(a) || args.includes(a)), ...args.filter((a) => !current.includes(a))]
    : current.filter((a) => !isIommu(a));
  if (next.join(" ") === current.join(" ")) return { text, changed: false };
  lines[i] = `GRUB_CMDLINE_LINUX="${next.join(" ")}"`;
  return { text: lines.join("\n"), changed: true };
}

/** Changes the boot-time IOMMU setting of one host. */
export class IommuConfigurator {
  constructor(private readonly paths: IommuConfigPaths) {}

  /**
   * Enables (adds the IOMMU arguments) or disables (removes them) for the next boot.
   * @param runningEnabled whether the running kernel has the IOMMU asked for (from /proc/cmdline).
   * @throws Error when neither grubby nor a GRUB defaults file is there, or grubby fails.
   */
  async set(enable: boolean, runningEnabled: boolean): Promise<IommuConfigResult> {
    const args = iommuKernelArgs(await this.cpuVendor());
    const grubby = this.grubby();
    let changed: boolean;
    let method: IommuConfigResult["method"];
    let regenerated = false;
    if (grubby) {
      method = "grubby";
      const flag = enable ? `--args=${args.join(" ")}` : "--remove-args=intel_iommu amd_iommu iommu";
      await run(grubby, ["--update-kernel=ALL", flag], 60_000);
      changed = true;
    } else {
      method = "grub-default";
      const path = this.paths.grubDefaultPath ?? join(this.paths.root, "etc/default/grub");
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch {
        throw new Error(`cannot change the kernel command line: no grubby and no GRUB defaults file at ${path}`);
      }
      const edit = editGrubDefault(text, args, enable);
      changed = edit.changed;
      if (changed) {
        await writeFile(`${path}.strata-tmp`, edit.text);
        await rename(`${path}.strata-tmp`, path);
        regenerated = await this.regenerateGrubConfig();
      }
    }
    return { method, kernelArgs: args, changed, rebootNeeded: enable !== runningEnabled, grubConfigRegenerated: regenerated };
  }

  private grubby(): string | undefined {
    if (this.paths.grubbyPath) return this.paths.grubbyPath;
    if (this.paths.root !== "/") return undefined;
    return findOnPath("grubby");
  }

  /** update-grub (Debian) or grub2-mkconfig (RHEL), only on the real root. */
  private async regenerateGrubConfig(): Promise<boolean> {
    if (this.paths.root !== "/") return false;
    const updateGrub = findOnPath("update-grub");
    if (updateGrub) {
      await run(updateGrub, [], 120_000);
      return true;
    }
    const mkconfig = findOnPath("grub2-mkconfig");
    if (mkconfig && existsSync("/boot/grub2/grub.cfg")) {
      await run(mkconfig, ["-o", "/boot/grub2/grub.cfg"], 120_000);
      return true;
    }
    return false;
  }

  private async cpuVendor(): Promise<"intel" | "amd"> {
    const text = await readFile(join(this.paths.root, "proc/cpuinfo"), "utf8").catch(() => "");
    return /AuthenticAMD|HygonGenuine/.test(text) ? "amd" : "intel";
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
