import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import { contains, formatCidr, overlaps, parseCidr } from "./cidr.ts";
import { requireRegion } from "./regions.ts";
import {
  checkText, defaultResourceGroupId, ecsInstances, findVpc, findVSwitch, idFilter, ownerId, routeEntries, routeTables,
  stopIfDryRun, vpcs, vpcTime, vrouters, vswitches, type VSwitchRow,
} from "./tables.ts";
import { addSystemEntry } from "./route-entries.ts";
import { transitionMs } from "./timing.ts";

/** VSwitches per VPC (Alibaba's documented limit). */
export const VSWITCH_QUOTA = 150;

/**
 * Something that keeps a VSwitch from being deleted; later products (HaVip, VPN gateways in a
 * VSwitch) add theirs to {@link vswitchDependencies}.
 */
export interface VSwitchDependency {
  code: string;
  message: string;
  holds(call: RpcCall, vswitchId: string): boolean;
}

/** DeleteVSwitch's dependency checks (codes from the DeleteVSwitch error table). */
export const vswitchDependencies: VSwitchDependency[] = [
  {
    code: "DependencyViolation",
    message: "Specified object has dependent resources.",
    holds: (call, vswitchId) => instancesIn(call, vswitchId) > 0,
  },
];

function instancesIn(call: RpcCall, vswitchId: string): number {
  return Object.values(ecsInstances(call)).filter((i) => i.VpcAttributes?.VSwitchId === vswitchId).length;
}

/** The VPC's System route table (the one VSwitches are attached to until custom tables exist). */
function systemTableOf(call: RpcCall, vpcId: string, vrouterId: string): string | undefined {
  const ids = vrouters(call)[vrouterId]?.RouteTableIds ?? [];
  const tables = routeTables(call);
  return ids.find((id) => tables[id]?.RouteTableType === "System" && tables[id]?.VpcId === vpcId);
}

/**
 * CreateVSwitch(VpcId, ZoneId, CidrBlock, VSwitchName, Description, ClientToken, DryRun) →
 * `{ VSwitchId }`. The block must be /16–/29, inside the VPC's block, clear of sibling VSwitches
 * and of custom route destinations. The VSwitch is Pending, then Available after
 * {@link transitionMs}; a System `local` route for its block joins the VPC's route table.
 * @throws InvalidVpcId.NotFound / InvalidZoneId.NotFound 404, IncorrectVpcStatus,
 *   InvalidCidrBlock.Malformed, InvalidCirdrBlock.MaskLength (sic), InvalidParameter (outside the VPC),
 *   InvalidCidrBlock.Overlapped, QuotaExceeded.VSwitch, InvalidVSwitchName.Malformed.
 */
