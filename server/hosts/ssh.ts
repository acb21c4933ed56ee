/**
 * SSH driver for the host deployer: one authenticated ssh2 connection to a KVM host, running
 * shell commands and copying files over SFTP. I/O only — what to run lives in deployer.ts.
 *
 * Connection failures are classified so callers can tell the operator what to fix:
 * `SshConnectError.reason` is "auth" (credentials refused) or "unreachable" (TCP refused or
 * timed out, DNS, no SSH server answering). Credentials are never logged or put in messages.
 */
import ssh2 from "ssh2";
import type { ConnectConfig, SFTPWrapper } from "ssh2";

/** How to reach and log in to a host over SSH (password or private key, PEM/OpenSSH text). */
export interface SshLogin {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
}

/** Why an SSH connection could not be opened. */
export class SshConnectError extends Error {
  override name = "SshConnectError";
  constructor(readonly reason: "auth" | "unreachable", message: string) {
    super(message);
  }
}

/** A command's outcome; `code` is null when it died from a signal or the channel was closed. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Socket errors that mean "nothing reachable there" rather than a protocol problem. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET"]);

/** Quotes a string for a POSIX shell command line. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An open SSH connection. Always `close()` it. */
export class SshSession {
  private sftpChannel?: Promise<SFTPWrapper>;

  private constructor(private readonly client: ssh2.Client) {}

  /**
   * Connects and authenticates. `readyTimeoutMs` bounds TCP connect + handshake + auth.
   * Throws SshConnectError ("auth" or "unreachable").
   */
  static connect(login: SshLogin, readyTimeoutMs = 10_000): Promise<SshSession> {
    const client = new ssh2.Client();
    const config: ConnectConfig = {
      host: login.host,
      port: login.port,
      username: login.username,
      readyTimeout: readyTimeoutMs,
      keepaliveInterval: 15_000,
      ...(login.password !== undefined ? { password: login.password } : {}),
      ...(login.privateKey !== undefined ? { privateKey: login.privateKey } : {}),
    };
    const where = `${login.username}@${login.host}:${login.port}`;
    return new Promise((resolve, reject) => {
      const onError = (err: Error & { level?: string; code?: string }) => {
        client.removeListener("ready", onReady);
        client.end();
        if (err.level === "client-authentication") {
          reject(new SshConnectError("auth", `SSH login to ${where} was refused (wrong password or key not authorised)`));
        } else if (err.level === "client-timeout" || (err.code && UNREACHABLE_CODES.has(err.code))) {
          reject(new SshConnectError("unreachable", `cannot reach SSH at ${where}: ${err.code ?? err.message}`));
        } else {
          // Handshake or protocol failures: something answered, but not an SSH server we can talk to.
          reject(new SshConnectError("unreachable", `SSH handshake with ${where} failed: ${err.message}`));
        }
      };
      const onReady = () => {
        client.removeListener("error", onError);
        // Errors after login (connection dropped) surface through the failing exec/sftp call.
        client.on("error", () => undefined);
        resolve(new SshSession(client));
      };
      client.once("error", onError);
      client.once("ready", onReady);
      try {
        client.connect(config);
      } catch (err) {
        // ssh2 throws synchronously on an unparsable private key.
        client.removeListener("error", onError);
        reject(new SshConnectError("auth", `cannot use the private key for ${where}: ${(err as Error).message}`));
      }
    });
  }

  /**
   * Runs a command line through the login shell. Never rejects on a non-zero exit: look at
   * `code`. Rejects when the channel cannot be opened or `timeoutMs` passes (channel closed).
   */
  exec(command: string, opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(err);
        let stdout = "";
        let stderr = "";
        let code: number | null = null;
        const timer = setTimeout(() => {
          channel.close();
          reject(new Error(`command timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        channel.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        channel.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        channel.on("exit", (exitCode: number | null) => (code = exitCode ?? null));
        channel.on("close", () => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        if (opts.stdin !== undefined) channel.end(opts.stdin);
        else channel.end();
      });
    });
  }

  /** Like exec, but rejects with stderr in the message when the exit code is not 0. */
  async run(command: string, opts: { timeoutMs?: number; stdin?: string } = {}): Promise<string> {
    const r = await this.exec(command, opts);
    if (r.code !== 0) {
      const output = (r.stderr || r.stdout).trim().split("\n").slice(-10).join("\n");
      throw new Error(`exit ${r.code ?? "signal"}${output ? `: ${output}` : ""}`);
    }
    return r.stdout;
  }

  /** Uploads a local file to `remotePath` (overwriting) and sets its mode. */
  async upload(localPath: string, remotePath: string, mode: number): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.fastPut(localPath, remotePath, { mode }, (err) => (err ? reject(err) : resolve())),
    );
    await new Promise<void>((resolve, reject) => sftp.chmod(remotePath, mode, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Writes `content` to `remotePath` with `mode`. The file is created with that mode, so a
   * secret is never readable by others, even for a moment.
   */
  async writeFile(remotePath: string, content: string, mode: number): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(remotePath, content, { mode }, (err) => (err ? reject(err) : resolve())),
    );
    // An existing file keeps its old mode on open; force it.
    await new Promise<void>((resolve, reject) => sftp.chmod(remotePath, mode, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the connection (and its channels). */
  close(): void {
    this.client.end();
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise((resolve, reject) =>
      this.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))),
    );
    return this.sftpChannel;
  }
}
