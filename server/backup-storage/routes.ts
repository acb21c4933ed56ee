import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Express } from "express";
import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { IMAGE_STORE_PATH, type ImageStoreService } from "./image-store.ts";
import {
  AddImageStoreBackupStorageBody, BackupStorageInventory, ChangeBackupStorageStateBody, UpdateBackupStorageBody, ZoneBackupStorageParams,
} from "./schema.ts";
import { backupStorageInventory, type BackupStorageService } from "./service.ts";

/** REST routes of backup storages, following ZStack's `/v1/backup-storage` API. */
export function registerBackupStorageRoutes(api: Api, storages: BackupStorageService): void {
  const tag = "backup-storage";
  api.route({
    method: "post", path: "/backup-storage/image-store", apiName: "AddImageStoreBackupStorage", tag, access: "admin",
    summary: "Add an ImageStore backup storage",
    description: "ZStack APIAddImageStoreBackupStorageMsg: url is an absolute directory on the management node (created if missing), " +
      "hostname the host[:port] hostds download images from (default: this request's Host). State Enabled; capacity (bytes) from " +
      "statfs. Errors: SYS.1007 directory not usable, SYS.1002 directory already used or resourceUuid taken.",
    body: AddImageStoreBackupStorageBody, response: InventoryReply(BackupStorageInventory),
    handler: async (req) => ({ body: { inventory: await storages.addImageStore(req.auth, req.body, hostOf(req.baseUrl)) } }),
  });
  api.route({
    method: "get", path: "/backup-storage", apiName: "QueryBackupStorage", tag, access: "authenticated",
    summary: "Query backup storages",
    description: "ZStack APIQueryBackupStorageMsg; capacities are re-read first. Joined fields zones.zoneUuid; format=csv exports. " +
      "Every account may list backup storages (it names one when adding an image); only admins change them.",
    query: QueryParams, response: InventoriesReply(BackupStorageInventory),
    handler: (req) => storages.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/backup-storage/{uuid}", apiName: "GetBackupStorage", tag, access: "authenticated",
    summary: "Get a backup storage", description: "`{ inventories: [backupStorage] }` with capacity re-read; SYS.1003 (404) when missing.",
    params: UuidParams, response: InventoriesReply(BackupStorageInventory),
    handler: async (req) => ({ body: { inventories: [backupStorageInventory(await storages.get(req.auth, req.params.uuid))] } }),
  });
  api.action("backup-storage", {
    action: "updateBackupStorage", apiName: "UpdateBackupStorage", access: "admin",
    summary: "Update a backup storage", description: "ZStack APIUpdateBackupStorageMsg: name, description, hostname.",
    body: UpdateBackupStorageBody, response: InventoryReply(BackupStorageInventory),
    handler: async (req) => ({ body: { inventory: await storages.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("backup-storage", {
    action: "changeBackupStorageState", apiName: "ChangeBackupStorageState", access: "admin",
    summary: "Enable or disable a backup storage",
    description: "ZStack APIChangeBackupStorageStateMsg: stateEvent enable|disable. No new image is added to a Disabled backup storage.",
    body: ChangeBackupStorageStateBody, response: InventoryReply(BackupStorageInventory),
    handler: async (req) => ({ body: { inventory: await storages.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "post", path: "/zones/{zoneUuid}/backup-storage/{backupStorageUuid}", apiName: "AttachBackupStorageToZone", tag, access: "admin",
    summary: "Attach a backup storage to a zone",
    description: "ZStack APIAttachBackupStorageToZoneMsg; capacity is re-read. Errors: SYS.1003 zone or backup storage, SYS.1002 already attached.",
    params: ZoneBackupStorageParams, response: InventoryReply(BackupStorageInventory),
    handler: async (req) => ({ body: { inventory: await storages.attachToZone(req.auth, req.params.zoneUuid, req.params.backupStorageUuid) } }),
  });
  api.route({
    method: "delete", path: "/zones/{zoneUuid}/backup-storage/{backupStorageUuid}", apiName: "DetachBackupStorageFromZone", tag, access: "admin",
    summary: "Detach a backup storage from a zone",
    description: "ZStack APIDetachBackupStorageFromZoneMsg. Images stay on it. Errors: SYS.1003 backup storage, SYS.1006 not attached to that zone.",
    params: ZoneBackupStorageParams, response: InventoryReply(BackupStorageInventory),
    handler: async (req) => ({ body: { inventory: await storages.detachFromZone(req.auth, req.params.zoneUuid, req.params.backupStorageUuid) } }),
  });
  api.route({
    method: "delete", path: "/backup-storage/{uuid}", apiName: "DeleteBackupStorage", tag, access: "admin",
    summary: "Delete a backup storage",
    description: "ZStack APIDeleteBackupStorageMsg. Permissive (default) refuses with SYS.1004 while images are stored on it; Enforcing " +
      "removes their copies (expunging images left with none). SYS.1006 while an image downloads to it. The directory stays.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await storages.delete(req.auth, req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
}

/** `host[:port]` of the URL the caller used; undefined when its Host header is not a valid host. */
function hostOf(baseUrl: string): string | undefined {
  try {
    return new URL(baseUrl).host || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Mounts `GET /image-store/{backupStorageUuid}/{imageUuid}` on the app: streams an image file to
 * a hostd that presents the image's token as `Authorization: Bearer <token>` (see
 * ImageStoreService). Mount it before the session middleware, which would otherwise read the
 * bearer token as a session uuid. Answers 401 ID.1001 for a wrong or missing token, 404
 * SYS.1003 when the image has no Ready copy there. Not part of /v1 nor of the OpenAPI document.
 * `PUT` on the same path receives an image a hostd uploads (upload token, image Creating).
 */
export function registerImageStoreServing(app: Express, store: ImageStoreService): void {
  app.get(`${IMAGE_STORE_PATH}/:backupStorageUuid/:imageUuid`, async (req, res) => {
    const { backupStorageUuid, imageUuid } = req.params;
    const file = await store.open(backupStorageUuid, imageUuid, req.header("authorization"));
    res.status(200).set({ "Content-Type": "application/octet-stream", "Content-Length": String(file.size), "Cache-Control": "no-store" });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    // Headers are sent: a failure now (the hostd hung up) can only end the connection.
    await pipeline(createReadStream(file.path), res).catch(() => res.destroy());
  });
  // The way back: hostd uploads a volume exported as a template (see ImageStoreService.receive).
  // Bodies are streamed to disk, never parsed (express.json skips application/octet-stream).
  app.put(`${IMAGE_STORE_PATH}/:backupStorageUuid/:imageUuid`, async (req, res) => {
    const { backupStorageUuid, imageUuid } = req.params;
    const got = await store.receive(backupStorageUuid, imageUuid, req.header("authorization"), req);
    res.status(200).json({ size: got.size, md5: got.md5, sha256: got.sha256 });
  });
}
