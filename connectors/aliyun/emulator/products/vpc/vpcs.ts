import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import { PRIVATE_BLOCKS, contains, formatCidr, parseCidr, SERVICE_BLOCK, type Cidr } from "./cidr.ts";
import { requireRegion } from "./regions.ts";
import {
  checkText, defaultResourceGroupId, ecsInstances, ecsSecurityGroups, findVpc, idFilter, ownerId, routeEntries, routeTables,
  stopIfDryRun, vpcs, vpcTime, vrouters, vswitches, type RouteEntryRow, type VpcRow,
} from "./tables.ts";
import { transitionMs } from "./timing.ts";
import { addSystemEntry } from "./route-entries.ts";

/** VPCs per region an account may hold (Alibaba's default quota). */
export const VPC_QUOTA = 10;

/**
 * Something that keeps a VPC from being deleted. DeleteVpc asks each in turn; later products
 * (VPN gateways, router interfaces, NAT gateways) add theirs to {@link vpcDependencies}.
 */
export interface VpcDependency {
  /** Error code DeleteVpc answers with, e.g. `DependencyViolation.VSwitch`. */
  code: string;
  message: string;
  /** True when the VPC still has such a dependant. */
  holds(call: RpcCall, vpcId: string): boolean;
}

/** DeleteVpc's dependency checks, in Alibaba's order of reporting (codes from the DeleteVpc error table). */
export const vpcDependencies: VpcDependency[] = [
  {
    code: "DependencyViolation.VSwitch",
    message: "Specified object has dependent resources",
    holds: (call, vpcId) => Object.values(vswitches(call)).some((v) => v.VpcId === vpcId),
  },
  {
    code: "DependencyViolation.Instance",
    message: "Specified object has dependent resources",
    holds: (call, vpcId) => Object.values(ecsInstances(call)).some((i) => i.VpcAttributes?.VpcId === vpcId),
  },
  {
    code: "DependencyViolation.SecurityGroup",
    message: "Specified object has dependent resources SecurityGroup.",
    holds: (call, vpcId) => Object.values(ecsSecurityGroups(call)).some((g) => g.VpcId === vpcId),
  },
  {
    code: "DependencyViolation.RouteEntry",
    message: "Specified object has dependent resources",
    holds: (call, vpcId) => customEntriesOfVpc(call, vpcId).length > 0,
  },
];

function customEntriesOfVpc(call: RpcCall, vpcId: string): RouteEntryRow[] {
  const tables = new Set(Object.values(routeTables(call)).filter((t) => t.VpcId === vpcId).map((t) => t.RouteTableId));
  return Object.values(routeEntries(call)).filter((e) => tables.has(e.RouteTableId) && e.Type === "Custom");
}

/** A VPC CIDR: an RFC 1918 block or a subnet of one, mask /8–/28 (CreateVpc documentation). */
function vpcCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new AliyunError("InvalidCidrBlock.Malformed", "Specified CIDR block is not valid.", 400);
  if (cidr.prefix > 28 || !PRIVATE_BLOCKS.some((b) => contains(b, cidr))) throw new AliyunError("InvalidParameter", "Specified CIDR block is not valid", 400);
  return cidr;
}

/**
 * CreateVpc(CidrBlock = 172.16.0.0/12, VpcName, Description, ClientToken, DryRun) →
 * `{ VpcId, VRouterId, RouteTableId, ResourceGroupId }`. Creates the VPC (Pending, Available after
 * {@link transitionMs}), its VRouter, the System route table and its System entry for Alibaba's
 * service block 100.64.0.0/10.
 * @throws InvalidCidrBlock.Malformed, InvalidParameter (not private), InvalidVpcName.Malformed,
 *   InvalidVpcDiscription.Malformed (sic, Alibaba's spelling), QuotaExceeded.Vpc.
 */
