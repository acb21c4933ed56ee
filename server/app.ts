import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import express, { type Express } from "express";
import { pinoHttp } from "pino-http";
import { registerAccessKeyRoutes } from "./access-keys/routes.ts";
import { AccessKeyService } from "./access-keys/service.ts";
import { registerAccountRoutes } from "./accounts/routes.ts";
import { AccountService } from "./accounts/service.ts";
import { auditRecorder } from "./audits/recorder.ts";
import { registerAuditRoutes } from "./audits/routes.ts";
import { scheduleAuditPruning } from "./audits/retention.ts";
import { authenticate } from "./auth/middleware.ts";
import { registerClusterRoutes } from "./clusters/routes.ts";
import { ClusterService } from "./clusters/service.ts";
import type { StrataConfig } from "./config.ts";
import { openDatabase, type Database } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { Errors } from "./errors/catalogue.ts";
import { errorHandler } from "./errors/middleware.ts";
import { registerEventRoutes } from "./events/routes.ts";
import { EventBus } from "./events/service.ts";
import { registerGlobalConfigRoutes } from "./global-configs/routes.ts";
import { GlobalConfigService } from "./global-configs/service.ts";
import { Api, type ApiLocals } from "./http/api.ts";
import { buildOpenApiDocument } from "./http/openapi.ts";
import { registerJobRoutes } from "./jobs/routes.ts";
import { JobService, type JobType } from "./jobs/service.ts";
import { createLogger, type Logger } from "./logger.ts";
import { loadNodeUuid } from "./node-identity.ts";
import { registerQuotaRoutes } from "./quotas/routes.ts";
import { QuotaService } from "./quotas/service.ts";
import { ResourceRegistry } from "./resources/registry.ts";
import { SecretCipher } from "./secrets/cipher.ts";
import { registerTagRoutes } from "./tags/routes.ts";
import { TagService } from "./tags/service.ts";
import { registerZoneRoutes } from "./zones/routes.ts";
import { SimulatorAgentInstaller, SshAgentInstaller } from "./hosts/agents.ts";
import { HostDeployer } from "./hosts/deployer.ts";
import { registerHostRoutes } from "./hosts/routes.ts";
import { registerL2NetworkRoutes } from "./l2-networks/routes.ts";
import { L2NetworkService } from "./l2-networks/service.ts";
import { generateMac, IpamService } from "./l3-networks/ipam.ts";
import { registerL3NetworkRoutes } from "./l3-networks/routes.ts";
import { L3NetworkService } from "./l3-networks/service.ts";
import { FlatNetworkService } from "./network-services/flat.ts";
import { registerNetworkServiceRoutes } from "./network-services/routes.ts";
import { NetworkServiceService } from "./network-services/service.ts";
import { HostService } from "./hosts/service.ts";
import { HostTracker } from "./hosts/tracker.ts";
import { registerHostdCallbacks } from "./hosts/hostd-callbacks.ts";
import { ZoneService } from "./zones/service.ts";
import { createPassthroughModule } from "./passthrough/module.ts";
import { SharingService } from "./sharing/service.ts";
import { registerOfferingRoutes } from "./offerings/routes.ts";
import { OfferingService } from "./offerings/service.ts";
import { registerBackupStorageRoutes, registerImageStoreServing } from "./backup-storage/routes.ts";
import { BackupStorageService } from "./backup-storage/service.ts";
import { registerImageRoutes, registerImageTemplateRoutes } from "./images/routes.ts";
import { ImageService } from "./images/service.ts";
import { registerPrimaryStorageRoutes } from "./primary-storage/routes.ts";
import { PrimaryStorageService } from "./primary-storage/service.ts";
import { registerVolumeRoutes } from "./volumes/routes.ts";
import { HostAllocator } from "./vm-instances/allocator.ts";
import { registerVmExtraRoutes } from "./vm-instances/extra-routes.ts";
import { registerVmInstanceRoutes } from "./vm-instances/routes.ts";
import { VmInstanceService } from "./vm-instances/service.ts";
import { VolumeService } from "./volumes/service.ts";
import { BackupStorageImageFetcher } from "./volumes/image-fetcher.ts";
import { ImageStoreService } from "./backup-storage/image-store.ts";
import { registerVolumeSnapshotRoutes } from "./volume-snapshots/routes.ts";
import { VolumeSnapshotService } from "./volume-snapshots/service.ts";
import { ImageTemplateService } from "./images/templates.ts";
import { createAliyunModule, type AliyunModule } from "../connectors/aliyun/module.ts";
import type { RetryPolicy } from "../connectors/aliyun/client/rpc-client.ts";
import { createMonitoringModule, type MonitoringModule } from "../monitoring/module.ts";

