/**
 * The connection state hostd must keep across restarts: which host it is and where the
 * management node listens. Stored as JSON in `<dataDir>/hostd-state.json`, written atomically
 * (temp file + rename) so a crash mid-write cannot leave a half file.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { join } from "node:path";

/** What /host/connect records. */
export interface ConnectionState {
  /** Host uuid assigned by the management node. */
  hostUuid?: string;
  /** Base URL for hostd's reports (VM state changes go to `<url>/vm/state-changed`). */
  managementNodeCallbackUrl?: string;
  /** URL the management node says it sends commands from (kept for diagnostics, as in ZStack). */
  sendCommandUrl?: string;
  /** ISO time of the last successful /host/connect. */
  connectedAt?: string;
}

/** File name under the data dir. */
export const STATE_FILE = "hostd-state.json";

/** Loads and saves ConnectionState under a data dir. */
export class HostStore {
  private state: ConnectionState = {};
  private readonly path: string;

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, STATE_FILE);
  }

  /**
   * Reads the saved state. `initialHostUuid` (the `--host-uuid` flag) only applies when nothing
   * was saved yet: once the management node connected, its uuid wins over the deploy-time flag.
   */
  async load(initialHostUuid?: string): Promise<ConnectionState> {
    try {
      this.state = JSON.parse(await readFile(this.path, "utf8")) as ConnectionState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.state = {};
    }
    if (!this.state.hostUuid && initialHostUuid) this.state.hostUuid = initialHostUuid;
    return this.get();
  }

  /** The current state (a copy). */
  get(): ConnectionState {
    return { ...this.state };
  }

  /** Replaces the state and persists it. */
  async save(next: ConnectionState): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    const tmp = `${this.path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, this.path);
    this.state = { ...next };
  }
}
