/**
 * Tells the management node when a VM changes state on its own: the guest powered itself off,
 * QEMU crashed, someone ran `virsh destroy` behind hostd's back.
 *
 * How: every `intervalMs` (default 5 s) the reporter lists all domains and compares each state
 * with the last one it saw. A difference is POSTed as a VmStateChange to
 * `<managementNodeCallbackUrl>/vm/state-changed` (bearer secret, retried; deliveries are sent
 * one after another so the receiver sees them in order).
 *
 * Polling instead of `virsh event --loop`: a long-lived child process needs restart logic when
 * libvirtd restarts, while a poll every few seconds is simple and a missed event cannot happen.
 * The management node also resyncs everything with /vm/vmsync on reconnect, as ZStack does, so
 * a change during a hostd restart is not lost either (the first scan only records a baseline).
 *
 * Changes hostd makes itself are not reported — the caller learns them from the command's
 * reply. VmService wraps each operation in `track()`, which hides the VM from the scan while the
 * operation runs and records the resulting state as the new baseline.
 */
import type { Logger } from "pino";
import type { CallbackClient } from "./callback-client.ts";
import type { HypervisorDriver } from "./drivers/types.ts";
import type { ConnectionState } from "./host-store.ts";
import type { VmState } from "./parsers/virsh.ts";

/** Body POSTed to `<managementNodeCallbackUrl>/vm/state-changed`. */
export interface VmStateChange {
  hostUuid: string;
  vmInstanceUuid: string;
  /** Last state hostd saw. */
  from: VmState;
  /** State now. A domain that disappeared entirely is reported as "Stopped". */
  to: VmState;
  /** ISO time hostd noticed the change. */
  detectedAt: string;
}

/** Path appended to managementNodeCallbackUrl for state reports. */
export const STATE_CHANGED_PATH = "/vm/state-changed";

/** States that are on the way somewhere else; the reporter waits for the next stable state. */
const TRANSITIONAL: ReadonlySet<VmState> = new Set(["Stopping", "Unknown"]);

/** Watches domain states and reports spontaneous changes. */
export class VmStateReporter {
  private readonly baseline = new Map<string, VmState>();
  /** Bumped at the start and end of each tracked operation per VM. */
  private readonly opSeq = new Map<string, number>();
  private readonly busy = new Map<string, number>();
  private initialized = false;
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<VmStateChange[]>;
  private deliveries: Promise<void> = Promise.resolve();

  constructor(
    private readonly driver: HypervisorDriver,
    private readonly callbacks: CallbackClient,
    private readonly connection: () => ConnectionState,
    private readonly log: Logger,
    /** Scan interval in ms; 0 disables the loop (tests then call scan()). */
    private readonly intervalMs = 5_000,
  ) {}

  /** Starts the background loop (no-op when intervalMs is 0). */
  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
    this.timer.unref();
    void this.scan();
  }

  /** Stops the loop and waits for the current scan and pending deliveries. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.scanning?.catch(() => undefined);
    await this.deliveries;
  }

  /**
   * Runs `fn`, an operation hostd performs on domain `name`, without reporting the state
   * changes it causes; afterwards the domain's actual state becomes the new baseline.
   */
  async track<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.bump(name);
    this.busy.set(name, (this.busy.get(name) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const state = await this.driver.domainState(name).catch(() => undefined);
      // Unknown or vanished: forget it; the next scan takes a fresh baseline without reporting.
      if (state === undefined || TRANSITIONAL.has(state)) this.baseline.delete(name);
      else this.baseline.set(name, state);
      const left = (this.busy.get(name) ?? 1) - 1;
      if (left > 0) this.busy.set(name, left);
      else this.busy.delete(name);
      this.bump(name);
    }
  }

  /**
   * One comparison pass; returns the changes it found (and queued for delivery).
   * Concurrent calls share one pass.
   */
  scan(): Promise<VmStateChange[]> {
    this.scanning ??= this.doScan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  /** Resolves when every queued report has been delivered or given up. */
  flush(): Promise<void> {
    return this.deliveries;
  }

  private async doScan(): Promise<VmStateChange[]> {
    const seqBefore = new Map(this.opSeq);
    let domains;
    try {
      domains = await this.driver.listDomains();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "state scan failed");
      return [];
    }
    const now = new Map(domains.map((d) => [d.name, d.state]));
    const changes: VmStateChange[] = [];
    const hostUuid = this.connection().hostUuid ?? "";
    const names = new Set([...this.baseline.keys(), ...now.keys()]);
    for (const name of names) {
      // An operation ran (or is running) during this scan: its result is not spontaneous.
      if (this.busy.has(name) || this.opSeq.get(name) !== seqBefore.get(name)) continue;
      const prev = this.baseline.get(name);
      const current = now.get(name);
      if (current === undefined) {
        this.baseline.delete(name);
        if (prev !== undefined && prev !== "Stopped" && this.initialized) {
          changes.push(this.change(hostUuid, name, prev, "Stopped"));
        }
        continue;
      }
      if (TRANSITIONAL.has(current)) continue;
      this.baseline.set(name, current);
      if (prev !== undefined && prev !== current && this.initialized) {
        changes.push(this.change(hostUuid, name, prev, current));
      }
    }
    this.initialized = true;
    for (const c of changes) this.report(c);
    return changes;
  }

  private change(hostUuid: string, name: string, from: VmState, to: VmState): VmStateChange {
    return { hostUuid, vmInstanceUuid: name, from, to, detectedAt: new Date().toISOString() };
  }

  private report(change: VmStateChange): void {
    this.log.info(change, "vm state changed on its own");
    const base = this.connection().managementNodeCallbackUrl;
    if (!base) return; // not connected yet: nobody to tell; vmsync will catch up
    const url = base.replace(/\/+$/, "") + STATE_CHANGED_PATH;
    this.deliveries = this.deliveries.then(async () => {
      await this.callbacks.post(url, change);
    });
  }

  private bump(name: string): void {
    this.opSeq.set(name, (this.opSeq.get(name) ?? 0) + 1);
  }
}
