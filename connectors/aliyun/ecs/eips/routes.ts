import { z } from "zod";
import type { Api } from "../../../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../../../../server/http/common-schemas.ts";
import { JobAccepted, jobRequest } from "../../http.ts";
import {
  AttachHybridEipBody, CreateHybridEipBody, DetachHybridEipBody, EipDeleteQuery, HybridEipInventory, SyncHybridEipBody, UpdateHybridEipBody,
} from "./schema.ts";
import type { HybridEipService } from "./service.ts";

/** REST routes of hybrid EIPs (ZStack CreateHybridEip, AttachHybridEipToEcs, QueryHybridEipFromLocal, ...). */
export function registerHybridEipRoutes(api: Api, eips: HybridEipService): void {
  const tag = "hybrid: EIPs";
  const EipParams = z.object({ eipUuid: Uuid });
  api.route({
    method: "post", path: "/hybrid/eip", apiName: "CreateHybridEip", tag, access: "authenticated",
    summary: "Allocate an EIP", description: "ZStack CreateHybridEipAction → AllocateEipAddress (bandWidthMb Mbit/s 1–200, PayByTraffic). " +
      "Quota eip.num (ID.1003); Alibaba's own quota: ALIYUN.QuotaExceeded.Eip (409).",
    body: CreateHybridEipBody, response: InventoryReply(HybridEipInventory),
    handler: async (req) => ({ body: { inventory: await eips.create(req.auth, req.body) } }),
  });
  api.route({
    method: "post", path: "/hybrid/eip/{eipUuid}/attach", apiName: "AttachHybridEipToEcs", tag, access: "authenticated", successStatus: 202,
    summary: "Bind an EIP to an ECS instance", description: "ZStack AttachHybridEipToEcsAction: AssociateEipAddress now (ALIYUN.IncorrectEipStatus, " +
      "InvalidAssociation.Duplicated, IncorrectInstanceStatus as 4xx), then a job waits for InUse. Result `{ inventory }`.",
    params: EipParams, body: AttachHybridEipBody, response: JobAccepted,
    handler: (req) => eips.attach(req.auth, jobRequest("AttachHybridEipToEcs", req), req.params.eipUuid, req.body.params.ecsUuid),
  });
  api.route({
    method: "post", path: "/hybrid/eip/{eipUuid}/detach", apiName: "DetachHybridEipFromEcs", tag, access: "authenticated", successStatus: 202,
    summary: "Unbind an EIP", description: "ZStack DetachHybridEipFromEcsAction: UnassociateEipAddress now, then a job waits for Available.",
    params: EipParams, body: DetachHybridEipBody, response: JobAccepted,
    handler: (req) => eips.detach(req.auth, jobRequest("DetachHybridEipFromEcs", req), req.params.eipUuid),
  });
  api.route({
    method: "delete", path: "/hybrid/eip/{uuid}/remote", apiName: "DeleteHybridEipRemote", tag, access: "authenticated",
    summary: "Release an EIP on Alibaba", description: "ZStack DeleteHybridEipRemoteAction (`?type=aliyun`): ReleaseEipAddress (unbound EIPs only: ALIYUN.IncorrectEipStatus), then the record.",
    params: UuidParams, query: EipDeleteQuery,
    handler: async (req) => {
      await eips.deleteRemote(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "delete", path: "/hybrid/eip/{uuid}", apiName: "DeleteHybridEipFromLocal", tag, access: "authenticated",
    summary: "Delete an EIP's record", description: "ZStack DeleteHybridEipFromLocalAction (`?type=aliyun`): Strata's record only.",
    params: UuidParams, query: EipDeleteQuery,
    handler: async (req) => {
      await eips.deleteLocal(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "get", path: "/hybrid/eip", apiName: "QueryHybridEipFromLocal", tag, access: "authenticated",
    summary: "Query EIPs", description: "ZStack QueryHybridEipFromLocalAction (HybridEipAddressInventory; bandWidth Mbit/s).",
    query: QueryParams, response: InventoriesReply(HybridEipInventory),
    handler: (req) => eips.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "put", path: "/hybrid/eip/{dataCenterUuid}/sync", apiName: "SyncHybridEipFromRemote", tag, access: "authenticated", successStatus: 202,
    summary: "Sync a data center's EIPs", description: "ZStack SyncHybridEipFromRemoteAction (`{ syncHybridEipFromRemote: { type: aliyun } }`), a job. " +
      "Result `{ results: { HybridEipAddress: {created, updated, deleted} } }`.",
    params: z.object({ dataCenterUuid: Uuid }), body: SyncHybridEipBody, response: JobAccepted,
    handler: (req) => eips.submitSync(req.auth, jobRequest("SyncHybridEipFromRemote", req), req.params.dataCenterUuid),
  });
  api.action("hybrid/eip", {
    action: "updateHybridEip", apiName: "UpdateHybridEip", access: "authenticated",
    summary: "Update an EIP", description: "ZStack UpdateHybridEipAction → ModifyEipAddressAttribute: name, description.",
    body: UpdateHybridEipBody, response: InventoryReply(HybridEipInventory),
    handler: async (req) => ({ body: { inventory: await eips.update(req.auth, req.params.uuid, req.body) } }),
  });
}
