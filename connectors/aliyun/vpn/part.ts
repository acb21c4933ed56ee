import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { registerVpnConfigRoutes } from "./configs/routes.ts";
import { VpnConfigService } from "./configs/service.ts";
import { registerVpnConnectionRoutes } from "./connections/routes.ts";
import { VpnConnectionService } from "./connections/service.ts";
import { registerVpnGatewayRoutes } from "./gateways/routes.ts";
import { VpnGatewayService } from "./gateways/service.ts";
import { registerIPsecConnectionRoutes } from "./ipsec-connections/routes.ts";
import { IPsecConnectionService } from "./ipsec-connections/service.ts";
import { registerQuickVpnRoutes } from "./quick/routes.ts";
import { QuickVpnService } from "./quick/service.ts";
import { registerUserVpnGatewayRoutes } from "./user-gateways/routes.ts";
import { UserVpnGatewayService } from "./user-gateways/service.ts";

/**
 * The VPN part of the Alibaba connector: VPN gateways (synced), customer gateways, IKE/IPsec
 * configurations, VPN connections, the local side's IPsec records and the quick VPN
 * connection. Sync steps, after the VPC part's: VpcVpnGateway, VpcUserVpnGateway, VpcVpnConnection.
 */
export function createVpnPart(ctx: AliyunContext): AliyunPart {
  const gateways = new VpnGatewayService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.dataCenters);
  const userGateways = new UserVpnGatewayService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.dataCenters);
  const configs = new VpnConfigService(ctx.prisma, ctx.events, ctx.tags, ctx.cipher);
  const connections = new VpnConnectionService(ctx.prisma, ctx.events, ctx.tags, ctx.remote, ctx.jobs, ctx.dataCenters, configs);
  const ipsec = new IPsecConnectionService(ctx.prisma, ctx.events, ctx.tags, ctx.cipher);
  const quick = new QuickVpnService(ctx.prisma, ctx.events, ctx.remote, ctx.jobs, ctx.cipher, ctx.log, userGateways, configs, connections, ipsec);

  ctx.registry.add({ resourceType: "VpcVpnGateway", run: (dc, conn) => gateways.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "VpcUserVpnGateway", run: (dc, conn) => userGateways.syncDataCenter(dc, conn) });
  ctx.registry.add({ resourceType: "VpcVpnConnection", run: (dc, conn) => connections.syncDataCenter(dc, conn) });

  return {
    registerRoutes(api) {
      // The quick route before `/hybrid/vpn-connection/{uuid}`-shaped ones of the same method.
      registerQuickVpnRoutes(api, quick);
      registerVpnGatewayRoutes(api, gateways);
      registerUserVpnGatewayRoutes(api, userGateways);
      registerVpnConfigRoutes(api, configs);
      registerVpnConnectionRoutes(api, connections);
      registerIPsecConnectionRoutes(api, ipsec);
    },
  };
}
