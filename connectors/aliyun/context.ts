import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { EventBus } from "../../server/events/service.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import type { JobService } from "../../server/jobs/service.ts";
import type { Logger } from "../../server/logger.ts";
import type { SecretCipher } from "../../server/secrets/cipher.ts";
import type { QuotaService } from "../../server/quotas/service.ts";
import type { TagService } from "../../server/tags/service.ts";
import type { VmInstanceService } from "../../server/vm-instances/service.ts";
import type { ImageService } from "../../server/images/service.ts";
import type { ImageStoreService } from "../../server/backup-storage/image-store.ts";
import type { PrimaryStorageService } from "../../server/primary-storage/service.ts";
import type { DataCenterService } from "./data-centers/service.ts";
import type { IdentityZoneService } from "./identity-zones/service.ts";
import type { AliyunRemote } from "./remote.ts";
import type { SyncRegistry } from "./sync/registry.ts";
import type { AliyunSyncService } from "./sync/service.ts";

/** What every part of the Alibaba connector is built from (the management node's services plus the connector's own). */
export interface AliyunContext {
  prisma: PrismaClient;
  events: EventBus;
  tags: TagService;
  jobs: JobService;
  configs: GlobalConfigService;
  quotas: QuotaService;
  log: Logger;
  vmInstances: VmInstanceService;
  images: ImageService;
  imageStore: ImageStoreService;
  /** Primary storage, for the AliyunNAS type (connectors/aliyun/nas). */
  primaryStorage: PrimaryStorageService;
  /** Seals secrets kept at rest by the connector (e.g. an ECS root password in a durable job's input). */
  cipher: SecretCipher;
  remote: AliyunRemote;
  /** Sync steps; parts add theirs in dependency order. */
  registry: SyncRegistry;
  sync: AliyunSyncService;
  dataCenters: DataCenterService;
  identityZones: IdentityZoneService;
}
