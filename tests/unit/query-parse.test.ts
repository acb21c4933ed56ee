import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../server/errors/catalogue.ts";
import { DEFAULT_LIMIT, MAX_LIMIT, parseQuery } from "../../server/query/parse.ts";
import type { QuerySpec } from "../../server/query/spec.ts";

const parentSpec: QuerySpec = {
  resourceType: "Parent",
  fields: { uuid: "string", name: "string", createDate: "date" },
  notNull: ["uuid", "name", "createDate"],
};

const spec: QuerySpec = {
  resourceType: "Thing",
  fields: {
    uuid: "string", name: "string", description: "string", size: "number", bytes: "bigint",
    createDate: "date", enabled: "boolean",
  },
  relations: {
    parent: { spec: () => parentSpec, many: false },
    children: { spec: () => parentSpec, many: true },
  },
  computedFields: ["extras"],
  notNull: ["uuid", "name", "enabled"],
};

/** The single Prisma condition a single `q=` produces. */
const where = (cond: string) => {
  const w = parseQuery(spec, { q: cond }).where as { AND: Record<string, unknown>[] };
  assert.equal(w.AND.length, 1);
  return w.AND[0];
};

/** Asserts that `fn` throws ApiError SYS.1007 (400) whose text matches `text`. */
function rejects(fn: () => unknown, text?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, "SYS.1007");
    assert.equal(e.httpStatus, 400);
    if (text) assert.match(`${e.description} ${e.details ?? ""}`, text);
    return true;
  });
}

