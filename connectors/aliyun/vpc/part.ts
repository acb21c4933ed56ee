import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { VpcLocalRows } from "./local-rows.ts";
import { registerRouteEntryRoutes } from "./route-entries/routes.ts";
import { RouteEntryService } from "./route-entries/service.ts";
import { registerSecurityGroupRuleRoutes } from "./security-group-rules/routes.ts";
import { SecurityGroupRuleService } from "./security-group-rules/service.ts";
import { registerSecurityGroupRoutes } from "./security-groups/routes.ts";
import { SecurityGroupService } from "./security-groups/service.ts";
import { registerEcsVpcRoutes } from "./vpcs/routes.ts";
import { EcsVpcService } from "./vpcs/service.ts";
import { registerVRouterRoutes } from "./vrouters/routes.ts";
import { VRouterService } from "./vrouters/service.ts";
import { registerEcsVSwitchRoutes } from "./vswitches/routes.ts";
import { EcsVSwitchService } from "./vswitches/service.ts";

/** The services of the VPC part, for other parts (the ECS part looks up VSwitches and security groups). */
export interface VpcServices {
  vpcs: EcsVpcService;
  vswitches: EcsVSwitchService;
  vrouters: VRouterService;
  routeEntries: RouteEntryService;
  securityGroups: SecurityGroupService;
  securityGroupRules: SecurityGroupRuleService;
}

/**
 * The VPC part of the Alibaba connector: VPCs, VSwitches, VRouters, route entries, security
 * groups and their rules. Registers its job types and its sync steps, in dependency order:
 * EcsVpc, VpcVirtualRouter, VpcVirtualRouteEntry, EcsVSwitch, EcsSecurityGroup (with rules).
 */
export function createVpcPart(ctx: AliyunContext): AliyunPart & { services: VpcServices } {
  const rows = new VpcLocalRows(ctx.tags);
  const vrouters = new VRouterService(ctx.prisma, ctx.events, ctx.remote, rows);
  const routeEntries = new RouteEntryService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs, rows);
  const vpcs = new EcsVpcService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs, ctx.dataCenters, vrouters, routeEntries, rows);
  const vswitches = new EcsVSwitchService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs, rows);
  const securityGroupRules = new SecurityGroupRuleService(ctx.prisma, ctx.events, ctx.tags, ctx.remote);
  const securityGroups = new SecurityGroupService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, securityGroupRules, rows);

  ctx.registry.add({ resourceType: "EcsVpc", run: (dc, conn) => vpcs.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "VpcVirtualRouter", run: (dc, conn) => vrouters.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "VpcVirtualRouteEntry", run: (dc, conn) => routeEntries.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "EcsVSwitch", run: (dc, conn) => vswitches.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "EcsSecurityGroup", run: (dc, conn) => securityGroups.syncDataCenter(dc, conn) });

  return {
    services: { vpcs, vswitches, vrouters, routeEntries, securityGroups, securityGroupRules },
    registerRoutes(api) {
      registerEcsVpcRoutes(api, vpcs, ctx.dataCenters, ctx.sync);
      registerEcsVSwitchRoutes(api, vswitches, ctx.dataCenters, ctx.sync);
      registerVRouterRoutes(api, vrouters);
      registerRouteEntryRoutes(api, routeEntries);
      registerSecurityGroupRoutes(api, securityGroups);
      registerSecurityGroupRuleRoutes(api, securityGroupRules);
    },
  };
}
