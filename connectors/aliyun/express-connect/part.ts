import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { VpcLocalRows } from "../vpc/local-rows.ts";
import type { VpcServices } from "../vpc/part.ts";
import { registerVbrRoutes } from "./border-routers/routes.ts";
import { VirtualBorderRouterService } from "./border-routers/service.ts";
import { registerQuickExpressConnectRoutes } from "./quick/routes.ts";
import { QuickExpressConnectService } from "./quick/service.ts";
import { registerRouterInterfaceRoutes } from "./router-interfaces/routes.ts";
import { RouterInterfaceService } from "./router-interfaces/service.ts";

/**
 * The Express Connect part of the Alibaba connector: VBRs (synced, with their route tables),
 * router interfaces and the quick Express Connect. Sync steps, after the VPC part's VRouters:
 * VirtualBorderRouter, VbrRouteEntry, AliyunRouterInterface.
 */
export function createExpressConnectPart(ctx: AliyunContext, vpc: VpcServices): AliyunPart {
  const rows = new VpcLocalRows(ctx.tags);
  const vbrs = new VirtualBorderRouterService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.dataCenters, rows);
  const interfaces = new RouterInterfaceService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs);
  const quick = new QuickExpressConnectService(ctx.prisma, ctx.events, ctx.remote, ctx.jobs, ctx.log, interfaces, vbrs, vpc.routeEntries, rows);

  ctx.registry.add({ resourceType: "VirtualBorderRouter", run: (dc, conn) => vbrs.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "VbrRouteEntry", run: (dc, conn) => vbrs.syncRouteEntries(dc, conn) });
  ctx.registry.add({ resourceType: "AliyunRouterInterface", run: (dc, conn) => interfaces.syncDataCenter(dc, conn) });

  return {
    registerRoutes(api) {
      registerQuickExpressConnectRoutes(api, quick);
      registerVbrRoutes(api, vbrs);
      registerRouterInterfaceRoutes(api, interfaces);
    },
  };
}
