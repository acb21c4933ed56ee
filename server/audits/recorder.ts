import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { ApiLocals } from "../http/api.ts";
import { newUuid } from "../ids.ts";

const SECRET_KEYS = /pass(word)?|secret|token|privatekey|credential/i;

/** Copies a request body with every secret-looking field (and anything nested deeper than 8 levels) replaced by "*****". */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  // Past the walk depth the value is dropped, not copied: returning it as-is leaked any
  // secret nested deeper than 8 levels into the audit log.
  if (depth > 8) return "*****";
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "*****" : redact(v, depth + 1)]));
}

/**
 * Records every mutating API call (POST/PUT/DELETE) after its response is sent: API name,
 * operator, source IP, start/finish time, duration (ms), result and redacted request summary.
 * Recording never delays or fails the request; a failed insert is logged.
 */
export function auditRecorder(prisma: PrismaClient, log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const start = new Date();
    res.on("finish", () => {
      const locals = res.locals as ApiLocals;
      const auth = req.auth;
      const finish = new Date();
      let resourceUuid = locals.resourceUuid;
      if (!resourceUuid && typeof locals.requestSummary === "object" && locals.requestSummary) {
        resourceUuid = (locals.requestSummary as { params?: { resourceUuid?: string } }).params?.resourceUuid;
      }
      prisma.audit.create({
        data: {
          uuid: newUuid(),
          apiName: locals.apiName ?? `${req.method} ${req.path}`,
          requestMethod: req.method,
          requestPath: req.originalUrl.slice(0, 2000),
          accountUuid: auth && auth.kind !== "anonymous" ? auth.accountUuid : null,
          userUuid: auth && auth.kind !== "anonymous" ? auth.userUuid ?? null : null,
          sourceIp: (req.ip ?? req.socket.remoteAddress ?? "").slice(0, 64),
          requestId: locals.requestId,
          requestSummary: (redact(locals.requestSummary ?? null) ?? undefined) as never,
          resourceUuid: resourceUuid && /^[0-9a-f]{32}$/.test(resourceUuid) ? resourceUuid : null,
          result: res.statusCode < 400 ? "Success" : "Failure",
          httpStatus: res.statusCode,
          errorCode: locals.errorCode ?? null,
          startDate: start,
          finishDate: finish,
          duration: finish.getTime() - start.getTime(),
        },
      }).catch((err: unknown) => log.error({ err }, "could not record audit"));
    });
    next();
  };
}
