import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import { AddNasFileSystemBody, CreateNasFileSystemBody, NasFileSystemInventory, NasFileSystemProperty, RemoteFileSystemQuery, UpdateNasFileSystemBody } from "./schema.ts";
import type { NasFileSystemService } from "./service.ts";

/** REST routes of NAS file systems (ZStack CreateAliyunNasFileSystem, AddAliyunNasFileSystem, QueryNasFileSystem, ...). */
export function registerNasFileSystemRoutes(api: Api, fileSystems: NasFileSystemService): void {
  const tag = "hybrid: aliyun nas";
  api.route({
    method: "post", path: "/nas/aliyun", apiName: "CreateAliyunNasFileSystem", tag, access: "authenticated",
    summary: "Create a NAS file system on Alibaba Cloud",
    description: "ZStack CreateAliyunNasFileSystemAction `{dataCenterUuid, storageType: Performance|Capacity, protocol=NFS, name, description?}`. A DryRun of " +
      "NAS CreateFileSystem answers refusals at once; then a job (202) creates it (ClientToken), waits until Running and records it; result `{inventory}`. " +
      "Errors: SYS.1003, HYBRID.NO_KEY, ALIYUN.QuotaExceeded.FileSystem, HYBRID.REMOTE_NOT_READY.",
    body: CreateNasFileSystemBody, response: JobAccepted, successStatus: 202,
    handler: (req) => fileSystems.create(req.auth, jobRequest("CreateAliyunNasFileSystem", req), req.body),
  });
  api.route({
    method: "put", path: "/nas/aliyun", apiName: "AddAliyunNasFileSystem", tag, access: "authenticated",
    summary: "Take over an existing NAS file system",
    description: "ZStack AddAliyunNasFileSystemAction `{addAliyunNasFileSystem: {fileSystemId, name, dataCenterUuid}}`: NAS DescribeFileSystems, then " +
      "records of the file system and its mount targets. Errors: SYS.1003, HYBRID.REMOTE_NOT_FOUND.",
    body: AddNasFileSystemBody, response: InventoryReply(NasFileSystemInventory),
    handler: async (req) => ({ body: { inventory: await fileSystems.add(req.auth, req.body.addAliyunNasFileSystem) } }),
  });
  api.route({
    method: "get", path: "/nas/aliyun/remote", apiName: "GetAliyunNasFileSystemRemote", tag, access: "authenticated",
    summary: "List Alibaba's NAS file systems", description: "ZStack GetAliyunNasFileSystemRemoteAction `?dataCenterUuid=&fileSystemId=`: nothing is stored.",
    query: RemoteFileSystemQuery, response: InventoriesReply(NasFileSystemProperty),
    handler: async (req) => ({ body: { inventories: await fileSystems.listRemote(req.auth, req.query.dataCenterUuid, req.query.fileSystemId) } }),
  });
  api.route({
    method: "get", path: "/primary-storage/nas", apiName: "QueryNasFileSystem", tag, access: "authenticated",
    summary: "Query NAS file systems", description: "ZStack QueryNasFileSystemAction.",
    query: QueryParams, response: InventoriesReply(NasFileSystemInventory),
    handler: (req) => fileSystems.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/primary-storage/nas/{uuid}/actions", apiName: "UpdateNasFileSystem", tag, access: "authenticated",
    summary: "Rename or re-describe a NAS file system",
    description: "ZStack UpdateNasFileSystemAction `{updateNasFileSystem: {name?, description?}}`: a description also goes to Alibaba (NAS ModifyFileSystem).",
    params: UuidParams, body: UpdateNasFileSystemBody, response: InventoryReply(NasFileSystemInventory),
    handler: async (req) => ({ body: { inventory: await fileSystems.update(req.auth, req.params.uuid, req.body.updateNasFileSystem) } }),
  });
  api.route({
    method: "delete", path: "/primary-storage/nas/{uuid}", apiName: "DeleteNasFileSystem", tag, access: "authenticated",
    summary: "Delete a NAS file system record locally",
    description: "ZStack DeleteNasFileSystemAction: Strata's records of the file system and its mount targets; Alibaba keeps it. " +
      "SYS.1004 while an AliyunNAS primary storage is made from it; SYS.1003.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await fileSystems.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/nas/aliyun/{uuid}/remote", apiName: "DeleteAliyunNasFileSystemRemote", tag, access: "authenticated",
    summary: "Delete a NAS file system on Alibaba Cloud",
    description: "Strata: NAS DeleteFileSystem, then the record. ALIYUN.OperationDenied.HasMountTargets (409) while mount targets remain; " +
      "SYS.1004 while an AliyunNAS primary storage is made from it; SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await fileSystems.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