export async function createVpc(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const cidr = vpcCidr(str(call, "CidrBlock", { default: "172.16.0.0/12" })!);
  const name = str(call, "VpcName", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidVpcName.Malformed", "Specified VPC name is not valid.");
  checkText(description, 256, "InvalidVpcDiscription.Malformed", "Specified VPC description is not valid.");
  stopIfDryRun(call);
  return withClientToken(call, () => {
    if (Object.keys(vpcs(call)).length >= VPC_QUOTA) throw new AliyunError("QuotaExceeded.Vpc", "VPC quota exceeded.", 400);
    const created = vpcTime(call.now);
    const resourceGroupId = str(call, "ResourceGroupId") ?? defaultResourceGroupId(call.accountId);
    const VpcId = newResourceId("vpc");
    const VRouterId = newResourceId("vrt");
    const RouteTableId = newResourceId("vtb");
    const vpc: VpcRow = {
      VpcId, VpcName: name, Description: description, Status: "Pending", CidrBlock: formatCidr(cidr), VRouterId,
      VSwitchIds: [], RegionId: call.regionId, CreationTime: created, IsDefault: false, ResourceGroupId: resourceGroupId,
    };
    moveThrough(vpc, "Status", [{ to: "Available", afterMs: transitionMs(call) }], call.now);
    vpcs(call)[VpcId] = vpc;
    vrouters(call)[VRouterId] = { VRouterId, VpcId, VRouterName: "", Description: "", RouteTableIds: [RouteTableId], RegionId: call.regionId, CreationTime: created };
    routeTables(call)[RouteTableId] = {
      RouteTableId, VpcId, VRouterId, RouterType: "VRouter", RouteTableType: "System", RouteTableName: "", Description: "",
      Status: "Available", CreationTime: created, ResourceGroupId: resourceGroupId,
    };
    addSystemEntry(call, RouteTableId, formatCidr(SERVICE_BLOCK), "service");
    call.state.changed();
    return { VpcId, VRouterId, RouteTableId, ResourceGroupId: resourceGroupId };
  });
}


/** A VPC as DescribeVpcs lists it (also the base of DescribeVpcAttribute). */
function presentVpc(call: RpcCall, v: VpcRow): Record<string, unknown> {
  const tableIds = vrouters(call)[v.VRouterId]?.RouteTableIds ?? [];
  return {
    VpcId: v.VpcId, VpcName: v.VpcName, Description: v.Description, Status: v.Status, CidrBlock: v.CidrBlock,
    VRouterId: v.VRouterId, RegionId: v.RegionId, CreationTime: v.CreationTime, IsDefault: v.IsDefault,
    ResourceGroupId: v.ResourceGroupId, OwnerId: ownerId(call), Ipv6CidrBlock: "", EnabledIpv6: false,
    CenStatus: "Detached", DhcpOptionsSetId: "", DhcpOptionsSetStatus: "", DnsHostnameStatus: "DISABLED",
    VSwitchIds: { VSwitchId: [...v.VSwitchIds] },
    UserCidrs: { UserCidr: [] },
    SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
    NatGatewayIds: { NatGatewayIds: [] },
    RouterTableIds: { RouterTableIds: [...tableIds] },
    Ipv6CidrBlocks: { Ipv6CidrBlock: [] },
    Tags: { Tag: [] },
  };
}

/**
 * DescribeVpcs(VpcId = comma-separated ids, VpcName, IsDefault, ResourceGroupId, PageNumber,
 * PageSize ≤ 50) → `{ TotalCount, PageNumber, PageSize, Vpcs: { Vpc: [...] } }`.
 */
export function describeVpcs(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ids = idFilter(str(call, "VpcId"));
  const name = str(call, "VpcName");
  const isDefault = call.params.IsDefault === undefined || call.params.IsDefault === "" ? undefined : bool(call, "IsDefault");
  const group = str(call, "ResourceGroupId");
  const matching = Object.values(vpcs(call)).filter((v) =>
    (!ids || ids.has(v.VpcId)) && (name === undefined || v.VpcName === name) && (isDefault === undefined || v.IsDefault === isDefault) &&
    (group === undefined || v.ResourceGroupId === group));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { ...fields, Vpcs: { Vpc: items.map((v) => presentVpc(call, v)) } };
}

/** DescribeVpcAttribute(VpcId) → the VPC's fields at the top level, plus CloudResources counts. */
export function describeVpcAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vpc = findVpc(call, str(call, "VpcId", { required: true }));
  const { RouterTableIds: _r, NatGatewayIds: _n, ...view } = presentVpc(call, vpc);
  const instances = Object.values(ecsInstances(call)).filter((i) => i.VpcAttributes?.VpcId === vpc.VpcId).length;
  return {
    ...view,
    ClassicLinkEnabled: false,
    SupportIpv4Gateway: true,
    Ipv4GatewayId: "",
    AssociatedCens: { AssociatedCen: [] },
    AssociatedPropagationSources: { AssociatedPropagationSources: [] },
    CloudResources: {
      CloudResourceSetType: [
        { ResourceType: "VSwitch", ResourceCount: vpc.VSwitchIds.length },
        { ResourceType: "VRouter", ResourceCount: 1 },
        { ResourceType: "RouteTable", ResourceCount: vrouters(call)[vpc.VRouterId]?.RouteTableIds.length ?? 1 },
        ...(instances ? [{ ResourceType: "ECS", ResourceCount: instances }] : []),
      ],
    },
  };
}

