/**
 * hostd's error catalogue and the Express error middleware.
 *
 * Reply rules (kvmagent style — callers look at `success`, not at the HTTP status, for command
 * outcomes):
 * - protocol errors (bad JSON, failed validation, missing/wrong secret, unknown path) get a 4xx
 *   status and `{ success: false, error, code }`;
 * - a command that ran and failed (virsh error, host uuid mismatch, injected failure) gets
 *   HTTP 200 and `{ success: false, error, code }`, exactly like ZStack's agent;
 * - anything unexpected is a 500 with the error's message (e.g. a filesystem error) but never
 *   its stack trace, which goes to the log only.
 */
import type { ErrorRequestHandler } from "express";
import type { Logger } from "pino";
import { DriverError } from "./drivers/types.ts";

/** Stable error codes with the HTTP status they are sent with. */
export const ERRORS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  HOST_UUID_MISMATCH: 200,
  NOT_CONNECTED: 200,
  COMMAND_FAILED: 200,
  INTERNAL: 500,
} as const;

/** One of the codes in ERRORS. */
export type HostdErrorCode = keyof typeof ERRORS;

/** An error with a stable code; the middleware turns it into a kvmagent-style reply. */
export class HostdError extends Error {
  constructor(
    readonly code: HostdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HostdError";
  }

  /** HTTP status this error is sent with. */
  get status(): number {
    return ERRORS[this.code];
  }
}

/** Shape of every failure reply. */
export interface FailureReply {
  success: false;
  error: string;
  code: HostdErrorCode | DriverError["code"];
}

/** Converts any thrown value into the reply body and HTTP status a caller sees. */
export function toFailure(err: unknown): { status: number; body: FailureReply } {
  if (err instanceof HostdError) {
    return { status: err.status, body: { success: false, error: err.message, code: err.code } };
  }
  if (err instanceof DriverError) {
    return { status: 200, body: { success: false, error: err.message, code: err.code } };
  }
  // body-parser's errors carry a 4xx status (malformed JSON, body too large).
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, body: { success: false, error: (err as Error).message, code: "BAD_REQUEST" } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { success: false, error: `internal error in hostd: ${message}`, code: "INTERNAL" } };
}

/** Express error middleware producing the replies described above. */
export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = toFailure(err);
    if (status >= 500) log.error({ err, path: req.path }, "unexpected error");
    else log.info({ path: req.path, code: body.code, error: body.error }, "command failed");
    res.status(status).json(body);
  };
}
