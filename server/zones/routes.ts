import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import { ChangeZoneStateBody, CreateZoneBody, UpdateZoneBody, ZoneInventory } from "./schema.ts";
import { zoneInventory, type ZoneService } from "./service.ts";

/** REST routes of zones, following ZStack's `/v1/zones` API. */
export function registerZoneRoutes(api: Api, zones: ZoneService): void {
  const tag = "zones";
  api.route({
    method: "post", path: "/zones", apiName: "CreateZone", tag, access: "admin",
    summary: "Create a zone",
    description: "Creates a zone in state Enabled (ZStack APICreateZoneMsg). Errors: SYS.1007 bad input, SYS.1002 resourceUuid taken.",
    body: CreateZoneBody, response: InventoryReply(ZoneInventory),
    handler: async (req) => ({ body: { inventory: await zones.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/zones", apiName: "QueryZone", tag, access: "authenticated",
    summary: "Query zones",
    description: "ZStack APIQueryZoneMsg with q/limit/start/sort/fields/count/replyWithCount; format=csv exports. " +
      "Joined fields: clusters.<field>.",
    query: QueryParams, response: InventoriesReply(ZoneInventory),
    handler: (req) => zones.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/zones/{uuid}", apiName: "GetZone", tag, access: "authenticated",
    summary: "Get a zone", description: "Returns `{ inventories: [zone] }`; SYS.1003 (404) when it does not exist or is not yours.",
    params: UuidParams, response: InventoriesReply(ZoneInventory),
    handler: async (req) => ({ body: { inventories: [zoneInventory(await zones.get(req.auth, req.params.uuid))] } }),
  });
  api.action("zones", {
    action: "updateZone", apiName: "UpdateZone", access: "admin",
    summary: "Update a zone", description: "Changes name, description or isDefault (ZStack APIUpdateZoneMsg).",
    body: UpdateZoneBody, response: InventoryReply(ZoneInventory),
    handler: async (req) => ({ body: { inventory: await zones.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("zones", {
    action: "changeZoneState", apiName: "ChangeZoneState", access: "admin",
    summary: "Enable or disable a zone",
    description: "stateEvent enable|disable (ZStack APIChangeZoneStateMsg); emits ResourceStateChanged.",
    body: ChangeZoneStateBody, response: InventoryReply(ZoneInventory),
    handler: async (req) => ({ body: { inventory: await zones.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/zones/{uuid}", apiName: "DeleteZone", tag, access: "admin",
    summary: "Delete a zone",
    description: "ZStack APIDeleteZoneMsg. Permissive (default) refuses with SYS.1004 while clusters remain; Enforcing deletes them too. " +
      "Either way backup storage attached to the zone is detached from it (it stays, with its images).",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await zones.delete(req.auth, req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
}
