/**
 * Command-line and environment configuration of the hostd process. Pure: takes argv and env,
 * returns a validated config or throws ConfigError with a message for the operator.
 * Command-line flags win over environment variables.
 *
 * | flag                  | env                     | default                |
 * |-----------------------|-------------------------|------------------------|
 * | --port                | HOSTD_PORT              | 7070                   |
 * | --listen              | HOSTD_LISTEN            | 0.0.0.0                |
 * | --driver virsh|sim    | HOSTD_DRIVER            | virsh                  |
 * | --libvirt-uri         | HOSTD_LIBVIRT_URI, then libvirt's LIBVIRT_DEFAULT_URI | qemu:///system |
 * | --migration-uri       | HOSTD_MIGRATION_URI     | the libvirt URI if it names a host or socket, else none (the node uses qemu+tcp://<managementIp>/system) |
 * | --secret-file         | HOSTD_SECRET_FILE       | (required)             |
 * | --data-dir            | HOSTD_DATA_DIR          | /var/lib/strata-hostd  |
 * | --host-uuid           | HOSTD_HOST_UUID         | (none until connect)   |
 * | --domain-type kvm|qemu|auto | HOSTD_DOMAIN_TYPE | auto                   |
 * | --state-interval-ms   | HOSTD_STATE_INTERVAL_MS | 5000 (0 = off)         |
 * | --log-level           | HOSTD_LOG_LEVEL         | info                   |
 * | --device-root         | HOSTD_DEVICE_ROOT       | / (virsh), none (sim)  |
 * | --sim-cpus            |                         | 32                     |
 * | --sim-memory (bytes)  |                         | 256 GiB                |
 * | --sim-failure-rate    |                         | 0                      |
 * | --sim-min-delay-ms / --sim-max-delay-ms |       | 50 / 300               |
 */
import { parseArgs } from "node:util";
import type { SimDriverOptions } from "./drivers/sim.ts";
import type { DomainType } from "./drivers/types.ts";

/** Invalid or missing configuration. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The process configuration. */
export interface HostdConfig {
  port: number;
  listen: string;
  driver: "virsh" | "sim";
  libvirtUri: string;
  /** libvirt URI other hosts migrate domains to this host through (HypervisorDriver.migrationUri). */
  migrationUri?: string;
  secretFile: string;
  dataDir: string;
  hostUuid?: string;
  domainType: DomainType | "auto";
  /** ms; 0 disables the state loop. */
  stateIntervalMs: number;
  logLevel: string;
  /** Root of the tree pass-through devices are scanned from (see HostdOptions.deviceRoot). */
  deviceRoot?: string;
  sim: SimDriverOptions;
}

/** Parses `argv` (without node and script) and `env` into a HostdConfig. */
export function parseConfig(argv: string[], env: Record<string, string | undefined>): HostdConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: "string" },
        listen: { type: "string" },
        driver: { type: "string" },
        "libvirt-uri": { type: "string" },
        "migration-uri": { type: "string" },
        "secret-file": { type: "string" },
        "data-dir": { type: "string" },
        "host-uuid": { type: "string" },
        "domain-type": { type: "string" },
        "state-interval-ms": { type: "string" },
        "log-level": { type: "string" },
        "device-root": { type: "string" },
        "sim-cpus": { type: "string" },
        "sim-memory": { type: "string" },
        "sim-failure-rate": { type: "string" },
        "sim-min-delay-ms": { type: "string" },
        "sim-max-delay-ms": { type: "string" },
      },
    }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const driver = values.driver ?? env.HOSTD_DRIVER ?? "virsh";
  if (driver !== "virsh" && driver !== "sim") throw new ConfigError(`--driver must be virsh or sim, not ${driver}`);
  const domainType = values["domain-type"] ?? env.HOSTD_DOMAIN_TYPE ?? "auto";
  if (domainType !== "kvm" && domainType !== "qemu" && domainType !== "auto") {
    throw new ConfigError(`--domain-type must be kvm, qemu or auto, not ${domainType}`);
  }
  const secretFile = values["secret-file"] ?? env.HOSTD_SECRET_FILE;
  if (!secretFile) throw new ConfigError("--secret-file (or HOSTD_SECRET_FILE) is required");

  const sim: SimDriverOptions = {};
  if (values["sim-cpus"] !== undefined) sim.cpuNum = int("--sim-cpus", values["sim-cpus"], 1);
  if (values["sim-memory"] !== undefined) sim.totalMemory = int("--sim-memory", values["sim-memory"], 1);
  if (values["sim-failure-rate"] !== undefined) {
    const rate = Number(values["sim-failure-rate"]);
    if (!(rate >= 0 && rate <= 1)) throw new ConfigError("--sim-failure-rate must be between 0 and 1");
    sim.failureRate = rate;
  }
  if (values["sim-min-delay-ms"] !== undefined) sim.minDelayMs = int("--sim-min-delay-ms", values["sim-min-delay-ms"], 0);
  if (values["sim-max-delay-ms"] !== undefined) sim.maxDelayMs = int("--sim-max-delay-ms", values["sim-max-delay-ms"], 0);

  return {
    port: int("--port", values.port ?? env.HOSTD_PORT ?? "7070", 0, 65535),
    listen: values.listen ?? env.HOSTD_LISTEN ?? "0.0.0.0",
    driver,
    // LIBVIRT_DEFAULT_URI is libvirt's own variable: a host whose virsh works without -c works for hostd.
    libvirtUri: values["libvirt-uri"] ?? env.HOSTD_LIBVIRT_URI ?? env.LIBVIRT_DEFAULT_URI ?? "qemu:///system",
    migrationUri: values["migration-uri"] ?? env.HOSTD_MIGRATION_URI,
    secretFile,
    dataDir: values["data-dir"] ?? env.HOSTD_DATA_DIR ?? "/var/lib/strata-hostd",
    hostUuid: values["host-uuid"] ?? env.HOSTD_HOST_UUID,
    domainType,
    stateIntervalMs: int("--state-interval-ms", values["state-interval-ms"] ?? env.HOSTD_STATE_INTERVAL_MS ?? "5000", 0),
    logLevel: values["log-level"] ?? env.HOSTD_LOG_LEVEL ?? "info",
    deviceRoot: values["device-root"] ?? env.HOSTD_DEVICE_ROOT,
    sim,
  };
}

function int(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number, not ${value}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return n;
}
