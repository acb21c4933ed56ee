import { Errors } from "../errors/catalogue.ts";
import type { FieldType, QuerySpec } from "./spec.ts";

/**
 * ZStack's query API, parsed into a Prisma `where`/`orderBy`/paging.
 *
 * `q=<field><op><value>` (repeatable, ANDed). Ops: `=`, `!=`, `>`, `>=`, `<`, `<=`,
 * `~=` (LIKE: `%` wildcards at the start, end or once in the middle), `!~=`, `?=` (in: comma
 * list), `!?=` (not in), `<field> is null`, `<field> not null`. Joined fields through
 * relations (`q=zone.name=z1`); tags with `__userTag__` and `__systemTag__` (same ops).
 * Plus `limit` (default 1000), `start`, `sort=+field|-field`, `fields=a,b`, `count=true`
 * (only `total`), `replyWithCount=true` (inventories and `total`).
 * Anything unknown or malformed → ApiError SYS.1007 (400) naming it.
 */
export interface ParsedQuery {
  where: Record<string, unknown>;
  /** Tag conditions, resolved against the tag tables by the query runner. */
  tagConditions: TagCondition[];
  orderBy: Record<string, "asc" | "desc">[];
  take: number;
  skip: number;
  fields: string[] | undefined;
  countOnly: boolean;
  replyWithCount: boolean;
}

/** A `__userTag__`/`__systemTag__` condition. */
export interface TagCondition {
  table: "userTag" | "systemTag";
  op: Op;
  value: string;
}

type Op = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~=" | "!~=" | "?=" | "!?=" | "is null" | "not null";

const CONDITION = /^([A-Za-z_][\w.]*?)(\s+is\s+null|\s+not\s+null|!\?=|\?=|!~=|~=|>=|<=|!=|=|>|<)(.*)$/s;

/** Query-string parameters understood by every query API; anything else is refused. */
export const QUERY_PARAMETERS = ["q", "limit", "start", "sort", "fields", "count", "replyWithCount", "format"];

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 100_000;

/** Parses the query string of a `GET /v1/<collection>` call against the resource's spec. */
export function parseQuery(spec: QuerySpec, raw: Record<string, unknown>): ParsedQuery {
  for (const k of Object.keys(raw)) {
    if (!QUERY_PARAMETERS.includes(k)) {
      throw Errors.invalidArgument(`Unknown query parameter '${k}'`, `allowed: ${QUERY_PARAMETERS.join(", ")}`);
    }
  }
  const conditions = asList(raw.q, "q");
  const and: Record<string, unknown>[] = [];
  const tagConditions: TagCondition[] = [];
  for (const c of conditions) {
    const m = CONDITION.exec(c);
    if (!m) {
      throw Errors.invalidArgument("Malformed query condition; use q=<field><op><value>, e.g. q=name=zone-1",
        JSON.stringify(c));
    }
    const field = m[1]!;
    const op = m[2]!.trim().replace(/\s+/g, " ") as Op;
    const value = m[3]!;
    if ((op === "is null" || op === "not null") && value.trim() !== "") {
      throw Errors.invalidArgument(`'${op}' takes no value`, JSON.stringify(c));
    }
    if (field === "__userTag__" || field === "__systemTag__") {
      tagConditions.push({ table: field === "__userTag__" ? "userTag" : "systemTag", op, value });
      continue;
    }
    and.push(condition(spec, field.split("."), op, value, field));
  }
  return {
    where: and.length ? { AND: and } : {},
    tagConditions,
    orderBy: parseSort(spec, raw.sort),
    take: parseInteger(raw.limit, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
    skip: parseInteger(raw.start, "start", 0, 0, Number.MAX_SAFE_INTEGER),
    fields: parseFields(spec, raw.fields),
    countOnly: parseBool(raw.count, "count"),
    replyWithCount: parseBool(raw.replyWithCount, "replyWithCount"),
  };
}

function condition(spec: QuerySpec, path: string[], op: Op, value: string, full: string): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length > 0) {
    const rel = spec.relations?.[head];
    if (!rel) throw unknownField(spec, full);
    const inner = condition(rel.spec(), rest, op, value, full);
    return { [head]: rel.many ? { some: inner } : { is: inner } };
  }
  const type = spec.fields[head];
  if (!type) throw unknownField(spec, full);
  // Prisma rejects `{ field: null }` on a required column (a 500 before this check): answer
  // from the schema instead. An empty `in` matches no row (Prisma's client engine drops a
  // nested `OR: []` and would match every row; BoolFilter has no `in`, hence the
  // contradiction), and `{}` matches every row.
  if (spec.notNull?.includes(head)) {
    if (op === "is null") return type === "boolean" ? { AND: [{ [head]: true }, { [head]: false }] } : { [head]: { in: [] } };
    if (op === "not null") return {};
  }
  return { [head]: comparison(type, op, value, full) };
}

