import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest, LocalDeleteQuery } from "../../http.ts";
import { syncBody } from "../../vpn/gateways/schema.ts";
import { AliyunRouterInterfaceInventory, CreateRouterInterfaceBody, DeleteRemoteQuery, StartConnectionBody, UpdateRouterInterfaceBody } from "./schema.ts";
import type { RouterInterfaceService } from "./service.ts";

/** REST routes of router interfaces (ZStack's AliyunRouterInterface actions). */
export function registerRouterInterfaceRoutes(api: Api, interfaces: RouterInterfaceService): void {
  const tag = "hybrid: aliyun express connect";
  api.route({
    method: "post", path: "/hybrid/aliyun/router-interface", apiName: "CreateAliyunRouterInterfaceRemote", tag, access: "authenticated",
    summary: "Create a router interface on Alibaba Cloud",
    description: "ZStack CreateAliyunRouterInterfaceRemoteAction `{dataCenterUuid, spec, vRouterUuid, routerType: VBR|VRouter, name, description?}` " +
      "(+ Strata's oppositeRouterUuid / oppositeInterfaceUuid): VPC CreateRouterInterface — a VBR's interface initiates, a VRouter's accepts " +
      "(spec Negative) — then the record; `{inventory}` with status Idle. Errors: SYS.1003, SYS.1007, ALIYUN.<code>.",
    body: CreateRouterInterfaceBody, response: InventoryReply(AliyunRouterInterfaceInventory),
    handler: async (req) => ({ body: { inventory: await interfaces.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/hybrid/aliyun/router-interface", apiName: "QueryAliyunRouterInterfaceFromLocal", tag, access: "authenticated",
    summary: "Query router interfaces", description: "ZStack QueryAliyunRouterInterfaceFromLocalAction.",
    query: QueryParams, response: InventoriesReply(AliyunRouterInterfaceInventory),
    handler: (req) => interfaces.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/hybrid/aliyun/router-interface/{dataCenterUuid}/sync", apiName: "SyncAliyunRouterInterfaceFromRemote", tag, access: "authenticated",
    summary: "Sync a data center's router interfaces",
    description: "ZStack SyncAliyunRouterInterfaceFromRemoteAction: VPC DescribeRouterInterfaces; answers `{inventories}`.",
    params: z.object({ dataCenterUuid: Uuid }), body: syncBody("syncAliyunRouterInterfaceFromRemote"), response: InventoriesReply(AliyunRouterInterfaceInventory),
    handler: async (req) => ({ body: { inventories: await interfaces.syncFor(req.auth, req.params.dataCenterUuid) } }),
  });
  api.action("hybrid/aliyun/router-interface", {
    action: "startConnectionBetweenAliyunRouterInterface", apiName: "StartConnectionBetweenAliyunRouterInterface", access: "authenticated",
    summary: "Connect a VBR interface to a VRouter interface",
    description: "ZStack StartConnectionBetweenAliyunRouterInterfaceAction: the path names the VBR side, the body `{vrouterInterfaceUuid}`. A job (202) " +
      "points the two at each other (ModifyRouterInterfaceAttribute), connects (ConnectRouterInterface) and waits until both are Active; " +
      "result `{inventory}`. Errors: SYS.1003, SYS.1007, ALIYUN.IncorrectStatus, HYBRID.REMOTE_NOT_READY.",
    body: StartConnectionBody, response: JobAccepted, successStatus: 202,
    handler: (req) => interfaces.startConnection(req.auth, jobRequest("StartConnectionBetweenAliyunRouterInterface", req), req.params.uuid, req.body.vrouterInterfaceUuid),
  });
  api.action("hybrid/aliyun/router-interface", {
    action: "updateAliyunRouteInterfaceRemote", apiName: "UpdateAliyunRouteInterfaceRemote", access: "authenticated",
    summary: "Activate or deactivate a router interface",
    description: "ZStack UpdateAliyunRouteInterfaceRemoteAction `{op: active|inactive, vRouterType}`: ActivateRouterInterface / DeactivateRouterInterface. " +
      "Errors: SYS.1003, ALIYUN.IncorrectStatus.",
    body: UpdateRouterInterfaceBody,
    handler: async (req) => {
      await interfaces.update(req.auth, req.params.uuid, req.body.op);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/router-interface/remote/{uuid}", apiName: "DeleteAliyunRouterInterfaceRemote", tag, access: "authenticated",
    summary: "Delete a router interface on Alibaba Cloud",
    description: "ZStack DeleteAliyunRouterInterfaceRemoteAction: a job (202) that deactivates an Active interface, waits, deletes it (VPC " +
      "DeleteRouterInterface) and the record. ALIYUN.DependencyViolation.RouteEntry while routes point at it.",
    params: UuidParams, query: DeleteRemoteQuery, response: JobAccepted, successStatus: 202,
    handler: (req) => interfaces.deleteRemote(req.auth, jobRequest("DeleteAliyunRouterInterfaceRemote", req), req.params.uuid),
  });
  api.route({
    method: "delete", path: "/hybrid/aliyun/router-interface/{uuid}", apiName: "DeleteAliyunRouterInterfaceLocal", tag, access: "authenticated",
    summary: "Delete a router interface record locally",
    description: "ZStack DeleteAliyunRouterInterfaceLocalAction: the record only. SYS.1003.",
    params: UuidParams, query: LocalDeleteQuery,
    handler: async (req) => {
      await interfaces.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
