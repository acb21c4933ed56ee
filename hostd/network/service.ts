/**
 * Network rules on top of a NetworkDriver, the same for real and simulated hosts:
 * - bridge commands are idempotent (creating an existing bridge succeeds; deleting a missing one too);
 * - flat DHCP entries are kept per L3 network and keyed by MAC, so `apply` of the same MAC twice
 *   replaces its entry instead of adding one, and `release` of an unknown MAC succeeds. The entry
 *   lists are saved under `<dataDir>/network/dhcp/<l3 uuid>.json`, so a restarted hostd still
 *   knows what its dnsmasq serves. When an L3's last entry is released its DHCP server stops and
 *   its namespace goes (ZStack FlatDhcpBackend releases the namespace with the last VM as well);
 * - commands on one bridge, or on one L3 network's DHCP server, run one at a time.
 */
import { mkdir, readFile, readdir, rm, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { KeyedMutex } from "../keyed-mutex.ts";
import { LinuxNetworkDriver } from "./linux.ts";
import { SimNetworkDriver } from "./sim.ts";
import type { BridgeInfo, BridgeResult, BridgeSpec, DhcpEntry, DhcpNetworkSpec, DhcpStatus, NetworkDriver } from "./types.ts";

/** The DHCP settings of one L3 as last applied, without the entries. */
type DhcpSettings = Omit<DhcpNetworkSpec, "entries">;

/** What is saved per L3 network. */
interface SavedDhcp {
  settings: DhcpSettings;
  /** MAC → entry. */
  entries: Record<string, DhcpEntry>;
}

/** Network commands of one hostd (see file comment). */
export class NetworkService {
  private readonly locks = new KeyedMutex();
  private readonly stateDir: string;

  constructor(readonly driver: NetworkDriver, dataDir: string, private readonly log: Logger) {
    this.stateDir = join(dataDir, "network", "dhcp");
  }

  /** Creates the bridge of an L2 network if missing (`/network/l2novlan/createbridge`, `/network/l2vlan/createbridge`). */
  createBridge(spec: BridgeSpec): Promise<BridgeResult> {
    return this.locks.run(`bridge:${spec.bridgeName}`, () => this.driver.ensureBridge(spec));
  }

  /** Deletes a bridge (and its VLAN sub-interface) if present (`/network/bridge/delete`). */
  deleteBridge(spec: { bridgeName: string; physicalInterface?: string; vlan?: number }): Promise<{ deleted: boolean }> {
    return this.locks.run(`bridge:${spec.bridgeName}`, () => this.driver.deleteBridge(spec));
  }

  listBridges(): Promise<BridgeInfo[]> {
    return this.driver.listBridges();
  }

  /**
   * Adds or replaces DHCP entries of one L3 network (by MAC) and makes its DHCP server serve
   * exactly the resulting list with `settings` (`/network/flatdhcp/apply`).
   */
  applyDhcp(spec: DhcpNetworkSpec): Promise<DhcpStatus & { entries: DhcpEntry[] }> {
    return this.locks.run(`dhcp:${spec.l3NetworkUuid}`, async () => {
      const saved = (await this.load(spec.l3NetworkUuid)) ?? { settings: spec, entries: {} };
      const { entries: added, ...settings } = spec;
      const entries = { ...saved.entries };
      // One address per NIC: a MAC that moves to another address replaces its old entry, and
      // an address handed to another MAC takes it from the old one.
      for (const e of added) {
        for (const [mac, old] of Object.entries(entries)) if (old.ip === e.ip && mac !== e.mac) delete entries[mac];
        entries[e.mac] = e;
      }
      const list = Object.values(entries);
      const status = await this.driver.applyDhcp({ ...settings, entries: list });
      await this.save(spec.l3NetworkUuid, { settings, entries });
      this.log.info({ l3NetworkUuid: spec.l3NetworkUuid, entries: list.length }, "flat DHCP applied");
      return { ...status, entries: list };
    });
  }

  /**
   * Removes DHCP entries of one L3 network by MAC (`/network/flatdhcp/release`); the last one
   * gone stops its DHCP server. Unknown MACs and unknown L3 networks are not errors.
   */
  releaseDhcp(l3NetworkUuid: string, macs: string[]): Promise<{ remaining: number; running: boolean }> {
    return this.locks.run(`dhcp:${l3NetworkUuid}`, async () => {
      const saved = await this.load(l3NetworkUuid);
      if (!saved) {
        await this.driver.stopDhcp(l3NetworkUuid);
        return { remaining: 0, running: false };
      }
      for (const mac of macs) delete saved.entries[mac];
      const list = Object.values(saved.entries);
      if (list.length === 0) {
        await this.driver.stopDhcp(l3NetworkUuid);
        await rm(this.file(l3NetworkUuid), { force: true });
        return { remaining: 0, running: false };
      }
      await this.driver.applyDhcp({ ...saved.settings, entries: list });
      await this.save(l3NetworkUuid, saved);
      return { remaining: list.length, running: true };
    });
  }

  /** Stops an L3 network's DHCP server whatever its entries (`/network/flatdhcp/delete`). */
  deleteDhcp(l3NetworkUuid: string): Promise<void> {
    return this.locks.run(`dhcp:${l3NetworkUuid}`, async () => {
      await this.driver.stopDhcp(l3NetworkUuid);
      await rm(this.file(l3NetworkUuid), { force: true });
    });
  }

  /** Every L3 network this host serves DHCP for, with its entries and whether its server runs. */
  async listDhcp(): Promise<Array<DhcpStatus & DhcpSettings & { entries: DhcpEntry[] }>> {
    const files = await readdir(this.stateDir).catch(() => [] as string[]);
    const out = [];
    for (const f of files.filter((n) => n.endsWith(".json"))) {
      const l3NetworkUuid = f.slice(0, -".json".length);
      const saved = await this.load(l3NetworkUuid);
      if (!saved) continue;
      out.push({ ...saved.settings, ...(await this.driver.dhcpStatus(l3NetworkUuid)), entries: Object.values(saved.entries) });
    }
    return out;
  }

  private file(l3NetworkUuid: string): string {
    return join(this.stateDir, `${l3NetworkUuid}.json`);
  }

  private async load(l3NetworkUuid: string): Promise<SavedDhcp | undefined> {
    try {
      return JSON.parse(await readFile(this.file(l3NetworkUuid), "utf8")) as SavedDhcp;
    } catch {
      return undefined;
    }
  }

  private async save(l3NetworkUuid: string, s: SavedDhcp): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const tmp = `${this.file(l3NetworkUuid)}.tmp`;
    await writeFile(tmp, JSON.stringify(s), { mode: 0o600 });
    await rename(tmp, this.file(l3NetworkUuid));
  }
}

/**
 * The network service of a hostd: the sim network driver for simulated hosts (hypervisor driver
 * "sim"), iproute2 + dnsmasq otherwise.
 */
export function createNetworkService(hypervisorDriverKind: "virsh" | "sim", dataDir: string, log: Logger): NetworkService {
  const driver = hypervisorDriverKind === "sim" ? new SimNetworkDriver() : new LinuxNetworkDriver({ dataDir, log });
  return new NetworkService(driver, dataDir, log);
}
