import type { Api } from "../../server/http/api.ts";
import type { SecretCipher } from "../../server/secrets/cipher.ts";
import type { AliyunContext } from "./context.ts";
import { registerDataCenterRoutes } from "./data-centers/routes.ts";
import { DataCenterService } from "./data-centers/service.ts";
import { createEcsPart } from "./ecs/part.ts";
import { createExpressConnectPart } from "./express-connect/part.ts";
import { registerIdentityZoneRoutes } from "./identity-zones/routes.ts";
import { IdentityZoneService } from "./identity-zones/service.ts";
import { registerAliyunKeyRoutes } from "./keys/routes.ts";
import { AliyunKeyService } from "./keys/service.ts";
import { createNasPart } from "./nas/part.ts";
import { createOssPart } from "./oss/part.ts";
import { createThirdPartyLinePart } from "./third-party-lines/part.ts";
import { AliyunRemote } from "./remote.ts";
import { AliyunEndpoints } from "./client/endpoints.ts";
import type { RetryPolicy } from "./client/rpc-client.ts";
import { SyncRegistry } from "./sync/registry.ts";
import { AliyunSyncService } from "./sync/service.ts";
import { createVpcPart } from "./vpc/part.ts";
import { createVpnPart } from "./vpn/part.ts";

/** A piece of the connector (VPC, ECS, OSS): its routes, and anything it runs in the background. */
export interface AliyunPart {
  registerRoutes(api: Api): void;
  start?(): void;
  stop?(): Promise<void> | void;
}

/** The Alibaba Cloud connector as the management node holds it. */
export interface AliyunModule {
  context: AliyunContext;
  keys: AliyunKeyService;
  parts: Record<string, AliyunPart>;
  registerRoutes(api: Api): void;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Builds the Alibaba Cloud connector: AccessKeys, data centers and identity zones, sync, and
 * the VPC, ECS and OSS parts, over the management node's services. Job types are registered
 * here, so call it before the job service recovers interrupted jobs.
 */
export function createAliyunModule(base: Omit<AliyunContext, "cipher" | "remote" | "registry" | "sync" | "dataCenters" | "identityZones">,
  cipher: SecretCipher, opts: { endpointOverride?: string; retry?: Partial<RetryPolicy> } = {}): AliyunModule {
  const remote = new AliyunRemote(base.prisma, cipher, { endpoints: new AliyunEndpoints(opts.endpointOverride), retry: opts.retry });
  const registry = new SyncRegistry();
  const sync = new AliyunSyncService(base.prisma, base.jobs, base.configs, remote, registry, base.log);
  const identityZones = new IdentityZoneService(base.prisma, base.events, base.tags, remote);
  const dataCenters = new DataCenterService(base.prisma, base.events, base.tags, remote, identityZones);
  const context: AliyunContext = { ...base, cipher, remote, registry, sync, dataCenters, identityZones };
  registry.add({ resourceType: "IdentityZone", run: (dc, conn) => identityZones.syncZones(dc, conn) });
  const keys = new AliyunKeyService(base.prisma, base.events, base.tags, cipher, remote);
  // Order matters for sync: VPC resources before the ECS resources that live in them.
  const vpc = createVpcPart(context);
  const parts: Record<string, AliyunPart> = {
    vpc, vpn: createVpnPart(context), expressConnect: createExpressConnectPart(context, vpc.services),
    thirdPartyLines: createThirdPartyLinePart(context), nas: createNasPart(context), ecs: createEcsPart(context), oss: createOssPart(context),
  };
  return {
    context, keys, parts,
    registerRoutes(api) {
      registerAliyunKeyRoutes(api, keys);
      registerDataCenterRoutes(api, dataCenters, sync);
      registerIdentityZoneRoutes(api, identityZones, dataCenters, sync);
      for (const p of Object.values(parts)) p.registerRoutes(api);
    },
    start() {
      sync.start();
      for (const p of Object.values(parts)) p.start?.();
    },
    async stop() {
      sync.stop();
      for (const p of Object.values(parts)) await p.stop?.();
    },
  };
}
