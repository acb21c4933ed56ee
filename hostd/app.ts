/**
 * Wires one hostd instance together and serves it over HTTP.
 *
 * `startHostd` is what main.ts calls for the real agent and what tests (and the management
 * node's load tests) call to run any number of agents in one process — each instance has its
 * own driver, registry, timers and data dir, nothing global.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir } from "node:fs/promises";
import express from "express";
import { pino, type Logger } from "pino";
import { deviceRoutes } from "./api/device/routes.ts";
import { hostRoutes } from "./api/host/routes.ts";
import { imageRoutes } from "./api/image/routes.ts";
import { networkRoutes } from "./api/network/routes.ts";
import { simRoutes } from "./api/sim/routes.ts";
import { snapshotRoutes } from "./api/snapshot/routes.ts";
import { storageRoutes } from "./api/storage/routes.ts";
import { vmRoutes } from "./api/vm/routes.ts";
import { requireSecret } from "./auth.ts";
import { CallbackClient, type CallbackRetryOptions } from "./callback-client.ts";
import type { HostPaths } from "./drivers/host-probe.ts";
import { SimDriver, type SimDriverOptions } from "./drivers/sim.ts";
import type { DomainType, HypervisorDriver } from "./drivers/types.ts";
import { VirshDriver } from "./drivers/virsh.ts";
import { SimHostdevHotplug, VirshHostdevHotplug } from "./devices/hotplug.ts";
import { DeviceService } from "./devices/service.ts";
import { errorMiddleware, HostdError } from "./errors.ts";
import { HostStore } from "./host-store.ts";
import { HostdMetrics } from "./metrics.ts";
import { createNetworkService } from "./network/service.ts";
import { HostService } from "./services/host-service.ts";
import { VmService } from "./services/vm-service.ts";
import { VmStateReporter } from "./state-reporter.ts";
import { TaskRunner } from "./tasks.ts";

/** Options of one hostd instance. */
export interface HostdOptions {
  /** TCP port; default 7070; 0 picks a free one (see RunningHostd.url). */
  port?: number;
  /** Listen address; default 0.0.0.0. */
  listen?: string;
  /** Shared secret the management node sends as `Authorization: Bearer <secret>`. */
  secret: string;
  /** Directory for persistent state, domain XML copies and console logs. Created if missing. */
  dataDir: string;
  /** Host uuid to assume before the first /host/connect. */
  hostUuid?: string;
  /** "virsh" (default), "sim", or a ready driver instance. */
  driver?: "virsh" | "sim" | HypervisorDriver;
  /** libvirt URI for the virsh driver; default qemu:///system. */
  libvirtUri?: string;
  /** URI other hosts' libvirtd reach this host's at, for live migration (virsh driver only). */
  migrationUri?: string;
  /** Domain type override; default "auto" (see domain-type.ts). */
  domainType?: DomainType | "auto";
  /** Sim driver settings (driver "sim" only). */
  sim?: SimDriverOptions;
  /** Host file locations for the virsh driver (tests point them at fixtures). */
  paths?: Partial<HostPaths>;
  /**
   * Root of the sysfs/procfs tree pass-through devices are scanned from (devices/sysfs.ts):
   * default "/" for the virsh driver, none (no devices) for the sim driver; tests and
   * simulated hosts give a recorded tree such as tests/fixtures/sysfs/gpu-host.
   */
  deviceRoot?: string;
  /** VM state scan interval in ms; default 5000; 0 disables the background loop. */
  stateIntervalMs?: number;
  /** Retry/timeout settings for callbacks to the management node. */
  callbacks?: CallbackRetryOptions;
  /** How long finished taskUuids are remembered for dedupe, in ms; default 10 min. */
  taskRetentionMs?: number;
  /** Logger; default a pino logger at `logLevel` writing JSON to stdout. */
  logger?: Logger;
  /** Log level when no logger is given; default "info". */
  logLevel?: string;
}

/** A started hostd instance. */
export interface RunningHostd {
  /** Base URL to reach it, e.g. http://127.0.0.1:7070 (0.0.0.0 is shown as 127.0.0.1). */
  url: string;
  port: number;
  driver: HypervisorDriver;
  reporter: VmStateReporter;
  tasks: TaskRunner;
  /** Stops listening, stops the state loop, waits (up to 10 s) for running tasks, closes the driver. */
  close(): Promise<void>;
}