export async function createVSwitch(call: RpcCall): Promise<Record<string, unknown>> {
  const region = requireRegion(call);
  const vpcId = str(call, "VpcId", { required: true });
  const zoneId = str(call, "ZoneId", { required: true });
  const cidrText = str(call, "CidrBlock", { required: true });
  const name = str(call, "VSwitchName", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidVSwitchName.Malformed", "Specified virtual switch name is not valid.");
  checkText(description, 256, "InvalidVSwitchDiscription.Malformed", "Specified virtual switch description is not valid.");
  // Stateful checks run inside the token guard, so a retry of a create that succeeded gets its
  // answer back instead of tripping over the resource it made (e.g. Overlapped).
  return withClientToken(call, () => {
    if (!region.zones.includes(zoneId)) throw new AliyunError("InvalidZoneId.NotFound", "Specified zone does not exist.", 404);
    const vpc = findVpc(call, vpcId);
    if (vpc.Status !== "Available") throw new AliyunError("IncorrectVpcStatus", "Current VPC status does not support this operation.", 400);
    const cidr = parseCidr(cidrText);
    if (!cidr) throw new AliyunError("InvalidCidrBlock.Malformed", "Specified CIDR block is not valid.", 400);
    if (cidr.prefix < 16 || cidr.prefix > 29) throw new AliyunError("InvalidCirdrBlock.MaskLength", "Specified CIDR block is not valid.", 400);
    if (!contains(parseCidr(vpc.CidrBlock)!, cidr)) throw new AliyunError("InvalidParameter", "Specified CIDR block is not valid in VPC.", 400);
    const all = vswitches(call);
    const siblings = vpc.VSwitchIds.map((id) => all[id]).filter((v): v is VSwitchRow => v !== undefined);
    if (siblings.some((s) => overlaps(parseCidr(s.CidrBlock)!, cidr))) {
      throw new AliyunError("InvalidCidrBlock.Overlapped", "Specified CIDR block overlapped with other subnets.", 400);
    }
    // A custom route whose destination sits inside the new block would be shadowed by its local route.
    const vpcTables = new Set(Object.values(routeTables(call)).filter((t) => t.VpcId === vpc.VpcId).map((t) => t.RouteTableId));
    const shadowed = Object.values(routeEntries(call)).some((e) => e.Type === "Custom" && vpcTables.has(e.RouteTableId) && contains(cidr, parseCidr(e.DestinationCidrBlock, { allowBareAddress: true })!));
    if (shadowed) throw new AliyunError("InvalidCidrBlock.Overlapped", "Specified CIDR block overlapped with other entry.", 400);
    if (siblings.length >= VSWITCH_QUOTA) throw new AliyunError("QuotaExceeded.VSwitch", "Virtual switch quota exceeded.", 400);
    stopIfDryRun(call);
    const VSwitchId = newResourceId("vsw");
    const row: VSwitchRow = {
      VSwitchId, VpcId: vpc.VpcId, ZoneId: zoneId, CidrBlock: formatCidr(cidr), VSwitchName: name, Description: description,
      Status: "Pending", AvailableIpAddressCount: cidr.size - 4, CreationTime: vpcTime(call.now), IsDefault: false,
      ResourceGroupId: str(call, "ResourceGroupId") ?? defaultResourceGroupId(call.accountId),
    };
    moveThrough(row, "Status", [{ to: "Available", afterMs: transitionMs(call) }], call.now);
    all[VSwitchId] = row;
    vpc.VSwitchIds.push(VSwitchId);
    const tableId = systemTableOf(call, vpc.VpcId, vpc.VRouterId);
    if (tableId) addSystemEntry(call, tableId, row.CidrBlock, "local");
    call.state.changed();
    return { VSwitchId };
  });
}

/**
 * A VSwitch as DescribeVSwitches shows it. AvailableIpAddressCount is recomputed from the ECS
 * "Instance" table (block size − 4 reserved − instances), and written back for other readers.
 */
function presentVSwitch(call: RpcCall, v: VSwitchRow): Record<string, unknown> {
  v.AvailableIpAddressCount = Math.max(0, parseCidr(v.CidrBlock)!.size - 4 - instancesIn(call, v.VSwitchId));
  const vpc = vpcs(call)[v.VpcId];
  const tableId = vpc?.VRouterId ? systemTableOf(call, v.VpcId, vpc.VRouterId) : undefined;
  return {
    VSwitchId: v.VSwitchId, VpcId: v.VpcId, Status: v.Status, CidrBlock: v.CidrBlock, ZoneId: v.ZoneId,
    AvailableIpAddressCount: v.AvailableIpAddressCount, Description: v.Description, VSwitchName: v.VSwitchName,
    CreationTime: v.CreationTime, IsDefault: v.IsDefault, ResourceGroupId: v.ResourceGroupId, OwnerId: ownerId(call),
    NetworkAclId: "", ShareType: "Sharing", Ipv6CidrBlock: "", EnabledIpv6: false,
    RouteTable: { RouteTableId: tableId ?? "", RouteTableType: "System" },
    Tags: { Tag: [] },
  };
}

/**
 * DescribeVSwitches(VpcId, VSwitchId = comma-separated ids, ZoneId, VSwitchName, IsDefault,
 * RouteTableId, ResourceGroupId, PageNumber, PageSize ≤ 50) →
 * `{ TotalCount, PageNumber, PageSize, VSwitches: { VSwitch: [...] } }`.
 */
export function describeVSwitches(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vpcId = str(call, "VpcId");
  const ids = idFilter(str(call, "VSwitchId"));
  const zoneId = str(call, "ZoneId");
  const name = str(call, "VSwitchName");
  const group = str(call, "ResourceGroupId");
  const routeTableId = str(call, "RouteTableId");
  const isDefault = call.params.IsDefault === undefined || call.params.IsDefault === "" ? undefined : bool(call, "IsDefault");
  const matching = Object.values(vswitches(call)).filter((v) =>
    (vpcId === undefined || v.VpcId === vpcId) && (!ids || ids.has(v.VSwitchId)) && (zoneId === undefined || v.ZoneId === zoneId) &&
    (name === undefined || v.VSwitchName === name) && (group === undefined || v.ResourceGroupId === group) &&
    (isDefault === undefined || v.IsDefault === isDefault));
  const presented = matching.map((v) => presentVSwitch(call, v))
    .filter((v) => routeTableId === undefined || (v.RouteTable as { RouteTableId: string }).RouteTableId === routeTableId);
  const { items, fields } = page(call, presented, { defaultSize: 10, maxSize: 50 });
  return { ...fields, VSwitches: { VSwitch: items } };
}

/** DescribeVSwitchAttributes(VSwitchId) → the VSwitch's fields at the top level. */
export function describeVSwitchAttributes(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  return presentVSwitch(call, findVSwitch(call, str(call, "VSwitchId", { required: true })));
}

/** ModifyVSwitchAttribute(VSwitchId, VSwitchName, Description) → `{}`. */
export function modifyVSwitchAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vsw = findVSwitch(call, str(call, "VSwitchId", { required: true }));
  const name = str(call, "VSwitchName");
  const description = str(call, "Description");
  checkText(name, 128, "InvalidVSwitchName.Malformed", "Specified virtual switch name is not valid.");
  checkText(description, 256, "InvalidVSwitchDiscription.Malformed", "Specified virtual switch description is not valid.");
  if (name !== undefined) vsw.VSwitchName = name;
  if (description !== undefined) vsw.Description = description;
  call.state.changed();
  return {};
}

