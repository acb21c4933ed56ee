import { z } from "zod";
import { createBody, Description } from "../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../server/query/spec.ts";

/** Alibaba region id, e.g. cn-hangzhou. */
export const RegionId = z.string().trim().regex(/^[a-z]{2}(-[a-z0-9]+)+$/, "must be an Alibaba region id such as cn-hangzhou");

/** ZStack AddDataCenterFromRemoteAction. */
export const AddDataCenterBody = createBody(z.object({
  regionId: RegionId,
  type: z.literal("aliyun").describe("HybridType; only aliyun is supported"),
  syncZones: z.boolean().optional().describe("Also add every identity zone of the region (DescribeZones)"),
  endpoint: z.string().max(127).optional().describe("Recorded for display; calls go to the regional endpoint or ALIYUN_ENDPOINT_OVERRIDE"),
  description: Description.optional(),
}));
export type AddDataCenterInput = z.infer<typeof AddDataCenterBody>;

/** ZStack DataCenterInventory. */
export const DataCenterInventory = z.object({
  uuid: z.string(), regionId: z.string(), regionName: z.string().nullable(), dcType: z.literal("aliyun"),
  description: z.string().nullable(), endpoint: z.string().nullable(), accountUuid: z.string(),
  lastSyncDate: z.string().nullable().describe("End of the last completed sync (ISO 8601, UTC)"),
  createDate: z.string(), lastOpDate: z.string(),
});

/** ZStack DataCenterProperty (GetDataCenterFromRemote item). */
export const DataCenterProperty = z.object({ regionId: z.string(), regionName: z.string() });

export const dataCenterQuerySpec: QuerySpec = {
  resourceType: "DataCenter",
  fields: {
    uuid: "string", regionId: "string", regionName: "string", dcType: "string", description: "string", endpoint: "string",
    accountUuid: "string", lastSyncDate: "date", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "regionId", "dcType", "accountUuid", "createDate", "lastOpDate"],
};
