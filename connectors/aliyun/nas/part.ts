import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { registerNasAccessGroupRoutes } from "./access-groups/routes.ts";
import { NasAccessGroupService } from "./access-groups/service.ts";
import { registerNasFileSystemRoutes } from "./file-systems/routes.ts";
import { NasFileSystemService } from "./file-systems/service.ts";
import { registerNasMountTargetRoutes } from "./mount-targets/routes.ts";
import { MountTargetService } from "./mount-targets/service.ts";
import { NasMountSourceResolver } from "./primary-storage/mount-source.ts";
import { registerAliyunNasPrimaryStorageRoutes } from "./primary-storage/routes.ts";
import { AliyunNasPrimaryStorageService } from "./primary-storage/service.ts";

/**
 * The NAS part of the Alibaba connector (NAS API 2017-06-26): file systems, access groups and
 * rules, mount targets, and the AliyunNAS primary storage type. Sync step, after the VPC part's
 * VSwitches: AliyunNasFileSystem (with its mount targets).
 */
export function createNasPart(ctx: AliyunContext): AliyunPart {
  const mountTargets = new MountTargetService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs);
  const fileSystems = new NasFileSystemService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs, ctx.dataCenters, mountTargets);
  const groups = new NasAccessGroupService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.dataCenters);
  const storage = new AliyunNasPrimaryStorageService(ctx.prisma, ctx.primaryStorage, new NasMountSourceResolver(ctx.remote), ctx.events, ctx.log);

  ctx.registry.add({ resourceType: "AliyunNasFileSystem", run: (dc, conn) => fileSystems.syncDataCenter(dc, conn) });

  return {
    registerRoutes(api) {
      registerNasFileSystemRoutes(api, fileSystems);
      registerNasAccessGroupRoutes(api, groups);
      registerNasMountTargetRoutes(api, mountTargets);
      registerAliyunNasPrimaryStorageRoutes(api, storage);
    },
  };
}

