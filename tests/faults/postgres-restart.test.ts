import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startNode, type TestNode } from "../support/node.ts";
import { type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres.ts";

// Issue 9: PostgreSQL restarted under load. While it is down the API answers 503 with a
// stable code; once it is back the node recovers without a restart, and every change it
// acknowledged is there.
describe("PostgreSQL restarted under load", () => {
  let pg: PrivatePostgres;
  let t: TestNode;
  before(async () => {
    pg = await startPrivatePostgres();
    t = await startNode({ db: { url: pg.url, drop: async () => undefined } });
  });
  after(async () => {
    await t?.destroy();
    pg?.destroy();
  });

  it("answers 503 while the database is down, recovers by itself, and loses no acknowledged change", async () => {
    const acknowledged: string[] = [];
    const outcomes = new Map<string, number>();
    let running = true;
    let i = 0;
    const load = (async () => {
      while (running) {
        const name = `pg-fault-${i++}`;
        const r = await t.admin.post("/v1/zones", { params: { name } });
        const key = `${r.status} ${r.body?.error?.code ?? ""}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (r.status === 200) acknowledged.push(r.body.inventory.uuid);
        else assert.equal(r.status, 503, `unexpected ${r.status}: ${r.text}`);
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    pg.stop();
    await new Promise((r) => setTimeout(r, 3000)); // past the node's 2 s session cache
    const down = await t.admin.get("/v1/zones");
    assert.equal(down.status, 503, down.text);
    assert.equal(down.body.error.code, "SYS.DATABASE_UNAVAILABLE");
    pg.start();
    let back = await t.admin.get("/v1/zones?limit=1");
    for (let tries = 0; back.status !== 200 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      back = await t.admin.get("/v1/zones?limit=1");
    }
    assert.equal(back.status, 200, back.text);
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await load;
    assert.ok(outcomes.get("503 SYS.DATABASE_UNAVAILABLE"), `no 503 seen: ${JSON.stringify([...outcomes])}`);
    const stored = await t.node.services.db.prisma.zone.findMany({ where: { uuid: { in: acknowledged } }, select: { uuid: true } });
    assert.equal(stored.length, acknowledged.length, "every acknowledged zone is stored");
    assert.ok(acknowledged.length > 5);
  });
});
