import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { ownedBy } from "../auth/context.ts";
import type { Api } from "../http/api.ts";
import { InventoriesReply, QueryParams } from "../http/common-schemas.ts";
import { queryReply } from "../query/run.ts";
import type { QuerySpec } from "../query/spec.ts";

export const auditQuerySpec: QuerySpec = {
  resourceType: "Audit",
  notNull: ["uuid", "apiName", "requestMethod", "requestPath", "result", "httpStatus", "startDate", "finishDate", "duration", "createDate"],
  fields: {
    uuid: "string", apiName: "string", requestMethod: "string", requestPath: "string", accountUuid: "string",
    userUuid: "string", sourceIp: "string", requestId: "string", resourceUuid: "string", result: "string",
    httpStatus: "number", errorCode: "string", startDate: "date", finishDate: "date", duration: "number", createDate: "date",
  },
};

const AuditInventory = z.object({
  uuid: z.string(), apiName: z.string().describe("ZStack API name, e.g. CreateZone"), requestMethod: z.string(),
  requestPath: z.string(), accountUuid: z.string().nullable(), userUuid: z.string().nullable(), sourceIp: z.string().nullable(),
  requestId: z.string().nullable(), requestSummary: z.unknown().describe("Request body with secrets replaced by *****"),
  resourceUuid: z.string().nullable(), result: z.enum(["Success", "Failure"]), httpStatus: z.number(), errorCode: z.string().nullable(),
  startDate: z.string(), finishDate: z.string(), duration: z.number().describe("milliseconds"),
});

const iso = (d: Date) => d.toISOString();

/** `GET /v1/audits`: the record of mutating API calls; `format=csv` exports it. */
export function registerAuditRoutes(api: Api, prisma: PrismaClient): void {
  api.route({
    method: "get", path: "/audits", apiName: "QueryAudit", tag: "audits", access: "authenticated",
    summary: "Query the audit log",
    description: "Every POST/PUT/DELETE call: API name, operator, source IP, start/finish time, duration (ms), result, " +
      "redacted request. Admin sees all; a normal account its own calls. `format=csv` downloads CSV. " +
      "Kept audit/retentionDays days.",
    query: QueryParams, response: InventoriesReply(AuditInventory),
    handler: (req) => queryReply({
      prisma, spec: auditQuerySpec, delegate: prisma.audit as never, caller: req.auth, raw: req.rawQuery,
      scope: ownedBy(req.auth), csvName: "audits",
      toInventory: (a: { startDate: Date; finishDate: Date; createDate: Date } & Record<string, unknown>) => {
        const { createDate: _c, ...rest } = a;
        return { ...rest, startDate: iso(a.startDate), finishDate: iso(a.finishDate) };
      },
    }),
  });
}
