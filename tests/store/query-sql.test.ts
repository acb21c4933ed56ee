import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Caller } from "../../server/auth/context.ts";
import { queryReply } from "../../server/query/run.ts";
import { vmQuerySpec } from "../../server/vm-instances/schema.ts";
import { startNode, testStore, type TestNode } from "../support/node.ts";

// The VM list reads pages with compiled SQL (server/query/sql.ts) instead of Prisma; every
// condition must select and order exactly the rows Prisma would.
describe(`VM queries compiled to SQL on the ${testStore()} store`, () => {
  let t: TestNode;
  let caller: Caller;
  before(async () => {
    t = await startNode();
    const { prisma } = t.node.services.db;
    const account = await prisma.account.findUniqueOrThrow({ where: { name: "admin" } });
    caller = { kind: "system", accountUuid: account.uuid, accountName: "admin", accountType: "SystemAdmin", isAdmin: true };
    const base = Date.UTC(2026, 0, 1);
    await prisma.vmInstance.createMany({
      data: Array.from({ length: 40 }, (_, i) => ({
        uuid: i.toString(16).padStart(32, "0"), name: i % 7 === 0 ? `web_%${i}` : `vm-${i}`, description: i % 3 === 0 ? null : `d${i % 4}`,
        zoneUuid: i % 5 === 0 ? null : "z".repeat(32), cpuNum: 1 + (i % 8), memorySize: BigInt(i % 4 + 1) * 1073741824n,
        state: ["Running", "Stopped", "Starting"][i % 3]!, accountUuid: account.uuid, provider: i % 9 === 0 ? "Aliyun" : "KVM",
        createDate: new Date(base + (i % 13) * 60_000),
      })),
    });
    await prisma.systemTag.createMany({
      data: [3, 4, 9, 20].map((i) => ({ uuid: `t${i}`.padEnd(32, "0"), resourceUuid: i.toString(16).padStart(32, "0"), resourceType: "VmInstance", tag: "tier::web", accountUuid: account.uuid })),
    });
  });
  after(async () => { await t.destroy(); });

  const queries: Record<string, unknown>[] = [
    {}, { q: "state=Running" }, { q: "state!=Running" }, { q: "state?=Running,Starting" }, { q: "state!?=Running,Starting" },
    { q: "name~=web\\_%" }, { q: "name~=web_%" }, { q: "name~=%1" }, { q: "name~=%m-1%" }, { q: "name!~=vm-%" },
    { q: "description is null" }, { q: "description not null" }, { q: "description!=d1" }, { q: "description=d2" },
    { q: "zoneUuid is null" }, { q: ["cpuNum>3", "cpuNum<=6"] }, { q: "memorySize>=2147483648" }, { q: "memorySize=1073741824" },
    { q: "createDate>2026-01-01T00:05:00Z" }, { q: "createDate<1767225900000" }, { q: "provider=Aliyun" },
    { q: "__systemTag__=tier::web" }, { q: ["__systemTag__!=tier::web", "state=Stopped"] }, { q: "__systemTag__ is null" },
    { q: "__systemTag__ not null" }, { q: "__systemTag__~=tier::%" }, { q: "__systemTag__!~=%web" }, { q: "__systemTag__?=tier::web,tier::db" },
    { q: ["__systemTag__=tier::web", "__userTag__ is null"] }, { q: "__userTag__=nobody" },
    { q: "state=Running", sort: "-cpuNum", limit: "5", start: "2" }, { sort: "+name" }, { sort: "-createDate", limit: "7" },
    { q: "vmNics.ip=10.0.0.1" },
  ];
  for (const raw of queries) {
    it(`answers ${JSON.stringify(raw)} exactly as Prisma does`, async () => {
      const { prisma } = t.node.services.db;
      const run = (sqlTable?: string) => queryReply({
        prisma, spec: vmQuerySpec, delegate: prisma.vmInstance as never, caller, raw, scope: {}, sqlTable,
        toInventory: (vm: { uuid: string; name: string; memorySize: bigint; createDate: Date; zoneUuid: string | null; description: string | null }) =>
          ({ uuid: vm.uuid, name: vm.name, memorySize: vm.memorySize.toString(), createDate: vm.createDate.toISOString(), zoneUuid: vm.zoneUuid, description: vm.description }),
        csvName: "vms",
      });
      const viaSql = await run("VmInstance");
      const viaPrisma = await run(undefined);
      assert.deepEqual(viaSql.body, viaPrisma.body);
    });
  }
});
