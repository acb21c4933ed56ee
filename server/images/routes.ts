import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { RevokeResourceSharingBody, ShareResourceBody } from "../sharing/schema.ts";
import {
  AddImageBody, ChangeImageStateBody, CreateTemplateBody, EmptyActionBody, ImageInventory, RootVolumeParams, SnapshotParams, UpdateImageBody, VolumeParams,
} from "./schema.ts";
import { imageInventory, type ImageJobRequest, type ImageService } from "./service.ts";
import type { ImageTemplateService } from "./templates.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): ImageJobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** REST routes of images, following ZStack's `/v1/images` API. */
export function registerImageRoutes(api: Api, images: ImageService): void {
  const tag = "images";
  api.route({
    method: "post", path: "/images", apiName: "AddImage", tag, access: "authenticated", successStatus: 202,
    summary: "Add an image",
    description: "ZStack APIAddImageMsg, a job: downloads url (http, https, or file:/// on the management node for admins) into each " +
      "backup storage, with progress, MD5 and SHA-256; qemu-img detects the format (or verifies the declared one). The job's result " +
      "is the image inventory (status Ready); it fails with IMAGE.DOWNLOAD_FAILED, IMAGE.FORMAT_MISMATCH, IMAGE.CORRUPT, " +
      "IMAGE.UNSUPPORTED or ID.1003 (image.size) and leaves no image and no file. Synchronous: SYS.1007, ID.1002 (file:// by a " +
      "non-admin), SYS.1003 backup storage, SYS.1006 backup storage Disabled/Disconnected/attached to no zone, ID.1003 image.num.",
    body: AddImageBody, response: Accepted,
    handler: (req) => images.add(req.auth, jobRequest("AddImage", req), req.body),
  });
  api.route({
    method: "get", path: "/images", apiName: "QueryImage", tag, access: "authenticated",
    summary: "Query images",
    description: "ZStack APIQueryImageMsg: own, shared-with-you and public images (admin: all). Joined fields backupStorageRefs.<field>; format=csv exports.",
    query: QueryParams, response: InventoriesReply(ImageInventory),
    handler: (req) => images.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/images/{uuid}", apiName: "GetImage", tag, access: "authenticated",
    summary: "Get an image", description: "`{ inventories: [image] }`; SYS.1003 (404) when missing or not visible.",
    params: UuidParams, response: InventoriesReply(ImageInventory),
    handler: async (req) => ({ body: { inventories: [imageInventory(await images.get(req.auth, req.params.uuid))] } }),
  });
  api.action("images", {
    action: "updateImage", apiName: "UpdateImage", access: "authenticated",
    summary: "Update an image", description: "ZStack APIUpdateImageMsg: name, description, guestOsType, platform, architecture. Owner or admin.",
    body: UpdateImageBody, response: InventoryReply(ImageInventory),
    handler: async (req) => ({ body: { inventory: await images.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("images", {
    action: "changeImageState", apiName: "ChangeImageState", access: "authenticated",
    summary: "Enable or disable an image", description: "ZStack APIChangeImageStateMsg: stateEvent enable|disable. A Disabled image makes no new VMs.",
    body: ChangeImageStateBody, response: InventoryReply(ImageInventory),
    handler: async (req) => ({ body: { inventory: await images.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.action("images", {
    action: "recoverImage", apiName: "RecoverImage", access: "authenticated",
    summary: "Recover a deleted image", description: "ZStack APIRecoverImageMsg: Deleted → Ready. SYS.1006 when the image is not Deleted.",
    body: EmptyActionBody, response: InventoryReply(ImageInventory),
    handler: async (req) => ({ body: { inventory: await images.recover(req.auth, req.params.uuid) } }),
  });
  api.action("images", {
    action: "expungeImage", apiName: "ExpungeImage", access: "authenticated",
    summary: "Expunge a deleted image",
    description: "ZStack APIExpungeImageMsg: removes the files on every backup storage and the image. SYS.1006 unless the image is Deleted.",
    body: EmptyActionBody,
    handler: async (req) => {
      await images.expunge(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.action("images", {
    action: "shareResource", apiName: "ShareImage", access: "authenticated",
    summary: "Share an image",
    description: "ZStack APIShareResourceMsg: accountUuids and/or toPublic. Receivers see the image and may create VMs from it; " +
      "only its owner (or an admin) changes it. Errors: SYS.1003 image or account, ID.1002 not the owner.",
    body: ShareResourceBody, response: InventoryReply(ImageInventory),
    handler: async (req) => ({ body: { inventory: await images.share(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("images", {
    action: "revokeResourceSharing", apiName: "RevokeImageSharing", access: "authenticated",
    summary: "Stop sharing an image", description: "ZStack APIRevokeResourceSharingMsg: accountUuids, toPublic and/or all.",
    body: RevokeResourceSharingBody, response: InventoryReply(ImageInventory),
    handler: async (req) => ({ body: { inventory: await images.revokeSharing(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "delete", path: "/images/{uuid}", apiName: "DeleteImage", tag, access: "authenticated",
    summary: "Delete an image",
    description: "ZStack APIDeleteImageMsg: status Deleted; the files stay until expungeImage, and recoverImage brings it back. " +
      "SYS.1006 while it is downloading. Both delete modes behave alike.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await images.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}

/** REST routes of images made from volumes and snapshots (ZStack's `/v1/images/*-templates/from/...`). */
export function registerImageTemplateRoutes(api: Api, templates: ImageTemplateService): void {
  const tag = "images";
  const common = "A job whose result is the image (status Creating until then, Ready after): the volume's host flattens the volume " +
    "(qemu-img convert, no backing file) and uploads it to the first backup storage; the image gets size, actualSize, MD5 and SHA-256 " +
    "and is copied to the other backup storages. A failure removes the image and its files. Synchronous errors: SYS.1007, SYS.1003, " +
    "SYS.1006 (409) when the volume is not Ready or its VM is not Stopped (the state is named), or a backup storage is unusable, " +
    "ID.1003 image.num.";
  api.route({
    method: "post", path: "/images/root-volume-templates/from/volumes/{rootVolumeUuid}", apiName: "CreateRootVolumeTemplateFromRootVolume",
    tag, access: "authenticated", successStatus: 202,
    summary: "Create a root volume template from a root volume",
    description: `ZStack APICreateRootVolumeTemplateFromRootVolumeMsg. ${common} platform and architecture default to the VM's.`,
    params: RootVolumeParams, body: CreateTemplateBody, response: Accepted,
    handler: (req) => templates.fromRootVolume(req.auth, jobRequest("CreateRootVolumeTemplateFromRootVolume", req), req.params.rootVolumeUuid, req.body),
  });
  api.route({
    method: "post", path: "/images/data-volume-templates/from/volumes/{volumeUuid}", apiName: "CreateDataVolumeTemplateFromVolume",
    tag, access: "authenticated", successStatus: 202,
    summary: "Create a data volume template from a volume",
    description: `ZStack APICreateDataVolumeTemplateFromVolumeMsg. ${common}`,
    params: VolumeParams, body: CreateTemplateBody, response: Accepted,
    handler: (req) => templates.fromVolume(req.auth, jobRequest("CreateDataVolumeTemplateFromVolume", req), req.params.volumeUuid, req.body),
  });
  api.route({
    method: "post", path: "/images/root-volume-templates/from/volume-snapshots/{snapshotUuid}", apiName: "CreateRootVolumeTemplateFromVolumeSnapshot",
    tag, access: "authenticated", successStatus: 202,
    summary: "Create a root volume template from a volume snapshot",
    description: `ZStack APICreateRootVolumeTemplateFromVolumeSnapshotMsg: the volume as it was when the snapshot was taken. ${common}`,
    params: SnapshotParams, body: CreateTemplateBody, response: Accepted,
    handler: (req) => templates.fromSnapshot(req.auth, jobRequest("CreateRootVolumeTemplateFromVolumeSnapshot", req), req.params.snapshotUuid, req.body),
  });
}
