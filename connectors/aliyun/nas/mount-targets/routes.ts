import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest } from "../../http.ts";
import {
  AddNasMountTargetBody, CreateNasMountTargetBody, NasMountTargetInventory, NasMountTargetProperty, RemoteMountTargetQuery, UpdateNasMountTargetBody,
} from "./schema.ts";
import type { MountTargetService } from "./service.ts";

/** REST routes of NAS mount targets (ZStack CreateAliyunNasMountTarget, AddAliyunNasMountTarget, QueryNasMountTarget, DeleteNasMountTarget). */
export function registerNasMountTargetRoutes(api: Api, targets: MountTargetService): void {
  const tag = "hybrid: aliyun nas";
  api.route({
    method: "post", path: "/nas/aliyun/mount", apiName: "CreateAliyunNasMountTarget", tag, access: "authenticated",
    summary: "Create a NAS mount target on Alibaba Cloud",
    description: "ZStack CreateAliyunNasMountTargetAction `{nasFSUuid, nasAccessGroupUuid, vSwitchUuid, name, description?}`. A DryRun of NAS " +
      "CreateMountTarget answers refusals at once (ALIYUN.OperationDenied.FileSystemStatus, ALIYUN.InvalidParameter for a classic group, " +
      "ALIYUN.QuotaExceeded.MountTarget); then a job (202) creates it in the VSwitch's VPC, waits until Active and records it; result `{inventory}` " +
      "with mountDomain. SYS.1003, SYS.1007.",
    body: CreateNasMountTargetBody, response: JobAccepted, successStatus: 202,
    handler: (req) => targets.create(req.auth, jobRequest("CreateAliyunNasMountTarget", req), req.body),
  });
  api.route({
    method: "put", path: "/nas/aliyun/mount", apiName: "AddAliyunNasMountTarget", tag, access: "authenticated",
    summary: "Record an existing NAS mount target",
    description: "ZStack AddAliyunNasMountTargetAction `{addAliyunNasMountTarget: {nasFSUuid, name, mountDomain}}`. SYS.1003, HYBRID.REMOTE_NOT_FOUND.",
    body: AddNasMountTargetBody, response: InventoryReply(NasMountTargetInventory),
    handler: async (req) => ({ body: { inventory: await targets.add(req.auth, req.body.addAliyunNasMountTarget) } }),
  });
  api.route({
    method: "get", path: "/primary-storage/nas/mount", apiName: "QueryNasMountTarget", tag, access: "authenticated",
    summary: "Query NAS mount targets", description: "ZStack QueryNasMountTargetAction.",
    query: QueryParams, response: InventoriesReply(NasMountTargetInventory),
    handler: (req) => targets.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/nas/aliyun/mount/remote", apiName: "GetAliyunNasMountTargetRemote", tag, access: "authenticated",
    summary: "List a file system's mount targets on Alibaba", description: "ZStack GetAliyunNasMountTargetRemoteAction `?nasFSUuid=&mountDomain=`: NAS DescribeMountTargets; nothing is stored.",
    query: RemoteMountTargetQuery, response: InventoriesReply(NasMountTargetProperty),
    handler: async (req) => ({ body: { inventories: await targets.listRemote(req.auth, req.query.nasFSUuid, req.query.mountDomain) } }),
  });
  api.route({
    method: "put", path: "/primary-storage/nas/mount/{uuid}/actions", apiName: "UpdateNasMountTarget", tag, access: "authenticated",
    summary: "Rename or re-describe a mount target", description: "ZStack UpdateNasMountTargetAction `{updateNasMountTarget: {name?, description?}}`: Strata's record. SYS.1003.",
    params: UuidParams, body: UpdateNasMountTargetBody, response: InventoryReply(NasMountTargetInventory),
    handler: async (req) => ({ body: { inventory: await targets.update(req.auth, req.params.uuid, req.body.updateNasMountTarget) } }),
  });
  api.route({
    method: "delete", path: "/primary-storage/nas/mount/{uuid}", apiName: "DeleteNasMountTarget", tag, access: "authenticated",
    summary: "Delete a NAS mount target",
    description: "ZStack DeleteNasMountTargetAction: NAS DeleteMountTarget, then the record. SYS.1004 while an AliyunNAS primary storage mounts it; SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await targets.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