describe("parseQuery", () => {
  describe("defaults", () => {
    it("returns no condition, createDate+uuid order and the default limit for an empty query", () => {
      assert.deepEqual(parseQuery(spec, {}), {
        where: {}, tagConditions: [], orderBy: [{ createDate: "asc" }, { uuid: "asc" }],
        take: DEFAULT_LIMIT, skip: 0, fields: undefined, countOnly: false, replyWithCount: false,
      });
    });

    it("leaves createDate out of the default order of a resource without it", () => {
      const s: QuerySpec = { resourceType: "X", fields: { uuid: "string", name: "string" } };
      assert.deepEqual(parseQuery(s, {}).orderBy, [{ uuid: "asc" }]);
    });
  });

  describe("operators", () => {
    it("maps = != > >= < <= to Prisma filters", () => {
      assert.deepEqual(where("name=a"), { name: { equals: "a" } });
      assert.deepEqual(where("name!=a"), { name: { not: "a" } });
      assert.deepEqual(where("size>1"), { size: { gt: 1 } });
      assert.deepEqual(where("size>=1.5"), { size: { gte: 1.5 } });
      assert.deepEqual(where("size<-2"), { size: { lt: -2 } });
      assert.deepEqual(where("size<=0"), { size: { lte: 0 } });
    });

    it("keeps everything after the operator as the value", () => {
      assert.deepEqual(where("name=a=b"), { name: { equals: "a=b" } });
      assert.deepEqual(where("name="), { name: { equals: "" } });
      assert.deepEqual(where("description=line one\nline two"), { description: { equals: "line one\nline two" } });
      assert.deepEqual(where("name!=>x"), { name: { not: ">x" } });
    });

    it("maps ~= patterns to contains, startsWith, endsWith and equals", () => {
      assert.deepEqual(where("name~=%web%"), { name: { contains: "web" } });
      assert.deepEqual(where("name~=web%"), { name: { startsWith: "web" } });
      assert.deepEqual(where("name~=%web"), { name: { endsWith: "web" } });
      assert.deepEqual(where("name~=a%z"), { name: { startsWith: "a", endsWith: "z" } });
      assert.deepEqual(where("name~=web"), { name: { equals: "web" } });
    });

    it("negates the pattern for !~=", () => {
      assert.deepEqual(where("name!~=%web%"), { name: { not: { contains: "web" } } });
      assert.deepEqual(where("name!~=web%"), { name: { not: { startsWith: "web" } } });
    });

    it("refuses ~= patterns it cannot express and ~= on non-text fields", () => {
      rejects(() => where("name~=%a%b%"), /LIKE pattern/);
      rejects(() => where("name~=a%b%c"), /LIKE pattern/);
      rejects(() => where("size~=1%"), /text fields/);
    });

    it("splits ?= and !?= values on commas and converts each", () => {
      assert.deepEqual(where("name?=a,b,c"), { name: { in: ["a", "b", "c"] } });
      assert.deepEqual(where("size!?=1,2"), { size: { notIn: [1, 2] } });
      rejects(() => where("size?=1,x"), /size/);
    });

    it("maps is null and not null on nullable fields", () => {
      assert.deepEqual(where("description is null"), { description: null });
      assert.deepEqual(where("description not null"), { description: { not: null } });
      assert.deepEqual(where("description   is   null"), { description: null });
      assert.deepEqual(where("size not null"), { size: { not: null } });
    });

    it("answers is null / not null from the spec on fields that are never null", () => {
      assert.deepEqual(where("name is null"), { name: { in: [] } });
      assert.deepEqual(where("name not null"), {});
      assert.deepEqual(where("enabled is null"), { AND: [{ enabled: true }, { enabled: false }] });
      assert.deepEqual(where("parent.name is null"), { parent: { is: { name: { in: [] } } } });
    });

    it("refuses a value after is null / not null", () => {
      rejects(() => where("description is null x"), /takes no value/);
      rejects(() => where("description not null 1"), /takes no value/);
    });
  });

  describe("values", () => {
    it("converts numbers, bigints, booleans and dates", () => {
      assert.deepEqual(where("bytes=9007199254740993"), { bytes: { equals: 9007199254740993n } });
      assert.deepEqual(where("enabled=true"), { enabled: { equals: true } });
      assert.deepEqual(where("enabled!=false"), { enabled: { not: false } });
      assert.deepEqual(where("createDate>2024-05-01T10:00:00.000Z"), { createDate: { gt: new Date("2024-05-01T10:00:00.000Z") } });
      assert.deepEqual(where("createDate<=1700000000000"), { createDate: { lte: new Date(1700000000000) } });
    });

    it("refuses values that do not fit the field's type, naming the field", () => {
      rejects(() => where("size=abc"), /'size'.*number/);
      rejects(() => where("size="), /size/);
      rejects(() => where("bytes=1.5"), /'bytes'.*integer/);
      rejects(() => where("enabled=yes"), /'enabled'.*true or false/);
      rejects(() => where("createDate>tomorrow"), /'createDate'.*ISO 8601/);
      rejects(() => where("enabled>true"), /boolean/);
    });
  });

  describe("fields and relations", () => {
    it("nests a to-one relation under is and a to-many under some", () => {
      assert.deepEqual(where("parent.name=p"), { parent: { is: { name: { equals: "p" } } } });
      assert.deepEqual(where("children.name~=c%"), { children: { some: { name: { startsWith: "c" } } } });
      assert.deepEqual(where("children.createDate<2020-01-01"), { children: { some: { createDate: { lt: new Date("2020-01-01") } } } });
    });

    it("refuses an unknown field with SYS.1007 listing fields, computed fields and relations", () => {
      rejects(() => where("colour=red"), /Unknown field 'colour' for Thing.*uuid, name, description.*extras.*parent\.\*, children\.\*/s);
    });

    it("refuses unknown joined fields and joins through non-relations", () => {
      rejects(() => where("parent.colour=red"), /Unknown field 'parent\.colour' for Parent/);
      rejects(() => where("name.length=3"), /Unknown field 'name\.length'/);
      rejects(() => where("parent=x"), /Unknown field 'parent'/);
    });
  });

  describe("conditions", () => {
    it("ANDs repeated q in order", () => {
      const r = parseQuery(spec, { q: ["name=a", "size>1"] });
      assert.deepEqual(r.where, { AND: [{ name: { equals: "a" } }, { size: { gt: 1 } }] });
    });

    it("refuses malformed conditions with SYS.1007 quoting them", () => {
      rejects(() => where("name"), /Malformed query condition.*"name"/s);
      rejects(() => where("=a"), /Malformed/);
      rejects(() => where(""), /Malformed/);
      rejects(() => where("1name=a"), /Malformed/);
      rejects(() => where("na me=a"), /Malformed/);
    });

    it("collects __userTag__ and __systemTag__ conditions apart from the field conditions", () => {
      const r = parseQuery(spec, { q: ["__userTag__=web", "__systemTag__~=tier::%", "name=a", "__userTag__ is null"] });
      assert.deepEqual(r.tagConditions, [
        { table: "userTag", op: "=", value: "web" },
        { table: "systemTag", op: "~=", value: "tier::%" },
        { table: "userTag", op: "is null", value: "" },
      ]);
      assert.deepEqual(r.where, { AND: [{ name: { equals: "a" } }] });
    });
  });

  describe("parameters", () => {
    it("refuses unknown parameters with SYS.1007 listing the allowed ones", () => {
      rejects(() => parseQuery(spec, { pageSize: "1" }), /Unknown query parameter 'pageSize'.*q, limit, start, sort, fields, count, replyWithCount, format/s);
    });

    it("parses limit and start within bounds", () => {
      const r = parseQuery(spec, { limit: "10", start: "20" });
      assert.equal(r.take, 10);
      assert.equal(r.skip, 20);
      assert.equal(parseQuery(spec, { limit: "0" }).take, 0);
      assert.equal(parseQuery(spec, { limit: String(MAX_LIMIT) }).take, MAX_LIMIT);
    });

    it("refuses limit and start that are not integers in range", () => {
      for (const limit of ["abc", "-1", "1.5", "", " 1", String(MAX_LIMIT + 1)]) rejects(() => parseQuery(spec, { limit }), /'limit'/);
      rejects(() => parseQuery(spec, { limit: ["1", "2"] }), /'limit'/);
      rejects(() => parseQuery(spec, { start: "x" }), /'start'/);
    });

    it("sorts with +field, a decoded + (space), a bare field and -field, then by uuid", () => {
      assert.deepEqual(parseQuery(spec, { sort: "+name" }).orderBy, [{ name: "asc" }, { uuid: "asc" }]);
      assert.deepEqual(parseQuery(spec, { sort: " name" }).orderBy, [{ name: "asc" }, { uuid: "asc" }]);
      assert.deepEqual(parseQuery(spec, { sort: "name" }).orderBy, [{ name: "asc" }, { uuid: "asc" }]);
      assert.deepEqual(parseQuery(spec, { sort: "-name" }).orderBy, [{ name: "desc" }, { uuid: "asc" }]);
      assert.deepEqual(parseQuery(spec, { sort: "-size,+createDate" }).orderBy, [{ size: "desc" }, { createDate: "asc" }, { uuid: "asc" }]);
      assert.deepEqual(parseQuery(spec, { sort: "-uuid" }).orderBy, [{ uuid: "desc" }]);
    });

    it("refuses a sort on an unknown field or with a bad prefix", () => {
      rejects(() => parseQuery(spec, { sort: "colour" }), /Invalid sort.*colour.*fields: uuid/s);
      rejects(() => parseQuery(spec, { sort: "*name" }), /Invalid sort/);
      rejects(() => parseQuery(spec, { sort: "parent.name" }), /Invalid sort/);
      rejects(() => parseQuery(spec, { sort: "" }), /Invalid sort/);
    });

    it("parses fields, accepting computed fields and refusing unknown ones", () => {
      assert.deepEqual(parseQuery(spec, { fields: "uuid, name,,extras" }).fields, ["uuid", "name", "extras"]);
      rejects(() => parseQuery(spec, { fields: "uuid,colour" }), /colour/);
    });

    it("parses count and replyWithCount as true or false only", () => {
      assert.equal(parseQuery(spec, { count: "true" }).countOnly, true);
      assert.equal(parseQuery(spec, { count: "false" }).countOnly, false);
      assert.equal(parseQuery(spec, { replyWithCount: "true" }).replyWithCount, true);
      rejects(() => parseQuery(spec, { count: "1" }), /'count'/);
      rejects(() => parseQuery(spec, { replyWithCount: "yes" }), /'replyWithCount'/);
    });

    it("refuses a q that is neither a string nor a list of strings", () => {
      rejects(() => parseQuery(spec, { q: { name: "a" } }), /Malformed 'q'/);
    });
  });
});
