/**
 * The monitoring module (issue 7): management-node metrics, the Prometheus file_sd target file,
 * ZWatch (metric catalog and data, metric alarms, event subscriptions) and SNS (topics,
 * endpoints, stored deliveries). app.ts builds it, mounts its routes and starts/stops it.
 */
import type { Express, NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { EventBus } from "../server/events/service.ts";
import type { GlobalConfigService } from "../server/global-configs/service.ts";
import type { Api } from "../server/http/api.ts";
import type { SecretCipher } from "../server/secrets/cipher.ts";
import { EcsMetricsCollector } from "./aliyun/ecs-metrics.ts";
import { NodeMetrics, type AliyunStatsSource } from "./metrics/node-metrics.ts";
import { PrometheusClient } from "./prometheus/client.ts";
import { HostdTargetFile } from "./prometheus/file-sd.ts";
import { DeliverySweep } from "./sns/deliveries.ts";
import { registerSnsRoutes } from "./sns/routes.ts";
import { SnsService } from "./sns/service.ts";
import { AlarmService } from "./zwatch/alarms.ts";
import { AlarmEvaluator } from "./zwatch/evaluator.ts";
import { EventSubscriptionService } from "./zwatch/events.ts";
import { registerZwatchRoutes } from "./zwatch/routes.ts";

/** What the module needs from the node. */
export interface MonitoringDeps {
  prisma: PrismaClient;
  events: EventBus;
  configs: GlobalConfigService;
  cipher: SecretCipher;
  log: Logger;
  aliyun?: AliyunStatsSource;
  /** The Alibaba connector's key holder (AliyunRemote), for CloudMonitor calls. */
  aliyunRemote?: { forDataCenter(dc: { keyUuid: string | null; accountUuid: string }): Promise<{ credentials: { accessKeyId: string; accessKeySecret: string } }> };
}

/** Settings from StrataConfig. */
export interface MonitoringOptions {
  prometheusUrl: string | undefined;
  metricsToken: string | undefined;
  fileSdPath: string;
  /** ALIYUN_ENDPOINT_OVERRIDE: CloudMonitor calls go there (the emulator) instead of metrics.<region>.aliyuncs.com. */
  aliyunEndpointOverride?: string;
}

/** The built module. */
export interface MonitoringModule {
  metrics: NodeMetrics;
  prometheus: PrometheusClient;
  targets: HostdTargetFile;
  sns: SnsService;
  deliveries: DeliverySweep;
  alarms: AlarmService;
  evaluator: AlarmEvaluator;
  eventSubscriptions: EventSubscriptionService;
  /** ECS metrics from CloudMonitor (absent without the Alibaba connector). */
  ecsMetrics?: EcsMetricsCollector;
  /** Mounts the API-metrics middleware and GET /metrics; call before authentication. */
  mountMetrics(app: Express): void;
  registerRoutes(api: Api): void;
  start(opts?: { noEvaluator?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the monitoring module. */
export function createMonitoringModule(d: MonitoringDeps, o: MonitoringOptions): MonitoringModule {
  const metrics = new NodeMetrics(d.prisma);
  if (d.aliyun) metrics.watchAliyun(d.aliyun);
  const prometheus = new PrometheusClient(o.prometheusUrl);
  const targets = new HostdTargetFile(d.prisma, d.events, d.log, o.fileSdPath);
  const sns = new SnsService(d.prisma, d.configs, d.cipher);
  const deliveries = new DeliverySweep(d.prisma, sns, d.configs, d.log, metrics);
  sns.sweep = deliveries;
  const alarms = new AlarmService(d.prisma, sns, prometheus, d.configs);
  const evaluator = new AlarmEvaluator(d.prisma, prometheus, sns, d.configs, d.log, metrics);
  const eventSubscriptions = new EventSubscriptionService(d.prisma, d.events, sns, d.configs, d.log);
  const remote = d.aliyunRemote;
  const ecsMetrics = remote && new EcsMetricsCollector(d.prisma, {
    credentials: async (dc) => (await remote.forDataCenter(dc)).credentials,
    endpoint: (regionId) => o.aliyunEndpointOverride ?? `https://metrics.${regionId}.aliyuncs.com`,
  }, d.configs, d.log, metrics);
  return {
    metrics, prometheus, targets, sns, deliveries, alarms, evaluator, eventSubscriptions, ecsMetrics,
    mountMetrics(app) {
      app.use(metrics.middleware());
      // Open by default, as Prometheus scrapes; STRATA_METRICS_TOKEN requires `Authorization: Bearer <token>`
      // (prometheus.yml: authorization.credentials_file).
      app.get("/metrics", async (req: Request, res: Response, next: NextFunction) => {
        if (o.metricsToken && req.header("authorization") !== `Bearer ${o.metricsToken}`) {
          res.status(401).setHeader("WWW-Authenticate", "Bearer").type("text/plain").send("bearer token required\n");
          return;
        }
        try {
          res.type(metrics.contentType).send(await metrics.render());
        } catch (err) {
          next(err);
        }
      });
    },
    registerRoutes(api) {
      registerZwatchRoutes(api, alarms, eventSubscriptions);
      registerSnsRoutes(api, sns);
    },
    async start(opts = {}) {
      await targets.start();
      await deliveries.start();
      await eventSubscriptions.start();
      if (!opts.noEvaluator) evaluator.start();
      ecsMetrics?.start();
    },
    async stop() {
      await ecsMetrics?.stop();
      await evaluator.stop();
      await eventSubscriptions.stop();
      await deliveries.stop();
      await targets.stop();
    },
  };
}
