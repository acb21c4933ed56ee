import { z } from "zod";
import type { Api } from "../http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams } from "../http/common-schemas.ts";
import { queryReply } from "../query/run.ts";
import type { QuerySpec } from "../query/spec.ts";
import type { GlobalConfigService } from "./service.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";

const GlobalConfigInventory = z.object({
  category: z.string(), name: z.string(), value: z.string(), defaultValue: z.string(),
  type: z.string().describe("Integer | Long | Float | Boolean | String"), description: z.string().nullable(),
});

const spec: QuerySpec = {
  resourceType: "GlobalConfig",
  notNull: ["category", "name", "value", "defaultValue", "type", "createDate", "lastOpDate"],
  fields: { category: "string", name: "string", value: "string", defaultValue: "string", type: "string", description: "string", createDate: "date", lastOpDate: "date" },
};

const inventory = (g: { category: string; name: string; value: string; defaultValue: string; type: string; description: string | null }) => ({
  category: g.category, name: g.name, value: g.value, defaultValue: g.defaultValue, type: g.type, description: g.description,
});

/** ZStack's `/v1/global-configurations` API. */
export function registerGlobalConfigRoutes(api: Api, prisma: PrismaClient, configs: GlobalConfigService): void {
  const tag = "global-configurations";
  api.route({
    method: "get", path: "/global-configurations", apiName: "QueryGlobalConfig", tag, access: "authenticated",
    summary: "Query global configs", description: "ZStack APIQueryGlobalConfigMsg; e.g. q=category=identity.",
    query: QueryParams, response: InventoriesReply(GlobalConfigInventory),
    handler: (req) => queryReply({
      prisma, spec, delegate: prisma.globalConfig as never, caller: req.auth, raw: req.rawQuery, scope: {},
      toInventory: inventory, csvName: "global-configurations",
    }),
  });
  api.route({
    method: "put", path: "/global-configurations/{category}/{name}/actions", apiName: "UpdateGlobalConfig", tag, access: "admin",
    summary: "Change a global config",
    description: "ZStack APIUpdateGlobalConfigMsg: `{ updateGlobalConfig: { value } }`. Takes effect at once, no restart. " +
      "SYS.1003 unknown config; SYS.1007 a value its type/validator refuses.",
    params: z.object({ category: z.string(), name: z.string() }),
    body: z.object({ updateGlobalConfig: z.object({ value: z.union([z.string(), z.number(), z.boolean()]).transform(String) }).strict() }).strict(),
    response: InventoryReply(GlobalConfigInventory),
    handler: async (req) => ({
      body: { inventory: inventory(await configs.update(req.params.category, req.params.name, req.body.updateGlobalConfig.value)) },
    }),
  });
}
