import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { registerAliyunDiskRoutes } from "./disks/routes.ts";
import { AliyunDiskService } from "./disks/service.ts";
import { registerHybridEipRoutes } from "./eips/routes.ts";
import { HybridEipService } from "./eips/service.ts";
import { registerEcsImageRoutes } from "./images/routes.ts";
import { EcsImageService } from "./images/service.ts";
import { EcsImageUploader } from "./images/upload.ts";
import { EcsInstanceCreator } from "./instances/create.ts";
import { registerEcsInstanceRoutes } from "./instances/routes.ts";
import { EcsInstanceService } from "./instances/service.ts";

/** The ECS part with its services, for tests and other parts. */
export interface EcsPart extends AliyunPart {
  instances: EcsInstanceService;
  images: EcsImageService;
  uploader: EcsImageUploader;
  disks: AliyunDiskService;
  eips: HybridEipService;
}

/**
 * The ECS part of the Alibaba connector: instances (also VM instances, provider Aliyun),
 * images, disks and EIPs. Its sync steps run after the VPC part's, in dependency order:
 * EcsImage, EcsInstance (needs images, VSwitches, groups), then AliyunDisk and
 * HybridEipAddress (need instances). It handles `PUT /v1/vm-instances/{uuid}/actions` for
 * VMs of provider Aliyun.
 */
export function createEcsPart(ctx: AliyunContext): EcsPart {
  const images = new EcsImageService(ctx);
  const uploader = new EcsImageUploader(ctx, images);
  const instances = new EcsInstanceService(ctx);
  const creator = new EcsInstanceCreator(ctx, instances);
  const disks = new AliyunDiskService(ctx);
  const eips = new HybridEipService(ctx, instances);
  ctx.registry.add({ resourceType: "EcsImage", run: (dc, conn) => images.syncImages(dc, conn) });
  ctx.registry.add({ resourceType: "EcsInstance", run: (dc, conn) => instances.syncInstances(dc, conn) });
  ctx.registry.add({ resourceType: "AliyunDisk", run: (dc, conn) => disks.syncDisks(dc, conn) });
  ctx.registry.add({ resourceType: "HybridEipAddress", run: (dc, conn) => eips.syncEips(dc, conn) });
  ctx.vmInstances.providerActions.set("Aliyun", { action: (caller, req, vm, action) => instances.vmAction(caller, req, vm, action) });
  return {
    instances, images, uploader, disks, eips,
    registerRoutes(api) {
      registerEcsImageRoutes(api, images, uploader);
      registerEcsInstanceRoutes(api, ctx, instances, creator);
      registerAliyunDiskRoutes(api, disks);
      registerHybridEipRoutes(api, eips);
    },
  };
}