/** Where `prisma/migrations` is, relative to this file. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
const VERSION = "0.1.0";

/** The services of a management node, for routes, jobs and tests. */
export interface Services {
  vmInstances: VmInstanceService;
  db: Database;
  log: Logger;
  configs: GlobalConfigService;
  events: EventBus;
  resources: ResourceRegistry;
  tags: TagService;
  accounts: AccountService;
  accessKeys: AccessKeyService;
  quotas: QuotaService;
  jobs: JobService;
  zones: ZoneService;
  clusters: ClusterService;
  hosts: HostService;
  hostTracker: HostTracker;
  simulators: SimulatorAgentInstaller;
  l2Networks: L2NetworkService;
  l3Networks: L3NetworkService;
  ipam: IpamService;
  networkServices: NetworkServiceService;
  flatNetwork: FlatNetworkService;
  sharing: SharingService;
  offerings: OfferingService;
  backupStorages: BackupStorageService;
  imageStore: ImageStoreService;
  images: ImageService;
  primaryStorage: PrimaryStorageService;
  volumes: VolumeService;
  volumeSnapshots: VolumeSnapshotService;
  imageTemplates: ImageTemplateService;
  /** The Alibaba Cloud connector (connectors/aliyun). */
  aliyun: AliyunModule;
  /** Metrics, Prometheus targets, ZWatch and SNS (monitoring/). */
  monitoring: MonitoringModule;
}

