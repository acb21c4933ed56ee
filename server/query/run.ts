import { stringify } from "csv-stringify/sync";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { ApiReply } from "../http/api.ts";
import { comparison, parseQuery, type TagCondition } from "./parse.ts";
import type { QuerySpec } from "./spec.ts";
import { compilePageQuery } from "./sql.ts";

/** The part of a Prisma model delegate a query needs. */
export interface QueryDelegate<Row> {
  findMany(args: { where: unknown; orderBy: unknown; take: number; skip: number; include?: unknown }): Promise<Row[]>;
  count(args: { where: unknown }): Promise<number>;
}

/** What to query and how to present it. */
export interface QueryOptions<Row, Inv> {
  prisma: PrismaClient;
  spec: QuerySpec;
  delegate: QueryDelegate<Row>;
  caller: Caller;
  raw: Record<string, unknown>;
  /** Restricts the rows the caller may see (ownership); ANDed with the conditions. */
  scope: Record<string, unknown>;
  include?: unknown;
  /**
   * Loads the related rows of a page itself, instead of Prisma's `include` (which fetches each
   * relation in turn): lets a hot collection fetch them in parallel, one round trip for all.
   */
  loadParts?: (rows: Row[]) => Promise<Row[]>;
  /**
   * The table of the resource, to read pages with compiled SQL (sql.ts) rather than through
   * Prisma when the conditions allow; the rows must have exactly the model's columns.
   */
  sqlTable?: string;
  toInventory: (row: Row) => Inv;
  /** File name stem for `format=csv`. */
  csvName: string;
}

/**
 * Runs a ZStack-style query (see parse.ts) and builds the reply:
 * `{ inventories, total? }`, `{ total }` for count=true, or CSV for `format=csv`.
 */
export async function queryReply<Row, Inv extends object>(o: QueryOptions<Row, Inv>): Promise<ApiReply> {
  const q = parseQuery(o.spec, o.raw);
  const format = o.raw.format;
  if (format !== undefined && format !== "json" && format !== "csv") {
    throw Errors.invalidArgument("'format' must be json or csv", JSON.stringify(format));
  }
  // The SQL path (sql.ts) puts tag conditions in the statement as subqueries; Prisma needs the
  // matching uuids fetched first, which costs a round trip and a list as long as the matches.
  const sqlWhere = { AND: [o.scope, q.where] };
  const sql = o.sqlTable && !q.countOnly && (o.loadParts || !o.include)
    ? compilePageQuery(o.sqlTable, o.spec, sqlWhere, q.orderBy, q.take, q.skip,
      q.tagConditions.map((t) => ({ table: t.table === "userTag" ? "UserTag" : "SystemTag", resourceType: o.spec.resourceType, ...tagSubquery(t) })))
    : undefined;
  const and: unknown[] = [o.scope, q.where];
  if (!sql) for (const t of q.tagConditions) and.push(await tagFilter(o.prisma, o.spec.resourceType, t));
  const where = { AND: and };
  if (q.countOnly) return { body: { total: await o.delegate.count({ where }) } };
  const page = sql
    ? await o.prisma.$queryRawUnsafe<Row[]>(sql.text, ...sql.values)
    : await o.delegate.findMany({ where, orderBy: q.orderBy, take: q.take, skip: q.skip, include: o.loadParts ? undefined : o.include });
  const rows = o.loadParts ? await o.loadParts(page) : page;
  let inventories: Record<string, unknown>[] = rows.map((r) => o.toInventory(r) as Record<string, unknown>);
  if (q.fields) {
    const keep = q.fields;
    inventories = inventories.map((inv) => Object.fromEntries(keep.map((f) => [f, inv[f]])));
  }
  if (format === "csv") {
    // With no rows the header comes from the requested fields or the spec, so an empty
    // export is still a CSV with its header row rather than an empty body.
    const columns = q.fields ?? Object.keys(o.spec.fields);
    return { text: { contentType: "text/csv; charset=utf-8", content: toCsv(inventories, columns), filename: `${o.csvName}.csv` } };
  }
  const total = q.replyWithCount ? await o.delegate.count({ where }) : undefined;
  return { body: { inventories, ...(total !== undefined ? { total } : {}) } };
}

/**
 * Turns inventories into CSV: one column per top-level field, nested values as JSON.
 * `emptyColumns` names the header used when there are no rows.
 */
export function toCsv(rows: Record<string, unknown>[], emptyColumns: string[] = []): string {
  const columns = rows.length ? [...new Set(rows.flatMap((r) => Object.keys(r)))] : emptyColumns;
  return stringify(rows.map((r) => columns.map((c) => cell(r[c]))), { header: true, columns });
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}

/**
 * A tag condition as "resources with (or without) a matching tag": the negative operators
 * match resources that have no tag equal to / like / in the value, as {@link tagFilter} does.
 */
function tagSubquery(t: TagCondition): { negate: boolean; tagFilter: unknown } {
  switch (t.op) {
    case "is null": return { negate: true, tagFilter: undefined };
    case "not null": return { negate: false, tagFilter: undefined };
    case "!=": return { negate: true, tagFilter: { equals: t.value } };
    case "!~=": return { negate: true, tagFilter: comparison("string", "~=", t.value, "tag") };
    case "!?=": return { negate: true, tagFilter: { in: t.value.split(",") } };
    default: return { negate: false, tagFilter: comparison("string", t.op, t.value, "tag") };
  }
}

async function tagFilter(prisma: PrismaClient, resourceType: string, t: TagCondition): Promise<Record<string, unknown>> {
  const table = t.table === "userTag" ? prisma.userTag : prisma.systemTag;
  const findUuids = async (tag: unknown) => {
    const rows = await (table as typeof prisma.userTag).findMany({
      where: { resourceType, ...(tag === undefined ? {} : { tag: tag as string }) },
      select: { resourceUuid: true },
    });
    // De-duplicated here rather than with Prisma's `distinct`, which the client engine applies
    // in memory after fetching every row anyway — and most conditions match one tag per resource.
    return [...new Set(rows.map((r) => r.resourceUuid))];
  };
  switch (t.op) {
    case "is null": return { uuid: { notIn: await findUuids(undefined) } };
    case "not null": return { uuid: { in: await findUuids(undefined) } };
    // "no tag equal to / like X": the complement of the resources that have one.
    case "!=": return { uuid: { notIn: await findUuids(t.value) } };
    case "!~=": return { uuid: { notIn: await findUuids((comparison("string", "~=", t.value, "tag") as object)) } };
    case "!?=": return { uuid: { notIn: await findUuids({ in: t.value.split(",") }) } };
    default: return { uuid: { in: await findUuids(comparison("string", t.op, t.value, "tag")) } };
  }
}
