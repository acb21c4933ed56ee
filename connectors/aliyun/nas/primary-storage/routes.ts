import type { Api } from "../../../../server/http/api.ts";
import { InventoryReply } from "../../../../server/http/common-schemas.ts";
import { PrimaryStorageInventory } from "../../../../server/primary-storage/schema.ts";
import { AddAliyunNasPrimaryStorageBody } from "./schema.ts";
import type { AliyunNasPrimaryStorageService } from "./service.ts";

/** REST route of the AliyunNAS primary storage (ZStack AddAliyunNasPrimaryStorage); the rest is the ordinary /v1/primary-storage API. */
export function registerAliyunNasPrimaryStorageRoutes(api: Api, storage: AliyunNasPrimaryStorageService): void {
  api.route({
    method: "post", path: "/primary-storage/aliyun/nas", apiName: "AddAliyunNasPrimaryStorage", tag: "primary-storage", access: "admin",
    summary: "Add an AliyunNAS primary storage",
    description: "ZStack AddAliyunNasPrimaryStorageAction `{nasUuid, accessGroupUuid, vSwitchUuid?, url, name, description?, zoneUuid}`: a shared " +
      "primary storage on a NAS file system, reached through its Active mount target with that access group (url: `/dir` on the file system, " +
      "or `<mountDomain>:/dir`). Attach it to clusters as any primary storage: hosts mount `<mountDomain>:/dir` over NFS at " +
      "/opt/strata/nfsprimarystorage/prim-<uuid> (vers=3,nolock,proto=tcp,noresvport). Against the emulator the mount target's local backing " +
      "is used instead: an NFS export, or a local directory used like a SharedMountPoint where no NFS server can run. `{inventory}` " +
      "(PrimaryStorageInventory, type AliyunNAS). Errors: SYS.1003, SYS.1006 no Active mount target with that group, SYS.1002.",
    body: AddAliyunNasPrimaryStorageBody, response: InventoryReply(PrimaryStorageInventory),
    handler: async (req) => ({ body: { inventory: await storage.add(req.auth, req.body) } }),
  });
}
