/**
 * Runs host tools (virsh, qemu-img) as child processes: always execFile with an argument
 * vector, never a shell string, so VM names and paths cannot inject commands; always with a
 * timeout, so a hung libvirtd cannot hang a hostd request forever.
 */
import { execFile } from "node:child_process";

/** Output of a finished command. */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** A command that exited non-zero, timed out or could not be spawned. */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly args: readonly string[],
    /** Exit code, or undefined when killed by the timeout or not spawned. */
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "ExecError";
  }
}

/** Default time limit for one host command, in milliseconds. */
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

/**
 * Runs `file args...` and resolves with its output.
 * @param timeoutMs kill the child (SIGKILL) after this many milliseconds.
 * @throws ExecError with the command's stderr in the message.
 */
export function run(file: string, args: readonly string[], timeoutMs = DEFAULT_EXEC_TIMEOUT_MS): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ stdout, stderr });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
        const exitCode = typeof e.code === "number" ? e.code : undefined;
        const why = e.killed
          ? `timed out after ${timeoutMs} ms`
          : e.code === "ENOENT"
            ? "not installed"
            : `exited with ${exitCode ?? e.code}`;
        const detail = stderr.trim() || stdout.trim();
        reject(new ExecError(`${file} ${args.join(" ")}: ${why}${detail ? `: ${detail}` : ""}`, file, args, exitCode, stderr));
      },
    );
  });
}
