import { AliyunError, Errors } from "../../core/errors.ts";
import { bool, list, str } from "../../core/params.ts";
import { aliyunTime, type RpcAction, type RpcCall } from "../../core/rpc.ts";
import { moveThrough, type StoredResource } from "../../core/state.ts";
import { incorrectInstanceStatus, requireRegion, table, transitionMs } from "./common.ts";
import type { DiskRow } from "./disks.ts";
import { requireInstance, type InstanceRow } from "./instance-row.ts";
import { scheduleStart } from "./instances.ts";

/*
 * Start, stop, reboot and delete. Each refuses an instance in the wrong status with
 * IncorrectInstanceStatus (403), which is what clients poll around in real life.
 */

/** StartInstance (InstanceId) → `{}`. Stopped → Starting → Running. */
export const startInstance: RpcAction = (call) => {
  const { row } = requireInstance(call, str(call, "InstanceId", { required: true }));
  if (row.Status !== "Stopped") throw incorrectInstanceStatus();
  scheduleStart(call, row, "Starting");
  return {};
};

/** StopInstance (InstanceId, ForceStop, StoppedMode) → `{}`. Running → Stopping → Stopped (ForceStop halves the wait). */
export const stopInstance: RpcAction = (call) => {
  const { row } = requireInstance(call, str(call, "InstanceId", { required: true }));
  if (row.Status !== "Running") throw incorrectInstanceStatus();
  const force = bool(call, "ForceStop");
  const t = force ? Math.round(transitionMs(call) / 2) : transitionMs(call);
  const mode = str(call, "StoppedMode") ?? "KeepCharging";
  if (!["KeepCharging", "StopCharging"].includes(mode)) throw Errors.invalidParameter("StoppedMode", "must be KeepCharging or StopCharging");
  moveThrough(row, "Status", [{ to: "Stopping", afterMs: 0 }, { to: "Stopped", afterMs: t, also: { StoppedMode: mode } }], call.now);
  return {};
};

/** RebootInstance (InstanceId, ForceStop) → `{}`. Running → Stopping → Starting → Running. */
export const rebootInstance: RpcAction = (call) => {
  const { row } = requireInstance(call, str(call, "InstanceId", { required: true }));
  if (row.Status !== "Running") throw incorrectInstanceStatus();
  const t = transitionMs(call);
  moveThrough(row, "Status", [
    { to: "Stopping", afterMs: 0 },
    { to: "Starting", afterMs: Math.round(t / 2) },
    { to: "Running", afterMs: t, also: { StartTime: aliyunTime(call.now + t) } },
  ], call.now);
  return {};
};

/** Only Stopped instances may be deleted, unless Force=true (then anything but Pending). */
function checkDeletable(row: InstanceRow, force: boolean): void {
  if (row.Status === "Stopped") return;
  if (force && row.Status !== "Pending") return;
  throw incorrectInstanceStatus();
}

/**
 * Removes an instance: its system disk and DeleteWithInstance data disks go with it, other data
 * disks become Available, and an associated EIP (VPC product's "EipAddress") is released from it.
 */
function release(call: RpcCall, regionId: string, row: InstanceRow): void {
  const disks = table<DiskRow>(call, "Disk", regionId);
  for (const d of Object.values(disks)) {
    if (d.InstanceId !== row.InstanceId) continue;
    if (d.Type === "system" || d.DeleteWithInstance) delete disks[d.DiskId];
    else Object.assign(d, { Status: "Available", InstanceId: "", Device: "", DetachedTime: aliyunTime(call.now), Attachments: { Attachment: [] } });
  }
  for (const eip of Object.values(table<StoredResource>(call, "EipAddress", regionId))) {
    if (eip.InstanceId === row.InstanceId) Object.assign(eip, { InstanceId: "", InstanceType: "", Status: "Available" });
  }
  delete table<InstanceRow>(call, "Instance", regionId)[row.InstanceId];
}

/**
 * DeleteInstance (InstanceId, Force) → `{}`.
 * @throws IncorrectInstanceStatus (403) for a Running instance without Force=true.
 */
export const deleteInstance: RpcAction = (call) => {
  const { row, regionId } = requireInstance(call, str(call, "InstanceId", { required: true }));
  checkDeletable(row, bool(call, "Force"));
  release(call, regionId, row);
  return {};
};

/**
 * DeleteInstances (RegionId, InstanceId.N 1..100, Force) → `{}`. All are checked before any is
 * deleted, so a refusal deletes none.
 */
export const deleteInstances: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const ids = list(call, "InstanceId");
  if (!ids.length) throw Errors.missingParameter("InstanceId.1");
  if (ids.length > 100) throw new AliyunError("InvalidParameter.InstanceIdsCount", "At most 100 instances can be deleted at a time.", 400);
  const force = bool(call, "Force");
  const rows = ids.map((id) => requireInstance(call, id).row);
  for (const row of rows) checkDeletable(row, force);
  for (const row of rows) release(call, regionId, row);
  return {};
};
