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
