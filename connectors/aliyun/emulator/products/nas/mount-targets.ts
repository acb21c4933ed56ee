import { randomBytes } from "node:crypto";
import { AliyunError, Errors } from "../../core/errors.ts";
import { oneOf, page, str } from "../../core/params.ts";
import type { RpcCall } from "../../core/rpc.ts";
import { moveThrough } from "../../core/state.ts";
import { exportForNewMountTarget } from "./backing.ts";
import { nasTransitionMs } from "./file-systems.ts";
import { findAccessGroup, findFileSystem, mountTargets, nasRegion, vpcRows, vswitchRows, type MountTargetRow } from "./tables.ts";

/** Mount targets a general-purpose file system may have (Alibaba's limit). */
export const MOUNT_TARGET_QUOTA = 2;

/** The mount target of that file system, or InvalidMountTarget.NotFound 404. */
function findMountTarget(call: RpcCall, fileSystemId: string, domain: string): MountTargetRow {
  const m = mountTargets(call)[domain];
  if (!m || m.FileSystemId !== fileSystemId) throw new AliyunError("InvalidMountTarget.NotFound", "The specified mount target does not exist.", 404);
  return m;
}

/**
 * CreateMountTarget(FileSystemId, AccessGroupName, NetworkType = Vpc, VpcId, VSwitchId, DryRun) →
 * `{ MountTargetDomain, MountTargetExtra: { DualStackMountTargetDomain } }`, the domain being
 * `<FileSystemId>-<5 chars>.<region>.nas.aliyuncs.com`. The VPC and VSwitch must exist in the VPC
 * product's tables, and the access group must be a Vpc group. Pending, Active after one transition.
 * @throws InvalidFileSystem.NotFound 404, OperationDenied.FileSystemStatus (not Running),
 *   InvalidAccessGroup.NotFound 404, InvalidParameter (Classic network or group), InvalidVpcId.NotFound /
 *   InvalidVSwitchId.NotFound 404, QuotaExceeded.MountTarget.
 */
export function createMountTarget(call: RpcCall): Record<string, unknown> {
  const region = nasRegion(call);
  const fs = findFileSystem(call, str(call, "FileSystemId", { required: true }));
  const group = findAccessGroup(call, str(call, "AccessGroupName", { required: true }));
  const network = oneOf(call, "NetworkType", ["Vpc", "Classic"] as const, "Vpc");
  if (network !== "Vpc") throw Errors.invalidParameter("NetworkType", "must be Vpc: classic network mount targets are no longer offered");
  if (group.AccessGroupType !== "Vpc") throw Errors.invalidParameter("AccessGroupName", "must name a Vpc access group");
  const vpcId = str(call, "VpcId", { required: true });
  const vswitchId = str(call, "VSwitchId", { required: true });
  if (!vpcRows(call)[vpcId]) throw new AliyunError("InvalidVpcId.NotFound", "The specified VPC does not exist.", 404);
  const vsw = vswitchRows(call)[vswitchId];
  if (!vsw || vsw.VpcId !== vpcId) throw new AliyunError("InvalidVSwitchId.NotFound", "The specified VSwitch does not exist in the VPC.", 404);
  if (fs.Status !== "Running") throw new AliyunError("OperationDenied.FileSystemStatus", `The file system is ${fs.Status}.`, 400);
  const all = mountTargets(call);
  if (Object.values(all).filter((m) => m.FileSystemId === fs.FileSystemId).length >= MOUNT_TARGET_QUOTA) {
    throw new AliyunError("QuotaExceeded.MountTarget", "The maximum number of mount targets of the file system is reached.", 400);
  }
  if (call.params.DryRun === "true") throw new AliyunError("DryRunOperation", "Request validation has been passed with DryRun flag set.", 400);
  const MountTargetDomain = `${fs.FileSystemId}-${randomBytes(3).toString("hex").slice(0, 5)}.${region.RegionId}.nas.aliyuncs.com`;
  const row: MountTargetRow = {
    MountTargetDomain, FileSystemId: fs.FileSystemId, NetworkType: "Vpc", VpcId: vpcId, VswId: vswitchId, AccessGroupName: group.AccessGroupName,
    Status: "Pending", __localExport: exportForNewMountTarget(),
  };
  moveThrough(row, "Status", [{ to: "Active", afterMs: nasTransitionMs(call) }], call.now);
  all[MountTargetDomain] = row;
  call.state.changed();
  return { MountTargetDomain, MountTargetExtra: { DualStackMountTargetDomain: "" } };
}

/**
 * DescribeMountTargets(FileSystemId, MountTargetDomain, PageNumber, PageSize ≤ 100) →
 * `{ TotalCount, PageNumber, PageSize, MountTargets: { MountTarget: [{ MountTargetDomain, NetworkType, VpcId, VswId, AccessGroup, Status, IPVersion }] } }`.
 */
export function describeMountTargets(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const fs = findFileSystem(call, str(call, "FileSystemId", { required: true }));
  const domain = str(call, "MountTargetDomain");
  const matching = Object.values(mountTargets(call)).filter((m) => m.FileSystemId === fs.FileSystemId && (domain === undefined || m.MountTargetDomain === domain));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return {
    ...fields,
    MountTargets: {
      MountTarget: items.map((m) => ({
        MountTargetDomain: m.MountTargetDomain, DualStackMountTargetDomain: "", NetworkType: m.NetworkType, VpcId: m.VpcId, VswId: m.VswId,
        AccessGroup: m.AccessGroupName, Status: m.Status, IPVersion: "ipv4", ClientMasterNodes: { ClientMasterNode: [] }, Tags: { Tag: [] },
      })),
    },
  };
}

/**
 * ModifyMountTarget(FileSystemId, MountTargetDomain, AccessGroupName, Status Active|Inactive) → `{}`.
 * @throws InvalidMountTarget.NotFound 404, InvalidAccessGroup.NotFound 404, OperationDenied.MountTargetStatus (Pending).
 */
export function modifyMountTarget(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const m = findMountTarget(call, str(call, "FileSystemId", { required: true }), str(call, "MountTargetDomain", { required: true }));
  const groupName = str(call, "AccessGroupName");
  const group = groupName === undefined ? undefined : findAccessGroup(call, groupName);
  if (group && group.AccessGroupType !== "Vpc") throw Errors.invalidParameter("AccessGroupName", "must name a Vpc access group");
  const status = oneOf(call, "Status", ["Active", "Inactive"] as const);
  if (status && m.Status === "Pending") throw new AliyunError("OperationDenied.MountTargetStatus", "The mount target is Pending.", 400);
  if (group) m.AccessGroupName = group.AccessGroupName;
  if (status) m.Status = status;
  call.state.changed();
  return {};
}

/** DeleteMountTarget(FileSystemId, MountTargetDomain) → `{}`. @throws InvalidMountTarget.NotFound 404. */
export function deleteMountTarget(call: RpcCall): Record<string, unknown> {
  nasRegion(call);
  const m = findMountTarget(call, str(call, "FileSystemId", { required: true }), str(call, "MountTargetDomain", { required: true }));
  delete mountTargets(call)[m.MountTargetDomain];
  call.state.changed();
  return {};
}
