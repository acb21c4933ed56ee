import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A resource whose status moves on by itself after a delay, as real Alibaba resources do
 * (an ECS instance goes Starting → Running). The pending move is stored in the resource, so a
 * restart of the emulator keeps it, and it is applied lazily whenever the resource is read.
 */
export interface Transition {
  /** Field that changes, usually `Status`. */
  field: string;
  /** Value it takes. */
  to: unknown;
  /** Epoch milliseconds when it takes it. */
  at: number;
  /** Further fields set at the same moment (e.g. `Progress: "100%"`). */
  also?: Record<string, unknown>;
}

/** A stored resource: Alibaba's own JSON fields, plus the emulator's `__` bookkeeping fields. */
export type StoredResource = Record<string, unknown> & { __transitions?: Transition[] };

interface StateFile {
  version: 1;
  /** accountId → regionId (or "global") → kind → id → resource */
  accounts: Record<string, Record<string, Record<string, Record<string, StoredResource>>>>;
  /** accountId → "<action>:<token>" → { paramsHash, response } */
  clientTokens: Record<string, Record<string, { paramsHash: string; response: unknown; at: number }>>;
}

/**
 * Everything the emulator knows, per account and region, kept as Alibaba-shaped JSON and
 * written atomically to `<dataDir>/state.json` shortly after each change (no file when dataDir is
 * undefined: state lives in memory only).
 */
export class EmulatorState {
  private data: StateFile;
  private saveTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly dataDir: string | undefined, data?: StateFile) {
    this.data = data ?? { version: 1, accounts: {}, clientTokens: {} };
  }

  /** Loads `<dataDir>/state.json` if present. */
  static open(dataDir?: string): EmulatorState {
    if (!dataDir) return new EmulatorState(undefined);
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, "state.json");
    const data = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as StateFile : undefined;
    return new EmulatorState(dataDir, data);
  }

  /**
   * The resources of one kind (e.g. "Instance", "Vpc") of an account in a region, keyed by id.
   * Mutate the returned object freely and call {@link changed}. Pending transitions are applied.
   */
  table(accountId: string, regionId: string, kind: string, now = Date.now()): Record<string, StoredResource> {
    const account = (this.data.accounts[accountId] ??= {});
    const region = (account[regionId] ??= {});
    const table = (region[kind] ??= {});
    for (const r of Object.values(table)) settle(r, now);
    return table;
  }

  /** Regions of an account that hold any resource of `kind`. */
  regionsWith(accountId: string, kind: string): string[] {
    const account = this.data.accounts[accountId] ?? {};
    return Object.keys(account).filter((r) => Object.keys(account[r]?.[kind] ?? {}).length > 0);
  }

  /** Every account id that holds any state (OSS bucket names are unique across all of them). */
  accountIds(): string[] {
    return Object.keys(this.data.accounts);
  }

  /**
   * A directory under dataDir for a product's bulk data (OSS object bodies), created on demand;
   * undefined when the state lives in memory only, so the caller keeps such data in memory too.
   */
  blobDir(name: string): string | undefined {
    if (!this.dataDir) return undefined;
    const dir = join(this.dataDir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /**
   * A read-only copy of everything (pending transitions applied at `now`), for the emulator's
   * debugging endpoint `GET /__emulator/state`.
   */
  snapshot(now = Date.now()): { accounts: StateFile["accounts"] } {
    for (const account of Object.values(this.data.accounts)) {
      for (const region of Object.values(account)) {
        for (const table of Object.values(region)) for (const r of Object.values(table)) settle(r, now);
      }
    }
    return { accounts: structuredClone(this.data.accounts) };
  }

  /** The stored answer for a ClientToken, if any. */
  clientToken(accountId: string, key: string): { paramsHash: string; response: unknown } | undefined {
    return this.data.clientTokens[accountId]?.[key];
  }

  rememberClientToken(accountId: string, key: string, paramsHash: string, response: unknown): void {
    (this.data.clientTokens[accountId] ??= {})[key] = { paramsHash, response, at: Date.now() };
    this.changed();
  }

  /** Schedules a save (coalesced: at most one write per 200 ms). */
  changed(): void {
    if (!this.dataDir || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.flush();
    }, 200);
    this.saveTimer.unref();
  }

  /** Writes the state now (atomic rename). */
  flush(): void {
    if (!this.dataDir) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const file = join(this.dataDir, "state.json");
    writeFileSync(`${file}.tmp`, JSON.stringify(this.data));
    renameSync(`${file}.tmp`, file);
  }
}

/** Applies the transitions of `r` that are due at `now`. */
export function settle(r: StoredResource, now = Date.now()): void {
  const pending = r.__transitions;
  if (!pending?.length) return;
  const due = pending.filter((t) => t.at <= now);
  if (!due.length) return;
  for (const t of due.sort((a, b) => a.at - b.at)) {
    r[t.field] = t.to;
    Object.assign(r, t.also ?? {});
  }
  r.__transitions = pending.filter((t) => t.at > now);
  if (!r.__transitions.length) delete r.__transitions;
}

/** Sets `field` to `now` value and schedules further values, replacing pending moves of that field. */
export function moveThrough(r: StoredResource, field: string, steps: { to: unknown; afterMs: number; also?: Record<string, unknown> }[], now = Date.now()): void {
  r.__transitions = (r.__transitions ?? []).filter((t) => t.field !== field);
  for (const s of steps) {
    if (s.afterMs <= 0) {
      r[field] = s.to;
      Object.assign(r, s.also ?? {});
    } else {
      r.__transitions.push({ field, to: s.to, at: now + s.afterMs, also: s.also });
    }
  }
  if (!r.__transitions.length) delete r.__transitions;
}

/** The resource as Alibaba shows it: the `__` bookkeeping fields removed. */
export function publicView<T extends StoredResource>(r: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("__")));
}
