import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiError } from "../../server/errors/catalogue.ts";
import { generateMac } from "../../server/l3-networks/ipam.ts";
import { startNode, testStore, type TestNode } from "../support/node.ts";
import { simZone } from "./support.ts";

describe(`IpamService (${testStore()} store)`, () => {
  let t: TestNode;
  let l2NetworkUuid: string;

  before(async () => {
    t = await startNode();
    const { zoneUuid } = await simZone(t, "ipam");
    l2NetworkUuid = (await t.admin.post("/v1/l2-networks/no-vlan", { params: { name: "ipam-l2", zoneUuid, physicalInterface: "eth0" } })).body.inventory.uuid;
  });
  after(async () => { await t.destroy(); });

  const l3With = async (name: string, startIp: string, endIp: string, gateway: string) => {
    const l3 = (await t.admin.post("/v1/l3-networks", { params: { name, l2NetworkUuid, category: "Private" } })).body.inventory;
    const r = await t.admin.post(`/v1/l3-networks/${l3.uuid}/ip-ranges`, { params: { name: "r", startIp, endIp, netmask: "255.255.255.0", gateway } });
    assert.equal(r.status, 200, r.text);
    return l3.uuid as string;
  };
  /** One allocation in its own transaction, as a VM creation would do it (generous waits: PGlite runs transactions one at a time). */
  const allocate = (p: { l3NetworkUuid: string; strategy?: string; staticIp?: string }) =>
    t.node.services.db.prisma.$transaction((tx) => t.node.services.ipam.allocate(tx, p), { maxWait: 60_000, timeout: 60_000 });
  const codeOf = (r: PromiseSettledResult<unknown>) => (r.status === "rejected" ? (r.reason as ApiError).code : "ok");

  it("hands out 100 distinct addresses to 100 concurrent allocations on a /24", async () => {
    const l3 = await l3With("c100", "10.251.10.2", "10.251.10.254", "10.251.10.1");
    const got = await Promise.all(Array.from({ length: 100 }, () => allocate({ l3NetworkUuid: l3 })));
    assert.equal(new Set(got.map((g) => g.ip)).size, 100);
    assert.ok(got.every((g) => g.netmask === "255.255.255.0" && g.gateway === "10.251.10.1"));
    assert.equal(await t.node.services.db.prisma.usedIp.count({ where: { l3NetworkUuid: l3 } }), 100);
  });

  it("on a range of 50, 50 of 100 concurrent allocations succeed and 50 get IPAM.NO_FREE_IP, none duplicated", async () => {
    const l3 = await l3With("c50", "10.251.11.10", "10.251.11.59", "10.251.11.1");
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) =>
      allocate({ l3NetworkUuid: l3, strategy: i % 2 ? "RandomIpAllocatorStrategy" : "FirstAvailableIpAllocatorStrategy" })));
    const ok = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<{ ip: string }>).value.ip);
    const failures = results.filter((r) => r.status === "rejected").map(codeOf);
    assert.equal(ok.length, 50);
    assert.equal(new Set(ok).size, 50);
    assert.deepEqual([...new Set(failures)], ["IPAM.NO_FREE_IP"]);
    assert.equal(failures.length, 50);
    const rows = await t.node.services.db.prisma.usedIp.findMany({ where: { l3NetworkUuid: l3 } });
    assert.equal(rows.length, 50);
  });

  it("gives the lowest free address first and reuses a released one", async () => {
    const l3 = await l3With("first", "10.251.12.10", "10.251.12.20", "10.251.12.1");
    const a = await allocate({ l3NetworkUuid: l3 });
    const b = await allocate({ l3NetworkUuid: l3 });
    assert.deepEqual([a.ip, b.ip], ["10.251.12.10", "10.251.12.11"]);
    await t.node.services.db.prisma.$transaction((tx) => t.node.services.ipam.release(tx, a.usedIpUuid));
    assert.equal((await allocate({ l3NetworkUuid: l3 })).ip, "10.251.12.10");
    const r = await allocate({ l3NetworkUuid: l3, strategy: "RandomIpAllocatorStrategy" });
    assert.ok(r.ip.startsWith("10.251.12."));
  });

  it("honours a static IP, refusing one in use (409), outside the ranges, the gateway (400) and a bad strategy", async () => {
    const l3 = await l3With("static", "10.251.13.10", "10.251.13.20", "10.251.13.1");
    assert.equal((await allocate({ l3NetworkUuid: l3, staticIp: "10.251.13.15" })).ip, "10.251.13.15");
    const fail = async (p: Record<string, string>) => {
      const r = await allocate({ l3NetworkUuid: l3, ...p }).then(() => undefined, (e: ApiError) => e);
      assert.ok(r instanceof ApiError, JSON.stringify(p));
      return r;
    };
    assert.deepEqual([(await fail({ staticIp: "10.251.13.15" })).code, (await fail({ staticIp: "10.251.13.15" })).httpStatus], ["IPAM.IP_IN_USE", 409]);
    assert.deepEqual([(await fail({ staticIp: "10.251.13.99" })).code, (await fail({ staticIp: "10.251.13.99" })).httpStatus], ["IPAM.IP_NOT_IN_RANGE", 400]);
    assert.equal((await fail({ staticIp: "not-an-ip" })).httpStatus, 400);
    assert.equal((await fail({ strategy: "Cheapest" })).code, "SYS.1007");
    // a reserved address is not handed out as a static IP either
    await t.admin.post(`/v1/l3-networks/${l3}/reserved-ip-ranges`, { params: { startIp: "10.251.13.16", endIp: "10.251.13.16" } });
    assert.equal((await fail({ staticIp: "10.251.13.16" })).code, "IPAM.IP_IN_USE");
  });

  it("refuses allocations on a Disabled L3 network", async () => {
    const l3 = await l3With("disabled", "10.251.14.10", "10.251.14.20", "10.251.14.1");
    await t.admin.put(`/v1/l3-networks/${l3}/actions`, { changeL3NetworkState: { stateEvent: "disable" } });
    await assert.rejects(allocate({ l3NetworkUuid: l3 }), (e: ApiError) => e.code === "SYS.1006");
  });

  it("keeps the caller's transaction usable after a lost race (no aborted transaction)", async () => {
    const l3 = await l3With("tx", "10.251.15.10", "10.251.15.11", "10.251.15.1");
    const prisma = t.node.services.db.prisma;
    const out = await prisma.$transaction(async (tx) => {
      await t.node.services.ipam.allocate(tx, { l3NetworkUuid: l3, staticIp: "10.251.15.10" });
      const second = await t.node.services.ipam.allocate(tx, { l3NetworkUuid: l3, staticIp: "10.251.15.10" }).catch((e: ApiError) => e.code);
      const third = await t.node.services.ipam.allocate(tx, { l3NetworkUuid: l3 });
      return { second, third: third.ip, count: await tx.usedIp.count({ where: { l3NetworkUuid: l3 } }) };
    });
    assert.deepEqual(out, { second: "IPAM.IP_IN_USE", third: "10.251.15.11", count: 2 });
  });

  it("waits for a racing uncommitted allocation of the same address and takes the next one", async () => {
    const l3 = await l3With("race", "10.251.16.10", "10.251.16.20", "10.251.16.1");
    const prisma = t.node.services.db.prisma;
    let holding!: () => void;
    const held = new Promise<void>((r) => { holding = r; });
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    // A takes the lowest address and keeps its transaction open; B then asks for the lowest free one.
    const a = prisma.$transaction(async (tx) => {
      const ip = await t.node.services.ipam.allocate(tx, { l3NetworkUuid: l3 });
      holding();
      await released;
      return ip.ip;
    }, { timeout: 30_000 });
    await held;
    let bDone = false;
    const b = allocate({ l3NetworkUuid: l3 }).finally(() => { bDone = true; });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bDone, false, "B waits while A holds the address uncommitted (PostgreSQL) or the store (PGlite)");
    release();
    assert.equal(await a, "10.251.16.10");
    // The loser of a race picks among the lowest free addresses at random, so racers spread out.
    const bIp = (await b).ip;
    assert.notEqual(bIp, "10.251.16.10");
    assert.match(bIp, /^10\.251\.16\.(1[1-9]|20)$/);
  });

  it("generates fa: MACs of 6 lowercase bytes", () => {
    const macs = new Set(Array.from({ length: 1000 }, generateMac));
    assert.equal(macs.size, 1000);
    for (const m of macs) assert.match(m, /^fa(:[0-9a-f]{2}){5}$/);
  });
});
