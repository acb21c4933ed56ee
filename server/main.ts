/**
 * Entry point of the management node (`npm start`). Reads configuration from the environment
 * (README "Configuration"), starts the REST API, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { createManagementNode } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";

const config = loadConfig();
const log = createLogger(config.logLevel);
const node = await createManagementNode(config, { log });
const url = await node.listen();
if (node.generatedAdminPassword) {
  // Printed once, on the console only: it is never stored in clear or logged again.
  process.stdout.write(`\n  Strata admin account created. Log in as "admin" with password: ${node.generatedAdminPassword}\n` +
    "  (set STRATA_ADMIN_PASSWORD before the first start to choose it)\n\n");
}
log.info({ url, database: node.services.db.kind, dataDir: config.dataDir }, `Strata management node serving ${url}/v1`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    node.close().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, "shutdown failed");
      process.exit(1);
    });
  });
}
