import type { OssBucket } from "../../../generated/prisma/client.ts";
import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { registerOssBucketRoutes } from "./buckets/routes.ts";
import { OssBucketService } from "./buckets/service.ts";

/** The OSS bucket service over the connector's context. */
function bucketService(ctx: AliyunContext): OssBucketService {
  return new OssBucketService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.dataCenters);
}

/**
 * The OSS part of the Alibaba connector: OSS buckets (ZStack's oss-bucket APIs) and the sync
 * step "OssBucket", which refreshes or drops the buckets already recorded (never imports).
 */
export function createOssPart(ctx: AliyunContext): AliyunPart & { buckets: OssBucketService } {
  const buckets = bucketService(ctx);
  ctx.registry.add({ resourceType: "OssBucket", run: (dc, conn) => buckets.syncDataCenter(dc, conn) });
  return {
    buckets,
    registerRoutes(api) {
      registerOssBucketRoutes(api, buckets);
    },
  };
}

/**
 * For the ECS part: the OSS bucket to stage image uploads in for a data center — its `current`
 * bucket, else any recorded one, else a bucket `strata-images-<first 8 of accountUuid>-<regionId>`
 * created in the data center's region (adopted if this account already owns it) and recorded
 * as current. Upload with `(await ctx.remote.forDataCenter(dc)).oss(dc.regionId, bucket.bucketName)`.
 * @throws SYS.1003 unknown data center, HYBRID.NO_KEY, ALIYUN.<OSS code>.
 */
export function ossBucketFor(ctx: AliyunContext, dataCenterUuid: string): Promise<OssBucket> {
  return bucketService(ctx).bucketFor(dataCenterUuid);
}