/** A started management node. */
export interface ManagementNode {
  services: Services;
  app: Express;
  api: Api;
  /** Base URL once {@link ManagementNode.listen} resolved, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Admin password generated at first start (undefined when configured or not first start). */
  generatedAdminPassword: string | undefined;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds a management node: opens the database (PostgreSQL or embedded), applies migrations,
 * loads global configs, bootstraps the admin account, recovers interrupted jobs, and mounts
 * the REST API under /v1. Call `listen()` to accept connections.
 */
export async function createManagementNode(config: StrataConfig, opts: {
  log?: Logger;
  /** Job heartbeat and sweep interval, ms (default 10 s). */
  heartbeatMs?: number;
  /** Job types registered before interrupted jobs are recovered (product modules, tests). */
  jobTypes?: JobType<never>[];
  /** Do not start the host ping loop (tests that drive rounds themselves). */
  noHostTracker?: boolean;
  /** Retry policy of Alibaba Cloud calls (tests shorten the backoff). */
  aliyunRetry?: Partial<RetryPolicy>;
} = {}): Promise<ManagementNode> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const prisma = db.prisma;
  try {
    await migrate(db, MIGRATIONS_DIR, log);
    const configs = new GlobalConfigService(prisma);
    await configs.init();
    const events = new EventBus();
    const resources = new ResourceRegistry(prisma);
    const tags = new TagService(prisma, resources);
    const accounts = new AccountService(prisma, configs, events);
    const cipher = SecretCipher.load(config.dataDir, config.secretKey);
    const accessKeys = new AccessKeyService(prisma, cipher);
    const quotas = new QuotaService(prisma, configs);
    const jobs = new JobService(prisma, configs, log, loadNodeUuid(config.dataDir));
    const zones = new ZoneService(prisma, events, tags);
    const clusters = new ClusterService(prisma, events, tags);
    const simulators = new SimulatorAgentInstaller(config.dataDir, log);
    simulators.defaultDeviceRoot = config.simulatorDeviceRoot;
    const hosts = new HostService(prisma, events, tags, jobs, configs, cipher, {
      KVM: new SshAgentInstaller(new HostDeployer({ log })), Simulator: simulators,
    });
    const hostTracker = new HostTracker(prisma, hosts, configs, log);
    const sharing = new SharingService(prisma);
    const offerings = new OfferingService(prisma, events, tags, sharing);
    const backupStorages = new BackupStorageService(prisma, events, tags, log);
    const imageStore = new ImageStoreService(prisma, config.dataDir);
    const images = new ImageService(prisma, events, tags, jobs, quotas, sharing, log);
    const primaryStorage = new PrimaryStorageService(prisma, events, tags, jobs, configs, hosts, log);
    hosts.connectHooks.push((hostUuid) => primaryStorage.prepareHost(hostUuid));
    const volumes = new VolumeService(prisma, events, tags, jobs, hosts, primaryStorage,
      new BackupStorageImageFetcher(prisma, imageStore), quotas);
    const volumeSnapshots = new VolumeSnapshotService(prisma, events, tags, jobs, hosts, volumes, primaryStorage);
    const imageTemplates = new ImageTemplateService(prisma, events, tags, jobs, quotas, hosts, volumes, images, imageStore);
    const l2Networks = new L2NetworkService(prisma, events, tags, jobs, hosts, log);
    hosts.connectHooks.push((hostUuid) => l2Networks.prepareHost(hostUuid));
    const ipam = new IpamService(prisma);
    const l3Networks = new L3NetworkService(prisma, events, tags, ipam);
    const networkServices = new NetworkServiceService(prisma, l3Networks);
    await networkServices.init();
    const flatNetwork = new FlatNetworkService(prisma, hosts, l2Networks, ipam, networkServices);
    const vmInstances = new VmInstanceService(prisma, events, tags, jobs, configs, quotas, hosts, new HostAllocator(prisma, configs), {
      offerings,
      images: { getImageForVm: async (caller, uuid) => (await images.getImageForVm(caller, uuid)).image },
      ipam, generateMac, flat: flatNetwork, volumes,
    });
    const aliyun = createAliyunModule({ prisma, events, tags, jobs, configs, quotas, log, vmInstances, images, imageStore, primaryStorage }, cipher,
      { endpointOverride: config.aliyunEndpointOverride, retry: opts.aliyunRetry });
    const passthrough = createPassthroughModule({ prisma, events, jobs, hosts, vmInstances, sharing, tags, resources, log });
    const monitoring = createMonitoringModule({
      prisma, events, configs, cipher, log,
      aliyun: { syncStats: () => aliyun.context.sync.stats, callStats: () => aliyun.context.remote.stats() }, aliyunRemote: aliyun.context.remote,
    }, {
      prometheusUrl: config.prometheusUrl, metricsToken: config.metricsToken, fileSdPath: config.prometheusFileSdPath,
      aliyunEndpointOverride: config.aliyunEndpointOverride,
    });
    const services: Services = {
      vmInstances, aliyun, monitoring,
      l2Networks, l3Networks, ipam, networkServices, flatNetwork,
      db, log, configs, events, resources, tags, accounts, accessKeys, quotas, jobs, zones, clusters, hosts, hostTracker, simulators,
      sharing, offerings, backupStorages, imageStore, images,
      primaryStorage, volumes, volumeSnapshots, imageTemplates,
    };

    const generatedAdminPassword = await accounts.bootstrapAdmin(config.adminPassword);

    const api = new Api();
    api.timeZone = () => configs.get("system", "timezone");
    registerQuotaRoutes(api, quotas); // before accounts: /accounts/quotas is not an account uuid
    registerAccountRoutes(api, accounts);
    registerAccessKeyRoutes(api, accessKeys);
    registerGlobalConfigRoutes(api, prisma, configs);
    registerZoneRoutes(api, zones);
    registerClusterRoutes(api, clusters);
    registerHostRoutes(api, hosts);
    registerL2NetworkRoutes(api, l2Networks);
    registerL3NetworkRoutes(api, l3Networks);
    registerNetworkServiceRoutes(api, networkServices);
    registerOfferingRoutes(api, offerings);
    registerBackupStorageRoutes(api, backupStorages);
    registerImageRoutes(api, images);
    registerImageTemplateRoutes(api, imageTemplates);
    // Before primary storage: ZStack's GET /primary-storage/nas (QueryNasFileSystem, Alibaba connector) must win over GET /primary-storage/{uuid}.
    aliyun.registerRoutes(api);
    registerPrimaryStorageRoutes(api, primaryStorage);
    registerVolumeRoutes(api, volumes);
    registerVolumeSnapshotRoutes(api, volumeSnapshots);
    registerVmInstanceRoutes(api, vmInstances);
    registerVmExtraRoutes(api, services, cipher);
    registerTagRoutes(api, prisma, tags);
    registerEventRoutes(api, prisma);
    registerAuditRoutes(api, prisma);
    registerJobRoutes(api, jobs);
    monitoring.registerRoutes(api);
    passthrough.registerRoutes(api);
    const openapi = buildOpenApiDocument(api, VERSION);

    const app = express();
    app.disable("x-powered-by");
    app.set("trust proxy", "loopback");
    app.set("query parser", "simple"); // repeated q= become arrays; no nested objects
    app.use((req, res, next) => {
      const requestId = req.header("x-request-id")?.slice(0, 64) || randomUUID();
      (res.locals as ApiLocals).requestId = requestId;
      res.setHeader("X-Request-Id", requestId);
      next();
    });
    app.use(pinoHttp({ logger: log, genReqId: (_req, res) => (res as unknown as { locals: ApiLocals }).locals.requestId, quietReqLogger: true }));
    app.use(express.json({ limit: "1mb" }));
    monitoring.mountMetrics(app); // before authenticate: Prometheus scrapes without a session
    app.get("/v1/openapi.json", (_req, res) => void res.json(openapi));
    app.get("/health", (_req, res) => void res.json({ status: "ok", database: db.kind }));
    registerImageStoreServing(app, imageStore); // before authenticate: its bearer token is not a session
    registerHostdCallbacks(app, prisma, cipher, (hostUuid, vmUuid, to) => vmInstances.onHypervisorReport(hostUuid, vmUuid, to));
    app.use(authenticate(accounts, accessKeys));
    app.use(auditRecorder(prisma, log));
    app.use("/v1", api.router);
    app.use((req) => {
      throw Errors.noSuchApi(req.method, req.path);
    });
    app.use(errorHandler(log));

    for (const type of opts.jobTypes ?? []) jobs.register(type);
    // Simulated agents first: jobs interrupted by the last stop may need them to clean up.
    await hosts.readoptSimulators();
    await jobs.start(opts.heartbeatMs);
    const stopAuditPruning = scheduleAuditPruning(prisma, configs, log);
    const expungeTimer = setInterval(() => void vmInstances.expungeExpired().catch((err: unknown) => log.warn({ err }, "VM expunge sweep failed")),
      configs.getNumber("vm", "expungeInterval") * 1000);
    expungeTimer.unref();
    if (!opts.noHostTracker) hostTracker.start();
    aliyun.start();
    await monitoring.start();

    let server: Server | undefined;
    const node: ManagementNode = {
      services, app, api, url: "", generatedAdminPassword,
      listen: () => new Promise((resolve, reject) => {
        server = app.listen(config.port, config.listen, () => {
          const addr = server!.address();
          const port = typeof addr === "object" && addr ? addr.port : config.port;
          const host = config.listen === "0.0.0.0" ? "127.0.0.1" : config.listen;
          node.url = `http://${host}:${port}`;
          hosts.callbackBaseUrl = () => config.callbackUrl ?? node.url;
          resolve(node.url);
        });
        server.once("error", reject);
      }),
      async close() {
        if (server) await new Promise((r) => server!.close(() => r(undefined)));
        await hostTracker.stop();
        await aliyun.stop();
        await monitoring.stop();
        await jobs.stop();
        await simulators.stopAll();
        stopAuditPruning();
        clearInterval(expungeTimer);
        configs.stop();
        await db.close();
      },
    };
    return node;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
