/**
 * True when a database error is a unique-constraint violation. Prisma reports it as P2002
 * through the pg adapter, but the PGlite adapter passes PostgreSQL's own error (SQLSTATE
 * 23505) through a DriverAdapterError, so both forms are recognised here, in one place.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string; kind?: string; originalCode?: string } } | null;
  if (!e) return false;
  return e.code === "P2002" || e.cause?.code === "23505" || e.cause?.originalCode === "23505" || e.cause?.kind === "UniqueConstraintViolation";
}

/** SQLSTATEs of a server that is shutting down, restarting or unreachable (class 08, 57P0x). */
const UNAVAILABLE_SQLSTATES = /^(08\d{3}|57P0[1-4]|53300)$/;
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "DatabaseDoesNotExist"]);
const UNAVAILABLE_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"]);
/** node-postgres reports a connection lost mid-transaction with these messages and no code. */
const UNAVAILABLE_MESSAGES = /Client has encountered a connection error and is not queryable|Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout exceeded when trying to connect/;

/**
 * True when an error means the database cannot be reached right now (stopped, restarting,
 * network cut) rather than that the query was wrong: the API answers such errors with 503
 * SYS.DATABASE_UNAVAILABLE and the connection pool reconnects by itself once it is back.
 * Recognises Prisma's P1001/P1002/P1017, its DriverAdapterError causes, and raw pg errors
 * (which, for a connection lost inside a transaction, carry only a message).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as {
    code?: string;
    meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string; originalCode?: string } } };
    cause?: { kind?: string; code?: string; originalCode?: string };
  } | null;
  if (!e || typeof e !== "object") return false;
  if (UNAVAILABLE_MESSAGES.test(String((e as { message?: unknown }).message ?? ""))) return true;
  if (e.code && ["P1001", "P1002", "P1008", "P1017"].includes(e.code)) return true;
  if (e.code && (UNAVAILABLE_SQLSTATES.test(e.code) || UNAVAILABLE_NODE_CODES.has(e.code))) return true;
  for (const c of [e.meta?.driverAdapterError?.cause, e.cause]) {
    if (!c) continue;
    if (c.kind && UNAVAILABLE_KINDS.has(c.kind)) return true;
    const code = c.originalCode ?? c.code;
    if (code && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
  }
  return false;
}
