import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { ownedBy } from "../auth/context.ts";
import type { Api } from "../http/api.ts";
import { InventoriesReply, QueryParams } from "../http/common-schemas.ts";
import { queryReply } from "../query/run.ts";
import type { QuerySpec } from "../query/spec.ts";

export const eventQuerySpec: QuerySpec = {
  resourceType: "Event",
  notNull: ["uuid", "type", "resourceUuid", "resourceType", "accountUuid", "createDate"],
  fields: {
    uuid: "string", type: "string", resourceUuid: "string", resourceType: "string", oldState: "string",
    newState: "string", accountUuid: "string", createDate: "date",
  },
  computedFields: ["details"],
};

const EventInventory = z.object({
  uuid: z.string(), type: z.enum(["ResourceCreated", "ResourceDeleted", "ResourceStateChanged", "ResourceStatusChanged"]),
  resourceUuid: z.string(), resourceType: z.string(), oldState: z.string().nullable(), newState: z.string().nullable(),
  accountUuid: z.string(), details: z.unknown().nullable(), createDate: z.string(),
});

/** `GET /v1/events`: the stored history of resource events. */
export function registerEventRoutes(api: Api, prisma: PrismaClient): void {
  api.route({
    method: "get", path: "/events", apiName: "QueryEvent", tag: "events", access: "authenticated",
    summary: "Query resource events",
    description: "Every creation, deletion and state/status change of a resource, newest last by default " +
      "(sort=-createDate for newest first). A normal account sees events of its own resources.",
    query: QueryParams, response: InventoriesReply(EventInventory),
    handler: (req) => queryReply({
      prisma, spec: eventQuerySpec, delegate: prisma.event as never, caller: req.auth, raw: req.rawQuery,
      scope: ownedBy(req.auth), csvName: "events",
      toInventory: (e: { createDate: Date } & Record<string, unknown>) => ({ ...e, createDate: e.createDate.toISOString() }),
    }),
  });
}
