import { pino } from "pino";
import { EmulatorAccessKeys } from "./core/access-keys.ts";
import { FaultInjector } from "./faults.ts";
import { startEmulator } from "./server.ts";

/*
 * `npm run aliyun-emulator`: the Alibaba Cloud API emulator as a process.
 * Environment:
 * - ALIYUN_EMULATOR_PORT (default 8090), ALIYUN_EMULATOR_HOST (default 127.0.0.1);
 * - ALIYUN_EMULATOR_ACCESS_KEYS=id:secret[:accountId][,...] — without it one key is generated
 *   and printed, so a first run works out of the box;
 * - ALIYUN_EMULATOR_DATA_DIR (default ./data/aliyun-emulator) — state.json and OSS bodies;
 * - ALIYUN_EMULATOR_FAULTS — JSON FaultConfig (see faults.ts);
 * - ALIYUN_EMULATOR_TRANSITION_MS — duration of simulated status moves (default 2000);
 * - ALIYUN_EMULATOR_LOG_LEVEL (default info).
 * The state is written on SIGINT/SIGTERM before exiting.
 */

const log = pino({ name: "aliyun-emulator", level: process.env.ALIYUN_EMULATOR_LOG_LEVEL ?? "info" });

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

async function main(): Promise<void> {
  const keys = EmulatorAccessKeys.parse(process.env.ALIYUN_EMULATOR_ACCESS_KEYS);
  if (keys.all().length === 0) {
    const key = keys.generate();
    // Printed on purpose: this is a local emulator's throwaway key, and the user needs it to connect.
    console.log(`AccessKeyId=${key.accessKeyId}`);
    console.log(`AccessKeySecret=${key.accessKeySecret}`);
    console.log(`AccountId=${key.accountId}`);
  }
  const faults = FaultInjector.fromEnv(process.env.ALIYUN_EMULATOR_FAULTS).config();
  const emulator = await startEmulator({
    port: envInt("ALIYUN_EMULATOR_PORT", 8090),
    host: process.env.ALIYUN_EMULATOR_HOST || "127.0.0.1",
    dataDir: process.env.ALIYUN_EMULATOR_DATA_DIR || "./data/aliyun-emulator",
    accessKeys: keys,
    faults,
    transitionMs: process.env.ALIYUN_EMULATOR_TRANSITION_MS ? envInt("ALIYUN_EMULATOR_TRANSITION_MS", 2000) : undefined,
    onInternalError: (err, where) => log.error({ err, where }, "emulator bug: request failed with InternalError"),
  });
  log.info({ url: emulator.url, accessKeyIds: keys.all().map((k) => k.accessKeyId), products: emulator.registry.products().map((p) => `${p.product} ${p.version}`) }, "Alibaba Cloud emulator listening");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping; writing state");
    emulator.close().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, "could not stop cleanly");
      process.exit(1);
    });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  log.fatal({ err }, "emulator failed to start");
  process.exit(1);
});
