import type { AliyunContext } from "../context.ts";
import type { AliyunPart } from "../module.ts";
import { registerThirdPartyLineRoutes } from "./routes.ts";
import { ThirdPartyLineService } from "./service.ts";

/** Third-party private lines and local routes through them (no Alibaba calls, no sync step). */
export function createThirdPartyLinePart(ctx: AliyunContext): AliyunPart {
  const lines = new ThirdPartyLineService(ctx.prisma, ctx.events, ctx.tags);
  return { registerRoutes: (api) => registerThirdPartyLineRoutes(api, lines) };
}
