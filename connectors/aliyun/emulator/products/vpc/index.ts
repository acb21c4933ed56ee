import type { RpcProduct } from "../../core/rpc.ts";
import { allocateEipAddress, associateEipAddress, describeEipAddresses, modifyEipAddressAttribute, releaseEipAddress, unassociateEipAddress } from "./eips.ts";
import { describeRegions, describeZones } from "./regions.ts";
import { createRouteEntry, deleteRouteEntry, describeRouteEntryList } from "./route-entries.ts";
import { createVpc, deleteVpc, describeVpcAttribute, describeVpcs, modifyVpcAttribute } from "./vpcs.ts";
import { describeRouteTableList, describeRouteTables, describeVRouters } from "./vrouters.ts";
import { createVSwitch, deleteVSwitch, describeVSwitchAttributes, describeVSwitches, modifyVSwitchAttribute, vswitchDependencies } from "./vswitches.ts";
import {
  createCustomerGateway, deleteCustomerGateway, describeCustomerGateway, describeCustomerGateways, modifyCustomerGatewayAttribute,
} from "./customer-gateways.ts";
import { nextHopKinds } from "./route-entries.ts";
import {
  activateRouterInterface, connectRouterInterface, createRouterInterface, deactivateRouterInterface, deleteRouterInterface,
  describeRouterInterfaces, modifyRouterInterfaceAttribute, routerInterfaceNextHop, routerInterfaceVpcDependency,
} from "./router-interfaces.ts";
import { createVirtualBorderRouter, describeVirtualBorderRouters } from "./virtual-border-routers.ts";
import { vpcDependencies } from "./vpcs.ts";
import {
  createVpnConnection, deleteVpnConnection, describeVpnConnection, describeVpnConnections, modifyVpnConnectionAttribute,
} from "./vpn-connections.ts";
import {
  createVpnGateway, deleteVpnGateway, describeVpnGateway, describeVpnGateways, modifyVpnGatewayAttribute,
  vpnGatewayVpcDependency, vpnGatewayVSwitchDependency,
} from "./vpn-gateways.ts";

export { vpcTiming } from "./timing.ts";
export { REGIONS, type RegionInfo } from "./regions.ts";
export { vpcDependencies, type VpcDependency } from "./vpcs.ts";
export { vswitchDependencies, type VSwitchDependency } from "./vswitches.ts";
export { nextHopKinds, type NextHopKind } from "./route-entries.ts";
export { eipTargets, type EipTarget } from "./eips.ts";
export { vpnReachability } from "./vpn-connections.ts";

// VPN gateways and router interfaces hold VPCs (and VSwitches) and serve as route next hops.
vpcDependencies.push(vpnGatewayVpcDependency, routerInterfaceVpcDependency);
vswitchDependencies.push(vpnGatewayVSwitchDependency);
nextHopKinds.RouterInterface = routerInterfaceNextHop;

/**
 * Alibaba Cloud VPC API `2016-04-28` as the emulator serves it: VPCs, VSwitches, the VRouter and
 * its System route table, custom route entries and EIPs, with Alibaba's request names, response
 * shapes, error codes and timed status changes; VPN gateways, customer gateways and IPsec
 * connections (vpn-*.ts, customer-gateways.ts); Express Connect VBRs (one seeded per region, see
 * virtual-border-routers.ts) and router interfaces. The later modules plug in through
 * {@link vpcDependencies}, {@link nextHopKinds} and the actions below.
 */
export const vpcProduct: RpcProduct = {
  product: "Vpc",
  version: "2016-04-28",
  actions: {
    DescribeRegions: describeRegions,
    DescribeZones: describeZones,
    CreateVpc: createVpc,
    DescribeVpcs: describeVpcs,
    DescribeVpcAttribute: describeVpcAttribute,
    ModifyVpcAttribute: modifyVpcAttribute,
    DeleteVpc: deleteVpc,
    CreateVSwitch: createVSwitch,
    DescribeVSwitches: describeVSwitches,
    DescribeVSwitchAttributes: describeVSwitchAttributes,
    ModifyVSwitchAttribute: modifyVSwitchAttribute,
    DeleteVSwitch: deleteVSwitch,
    DescribeVRouters: describeVRouters,
    DescribeRouteTables: describeRouteTables,
    DescribeRouteTableList: describeRouteTableList,
    CreateRouteEntry: createRouteEntry,
    DescribeRouteEntryList: describeRouteEntryList,
    DeleteRouteEntry: deleteRouteEntry,
    AllocateEipAddress: allocateEipAddress,
    DescribeEipAddresses: describeEipAddresses,
    AssociateEipAddress: associateEipAddress,
    UnassociateEipAddress: unassociateEipAddress,
    ReleaseEipAddress: releaseEipAddress,
    ModifyEipAddressAttribute: modifyEipAddressAttribute,
    CreateVpnGateway: createVpnGateway,
    DescribeVpnGateways: describeVpnGateways,
    DescribeVpnGateway: describeVpnGateway,
    ModifyVpnGatewayAttribute: modifyVpnGatewayAttribute,
    DeleteVpnGateway: deleteVpnGateway,
    CreateCustomerGateway: createCustomerGateway,
    DescribeCustomerGateways: describeCustomerGateways,
    DescribeCustomerGateway: describeCustomerGateway,
    ModifyCustomerGatewayAttribute: modifyCustomerGatewayAttribute,
    DeleteCustomerGateway: deleteCustomerGateway,
    CreateVpnConnection: createVpnConnection,
    DescribeVpnConnections: describeVpnConnections,
    DescribeVpnConnection: describeVpnConnection,
    ModifyVpnConnectionAttribute: modifyVpnConnectionAttribute,
    DeleteVpnConnection: deleteVpnConnection,
    CreateVirtualBorderRouter: createVirtualBorderRouter,
    DescribeVirtualBorderRouters: describeVirtualBorderRouters,
    CreateRouterInterface: createRouterInterface,
    DescribeRouterInterfaces: describeRouterInterfaces,
    ModifyRouterInterfaceAttribute: modifyRouterInterfaceAttribute,
    ConnectRouterInterface: connectRouterInterface,
    ActivateRouterInterface: activateRouterInterface,
    DeactivateRouterInterface: deactivateRouterInterface,
    DeleteRouterInterface: deleteRouterInterface,
  },
};