/**
 * ModifyVpcAttribute(VpcId, VpcName, Description, CidrBlock) → `{}`. A new CidrBlock must still
 * hold every VSwitch of the VPC, and a CidrBlock change needs the VPC Available.
 * @throws InvalidVpcId.NotFound 404, InvalidVpcName.Malformed, InvalidCidrBlock.Malformed, IncorrectVpcStatus.
 */
export function modifyVpcAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vpc = findVpc(call, str(call, "VpcId", { required: true }));
  const name = str(call, "VpcName");
  const description = str(call, "Description");
  checkText(name, 128, "InvalidVpcName.Malformed", "Specified VPC name is not valid.");
  checkText(description, 256, "InvalidVpcDiscription.Malformed", "Specified VPC description is not valid.");
  const cidrText = str(call, "CidrBlock");
  const cidr = cidrText === undefined ? undefined : vpcCidr(cidrText);
  if (cidr) {
    if (vpc.Status !== "Available") throw new AliyunError("IncorrectVpcStatus", "Current VPC status does not support this operation.", 400);
    const all = vswitches(call);
    const orphaned = vpc.VSwitchIds.some((id) => {
      const block = all[id] && parseCidr(all[id]!.CidrBlock);
      return block && !contains(cidr, block);
    });
    // The error table documents no code of its own for this case; InvalidParameter is what CreateVpc uses for unusable blocks.
    if (orphaned) throw new AliyunError("InvalidParameter", "Specified CIDR block is not valid", 400);
  }
  if (name !== undefined) vpc.VpcName = name;
  if (description !== undefined) vpc.Description = description;
  if (cidr) vpc.CidrBlock = formatCidr(cidr);
  call.state.changed();
  return {};
}

/**
 * DeleteVpc(VpcId) → `{}`. The VPC must be Available and have no dependants (see
 * {@link vpcDependencies}); its VRouter, route tables and System entries go with it.
 * @throws InvalidVpcId.NotFound 404, IncorrectVpcStatus, DependencyViolation.* (400).
 */
export function deleteVpc(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vpc = findVpc(call, str(call, "VpcId", { required: true }));
  if (vpc.Status !== "Available") throw new AliyunError("IncorrectVpcStatus", "Current VPC status does not support this operation.", 400);
  const blocking = vpcDependencies.find((d) => d.holds(call, vpc.VpcId));
  if (blocking) throw Errors.dependencyViolation(blocking.code, blocking.message);
  stopIfDryRun(call);
  const tables = routeTables(call);
  const entries = routeEntries(call);
  for (const table of Object.values(tables).filter((t) => t.VpcId === vpc.VpcId)) {
    for (const e of Object.values(entries).filter((x) => x.RouteTableId === table.RouteTableId)) delete entries[e.RouteEntryId];
    delete tables[table.RouteTableId];
  }
  delete vrouters(call)[vpc.VRouterId];
  delete vpcs(call)[vpc.VpcId];
  call.state.changed();
  return {};
}
