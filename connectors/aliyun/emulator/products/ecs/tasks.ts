import { AliyunError } from "../../core/errors.ts";
import { page, str } from "../../core/params.ts";
import { aliyunTime, newResourceId, type RpcAction, type RpcCall } from "../../core/rpc.ts";
import { moveThrough, publicView, type StoredResource } from "../../core/state.ts";
import { requireRegion, table } from "./common.ts";

/** An asynchronous ECS task (table "Task"), e.g. the ImportImage behind an image import. */
export type TaskRow = StoredResource & {
  TaskId: string;
  TaskAction: string;
  /** Processing → Finished. */
  TaskStatus: string;
  /** Progress, "0%" … "100%". */
  TaskProcess: string;
  ResourceId: string;
  CreationTime: string;
  FinishedTime: string;
  SupportCancel: string;
};

/** Records a task that finishes after `durationMs`; returns its TaskId (`t-…`). */
export function createTask(call: RpcCall, regionId: string, action: string, resourceId: string, durationMs: number): string {
  const taskId = newResourceId("t");
  const row: TaskRow = {
    TaskId: taskId, TaskAction: action, TaskStatus: "Processing", TaskProcess: "0%", ResourceId: resourceId,
    CreationTime: aliyunTime(call.now), FinishedTime: "", SupportCancel: "true",
  };
  moveThrough(row, "TaskStatus", [
    { to: "Processing", afterMs: 0 },
    { to: "Finished", afterMs: durationMs, also: { TaskProcess: "100%", FinishedTime: aliyunTime(call.now + durationMs), SupportCancel: "false" } },
  ], call.now);
  table<TaskRow>(call, "Task", regionId)[taskId] = row;
  return taskId;
}

/**
 * DescribeTasks (RegionId, TaskIds comma list, TaskAction, TaskStatus, PageNumber/PageSize ≤ 100) →
 * `{ RegionId, TaskSet: { Task: [{ TaskId, TaskAction, TaskStatus, ResourceId, CreationTime, FinishedTime, SupportCancel }] }, TotalCount, PageNumber, PageSize }`.
 */
export const describeTasks: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const ids = (str(call, "TaskIds") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const action = str(call, "TaskAction");
  const status = str(call, "TaskStatus");
  const matching = Object.values(table<TaskRow>(call, "Task", regionId))
    .filter((t) => (!ids.length || ids.includes(t.TaskId)) && (!action || t.TaskAction === action) && (!status || t.TaskStatus === status))
    .map((t) => {
      const { TaskProcess: _p, ...rest } = publicView(t);
      return rest;
    });
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 100 });
  return { RegionId: regionId, TaskSet: { Task: items }, ...fields };
};

/** DescribeTaskAttribute (RegionId, TaskId) → the task with TaskProcess and counts. */
export const describeTaskAttribute: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const id = str(call, "TaskId", { required: true });
  const task = table<TaskRow>(call, "Task", regionId)[id];
  if (!task) throw new AliyunError("InvalidTaskId.NotFound", `The specified TaskId "${id}" does not exist.`, 404);
  const finished = task.TaskStatus === "Finished";
  return {
    ...publicView(task), RegionId: regionId, TotalCount: 1, SuccessCount: finished ? 1 : 0, FailedCount: 0,
    OperationProgressSet: { OperationProgress: [{ OperationStatus: finished ? "Success" : "Processing", ErrorCode: "", ErrorMsg: "", RelatedItemSet: { RelatedItem: [{ Name: "ResourceId", Value: task.ResourceId }] } }] },
  };
};
