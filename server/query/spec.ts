/** Type of a queryable field: decides how a `q=` value is parsed and compared. */
export type FieldType = "string" | "number" | "bigint" | "date" | "boolean";

/**
 * What may be queried on one resource: its own columns and, for joined conditions such as
 * `q=zone.name=zone-1` (ZStack's expanded queries), its relations.
 */
export interface QuerySpec {
  /** Resource type as stored on tags and events, e.g. `ZoneVO`'s short form `Zone`. */
  resourceType: string;
  /** Column name → type. Only these may appear in `q`, `sort` and `fields`. */
  fields: Record<string, FieldType>;
  /** Relation name → its spec and whether it is to-many (`some`) or to-one (`is`). */
  relations?: Record<string, { spec: () => QuerySpec; many: boolean }>;
  /** Extra names accepted by `fields=` that are computed, not columns (e.g. `vmNics`). */
  computedFields?: string[];
  /**
   * Fields whose column can never be NULL. Prisma refuses a null filter on such a column, so
   * `q=<field> is null` on them matches nothing and `q=<field> not null` matches everything
   * instead of failing. Fields not listed are treated as nullable.
   */
  notNull?: string[];
}
