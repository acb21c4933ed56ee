import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { Prisma } from "../../generated/prisma/client.ts";
import type { ApiLocals } from "../http/api.ts";
import { ApiError, Errors } from "./catalogue.ts";
import { isDatabaseUnavailable, isUniqueViolation } from "../db/errors.ts";

/**
 * Maps anything thrown by a route to the ZStack error body. ApiErrors keep their status;
 * Prisma's unique violation (P2002) → SYS.1002 409 and missing row (P2025) → SYS.1003 404;
 * malformed JSON → SYS.1007 400; an unreachable database → SYS.DATABASE_UNAVAILABLE 503; anything else is logged and answered SYS.1000 500 with the
 * request id and no stack trace.
 */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const locals = res.locals as ApiLocals;
    const e = toApiError(err, locals.requestId);
    // A bug (500) is an error; an unreachable dependency (503 while PostgreSQL restarts) is
    // expected to pass and is only a warning, so an outage does not bury the log in errors.
    if (e.httpStatus === 500) log.error({ err, requestId: locals.requestId, path: req.path }, "request failed");
    else if (e.httpStatus > 500) log.warn({ code: e.code, requestId: locals.requestId, path: req.path }, "request failed: dependency unavailable");
    locals.errorCode = e.code;
    res.status(e.httpStatus).json({ error: e.toJSON() });
  };
}

/** Converts a thrown value into the ApiError a caller sees. */
export function toApiError(err: unknown, requestId?: string): ApiError {
  if (err instanceof ApiError) return err;
  if (isDatabaseUnavailable(err)) return Errors.databaseUnavailable();
  if (isUniqueViolation(err)) {
    const target = err instanceof Prisma.PrismaClientKnownRequestError ? JSON.stringify(err.meta?.target ?? "") : undefined;
    return Errors.duplicate("A resource with the same unique fields", target);
  }
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === "P2025") return new ApiError("SYS.1003", 404, "The resource no longer exists", String(err.meta?.cause ?? ""));
  }
  const status = (err as { status?: number; type?: string }).status;
  if ((err as { type?: string }).type === "entity.parse.failed") {
    return Errors.invalidArgument("The request body is not valid JSON", (err as Error).message);
  }
  if ((err as { type?: string }).type === "entity.too.large") {
    return new ApiError("SYS.1007", 413, "The request body is too large", (err as Error).message);
  }
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError("SYS.1007", status, "The request could not be read", (err as Error).message);
  }
  return Errors.internal(requestId);
}
