import type { NextFunction, Request, Response } from "express";
import type { AccessKeyService } from "../access-keys/service.ts";
import { parseAccessKeyAuthorization } from "../access-keys/signature.ts";
import type { AccountService } from "../accounts/service.ts";

/**
 * Resolves `Authorization` into `req.auth` on every request:
 * `OAuth <session uuid>` (ZStack) or `Bearer <session uuid>`, or
 * `ZStack <AccessKeyId>:<signature>` with a `Date` header. A bad or missing credential leaves
 * the caller anonymous with the reason; routes that need a caller refuse with ID.1001.
 */
export function authenticate(accounts: AccountService, keys: AccessKeyService) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header("authorization");
    if (!header) {
      req.auth = { kind: "anonymous", isAdmin: false, reason: "no Authorization header" };
      return next();
    }
    const session = /^(?:OAuth|Bearer)\s+(\S+)$/i.exec(header.trim());
    if (session) {
      const caller = await accounts.resolveSession(session[1]!);
      req.auth = caller ?? { kind: "anonymous", isAdmin: false, reason: "the session does not exist or has expired; log in again" };
      return next();
    }
    const signed = parseAccessKeyAuthorization(header);
    if (signed) {
      const r = await keys.authenticate(signed.accessKeyId, signed.signature, req.method, req.path === "/" ? req.baseUrl : req.baseUrl + req.path, req.header("date"));
      req.auth = "reason" in r ? { kind: "anonymous", isAdmin: false, reason: r.reason } : r;
      return next();
    }
    req.auth = { kind: "anonymous", isAdmin: false, reason: "unsupported Authorization scheme; use OAuth <session uuid> or ZStack <AccessKeyId>:<signature>" };
    next();
  };
}
