import { join, resolve } from "node:path";
import { z } from "zod";

/**
 * Management-node configuration, read once from environment variables at start-up.
 * Documented in README.md ("Configuration").
 */
export interface StrataConfig {
  /** TCP port of the REST API (STRATA_PORT, default 8080). */
  port: number;
  /** Listen address (STRATA_LISTEN, default 0.0.0.0). */
  listen: string;
  /** Directory for the embedded database, the node identity and secret keys (STRATA_DATA_DIR, default ./data). */
  dataDir: string;
  /** PostgreSQL connection string (DATABASE_URL); undefined selects the embedded PGlite store under dataDir. */
  databaseUrl: string | undefined;
  /** Initial admin password (STRATA_ADMIN_PASSWORD); generated and printed once when unset. */
  adminPassword: string | undefined;
  /** 64 hex chars (32 bytes) used to encrypt stored secrets (STRATA_SECRET_KEY); defaults to a key file in dataDir. */
  secretKey: string | undefined;
  /** Log level for pino (STRATA_LOG_LEVEL, default info). */
  logLevel: string;
  /**
   * Base URL hosts' agents reach this node at, for their reports (STRATA_CALLBACK_URL, e.g.
   * http://192.0.2.1:8080); default: the URL the node listens on, which suits hosts that can
   * reach that address.
   */
  callbackUrl: string | undefined;
  /**
   * One endpoint for every Alibaba Cloud product (ALIYUN_ENDPOINT_OVERRIDE, e.g.
   * http://127.0.0.1:8090 for `npm run aliyun-emulator`); unset: Alibaba's regional endpoints.
   */
  aliyunEndpointOverride: string | undefined;
  /** Prometheus the node reads metrics from (PROMETHEUS_URL, e.g. http://127.0.0.1:9090); unset: ZWatch metric APIs answer 503. */
  prometheusUrl: string | undefined;
  /** Bearer token GET /metrics requires (STRATA_METRICS_TOKEN); unset: /metrics is open, as Prometheus expects. */
  metricsToken: string | undefined;
  /** File the node keeps Connected hosts' hostd targets in, for Prometheus file_sd (PROMETHEUS_FILE_SD_PATH, default <dataDir>/prometheus/hostd-targets.json). */
  prometheusFileSdPath: string;
  /**
   * Recorded sysfs tree simulator hosts report pass-through devices from
   * (STRATA_SIMULATOR_DEVICE_ROOT, e.g. tests/fixtures/sysfs/gpu-host); unset: no devices.
   */
  simulatorDeviceRoot: string | undefined;
}

const EnvSchema = z.object({
  STRATA_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  STRATA_LISTEN: z.string().min(1).default("0.0.0.0"),
  STRATA_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().url().optional(),
  STRATA_ADMIN_PASSWORD: z.string().min(8, "STRATA_ADMIN_PASSWORD must have at least 8 characters").optional(),
  STRATA_SECRET_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, "STRATA_SECRET_KEY must be 64 hex characters").optional(),
  STRATA_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  STRATA_CALLBACK_URL: z.string().url().optional(),
  ALIYUN_ENDPOINT_OVERRIDE: z.string().url().optional(),
  PROMETHEUS_URL: z.string().url().optional(),
  STRATA_METRICS_TOKEN: z.string().min(16, "STRATA_METRICS_TOKEN must have at least 16 characters").optional(),
  PROMETHEUS_FILE_SD_PATH: z.string().min(1).optional(),
  STRATA_SIMULATOR_DEVICE_ROOT: z.string().min(1).optional(),
});

/**
 * Parses the environment into a {@link StrataConfig}.
 * @throws Error naming each invalid variable and what it must look like.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StrataConfig {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = EnvSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.STRATA_PORT,
    listen: e.STRATA_LISTEN,
    dataDir: resolve(e.STRATA_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    adminPassword: e.STRATA_ADMIN_PASSWORD,
    secretKey: e.STRATA_SECRET_KEY,
    logLevel: e.STRATA_LOG_LEVEL,
    callbackUrl: e.STRATA_CALLBACK_URL?.replace(/\/+$/, ""),
    aliyunEndpointOverride: e.ALIYUN_ENDPOINT_OVERRIDE?.replace(/\/+$/, ""),
    prometheusUrl: e.PROMETHEUS_URL?.replace(/\/+$/, ""),
    metricsToken: e.STRATA_METRICS_TOKEN,
    prometheusFileSdPath: resolve(e.PROMETHEUS_FILE_SD_PATH ?? join(e.STRATA_DATA_DIR, "prometheus", "hostd-targets.json")),
    simulatorDeviceRoot: e.STRATA_SIMULATOR_DEVICE_ROOT ? resolve(e.STRATA_SIMULATOR_DEVICE_ROOT) : undefined,
  };
}