/** Starts a hostd instance and resolves once it listens. */
export async function startHostd(options: HostdOptions): Promise<RunningHostd> {
  const log = options.logger ?? pino({ level: options.logLevel ?? "info", base: { service: "hostd" } });
  await mkdir(options.dataDir, { recursive: true });

  const driver = makeDriver(options);
  const store = new HostStore(options.dataDir);
  await store.load(options.hostUuid);
  const callbacks = new CallbackClient(options.secret, log, options.callbacks);
  const tasks = new TaskRunner(callbacks, log, options.taskRetentionMs);
  const hosts = new HostService(driver, store, log);
  const reporter = new VmStateReporter(driver, callbacks, () => store.get(), log, options.stateIntervalMs ?? 5_000);
  const vms = new VmService(driver, reporter, () => hosts.domainType(), options.dataDir, log);
  const network = createNetworkService(driver.kind, options.dataDir, log);
  const metrics = new HostdMetrics(driver, () => store.get().hostUuid, log);
  const devices = new DeviceService(driver,
    driver instanceof SimDriver ? new SimHostdevHotplug(driver) : new VirshHostdevHotplug(options.libvirtUri),
    { root: options.deviceRoot ?? (driver.kind === "virsh" ? "/" : undefined) }, log);

  const app = express();
  app.disable("x-powered-by");
  app.use((req, res, next) => {
    const started = Date.now();
    res.on("finish", () => log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - started }, "request"));
    next();
  });
  // /metrics is the one unauthenticated path: Prometheus scrapes without credentials. It shows
  // only counters (no secrets, no command surface); restrict who can reach it by binding
  // --listen to the management network and firewalling the port, as for node_exporter.
  app.get("/metrics", async (_req, res) => {
    const body = await metrics.render();
    res.type(metrics.contentType).send(body);
  });
  // Authenticate before parsing bodies, so unauthenticated callers cannot make us parse 1 MB.
  app.use(requireSecret(options.secret));
  app.use(express.json({ limit: "1mb", type: () => true }));
  app.use(hostRoutes(hosts));
  app.use(vmRoutes(vms, tasks));
  app.use(deviceRoutes(devices, tasks));
  app.use(imageRoutes(driver, log));
  app.use(networkRoutes(network));
  app.use(storageRoutes(driver));
  app.use(snapshotRoutes(driver, undefined, options.libvirtUri));
  if (driver instanceof SimDriver) app.use(simRoutes(driver));
  app.use((req, _res, next) => next(new HostdError("NOT_FOUND", `unknown command ${req.method} ${req.path}`)));
  app.use(errorMiddleware(log));

  const server = createServer(app);
  const listen = options.listen ?? "0.0.0.0";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 7070, listen, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  reporter.start();
  const url = `http://${displayHost(listen)}:${port}`;
  log.info({ url, driver: driver.kind, dataDir: options.dataDir, hostUuid: store.get().hostUuid }, "hostd listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    driver,
    reporter,
    tasks,
    close: () => (closing ??= shutdown(server, reporter, tasks, driver, log)),
  };
}

function makeDriver(options: HostdOptions): HypervisorDriver {
  const d = options.driver ?? "virsh";
  if (typeof d !== "string") return d;
  if (d === "sim") {
    const domainType = options.domainType === "auto" ? undefined : options.domainType;
    return new SimDriver({ domainType, ...options.sim });
  }
  return new VirshDriver({
    uri: options.libvirtUri,
    migrationUri: options.migrationUri,
    dataDir: options.dataDir,
    domainType: options.domainType,
    paths: options.paths,
  });
}

function displayHost(listen: string): string {
  if (listen === "0.0.0.0") return "127.0.0.1";
  if (listen === "::") return "[::1]";
  return listen.includes(":") ? `[${listen}]` : listen;
}

async function shutdown(server: Server, reporter: VmStateReporter, tasks: TaskRunner, driver: HypervisorDriver, log: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await reporter.stop();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
  await Promise.race([tasks.drain(), timeout]);
  server.closeAllConnections();
  await closed;
  await driver.close();
  log.info("hostd stopped");
}
