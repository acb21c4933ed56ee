/**
 * hostd: the Strata agent on each KVM host. The management node deploys it over SSH, writes
 * the per-host secret file, starts it, and drives it with JSON POSTs (see app.ts and
 * api/*). Run: `tsx hostd/main.ts --secret-file /etc/strata/hostd.secret` or the bundle
 * `node dist/hostd.mjs ...` (scripts/build-hostd.mjs). Flags: config.ts.
 *
 * Importing this module has no side effects; the CLI only runs when it is the entry point.
 */
import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { startHostd } from "./app.ts";
import { ConfigError, parseConfig } from "./config.ts";

export { startHostd, type HostdOptions, type RunningHostd } from "./app.ts";

/** Runs hostd as a process until SIGTERM/SIGINT. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const config = parseConfig(argv, env);
  const log = pino({ level: config.logLevel, base: { service: "hostd" } });
  let secret: string;
  try {
    // Trailing newlines come from `echo secret > file`; they are not part of the secret.
    secret = readFileSync(config.secretFile, "utf8").trim();
  } catch (err) {
    throw new ConfigError(`cannot read secret file ${config.secretFile}: ${(err as Error).message}`);
  }
  if (!secret) throw new ConfigError(`secret file ${config.secretFile} is empty`);

  const hostd = await startHostd({
    port: config.port,
    listen: config.listen,
    secret,
    dataDir: config.dataDir,
    hostUuid: config.hostUuid,
    driver: config.driver,
    libvirtUri: config.libvirtUri,
    migrationUri: config.migrationUri,
    domainType: config.domainType,
    stateIntervalMs: config.stateIntervalMs,
    sim: config.sim,
    deviceRoot: config.deviceRoot,
    logger: log,
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info({ signal }, "shutting down");
      hostd.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), process.env).catch((err: unknown) => {
    const message = err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err);
    process.stderr.write(`hostd: ${message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
