import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import type { JobRequest } from "../hosts/service.ts";
import { CreateVolumeSnapshotBody, RevertVolumeFromSnapshotBody, UpdateVolumeSnapshotBody, VolumeParams, VolumeSnapshotInventory } from "./schema.ts";
import { volumeSnapshotInventory, type VolumeSnapshotService } from "./service.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** REST routes of volume snapshots, following ZStack's `/v1/volume-snapshots` API. */
export function registerVolumeSnapshotRoutes(api: Api, snapshots: VolumeSnapshotService): void {
  const tag = "volume-snapshots";
  api.route({
    method: "post", path: "/volumes/{volumeUuid}/volume-snapshots", apiName: "CreateVolumeSnapshot", tag, access: "authenticated", successStatus: 202,
    summary: "Take a snapshot of a volume",
    description: "ZStack APICreateVolumeSnapshotMsg, a job whose result is the snapshot (status Ready, latest). A qcow2 internal " +
      "snapshot in the volume's file: taken with qemu-img while the VM is off, with libvirt while it runs (then every qcow2 disk " +
      "of the VM and its memory are snapshotted under the same name; only this volume's is tracked). The snapshot reserves its " +
      "size (over the over-provisioning ratio) on the volume's primary storage until it is deleted. Synchronous errors: SYS.1003 " +
      "volume, SYS.1006 (409) volume not Ready/qcow2 or VM not Running, Paused or Stopped, PS.CAPACITY_EXCEEDED (409) no room.",
    params: VolumeParams, body: CreateVolumeSnapshotBody, response: Accepted,
    handler: (req) => snapshots.create(req.auth, jobRequest("CreateVolumeSnapshot", req), req.params.volumeUuid, req.body),
  });
  api.route({
    method: "get", path: "/volume-snapshots", apiName: "QueryVolumeSnapshot", tag, access: "authenticated",
    summary: "Query volume snapshots", description: "ZStack APIQueryVolumeSnapshotMsg; sizes in bytes; format=csv exports.",
    query: QueryParams, response: InventoriesReply(VolumeSnapshotInventory),
    handler: (req) => snapshots.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/volume-snapshots/{uuid}", apiName: "GetVolumeSnapshot", tag, access: "authenticated",
    summary: "Get a volume snapshot", description: "`{ inventories: [snapshot] }`; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(VolumeSnapshotInventory),
    handler: async (req) => ({ body: { inventories: [volumeSnapshotInventory(await snapshots.get(req.auth, req.params.uuid))] } }),
  });
  api.action("volume-snapshots", {
    action: "updateVolumeSnapshot", apiName: "UpdateVolumeSnapshot", access: "authenticated",
    summary: "Rename a volume snapshot", description: "ZStack APIUpdateVolumeSnapshotMsg: name, description.",
    body: UpdateVolumeSnapshotBody, response: InventoryReply(VolumeSnapshotInventory),
    handler: async (req) => ({ body: { inventory: await snapshots.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("volume-snapshots", {
    action: "revertVolumeFromSnapshot", apiName: "RevertVolumeFromSnapshot", access: "authenticated", successStatus: 202,
    summary: "Revert a volume to a snapshot",
    description: "ZStack APIRevertVolumeFromSnapshotMsg, a job (qemu-img snapshot -a) whose result is the volume; the snapshot " +
      "becomes latest. The volume's VM must be Stopped: otherwise SYS.1006 (409) naming its state.",
    body: RevertVolumeFromSnapshotBody, response: Accepted,
    handler: (req) => snapshots.revert(req.auth, jobRequest("RevertVolumeFromSnapshot", req), req.params.uuid),
  });
  api.route({
    method: "delete", path: "/volume-snapshots/{uuid}", apiName: "DeleteVolumeSnapshot", tag, access: "authenticated", successStatus: 202,
    summary: "Delete a volume snapshot",
    description: "ZStack APIDeleteVolumeSnapshotMsg, a job: removes the internal snapshot from the volume's file and the row; its " +
      "children hang off its parent. SYS.1006 (409) while it is Creating/Deleting or its VM is in a transient state. Both delete " +
      "modes behave alike.",
    params: UuidParams, query: DeleteQuery, response: Accepted,
    handler: (req) => snapshots.delete(req.auth, jobRequest("DeleteVolumeSnapshot", req), req.params.uuid),
  });
}
