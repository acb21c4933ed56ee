/**
 * Shared-secret authentication of the management node.
 *
 * The management node writes a per-host secret to the host when it deploys hostd and sends it
 * on every request as `Authorization: Bearer <secret>`; hostd uses the same header on its
 * callbacks so the management node can check them the same way.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { toFailure, HostdError } from "./errors.ts";

/** `Authorization` header value for `secret`. */
export function bearer(secret: string): string {
  return `Bearer ${secret}`;
}

/**
 * Compares secrets in constant time. Both sides are hashed first because timingSafeEqual needs
 * equal lengths, and comparing lengths directly would leak the secret's length.
 */
export function secretMatches(presented: string, secret: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(secret).digest();
  return timingSafeEqual(a, b);
}

/** Rejects any request without the right bearer secret with 401 `{ success:false, error }`. */
export function requireSecret(secret: string): RequestHandler {
  if (secret.length === 0) throw new Error("hostd secret must not be empty");
  return (req, res, next) => {
    const m = /^Bearer (.+)$/.exec(req.get("authorization") ?? "");
    if (m && secretMatches(m[1]!, secret)) {
      next();
      return;
    }
    const { status, body } = toFailure(
      new HostdError("UNAUTHORIZED", m ? "wrong shared secret" : "missing Authorization: Bearer <secret> header"),
    );
    res.status(status).json(body);
  };
}