/** The Prisma filter for one field (also used for tag values, typed as string). */
export function comparison(type: FieldType, op: Op, value: string, field: string): unknown {
  switch (op) {
    case "is null": return null;
    case "not null": return { not: null };
    case "=": return { equals: convert(type, value, field) };
    case "!=": return { not: convert(type, value, field) };
    case ">": return { gt: ordered(type, value, field) };
    case ">=": return { gte: ordered(type, value, field) };
    case "<": return { lt: ordered(type, value, field) };
    case "<=": return { lte: ordered(type, value, field) };
    case "?=": return { in: list(type, value, field) };
    case "!?=": return { notIn: list(type, value, field) };
    case "~=": return like(type, value, field);
    case "!~=": return { not: like(type, value, field) };
  }
}

function like(type: FieldType, pattern: string, field: string): Record<string, unknown> {
  if (type !== "string") throw Errors.invalidArgument(`'~=' works on text fields only`, field);
  const parts = pattern.split("%");
  const [first, ...others] = parts as [string, ...string[]];
  if (parts.length === 1) return { equals: first };
  if (parts.length === 2) {
    const last = others[0]!;
    if (first === "") return { endsWith: last };
    if (last === "") return { startsWith: first };
    return { startsWith: first, endsWith: last };
  }
  if (parts.length === 3 && first === "" && others[1] === "") return { contains: others[0] };
  throw Errors.invalidArgument("Unsupported LIKE pattern: use 'x', '%x', 'x%', '%x%' or 'a%b'",
    `${field}~=${pattern}`);
}

function ordered(type: FieldType, value: string, field: string): unknown {
  if (type === "boolean") throw Errors.invalidArgument("Ordering comparisons do not apply to boolean fields", field);
  return convert(type, value, field);
}

function list(type: FieldType, value: string, field: string): unknown[] {
  return value.split(",").map((v) => convert(type, v, field));
}

function convert(type: FieldType, value: string, field: string): unknown {
  switch (type) {
    case "string": return value;
    case "number": {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) throw badValue(field, value, "a number");
      return n;
    }
    case "bigint":
      if (!/^-?\d+$/.test(value)) throw badValue(field, value, "an integer");
      return BigInt(value);
    case "date": {
      const d = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
      if (Number.isNaN(d.getTime())) throw badValue(field, value, "an ISO 8601 date or epoch milliseconds");
      return d;
    }
    case "boolean":
      if (value !== "true" && value !== "false") throw badValue(field, value, "true or false");
      return value === "true";
  }
}

function parseSort(spec: QuerySpec, raw: unknown): Record<string, "asc" | "desc">[] {
  if (raw === undefined) return [{ createDate: "asc" }, { uuid: "asc" }].filter((o) => Object.keys(o)[0]! in spec.fields) as never;
  const out: Record<string, "asc" | "desc">[] = [];
  for (const item of asList(raw, "sort").flatMap((s) => s.split(","))) {
    // `+` in a query string decodes to a space: `sort=+name` arrives as " name".
    const m = /^([ +-]?)(\w+)$/.exec(item);
    if (!m || !(m[2]! in spec.fields)) {
      throw Errors.invalidArgument("Invalid sort; use sort=+field or sort=-field with a field of this resource",
        `${JSON.stringify(item)}; fields: ${Object.keys(spec.fields).join(", ")}`);
    }
    out.push({ [m[2]!]: m[1] === "-" ? "desc" : "asc" });
  }
  if (!out.some((o) => "uuid" in o) && "uuid" in spec.fields) out.push({ uuid: "asc" }); // stable paging
  return out;
}

function parseFields(spec: QuerySpec, raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = asList(raw, "fields").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in spec.fields) && !spec.computedFields?.includes(n)) throw unknownField(spec, n);
  }
  return names;
}

function parseInteger(raw: unknown, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw Errors.invalidArgument(`'${name}' must be an integer from ${min} to ${max}`, JSON.stringify(raw));
  }
  return Number(raw);
}

function parseBool(raw: unknown, name: string): boolean {
  if (raw === undefined) return false;
  if (raw !== "true" && raw !== "false") throw Errors.invalidArgument(`'${name}' must be true or false`, JSON.stringify(raw));
  return raw === "true";
}

function asList(raw: unknown, name: string): string[] {
  if (raw === undefined) return [];
  if (typeof raw === "string") return [raw];
  if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) return raw;
  throw Errors.invalidArgument(`Malformed '${name}' parameter`, JSON.stringify(raw));
}

function unknownField(spec: QuerySpec, field: string) {
  const rels = Object.keys(spec.relations ?? {}).map((r) => `${r}.*`);
  return Errors.invalidArgument(`Unknown field '${field}' for ${spec.resourceType}`,
    `fields: ${[...Object.keys(spec.fields), ...(spec.computedFields ?? []), ...rels].join(", ")}`);
}

function badValue(field: string, value: string, expected: string) {
  return Errors.invalidArgument(`Invalid value for '${field}': expected ${expected}`, JSON.stringify(value));
}
