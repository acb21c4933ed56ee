import type { PrismaClient } from "../../generated/prisma/client.ts";
import { Errors } from "../errors/catalogue.ts";
import { GLOBAL_CONFIG_DEFINITIONS, type GlobalConfigDefinition } from "./definitions.ts";

/** ZStack GlobalConfigInventory. */
export interface GlobalConfigInventory {
  category: string;
  name: string;
  value: string;
  defaultValue: string;
  type: string;
  description: string | null;
  createDate: Date;
  lastOpDate: Date;
}

type Listener = (value: string) => void;

/**
 * Global configs: definitions in code, current values in the database, read from an
 * in-memory cache so hot paths (session checks, ping loops) cost nothing. An update takes
 * effect at once on this node (listeners are called) and within `refreshIntervalMs` on
 * other nodes sharing the database.
 */
export class GlobalConfigService {
  private readonly defs = new Map<string, GlobalConfigDefinition>();
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, Listener[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly prisma: PrismaClient, definitions = GLOBAL_CONFIG_DEFINITIONS) {
    for (const d of definitions) this.defs.set(key(d.category, d.name), d);
  }

  /** Inserts missing configs with their defaults and loads every value. */
  async init(refreshIntervalMs = 10_000): Promise<void> {
    await this.prisma.globalConfig.createMany({
      data: [...this.defs.values()].map((d) => ({
        category: d.category, name: d.name, value: d.defaultValue, defaultValue: d.defaultValue,
        type: d.type, description: d.description,
      })),
      skipDuplicates: true,
    });
    // A definition's default or description may change between releases.
    for (const d of this.defs.values()) {
      await this.prisma.globalConfig.updateMany({
        where: { category: d.category, name: d.name, OR: [{ defaultValue: { not: d.defaultValue } }, { description: { not: d.description } }] },
        data: { defaultValue: d.defaultValue, description: d.description, type: d.type },
      });
    }
    await this.refresh();
    if (refreshIntervalMs > 0) {
      this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshIntervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    const rows = await this.prisma.globalConfig.findMany({ select: { category: true, name: true, value: true } });
    for (const r of rows) this.set(key(r.category, r.name), r.value);
  }

  private set(k: string, value: string): void {
    const old = this.values.get(k);
    this.values.set(k, value);
    if (old !== undefined && old !== value) for (const l of this.listeners.get(k) ?? []) l(value);
  }

  /** The current value as a string. @throws Error for an undefined config (a programming error). */
  get(category: string, name: string): string {
    const v = this.values.get(key(category, name)) ?? this.defs.get(key(category, name))?.defaultValue;
    if (v === undefined) throw new Error(`global config ${category}/${name} is not defined`);
    return v;
  }

  /** The current value of an Integer config. */
  getNumber(category: string, name: string): number {
    return Number(this.get(category, name));
  }

  /** The current value of a Long config. */
  getBigInt(category: string, name: string): bigint {
    return BigInt(this.get(category, name));
  }

  /** Calls `fn` with the new value whenever the config changes. */
  onChange(category: string, name: string, fn: Listener): void {
    const k = key(category, name);
    this.listeners.set(k, [...(this.listeners.get(k) ?? []), fn]);
  }

  /** The definition of a config. @throws ApiError SYS.1003 when there is none. */
  definition(category: string, name: string): GlobalConfigDefinition {
    const d = this.defs.get(key(category, name));
    if (!d) throw Errors.resourceNotFound("GlobalConfig", `${category}/${name}`);
    return d;
  }

  /**
   * Changes a config (ZStack APIUpdateGlobalConfigMsg).
   * @throws ApiError SYS.1003 for an unknown config, SYS.1007 for a value its validator refuses.
   */
  async update(category: string, name: string, value: string): Promise<GlobalConfigInventory> {
    const d = this.definition(category, name);
    const r = d.validator.safeParse(value);
    if (!r.success) {
      throw Errors.invalidArgument(`Invalid value for global config ${category}/${name} (type ${d.type})`,
        `${JSON.stringify(value)}: ${r.error.issues.map((i) => i.message).join("; ")}`);
    }
    const normalised = String(r.data);
    const row = await this.prisma.globalConfig.update({ where: { category_name: { category, name } }, data: { value: normalised } });
    this.set(key(category, name), normalised);
    return row;
  }
}

function key(category: string, name: string): string {
  return `${category}/${name}`;
}
