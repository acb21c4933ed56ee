import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import { RouterInterfaceSpec } from "../router-interfaces/schema.ts";

const Cidr = z.string().trim().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "an IPv4 CIDR block");

/**
 * Strata's quick Express Connect (seed 快速建立高速通道，配置双边路由): a VBR and a VPC's VRouter
 * joined by a router interface pair, with a route each way.
 */
export const QuickExpressConnectBody = createBody(z.object({
  vbrUuid: Uuid.describe("The VirtualBorderRouter (the leased line's end on Alibaba)"),
  vRouterUuid: Uuid.describe("The VPC's VpcVirtualRouter"),
  localCidr: Cidr.describe("On-premise network behind the VBR: the VRouter's route table gets it via the VRouter's interface"),
  vpcCidr: Cidr.optional().describe("VPC network the VBR routes to via its interface; default: the VPC's CIDR block"),
  spec: RouterInterfaceSpec.default("Middle.1").describe("Bandwidth of the pair (Middle.1 = 100 Mbit/s)"),
  name: z.string().trim().min(1).max(100),
}));
/** Validated body of {@link QuickExpressConnectBody}. */
export type QuickExpressConnectInput = z.infer<typeof QuickExpressConnectBody>;
