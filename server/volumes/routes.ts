import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import type { JobRequest } from "../hosts/service.ts";
import { CreateDataVolumeBody, ResizeVolumeBody, VolumeInventory } from "./schema.ts";
import { volumeInventory, type VolumeService } from "./service.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** REST routes of volumes, following ZStack's `/v1/volumes` API. Attaching to VMs lives with VMs. */
export function registerVolumeRoutes(api: Api, volumes: VolumeService): void {
  const tag = "volumes";
  api.route({
    method: "post", path: "/volumes/data", apiName: "CreateDataVolume", tag, access: "authenticated",
    summary: "Create a data volume",
    description: "ZStack APICreateDataVolumeMsg: size in bytes or a disk offering (exactly one). The volume is NotInstantiated " +
      "and reserves no capacity until attached to a VM, when its file is created. Errors: SYS.1007, SYS.1003 offering or storage.",
    body: CreateDataVolumeBody, response: InventoryReply(VolumeInventory),
    handler: async (req) => ({ body: { inventory: await volumes.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/volumes", apiName: "QueryVolume", tag, access: "authenticated",
    summary: "Query volumes", description: "ZStack APIQueryVolumeMsg; sizes in bytes; format=csv exports.",
    query: QueryParams, response: InventoriesReply(VolumeInventory),
    handler: (req) => volumes.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/volumes/{uuid}", apiName: "GetVolume", tag, access: "authenticated",
    summary: "Get a volume", description: "`{ inventories: [volume] }`; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(VolumeInventory),
    handler: async (req) => ({ body: { inventories: [volumeInventory(await volumes.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "delete", path: "/volumes/{uuid}", apiName: "DeleteDataVolume", tag, access: "authenticated",
    summary: "Delete a data volume",
    description: "ZStack APIDeleteDataVolumeMsg (Delay policy): status Deleted; the file and its capacity stay until expungeVolume; " +
      "recoverVolume undoes it. SYS.1006 for root volumes and volumes attached to a VM.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await volumes.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.action("volumes", {
    action: "recoverVolume", apiName: "RecoverDataVolume", access: "authenticated",
    summary: "Recover a deleted data volume",
    description: "ZStack APIRecoverDataVolumeMsg: Deleted → Ready (NotInstantiated if it never had a file). SYS.1006 when not Deleted.",
    body: z.object({}).strict(), response: InventoryReply(VolumeInventory),
    handler: async (req) => ({ body: { inventory: await volumes.recover(req.auth, req.params.uuid) } }),
  });
  api.action("volumes", {
    action: "expungeVolume", apiName: "ExpungeDataVolume", access: "authenticated", successStatus: 202,
    summary: "Expunge a deleted data volume",
    description: "ZStack APIExpungeDataVolumeMsg, a job: removes the file through the host agent, releases its capacity and " +
      "removes the volume. SYS.1006 when not Deleted.",
    body: z.object({}).strict(), response: Accepted,
    handler: (req) => volumes.expunge(req.auth, jobRequest("ExpungeDataVolume", req), req.params.uuid),
  });
  api.action("volumes", {
    action: "resizeVolume", apiName: "ResizeVolume", access: "authenticated", successStatus: 202,
    summary: "Grow a volume",
    description: "ZStack APIResizeDataVolumeMsg / APIResizeRootVolumeMsg, a job: reserves the extra capacity and grows the qcow2 " +
      "(qemu-img resize). size in bytes, grow only: a smaller size is SYS.1007 (400). The job fails with PS.CAPACITY_EXCEEDED " +
      "when the storage has no room. A NotInstantiated volume just records the new size.",
    body: ResizeVolumeBody, response: Accepted,
    handler: (req) => volumes.resize(req.auth, jobRequest("ResizeVolume", req), req.params.uuid, req.body.size),
  });
  api.action("volumes", {
    action: "resizeRootVolume", apiName: "ResizeRootVolume", access: "authenticated", successStatus: 202,
    summary: "Grow a root volume",
    description: "ZStack APIResizeRootVolumeMsg, a job: size in bytes, grow only (a smaller size is SYS.1007, 400). The VM must be " +
      "Stopped (qemu-img resize) or Running (virsh blockresize, the guest sees the bigger disk at once); other states are SYS.1006 " +
      "(409) naming the state, as is a data volume. The job fails with PS.CAPACITY_EXCEEDED when the storage has no room.",
    body: ResizeVolumeBody, response: Accepted,
    handler: (req) => volumes.resizeRoot(req.auth, jobRequest("ResizeRootVolume", req), req.params.uuid, req.body.size),
  });
}
