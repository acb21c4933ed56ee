import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pruneAudits } from "../../server/audits/retention.ts";
import { startNode, testStore, type TestNode } from "../support/node.ts";

describe(`audit retention on the ${testStore()} store`, () => {
  let t: TestNode;
  before(async () => { t = await startNode(); });
  after(async () => { await t.destroy(); });

  it("deletes audit records older than audit/retentionDays and keeps newer ones", async () => {
    const { prisma } = t.node.services.db;
    const base = { apiName: "CreateZone", requestMethod: "POST", requestPath: "/v1/zones", result: "Success", httpStatus: 200, duration: 1 };
    const day = 86_400_000;
    const now = Date.now();
    await prisma.audit.createMany({
      data: [
        { uuid: "a".repeat(32), ...base, startDate: new Date(now - 10 * day), finishDate: new Date(now - 10 * day) },
        { uuid: "b".repeat(32), ...base, startDate: new Date(now - 2 * day), finishDate: new Date(now - 2 * day) },
      ],
    });
    const r = await t.admin.put("/v1/global-configurations/audit/retentionDays/actions", { updateGlobalConfig: { value: "5" } });
    assert.equal(r.status, 200);
    assert.equal(await pruneAudits(prisma, t.node.services.configs), 1);
    const left = await prisma.audit.findMany({ where: { uuid: { in: ["a".repeat(32), "b".repeat(32)] } } });
    assert.deepEqual(left.map((a) => a.uuid), ["b".repeat(32)]);
  });
});
