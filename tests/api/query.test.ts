import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startNode, type TestNode } from "../support/node.ts";

/** `q=` parameters, URL-encoded. */
const q = (...conditions: string[]) => conditions.map((c) => `q=${encodeURIComponent(c)}`).join("&");
const names = (r: { body: { inventories: { name: string }[] } }) => r.body.inventories.map((x) => x.name);
const sorted = (xs: string[]) => [...xs].sort();

interface Zone { uuid: string; name: string; accountUuid: string; createDate: string; lastOpDate: string }

describe("query API (GET /v1/zones)", () => {
  let t: TestNode;
  let admin: Client;
  const z: Record<string, Zone> = {};

  /** Zone names of a query, in the order returned (sorted by name unless the query sorts). */
  async function query(qs: string): Promise<string[]> {
    const r = await admin.get(`/v1/zones?${qs}${qs.includes("sort=") ? "" : "&sort=%2Bname"}`);
    assert.equal(r.status, 200, `${qs}: ${r.text}`);
    return names(r);
  }

  async function refused(qs: string, detail?: RegExp) {
    const r = await admin.get(`/v1/zones?${qs}`);
    assert.equal(r.status, 400, `${qs}: ${r.text}`);
    assert.equal(r.body.error.code, "SYS.1007", qs);
    if (detail) assert.match(`${r.body.error.description} ${r.body.error.details}`, detail);
    return r;
  }

  before(async () => {
    t = await startNode();
    admin = t.admin;
    const specs: [string, string | undefined, string[], string[]][] = [
      ["q-alpha", "first, best", ["red"], ["tier::gold"]],
      ["q-beta", undefined, ["blue"], []],
      ["q-gamma", "third zone", [], []],
      ["q-delta", "fourth", ["red"], ["tier::silver"]],
      ["q-epsilon", undefined, ["green"], []],
    ];
    for (const [name, description, userTags, systemTags] of specs) {
      const r = await admin.post("/v1/zones", { params: { name, ...(description ? { description } : {}) }, userTags, systemTags });
      assert.equal(r.status, 200, r.text);
      z[name] = r.body.inventory;
      // Distinct createDate values (millisecond precision) for the ordering operators.
      await new Promise((res) => setTimeout(res, 15));
    }
    const d = await admin.put(`/v1/zones/${z["q-epsilon"]!.uuid}/actions`, { changeZoneState: { stateEvent: "disable" } });
    assert.equal(d.status, 200);
  });
  after(async () => { await t.destroy(); });

  describe("operators", () => {
    it("= and != compare exactly", async () => {
      assert.deepEqual(await query(q("name=q-beta")), ["q-beta"]);
      assert.deepEqual(await query(q("name!=q-beta")), ["q-alpha", "q-delta", "q-epsilon", "q-gamma"]);
      assert.deepEqual(await query(q("state=Disabled")), ["q-epsilon"]);
      assert.deepEqual(await query(q("isDefault=false")), ["q-alpha", "q-beta", "q-delta", "q-epsilon", "q-gamma"]);
      assert.deepEqual(await query(q("name=q-")), []);
    });

    it("> >= < <= order createDate given as ISO 8601", async () => {
      const mid = z["q-gamma"]!.createDate;
      assert.deepEqual(await query(q(`createDate>${mid}`)), ["q-delta", "q-epsilon"]);
      assert.deepEqual(await query(q(`createDate>=${mid}`)), ["q-delta", "q-epsilon", "q-gamma"]);
      assert.deepEqual(await query(q(`createDate<${mid}`)), ["q-alpha", "q-beta"]);
      assert.deepEqual(await query(q(`createDate<=${mid}`)), ["q-alpha", "q-beta", "q-gamma"]);
      assert.deepEqual(await query(q(`createDate=${mid}`)), ["q-gamma"]);
    });

    it("> and < combine into a range, also with epoch milliseconds", async () => {
      const from = z["q-alpha"]!.createDate;
      const to = Date.parse(z["q-delta"]!.createDate);
      assert.deepEqual(await query(q(`createDate>${from}`, `createDate<${to}`)), ["q-beta", "q-gamma"]);
      assert.deepEqual(await query(q("createDate>2000-01-01T00:00:00Z")), ["q-alpha", "q-beta", "q-delta", "q-epsilon", "q-gamma"]);
      assert.deepEqual(await query(q("createDate<2000-01-01")), []);
    });

    it("~= matches %x%, x%, %x and a%b patterns", async () => {
      assert.deepEqual(await query(q("name~=%ta%")), ["q-beta", "q-delta"]);
      assert.deepEqual(await query(q("name~=q-d%")), ["q-delta"]);
      assert.deepEqual(await query(q("name~=%ma")), ["q-gamma"]);
      assert.deepEqual(await query(q("name~=q-%on")), ["q-epsilon"]);
      assert.deepEqual(await query(q("name~=q-beta")), ["q-beta"], "no wildcard: exact match");
      assert.deepEqual(await query(q("description~=%zone%")), ["q-gamma"]);
    });

    it("!~= excludes what ~= matches", async () => {
      assert.deepEqual(await query(q("name!~=%a")), ["q-epsilon"]);
      assert.deepEqual(await query(q("name!~=q-%")), []);
    });

    it("rejects an unsupported ~= pattern with SYS.1007", async () => {
      await refused(q("name~=%a%b%"), /LIKE pattern/);
    });

    it("?= and !?= take a comma list", async () => {
      assert.deepEqual(await query(q("name?=q-alpha,q-gamma,nope")), ["q-alpha", "q-gamma"]);
      assert.deepEqual(await query(q("name!?=q-alpha,q-gamma")), ["q-beta", "q-delta", "q-epsilon"]);
      assert.deepEqual(await query(q(`uuid?=${z["q-beta"]!.uuid}`)), ["q-beta"]);
    });

    it("is null and not null test for a missing value", async () => {
      assert.deepEqual(await query(q("description is null")), ["q-beta", "q-epsilon"]);
      assert.deepEqual(await query(q("description not null")), ["q-alpha", "q-delta", "q-gamma"]);
      // `+` in a query string is a space too.
      assert.deepEqual(await query("q=description+is+null"), ["q-beta", "q-epsilon"]);
    });

    it("is null on a column that is never null matches nothing, not null everything", async () => {
      assert.deepEqual(await query(q("name is null")), []);
      assert.deepEqual(await query(q("name not null")), ["q-alpha", "q-beta", "q-delta", "q-epsilon", "q-gamma"]);
      assert.deepEqual(await query(q("isDefault is null")), []);
      assert.deepEqual(await query(q("createDate not null", "name=q-beta")), ["q-beta"]);
    });

    it("ANDs several q conditions", async () => {
      assert.deepEqual(await query(q("description not null", "name~=%ta%")), ["q-delta"]);
      assert.deepEqual(await query(q("name=q-alpha", "name=q-beta")), []);
      assert.deepEqual(await query(q("state=Enabled", "description is null")), ["q-beta"]);
    });
  });

  describe("tag conditions", () => {
    it("__userTag__ supports =, !=, ?=, is null and not null", async () => {
      assert.deepEqual(await query(q("__userTag__=red")), ["q-alpha", "q-delta"]);
      assert.deepEqual(await query(q("__userTag__!=red")), ["q-beta", "q-epsilon", "q-gamma"]);
      assert.deepEqual(await query(q("__userTag__?=blue,green")), ["q-beta", "q-epsilon"]);
      assert.deepEqual(await query(q("__userTag__ is null")), ["q-gamma"]);
      assert.deepEqual(await query(q("__userTag__ not null")), ["q-alpha", "q-beta", "q-delta", "q-epsilon"]);
      assert.deepEqual(await query(q("__userTag__=purple")), []);
    });

    it("__systemTag__ supports =, ~= and !~=", async () => {
      assert.deepEqual(await query(q("__systemTag__=tier::gold")), ["q-alpha"]);
      assert.deepEqual(await query(q("__systemTag__~=tier::%")), ["q-alpha", "q-delta"]);
      assert.deepEqual(await query(q("__systemTag__!~=tier::%")), ["q-beta", "q-epsilon", "q-gamma"]);
    });

    it("ANDs tag conditions with field conditions", async () => {
      assert.deepEqual(await query(q("__userTag__=red", "description=fourth")), ["q-delta"]);
      assert.deepEqual(await query(q("__userTag__=red", "__systemTag__=tier::gold")), ["q-alpha"]);
    });

    it("does not confuse user tags with system tags", async () => {
      assert.deepEqual(await query(q("__systemTag__=red")), []);
      assert.deepEqual(await query(q("__userTag__=tier::gold")), []);
    });
  });

  describe("paging, sorting, fields and counts", () => {
    it("sorts ascending with sort=%2Bname, sort=+name and sort=name, descending with sort=-name", async () => {
      const asc = ["q-alpha", "q-beta", "q-delta", "q-epsilon", "q-gamma"];
      assert.deepEqual(await query("sort=%2Bname"), asc);
      assert.deepEqual(await query("sort=+name"), asc);
      assert.deepEqual(await query("sort=name"), asc);
      assert.deepEqual(await query("sort=-name"), [...asc].reverse());
    });

    it("sorts by createDate by default", async () => {
      const r = await admin.get("/v1/zones");
      assert.deepEqual(names(r), ["q-alpha", "q-beta", "q-gamma", "q-delta", "q-epsilon"]);
      assert.deepEqual(await query("sort=-createDate"), ["q-epsilon", "q-delta", "q-gamma", "q-beta", "q-alpha"]);
    });

    it("pages with limit and start", async () => {
      assert.deepEqual(await query("limit=2"), ["q-alpha", "q-beta"]);
      assert.deepEqual(await query("limit=2&start=2"), ["q-delta", "q-epsilon"]);
      assert.deepEqual(await query("limit=2&start=4"), ["q-gamma"]);
      assert.deepEqual(await query("start=10"), []);
      assert.deepEqual(await query("limit=0"), []);
      assert.deepEqual(await query("sort=-name&limit=1&start=1"), ["q-epsilon"]);
    });

    it("returns only the fields named in fields=", async () => {
      const r = await admin.get(`/v1/zones?fields=uuid,name&${q("name=q-alpha")}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.inventories, [{ uuid: z["q-alpha"]!.uuid, name: "q-alpha" }]);
    });

    it("count=true returns only the total of matches", async () => {
      const all = await admin.get("/v1/zones?count=true");
      assert.deepEqual(all.body, { total: 5 });
      const some = await admin.get(`/v1/zones?count=true&${q("__userTag__=red")}`);
      assert.deepEqual(some.body, { total: 2 });
      const paged = await admin.get("/v1/zones?count=true&limit=1");
      assert.deepEqual(paged.body, { total: 5 });
    });

    it("replyWithCount=true returns inventories and the total of all matches regardless of limit", async () => {
      const r = await admin.get("/v1/zones?replyWithCount=true&limit=2&start=1&sort=%2Bname");
      assert.equal(r.status, 200);
      assert.deepEqual(names(r), ["q-beta", "q-delta"]);
      assert.equal(r.body.total, 5);
      const f = await admin.get(`/v1/zones?replyWithCount=true&limit=1&${q("description not null")}`);
      assert.equal(f.body.inventories.length, 1);
      assert.equal(f.body.total, 3);
      const plain = await admin.get("/v1/zones?limit=1");
      assert.equal("total" in plain.body, false, "no total unless asked for");
    });
  });

  describe("refusals", () => {
    it("rejects an unknown field with SYS.1007 listing the fields", async () => {
      const r = await refused(q("colour=red"), /colour/);
      for (const f of ["uuid", "name", "description", "state", "createDate", "clusters.*"]) assert.ok(r.body.error.details.includes(f), f);
    });

    it("rejects malformed conditions with SYS.1007", async () => {
      await refused(q("name"), /Malformed query condition/);
      await refused(q("=q-alpha"), /Malformed/);
      await refused(q(""), /Malformed/);
      await refused(q("description is null please"), /takes no value/);
    });

    it("rejects values of the wrong type with SYS.1007", async () => {
      await refused(q("isDefault=maybe"), /isDefault/);
      await refused(q("createDate>yesterday"), /createDate/);
      await refused(q("createDate~=2020%"), /text fields/);
      await refused(q("isDefault>false"), /boolean/);
    });

    it("rejects an unknown query parameter with SYS.1007 listing the allowed ones", async () => {
      await refused("name=q-alpha", /Unknown query parameter 'name'.*limit/s);
      await refused("q=name%3Dq-alpha&pageSize=2", /pageSize/);
    });

    it("rejects bad limit, start, count and replyWithCount values with SYS.1007", async () => {
      await refused("limit=abc", /limit/);
      await refused("limit=-1", /limit/);
      await refused("limit=1.5", /limit/);
      await refused("limit=1&limit=2", /limit/);
      await refused("start=x", /start/);
      await refused("count=yes", /count/);
      await refused("replyWithCount=1", /replyWithCount/);
    });

    it("rejects a bad sort, fields or format with SYS.1007", async () => {
      await refused("sort=colour", /sort/);
      await refused("sort=*name", /sort/);
      await refused("fields=uuid,colour", /colour/);
      await refused("format=xml", /format/);
    });
  });

  describe("format=csv", () => {
    it("exports text/csv with a header row and one row per zone", async () => {
      const r = await admin.get("/v1/zones?format=csv&sort=%2Bname");
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/csv/);
      assert.match(r.headers.get("content-disposition") ?? "", /^attachment; filename="?zones\.csv"?$/);
      const lines = r.text.trimEnd().split("\n");
      assert.equal(lines[0], "uuid,name,description,state,type,isDefault,accountUuid,createDate,lastOpDate");
      assert.equal(lines.length, 6);
      const rows = lines.slice(1);
      assert.deepEqual(rows.map((l) => l.split(",")[1]), ["q-alpha", "q-beta", "q-delta", "q-epsilon", "q-gamma"]);
      const a = z["q-alpha"]!;
      assert.equal(rows[0], `${a.uuid},q-alpha,"first, best",Enabled,zstack,false,${a.accountUuid},${a.createDate},${a.lastOpDate}`);
      assert.ok(rows[1]!.startsWith(`${z["q-beta"]!.uuid},q-beta,,Enabled,`), "a null description is an empty cell");
      assert.ok(rows[3]!.includes(",Disabled,"));
    });

    it("applies q, sort, limit and fields to the export", async () => {
      const r = await admin.get(`/v1/zones?format=csv&fields=name,uuid&sort=-name&limit=2&${q("name~=q-%")}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.text.trimEnd().split("\n"), [
        "name,uuid", `q-gamma,${z["q-gamma"]!.uuid}`, `q-epsilon,${z["q-epsilon"]!.uuid}`,
      ]);
    });

    it("still sends the header row when nothing matches", async () => {
      const r = await admin.get(`/v1/zones?format=csv&${q("name=nothing")}`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/csv/);
      assert.equal(r.text.trimEnd(), "uuid,name,description,state,type,isDefault,accountUuid,createDate,lastOpDate");
      const f = await admin.get(`/v1/zones?format=csv&fields=uuid,name&${q("name=nothing")}`);
      assert.equal(f.text.trimEnd(), "uuid,name");
    });

    it("exports the same rows as the JSON query", async () => {
      const json = await admin.get(`/v1/zones?${q("__userTag__=red")}&sort=%2Bname`);
      const csv = await admin.get(`/v1/zones?format=csv&${q("__userTag__=red")}&sort=%2Bname`);
      const uuids = csv.text.trimEnd().split("\n").slice(1).map((l) => l.split(",")[0]);
      assert.deepEqual(uuids, json.body.inventories.map((x: Zone) => x.uuid));
      assert.deepEqual(sorted(uuids as string[]), sorted([z["q-alpha"]!.uuid, z["q-delta"]!.uuid]));
    });
  });
});
