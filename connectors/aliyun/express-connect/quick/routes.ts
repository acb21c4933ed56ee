import type { Api } from "../../../../server/http/api.ts";
import { JobAccepted, jobRequest } from "../../http.ts";
import { QuickExpressConnectBody } from "./schema.ts";
import type { QuickExpressConnectService } from "./service.ts";

/** REST route of the quick Express Connect (Strata; ZStack's UI wizard 快速建立高速通道 has no single API). */
export function registerQuickExpressConnectRoutes(api: Api, quick: QuickExpressConnectService): void {
  api.route({
    method: "post", path: "/hybrid/aliyun/express-connect/quick", apiName: "CreateExpressConnectQuickly", tag: "hybrid: aliyun express connect",
    access: "authenticated", summary: "Join a VBR and a VPC with a router interface pair and routes both ways",
    description: "Strata (seed 快速建立高速通道，配置双边路由) `{vbrUuid, vRouterUuid, localCidr, vpcCidr?, spec=Middle.1, name}`: a job (202) that " +
      "creates the VBR's (initiating) and the VRouter's (accepting) router interfaces, connects them, adds the VBR route vpcCidr → VBR interface " +
      "and the VRouter route localCidr → VRouter interface, waiting for each to be Available. On failure everything it made is removed again " +
      "(routes, then interfaces, on Alibaba and in Strata) and the job fails with the step's error. Result `{inventory: {vbrInterface, " +
      "vrouterInterface, vbrRouteEntry, vrouterRouteEntry}}`. Sync errors: SYS.1003, SYS.1006, SYS.1007.",
    body: QuickExpressConnectBody, response: JobAccepted, successStatus: 202,
    handler: (req) => quick.submit(req.auth, jobRequest("CreateExpressConnectQuickly", req), req.body),
  });
}