/**
 * DeleteVSwitch(VSwitchId) → `{}`. Refused while Pending (IncorrectVSwitchStatus) or while ECS
 * instances use it (DependencyViolation); its System route goes with it.
 */
export function deleteVSwitch(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const vsw = findVSwitch(call, str(call, "VSwitchId", { required: true }));
  if (vsw.Status !== "Available") throw new AliyunError("IncorrectVSwitchStatus", "The current virtual switch status does not support this operation.", 400);
  const blocking = vswitchDependencies.find((d) => d.holds(call, vsw.VSwitchId));
  if (blocking) throw Errors.dependencyViolation(blocking.code, blocking.message);
  stopIfDryRun(call);
  const vpc = findVpc(call, vsw.VpcId);
  vpc.VSwitchIds = vpc.VSwitchIds.filter((id) => id !== vsw.VSwitchId);
  const tables = new Set(Object.values(routeTables(call)).filter((t) => t.VpcId === vpc.VpcId).map((t) => t.RouteTableId));
  const entries = routeEntries(call);
  for (const e of Object.values(entries)) {
    if (e.Type === "System" && e.NextHopType === "local" && tables.has(e.RouteTableId) && e.DestinationCidrBlock === vsw.CidrBlock) delete entries[e.RouteEntryId];
  }
  delete vswitches(call)[vsw.VSwitchId];
  call.state.changed();
  return {};
}
