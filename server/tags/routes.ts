import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { ownedBy } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { Api } from "../http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../http/common-schemas.ts";
import { queryReply } from "../query/run.ts";
import type { QuerySpec } from "../query/spec.ts";
import { TagService } from "./service.ts";

const TagInventory = z.object({
  uuid: z.string(), resourceUuid: z.string(), resourceType: z.string(), tag: z.string(),
  inherent: z.boolean().optional(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

const tagSpec = (resourceType: string): QuerySpec => ({
  resourceType,
  fields: { uuid: "string", resourceUuid: "string", resourceType: "string", tag: "string", accountUuid: "string", createDate: "date", lastOpDate: "date" },
  notNull: ["uuid", "resourceUuid", "resourceType", "tag", "accountUuid", "createDate", "lastOpDate"],
});

const inventory = (t: { createDate: Date; lastOpDate: Date } & Record<string, unknown>) =>
  ({ ...t, createDate: t.createDate.toISOString(), lastOpDate: t.lastOpDate.toISOString() });

// Not createBody(): here `resourceUuid` names the tagged resource, not the new tag's uuid.
const CreateTagBody = z.object({
  params: z.object({
    resourceType: z.string().min(1).describe("e.g. Zone, Cluster"),
    resourceUuid: Uuid.describe("The resource to tag"),
    tag: z.string().min(1),
  }).strict(),
}).strict();

/** ZStack's `/v1/user-tags` and `/v1/system-tags` APIs. */
export function registerTagRoutes(api: Api, prisma: PrismaClient, tags: TagService): void {
  for (const [path, table, name] of [["user-tags", "userTag", "UserTag"], ["system-tags", "systemTag", "SystemTag"]] as const) {
    api.route({
      method: "post", path: `/${path}`, apiName: `Create${name}`, tag: "tags", access: "authenticated",
      summary: `Attach a ${name === "UserTag" ? "user" : "system"} tag to a resource`,
      description: `ZStack APICreate${name}Msg: params resourceType, resourceUuid, tag. ` +
        "SYS.1003 when the resource is not yours, SYS.1002 when it already has the tag.",
      body: CreateTagBody, response: InventoryReply(TagInventory),
      handler: async (req) => ({ body: { inventory: inventory(await tags.create(req.auth, table, req.body.params)) } }),
    });
    api.route({
      method: "get", path: `/${path}`, apiName: `Query${name}`, tag: "tags", access: "authenticated",
      summary: `Query ${path}`, description: `ZStack APIQuery${name}Msg.`,
      query: QueryParams, response: InventoriesReply(TagInventory),
      handler: (req) => queryReply({
        prisma, spec: tagSpec(name), delegate: prisma[table] as never, caller: req.auth, raw: req.rawQuery,
        scope: ownedBy(req.auth), toInventory: inventory, csvName: path,
      }),
    });
    api.route({
      method: "delete", path: `/${path}/{uuid}`, apiName: `Delete${name}`, tag: "tags", access: "authenticated",
      summary: `Delete a ${name}`, description: "Inherent system tags (managed by Strata) cannot be deleted (SYS.1006).",
      params: UuidParams,
      handler: async (req) => {
        const t = await (prisma[table] as PrismaClient["systemTag"]).findFirst({ where: { uuid: req.params.uuid, ...ownedBy(req.auth) } });
        if (!t) throw Errors.resourceNotFound(name, req.params.uuid);
        if (t.inherent) throw Errors.operationNotAllowed("Deleting this system tag", "it is inherent: Strata manages it");
        await (prisma[table] as PrismaClient["systemTag"]).delete({ where: { uuid: t.uuid } });
        return { body: {} };
      },
    });
  }
  api.action("system-tags", {
    action: "updateSystemTag", apiName: "UpdateSystemTag", access: "authenticated",
    summary: "Change a system tag", description: "ZStack APIUpdateSystemTagMsg: `{ updateSystemTag: { tag } }`.",
    body: z.object({ tag: z.string().min(1) }).strict(), response: InventoryReply(TagInventory),
    handler: async (req) => {
      TagService.validate([req.body.tag], []);
      const t = await prisma.systemTag.findFirst({ where: { uuid: req.params.uuid, ...ownedBy(req.auth) } });
      if (!t) throw Errors.resourceNotFound("SystemTag", req.params.uuid);
      if (t.inherent) throw Errors.operationNotAllowed("Changing this system tag", "it is inherent: Strata manages it");
      return { body: { inventory: inventory(await prisma.systemTag.update({ where: { uuid: t.uuid }, data: { tag: req.body.tag } })) } };
    },
  });
}
