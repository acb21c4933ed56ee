import { z } from "zod";
import type { Api } from "../http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid } from "../http/common-schemas.ts";
import { L3NetworkInventory, L3Params } from "../l3-networks/schema.ts";
import type { NetworkServiceService } from "./service.ts";

const ProviderInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), type: z.string(),
  networkServiceTypes: z.array(z.string()), createDate: z.string(), lastOpDate: z.string(),
});

/** `{ <providerUuid>: ["DHCP", "Userdata"] }` (ZStack's networkServices map). */
const ServiceMap = z.record(Uuid, z.array(z.string().min(1).max(32)).min(1).max(10))
  .refine((m) => Object.keys(m).length > 0, "must name at least one provider")
  .describe("Provider uuid → service types, e.g. { \"<flat provider uuid>\": [\"DHCP\", \"Userdata\"] }");

/** ZStack APIAttachNetworkServiceToL3NetworkMsg: the body is NOT wrapped in `params`. */
const AttachBody = z.object({ networkServices: ServiceMap, systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional() }).strict();

/** Detach query: `networkServices` as the same map in JSON (URL-encoded), as ZStack's SDK sends a DELETE's map. */
const DetachQuery = z.object({
  networkServices: z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object { providerUuid: [types] }" });
      return z.NEVER;
    }
  }).pipe(ServiceMap),
}).strict();

/** REST routes of network service providers and their attachment to L3 networks. */
export function registerNetworkServiceRoutes(api: Api, services: NetworkServiceService): void {
  const tag = "network-services";
  api.route({
    method: "get", path: "/network-services/providers", apiName: "QueryNetworkServiceProvider", tag, access: "authenticated",
    summary: "Query network service providers",
    description: "ZStack APIQueryNetworkServiceProviderMsg. Strata has the Flat provider (types DHCP, Userdata, DNS), created at start.",
    query: QueryParams, response: InventoriesReply(ProviderInventory),
    handler: (req) => services.queryProviders(req.auth, req.rawQuery),
  });
  api.route({
    method: "post", path: "/l3-networks/{l3NetworkUuid}/network-services", apiName: "AttachNetworkServiceToL3Network", tag, access: "admin",
    summary: "Attach network services to an L3 network",
    description: "ZStack APIAttachNetworkServiceToL3NetworkMsg, body `{ networkServices: { <providerUuid>: [\"DHCP\", ...] } }` (not in " +
      "params). SYS.1003 provider, SYS.1007 type not offered, SYS.1006 type attached from another provider.",
    params: L3Params, body: AttachBody, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await services.attach(req.auth, req.params.l3NetworkUuid, req.body.networkServices) } }),
  });
  api.route({
    method: "delete", path: "/l3-networks/{l3NetworkUuid}/network-services", apiName: "DetachNetworkServiceFromL3Network", tag, access: "admin",
    summary: "Detach network services from an L3 network",
    description: "ZStack APIDetachNetworkServiceFromL3NetworkMsg: `?networkServices=<URL-encoded JSON map>` like the attach body's.",
    params: L3Params, query: DetachQuery, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await services.detach(req.auth, req.params.l3NetworkUuid, req.query.networkServices) } }),
  });
}
