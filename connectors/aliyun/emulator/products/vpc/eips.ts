import { randomInt } from "node:crypto";
import { AliyunError, Errors } from "../../core/errors.ts";
import { int, oneOf, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { moveThrough, type StoredResource } from "../../core/state.ts";
import { requireRegion } from "./regions.ts";
import { checkText, defaultResourceGroupId, eips, findEip, idFilter, stopIfDryRun, vpcTime, type EipRow } from "./tables.ts";
import { transitionMs } from "./timing.ts";

/** EIPs per region an account may hold (Alibaba's default quota). */
export const EIP_QUOTA = 20;

/** What an EIP can be bound to, by AssociateEipAddress `InstanceType`. */
export interface EipTarget {
  /** State kind holding such resources. */
  table: string;
  /** Throws when the resource cannot take an EIP now. */
  check(row: StoredResource): void;
  /** VPC and private address the EIP maps to. */
  binding(row: StoredResource): { VpcId: string; PrivateIpAddress: string };
}

type EcsInstanceRow = StoredResource & { Status?: string; VpcAttributes?: { VpcId?: string; PrivateIpAddress?: { IpAddress?: string[] } } };

/**
 * Binding targets. Only ECS instances are emulated; NAT gateways, SLB, HaVip and ENIs get an
 * entry here when their products arrive.
 */
export const eipTargets: Record<string, EipTarget> = {
  EcsInstance: {
    table: "Instance",
    check(row) {
      const r = row as EcsInstanceRow;
      if (!r.VpcAttributes?.VpcId) throw new AliyunError("OperationDenied", "Specified instance is not in VPC.", 400);
      if (r.Status !== "Running" && r.Status !== "Stopped") throw new AliyunError("IncorrectInstanceStatus", "Current instance status does not support this operation.", 400);
    },
    binding(row) {
      const r = row as EcsInstanceRow;
      return { VpcId: r.VpcAttributes?.VpcId ?? "", PrivateIpAddress: r.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? "" };
    },
  },
};

const incorrectEipStatus = () => new AliyunError("IncorrectEipStatus", "Current elastic IP status does not support this operation.", 400);

/** A public address from 47.96.0.0/11 (an Alibaba range) not yet held in this account and region. */
function freshAddress(call: RpcCall): string {
  const taken = new Set(Object.values(eips(call)).map((e) => e.IpAddress));
  for (;;) {
    const ip = `47.${randomInt(96, 128)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (!taken.has(ip)) return ip;
  }
}

/**
 * AllocateEipAddress(Bandwidth Mbit/s = "5", InternetChargeType = PayByBandwidth | PayByTraffic,
 * InstanceChargeType = PostPaid | PrePaid, ISP = BGP, Name, Description, ResourceGroupId,
 * ClientToken) → `{ AllocationId, EipAddress, ResourceGroupId, OrderId }`. The EIP is Available at once.
 * @throws InvalidParameter (bandwidth out of 1–500, or 1–200 for PayByTraffic), QuotaExceeded.Eip.
 */
export async function allocateEipAddress(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const chargeType = oneOf(call, "InternetChargeType", ["PayByBandwidth", "PayByTraffic"] as const, "PayByBandwidth")!;
  const bandwidth = int(call, "Bandwidth", { default: 5, min: 1, max: chargeType === "PayByTraffic" ? 200 : 500 })!;
  const instanceChargeType = oneOf(call, "InstanceChargeType", ["PostPaid", "PrePaid"] as const, "PostPaid")!;
  const isp = oneOf(call, "ISP", ["BGP", "BGP_PRO", "ChinaTelecom", "ChinaUnicom", "ChinaMobile"] as const, "BGP")!;
  const name = str(call, "Name", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidParameter", `The specified parameter "Name" is not valid.`);
  checkText(description, 256, "InvalidParameter", `The specified parameter "Description" is not valid.`);
  stopIfDryRun(call);
  return withClientToken(call, () => {
    if (Object.keys(eips(call)).length >= EIP_QUOTA) throw new AliyunError("QuotaExceeded.Eip", "Elastic IP address quota exceeded.", 400);
    const AllocationId = newResourceId("eip");
    const resourceGroupId = str(call, "ResourceGroupId") ?? defaultResourceGroupId(call.accountId);
    const row: EipRow = {
      AllocationId, IpAddress: freshAddress(call), Status: "Available", InstanceId: "", InstanceType: "",
      Bandwidth: String(bandwidth), InternetChargeType: chargeType, RegionId: call.regionId, AllocationTime: vpcTime(call.now),
      Name: name, Description: description, ChargeType: instanceChargeType, ISP: isp, ResourceGroupId: resourceGroupId,
    };
    eips(call)[AllocationId] = row;
    call.state.changed();
    return { AllocationId, EipAddress: row.IpAddress, ResourceGroupId: resourceGroupId, OrderId: "" };
  });
}

/** An EIP as DescribeEipAddresses lists it. */
function presentEip(e: EipRow): Record<string, unknown> {
  const bound = e.InstanceId !== "";
  return {
    AllocationId: e.AllocationId, IpAddress: e.IpAddress, Status: e.Status, InstanceId: e.InstanceId, InstanceType: e.InstanceType,
    InstanceRegionId: bound ? e.RegionId : "", Bandwidth: e.Bandwidth, EipBandwidth: e.Bandwidth, InternetChargeType: e.InternetChargeType,
    ChargeType: e.ChargeType, RegionId: e.RegionId, AllocationTime: e.AllocationTime, ExpiredTime: "", Name: e.Name,
    Description: e.Description, ISP: e.ISP, Netmode: "public", Mode: "NAT", BusinessStatus: "Normal", DeletionProtection: false,
    HDMonitorStatus: "OFF", HasReservationData: "false", SecondLimited: false, ServiceManaged: 0, ResourceGroupId: e.ResourceGroupId,
    PrivateIpAddress: (e.PrivateIpAddress as string | undefined) ?? "", VpcId: (e.VpcId as string | undefined) ?? "",
    BandwidthPackageId: "", BandwidthPackageType: "", BandwidthPackageBandwidth: "", PublicIpAddressPoolId: "", SegmentInstanceId: "",
    OperationLocks: { LockReason: [] },
    SecurityProtectionTypes: { SecurityProtectionType: [] },
    Tags: { Tag: [] },
  };
}

/**
 * DescribeEipAddresses(AllocationId, EipAddress (comma-separated lists), Status, AssociatedInstanceId,
 * AssociatedInstanceType, EipName, ChargeType, ISP, ResourceGroupId, PageNumber, PageSize ≤ 100) →
 * `{ TotalCount, PageNumber, PageSize, EipAddresses: { EipAddress: [...] } }`.
 */
export function describeEipAddresses(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ids = idFilter(str(call, "AllocationId"));
  const addresses = idFilter(str(call, "EipAddress"));
  const status = oneOf(call, "Status", ["Associating", "Unassociating", "InUse", "Available", "Releasing"] as const);
  const instanceId = str(call, "AssociatedInstanceId");
  const instanceType = str(call, "AssociatedInstanceType");
  const name = str(call, "EipName");
  const chargeType = str(call, "ChargeType");
  const isp = str(call, "ISP");
  const group = str(call, "ResourceGroupId");
  const matching = Object.values(eips(call)).filter((e) =>
    (!ids || ids.has(e.AllocationId)) && (!addresses || addresses.has(e.IpAddress)) && (status === undefined || e.Status === status) &&
    (instanceId === undefined || e.InstanceId === instanceId) && (instanceType === undefined || e.InstanceType === instanceType) &&
    (name === undefined || e.Name === name) && (chargeType === undefined || e.ChargeType === chargeType) &&
    (isp === undefined || e.ISP === isp) && (group === undefined || e.ResourceGroupId === group));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { ...fields, EipAddresses: { EipAddress: items.map(presentEip) } };
}

/**
 * AssociateEipAddress(AllocationId, InstanceId, InstanceType = EcsInstance, ClientToken) → `{}`.
 * The EIP must be Available and the instance (ECS "Instance" table) in a VPC, Running or Stopped
 * and without another EIP. Status goes Associating → InUse after {@link transitionMs}.
 * @throws InvalidAllocationId.NotFound 404, IncorrectEipStatus, InvalidInstanId.NotFound 404
 *   (sic, Alibaba's spelling), OperationDenied (not in VPC), IncorrectInstanceStatus,
 *   InvalidAssociation.Duplicated, InvalidInstanceType.ValueNotSupported.
 */
export async function associateEipAddress(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const allocationId = str(call, "AllocationId", { required: true });
  const instanceId = str(call, "InstanceId", { required: true });
  const instanceType = str(call, "InstanceType", { default: "EcsInstance" })!;
  const target = eipTargets[instanceType];
  if (!target) throw new AliyunError("InvalidInstanceType.ValueNotSupported", "The specified value of InstanceType is not supported.", 400);
  return withClientToken(call, () => {
    const eip = findEip(call, allocationId);
    if (eip.Status !== "Available") throw incorrectEipStatus();
    const row = call.state.table(call.accountId, call.regionId, target.table, call.now)[instanceId];
    if (!row) throw new AliyunError("InvalidInstanId.NotFound", "Specified instance does not exist.", 404);
    target.check(row);
    if (Object.values(eips(call)).some((e) => e.InstanceId === instanceId)) {
      throw new AliyunError("InvalidAssociation.Duplicated", "Specified instance already is associated.", 400);
    }
    stopIfDryRun(call);
    Object.assign(eip, { InstanceId: instanceId, InstanceType: instanceType }, target.binding(row));
    moveThrough(eip, "Status", [{ to: "Associating", afterMs: 0 }, { to: "InUse", afterMs: transitionMs(call) }], call.now);
    call.state.changed();
    return {};
  });
}

/**
 * UnassociateEipAddress(AllocationId, InstanceId, InstanceType, ClientToken) → `{}`. The EIP must be
 * InUse (bound to InstanceId when given); it goes Unassociating → Available, and the binding
 * fields clear when it lands.
 */
export async function unassociateEipAddress(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const allocationId = str(call, "AllocationId", { required: true });
  const instanceId = str(call, "InstanceId");
  return withClientToken(call, () => {
    const eip = findEip(call, allocationId);
    if (eip.Status !== "InUse") throw incorrectEipStatus();
    if (instanceId !== undefined && eip.InstanceId !== instanceId) throw Errors.invalidParameter("InstanceId", "is not associated with the specified EIP");
    stopIfDryRun(call);
    const cleared = { InstanceId: "", InstanceType: "", VpcId: "", PrivateIpAddress: "" };
    moveThrough(eip, "Status", [{ to: "Unassociating", afterMs: 0 }, { to: "Available", afterMs: transitionMs(call), also: cleared }], call.now);
    call.state.changed();
    return {};
  });
}

/**
 * ReleaseEipAddress(AllocationId) → `{}`. Only an Available, pay-as-you-go EIP can be released.
 * @throws IncorrectEipStatus (bound or moving), Forbidden.ChargeTypeIsPrepaid.
 */
export function releaseEipAddress(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const eip = findEip(call, str(call, "AllocationId", { required: true }));
  if (eip.Status !== "Available") throw incorrectEipStatus();
  if (eip.ChargeType === "PrePaid") throw new AliyunError("Forbidden.ChargeTypeIsPrepaid", "It's forbidden to release a prepaid EIP", 400);
  delete eips(call)[eip.AllocationId];
  call.state.changed();
  return {};
}

/** ModifyEipAddressAttribute(AllocationId, Bandwidth Mbit/s, Name, Description) → `{}`. */
export function modifyEipAddressAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const eip = findEip(call, str(call, "AllocationId", { required: true }));
  const bandwidth = int(call, "Bandwidth", { min: 1, max: eip.InternetChargeType === "PayByTraffic" ? 200 : 500 });
  const name = str(call, "Name");
  const description = str(call, "Description");
  checkText(name, 128, "InvalidParameter", `The specified parameter "Name" is not valid.`);
  checkText(description, 256, "InvalidParameter", `The specified parameter "Description" is not valid.`);
  if (bandwidth !== undefined) eip.Bandwidth = String(bandwidth);
  if (name !== undefined) eip.Name = name;
  if (description !== undefined) eip.Description = description;
  call.state.changed();
  return {};
}
