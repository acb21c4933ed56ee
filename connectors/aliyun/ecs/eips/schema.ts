import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** HybridType of every EIP action; only aliyun exists. */
const HybridEipType = z.literal("aliyun").describe("HybridType; only aliyun");

/** ZStack CreateHybridEipAction → AllocateEipAddress. */
export const CreateHybridEipBody = createBody(z.object({
  name: z.string().trim().min(1).max(128),
  description: z.string().max(256).optional().describe("Alibaba allows at most 256 characters (ZStack: 2048)"),
  bandWidthMb: z.number().int().min(1).max(200).describe("Peak bandwidth in Mbit/s"),
  type: HybridEipType,
  dataCenterUuid: Uuid,
  chargeType: z.literal("PayByTraffic").describe("Internet charge type; ZStack allows PayByTraffic only"),
}));
/** Input of HybridEipService.create. */
export type CreateHybridEipInput = z.infer<typeof CreateHybridEipBody>;

/** ZStack AttachHybridEipToEcsAction body. */
export const AttachHybridEipBody = z.object({
  params: z.object({ ecsUuid: Uuid.describe("EcsInstance (Running or Stopped) without an EIP"), type: HybridEipType }).strict(),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack DetachHybridEipFromEcsAction body. */
export const DetachHybridEipBody = z.object({
  params: z.object({ type: HybridEipType }).strict(),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** `?type=aliyun` of the EIP deletes (plus deleteMode). */
export const EipDeleteQuery = z.object({
  type: HybridEipType,
  deleteMode: z.enum(["Permissive", "Enforcing"]).default("Permissive"),
}).strict();

/** ZStack UpdateHybridEipAction → ModifyEipAddressAttribute. */
export const UpdateHybridEipBody = z.object({
  name: z.string().trim().min(1).max(128).optional(), description: z.string().max(256).optional(), type: HybridEipType,
}).strict();

/** ZStack SyncHybridEipFromRemoteAction body (`PUT`, key syncHybridEipFromRemote). */
export const SyncHybridEipBody = z.object({
  syncHybridEipFromRemote: z.object({ type: HybridEipType }).strict(),
}).strict();

/** ZStack HybridEipAddressInventory (bandWidth in Mbit/s, a string as in ZStack). */
export const HybridEipInventory = z.object({
  uuid: z.string(), eipId: z.string(), bandWidth: z.string().describe("Mbit/s"), dataCenterUuid: z.string(),
  allocateResourceUuid: z.string().nullable().describe("EcsInstance the EIP is bound to"), allocateResourceType: z.string().nullable(),
  status: z.string().describe("HybridEipStatus: Available, InUse, Associating, Unassociating"), eipAddress: z.string(),
  eipType: z.literal("aliyun"), name: z.string(), chargeType: z.string().nullable(), description: z.string().nullable(),
  allocateTime: z.string(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Queryable fields of HybridEipAddress (QueryHybridEipFromLocal `q=`). */
export const hybridEipQuerySpec: QuerySpec = {
  resourceType: "HybridEipAddress",
  fields: {
    uuid: "string", eipId: "string", eipAddress: "string", name: "string", description: "string", bandWidth: "number", chargeType: "string",
    status: "string", allocateResourceUuid: "string", allocateResourceType: "string", eipType: "string", dataCenterUuid: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "eipId", "eipAddress", "name", "bandWidth", "status", "eipType", "dataCenterUuid", "accountUuid", "createDate", "lastOpDate"],
};
