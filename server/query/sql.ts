import type { FieldType, QuerySpec } from "./spec.ts";

/** A parameterised SQL statement. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * A `__systemTag__`/`__userTag__` condition: resources with a tag matching `tagFilter` (any tag
 * when undefined) in `table`, or without one when `negate`.
 */
export interface TagSubquery {
  table: "SystemTag" | "UserTag";
  resourceType: string;
  negate: boolean;
  tagFilter: unknown;
}

const CAST: Record<FieldType, string> = { string: "text", number: "double precision", bigint: "bigint", date: "timestamptz", boolean: "boolean" };

/**
 * Compiles a parsed query (the Prisma `where` that parse.ts builds, over the resource's own
 * columns) into one SELECT of a page, or returns undefined when it uses something this
 * compiler does not handle (joined `relation.field` conditions) — the caller then lets Prisma
 * run it. Why: the VM list is the API's hottest read, and Prisma's client engine compiles every
 * query anew (in WASM), which costs more than PostgreSQL's own work on a page of 100 rows; a
 * `uuid IN (...)` from a tag condition also becomes one array parameter instead of thousands.
 * Semantics are Prisma's on PostgreSQL: `not`/`notIn` exclude NULLs, LIKE is case-sensitive.
 */
export function compilePageQuery(table: string, spec: QuerySpec, where: unknown, orderBy: Record<string, "asc" | "desc">[],
  take: number, skip: number, tags: TagSubquery[] = []): SqlStatement | undefined {
  const values: unknown[] = [];
  let cond = node(spec, where, values);
  if (cond === undefined) return undefined;
  for (const t of tags) {
    const tagCond = t.tagFilter === undefined ? "TRUE" : field('"tag"', "string", t.tagFilter, values);
    if (tagCond === undefined) return undefined;
    values.push(t.resourceType);
    const sub = `SELECT "resourceUuid" FROM ${ident(t.table)} WHERE "resourceType" = $${values.length}::text AND ${tagCond}`;
    cond = `${cond} AND "uuid" ${t.negate ? "NOT IN" : "IN"} (${sub})`;
  }
  const order = orderBy.map((o) => {
    const [field, dir] = Object.entries(o)[0]!;
    if (!(field in spec.fields)) return undefined;
    return `${ident(field)} ${dir === "desc" ? "DESC" : "ASC"}`;
  });
  if (order.some((o) => o === undefined)) return undefined;
  values.push(take, skip);
  return {
    text: `SELECT * FROM ${ident(table)} WHERE ${cond}${order.length ? ` ORDER BY ${order.join(", ")}` : ""} LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  };
}

function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an identifier: ${name}`);
  return `"${name}"`;
}

function node(spec: QuerySpec, w: unknown, values: unknown[]): string | undefined {
  if (w === null || typeof w !== "object" || Array.isArray(w)) return undefined;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(w as Record<string, unknown>)) {
    if (key === "AND" || key === "OR") {
      if (!Array.isArray(value)) return undefined;
      const inner = value.map((v) => node(spec, v, values));
      if (inner.some((x) => x === undefined)) return undefined;
      if (inner.length === 0) parts.push(key === "AND" ? "TRUE" : "FALSE");
      else parts.push(`(${inner.join(key === "AND" ? " AND " : " OR ")})`);
      continue;
    }
    const type = spec.fields[key];
    if (!type) return undefined; // a relation or an unknown key: Prisma's job
    const f = field(ident(key), type, value, values);
    if (f === undefined) return undefined;
    parts.push(f);
  }
  return parts.length ? parts.join(" AND ") : "TRUE";
}

function param(values: unknown[], v: unknown, type: FieldType): string {
  values.push(v instanceof Date ? v.toISOString() : typeof v === "bigint" ? v.toString() : v);
  return `$${values.length}::${CAST[type]}`;
}

function arrayParam(values: unknown[], list: unknown[], type: FieldType): string {
  values.push(list.map((v) => (v instanceof Date ? v.toISOString() : typeof v === "bigint" ? v.toString() : v)));
  return `$${values.length}::${CAST[type]}[]`;
}

/**
 * LIKE pattern around the value. The value is not escaped, as Prisma does not escape it: ZStack's
 * `~=` is SQL LIKE, so `_` is a wildcard and `\_` a literal underscore.
 */
function likeParam(values: unknown[], prefix: string, v: unknown, suffix: string): string {
  values.push(`${prefix}${String(v)}${suffix}`);
  return `$${values.length}::text`;
}

function field(col: string, type: FieldType, f: unknown, values: unknown[]): string | undefined {
  if (f === null) return `${col} IS NULL`;
  if (typeof f !== "object" || f instanceof Date) return `${col} = ${param(values, f, type)}`;
  const out: string[] = [];
  for (const [op, v] of Object.entries(f as Record<string, unknown>)) {
    switch (op) {
      case "equals": out.push(v === null ? `${col} IS NULL` : `${col} = ${param(values, v, type)}`); break;
      case "not":
        if (v === null) out.push(`${col} IS NOT NULL`);
        else if (typeof v === "object" && !(v instanceof Date)) {
          const inner = field(col, type, v, values);
          if (inner === undefined) return undefined;
          out.push(`NOT (${inner}) AND ${col} IS NOT NULL`);
        } else out.push(`${col} <> ${param(values, v, type)}`);
        break;
      case "gt": out.push(`${col} > ${param(values, v, type)}`); break;
      case "gte": out.push(`${col} >= ${param(values, v, type)}`); break;
      case "lt": out.push(`${col} < ${param(values, v, type)}`); break;
      case "lte": out.push(`${col} <= ${param(values, v, type)}`); break;
      case "in": out.push((v as unknown[]).length ? `${col} = ANY(${arrayParam(values, v as unknown[], type)})` : "FALSE"); break;
      case "notIn": out.push((v as unknown[]).length ? `NOT (${col} = ANY(${arrayParam(values, v as unknown[], type)}))` : `${col} IS NOT NULL`); break;
      case "startsWith": out.push(`${col} LIKE ${likeParam(values, "", v, "%")}`); break;
      case "endsWith": out.push(`${col} LIKE ${likeParam(values, "%", v, "")}`); break;
      case "contains": out.push(`${col} LIKE ${likeParam(values, "%", v, "%")}`); break;
      default: return undefined;
    }
  }
  return out.length ? out.join(" AND ") : "TRUE";
}
