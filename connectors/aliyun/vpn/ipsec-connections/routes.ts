import type { Api } from "../../../../server/http/api.ts";
import { DeleteQuery, InventoriesReply, QueryParams, UuidParams } from "../../../../server/http/common-schemas.ts";
import { IPsecConnectionInventory } from "./schema.ts";
import type { IPsecConnectionService } from "./service.ts";

/** REST routes of the local IPsec records (ZStack QueryIPSecConnection `GET /ipsec`, DeleteIPsecConnection `DELETE /ipsec/{uuid}`). */
export function registerIPsecConnectionRoutes(api: Api, ipsec: IPsecConnectionService): void {
  const tag = "hybrid: aliyun vpn";
  api.route({
    method: "get", path: "/ipsec", apiName: "QueryIPSecConnection", tag, access: "authenticated",
    summary: "Query local IPsec connections",
    description: "ZStack QueryIPSecConnectionAction. The records the quick VPN connection writes: what the local VPC router must be configured " +
      "with (peer address, peer CIDRs, PSK as authKey, IKE/IPsec algorithms in ZStack's names). Strata does not run the local endpoint.",
    query: QueryParams, response: InventoriesReply(IPsecConnectionInventory),
    handler: (req) => ipsec.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/ipsec/{uuid}", apiName: "DeleteIPsecConnection", tag, access: "authenticated",
    summary: "Delete a local IPsec connection record",
    description: "ZStack DeleteIPsecConnectionAction: the record and local routes through it; the Alibaba side is untouched. SYS.1003.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await ipsec.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
}
