import type { DataCenter, Prisma, PrismaClient, VpcVirtualRouteEntry, VpcVirtualRouter } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { randomUUID } from "node:crypto";
import { AliyunApiError } from "../../client/errors.ts";
import { HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import type { VpcLocalRows } from "../local-rows.ts";
import { describeRouteEntries, dryRun, orNull, waitUntil, type AliyunRouteEntry } from "../wire.ts";
import { routeEntryQuerySpec, type CreateRouteEntryInput } from "./schema.ts";

/** The router an entry belongs to: a VPC's VRouter or an Express Connect VBR. */
export interface RouterRow {
  uuid: string;
  dataCenterUuid: string;
  routeTableId: string | null;
  /** Alibaba VRouterId or VbrId. */
  routerId: string;
  vRouterType: "vrouter" | "vbr";
}

/** Job type of CreateAliyunVpcVirtualRouterEntryRemote (resumable: its ClientToken makes a rerun find what the first run made). */
export const CREATE_ROUTE_ENTRY_JOB = "aliyun.route-entry.create";

/** ZStack VpcVirtualRouteEntryInventory. */
export function routeEntryInventory(e: VpcVirtualRouteEntry) {
  return {
    uuid: e.uuid, routeEntryId: e.routeEntryId, routeTableId: e.routeTableId, type: e.type, vRouterType: e.vRouterType, status: e.status,
    destinationCidrBlock: e.destinationCidrBlock, nextHopId: e.nextHopId, nextHopType: e.nextHopType, virtualRouterUuid: e.virtualRouterUuid,
    dataCenterUuid: e.dataCenterUuid, accountUuid: e.accountUuid, createDate: e.createDate.toISOString(), lastOpDate: e.lastOpDate.toISOString(),
  };
}

/** The columns of a route entry as Alibaba reports it. */
function entryFields(e: AliyunRouteEntry) {
  const hop = e.NextHops?.NextHop?.[0];
  return {
    routeEntryId: orNull(e.RouteEntryId), type: e.Type, status: e.Status,
    nextHopType: orNull(e.NextHopType || hop?.NextHopType), nextHopId: orNull(e.InstanceId || hop?.NextHopId),
  };
}

/** Input of the durable create job: everything needed to run it again after a restart. */
interface CreateJobInput {
  uuid: string;
  vRouterUuid: string;
  /** vrouter (absent in jobs from before VBR support) or vbr. */
  vRouterType?: "vrouter" | "vbr";
  destination: string;
  nextHopType: string;
  nextHopId: string;
  /** Same token on every run, so a resumed job finds the entry it made instead of making another. */
  clientToken: string;
  systemTags?: string[];
  userTags?: string[];
}

/**
 * Route entries of VPC VRouters' System route tables, and of VBRs' tables (vRouterType vbr; Express
 * Connect records and syncs those) (ZStack CreateAliyunVpcVirtualRouterEntryRemote,
 * DeleteAliyunRouteEntryRemote, QueryAliyunRouteEntryFromLocal, SyncAliyunRouteEntryFromRemote).
 * System entries (a VSwitch's `local` route, the 100.64.0.0/10 service route) are recorded too,
 * as Alibaba lists them, but only Custom ones can be deleted.
 */
export class RouteEntryService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly rows: VpcLocalRows,
  ) {
    jobs.register<CreateJobInput>({ name: CREATE_ROUTE_ENTRY_JOB, resumable: true, perform: (i) => this.performCreate(i) });
  }

  /** The entry if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VpcVirtualRouteEntry> {
    const e = await this.prisma.vpcVirtualRouteEntry.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!e) throw Errors.resourceNotFound("VpcVirtualRouteEntry", uuid);
    return e;
  }

  /** ZStack QueryAliyunRouteEntryFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: routeEntryQuerySpec, delegate: this.prisma.vpcVirtualRouteEntry as never, caller, raw,
      scope: ownedBy(caller), toInventory: routeEntryInventory, csvName: "vpc-route-entries",
    });
  }

  /**
   * CreateAliyunVpcVirtualRouterEntryRemote: checks the request with a DryRun (so a bad or
   * duplicate destination answers at once with ALIYUN.<code>), then starts a job that runs
   * CreateRouteEntry and waits for the entry to be Available. Job result `{inventory}`.
   * @throws SYS.1003 unknown VRouter or next hop, SYS.1007, ALIYUN.* from the dry run.
   */
  async create(caller: Caller, req: JobRequest, input: CreateRouteEntryInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    if ((p.nextHopUuid === undefined) === (p.nextHopId === undefined)) {
      throw Errors.invalidArgument("Give exactly one of nextHopUuid (a Strata uuid) and nextHopId (an Alibaba id)");
    }
    const vr = await this.router(p.vRouterType, p.vRouterUuid, caller);
    if (!vr) throw Errors.resourceNotFound(p.vRouterType === "vbr" ? "VirtualBorderRouter" : "VpcVirtualRouter", p.vRouterUuid);
    if (!vr.routeTableId) throw Errors.operationNotAllowed("Adding a route entry", `router ${vr.routerId} has no known route table; sync it first`);
    const nextHopId = p.nextHopId ?? await this.resolveHop(caller, vr, p.nextHopType, p.nextHopUuid!);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vr.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await dryRun(conn, dc.regionId, "CreateRouteEntry", { RouteTableId: vr.routeTableId, DestinationCidrBlock: p.dstCidrBlock, NextHopType: p.nextHopType, NextHopId: nextHopId });
    return this.jobs.submit(caller, req, CREATE_ROUTE_ENTRY_JOB, {
      uuid: p.resourceUuid ?? newUuid(), vRouterUuid: vr.uuid, vRouterType: p.vRouterType, destination: p.dstCidrBlock, nextHopType: p.nextHopType, nextHopId,
      clientToken: randomUUID(), systemTags: input.systemTags, userTags: input.userTags,
    } satisfies CreateJobInput);
  }

  /** A VRouter or VBR record as the entry's owner: uuid, data center, route table and Alibaba id. */
  private async router(type: "vrouter" | "vbr" | undefined, uuid: string, caller?: Caller): Promise<RouterRow | undefined> {
    const scope = caller ? ownedBy(caller) : {};
    if (type === "vbr") {
      const v = await this.prisma.virtualBorderRouter.findFirst({ where: { uuid, ...scope } });
      return v ? { uuid: v.uuid, dataCenterUuid: v.dataCenterUuid, routeTableId: v.routeTableId, routerId: v.vbrId, vRouterType: "vbr" } : undefined;
    }
    const r = await this.prisma.vpcVirtualRouter.findFirst({ where: { uuid, ...scope } });
    return r ? { uuid: r.uuid, dataCenterUuid: r.dataCenterUuid, routeTableId: r.routeTableId, routerId: r.vrId, vRouterType: "vrouter" } : undefined;
  }

  private async resolveHop(caller: Caller, vr: RouterRow, type: string, uuid: string): Promise<string> {
    const where = { uuid, dataCenterUuid: vr.dataCenterUuid, ...ownedBy(caller) };
    if (type === "RouterInterface") {
      const ri = await this.prisma.aliyunRouterInterface.findFirst({ where });
      if (!ri) throw Errors.resourceNotFound("AliyunRouterInterface", uuid);
      return ri.routerInterfaceId;
    }
    if (type === "VpnGateway") {
      const gw = await this.prisma.vpcVpnGateway.findFirst({ where });
      if (!gw) throw Errors.resourceNotFound("VpcVpnGateway", uuid);
      return gw.gatewayId;
    }
    const ecs = await this.prisma.ecsInstance.findFirst({ where });
    if (!ecs) throw Errors.resourceNotFound("EcsInstance", uuid);
    return ecs.ecsInstanceId;
  }

  private async performCreate(i: CreateJobInput) {
    const vr = await this.router(i.vRouterType, i.vRouterUuid);
    if (!vr?.routeTableId) throw Errors.resourceNotFound(i.vRouterType === "vbr" ? "VirtualBorderRouter" : "VpcVirtualRouter", i.vRouterUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vr.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const tableId = vr.routeTableId;
    const { RouteEntryId } = await remote(() => conn.rpc.call<{ RouteEntryId: string }>("Vpc", dc.regionId, "CreateRouteEntry",
      { RouteTableId: tableId, DestinationCidrBlock: i.destination, NextHopType: i.nextHopType, NextHopId: i.nextHopId }, { clientToken: i.clientToken }));
    const { value, ready } = await remote(() => waitUntil(
      async () => (await describeRouteEntries(conn, dc.regionId, tableId, RouteEntryId))[0], (e) => e.Status === "Available"));
    // Record what exists even when it is not Available yet: the entry is real on Alibaba.
    const entry = value ?? { RouteEntryId, RouteTableId: tableId, DestinationCidrBlock: i.destination, Type: "Custom", Status: "Pending", NextHopType: i.nextHopType, InstanceId: i.nextHopId };
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await this.upsert(tx, emit, dc, vr, entry, i.uuid);
      if (r.uuid === i.uuid) await this.tags.attachOnCreate(tx, { uuid: r.uuid, resourceType: "VpcVirtualRouteEntry", accountUuid: dc.accountUuid }, i.systemTags, i.userTags);
      return r;
    });
    if (!ready) throw HybridErrors.remoteNotReady("route entry", RouteEntryId, entry.Status);
    return { inventory: routeEntryInventory(row) };
  }

  /**
   * DeleteAliyunRouteEntryRemote: DeleteRouteEntry on Alibaba, then the record. An entry
   * Alibaba no longer has is just removed here.
   * @throws SYS.1003, SYS.1006 for a System entry, ALIYUN.* (e.g. IncorrectRouteEntryStatus while Pending).
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const e = await this.get(caller, uuid);
    if (e.type === "System") throw Errors.operationNotAllowed("Deleting a System route entry", "Alibaba manages System entries; delete the VSwitch or VPC instead");
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: e.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    try {
      await conn.rpc.call("Vpc", dc.regionId, "DeleteRouteEntry", e.routeEntryId
        ? { RouteEntryId: e.routeEntryId, RouteTableId: e.routeTableId }
        : { RouteTableId: e.routeTableId, DestinationCidrBlock: e.destinationCidrBlock, NextHopId: e.nextHopId ?? undefined });
    } catch (err) {
      if (!(err instanceof AliyunApiError)) throw err;
      if (err.code !== "InvalidRouteEntry.NotFound") throw HybridErrors.fromAliyun(err);
    }
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteRouteEntries(tx, emit, [e]));
  }

  /** Records (or finds) an entry of `vr` (a VRouter, or a VBR given as a {@link RouterRow}) inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Prisma.TransactionClient, emit: (e: NewEvent) => Promise<void>, dc: DataCenter, vr: VpcVirtualRouter | RouterRow, e: AliyunRouteEntry,
    uuid = newUuid()): Promise<VpcVirtualRouteEntry> {
    const row = await tx.vpcVirtualRouteEntry.upsert({
      where: { dataCenterUuid_routeTableId_destinationCidrBlock: { dataCenterUuid: dc.uuid, routeTableId: vr.routeTableId!, destinationCidrBlock: e.DestinationCidrBlock } },
      create: {
        uuid, virtualRouterUuid: vr.uuid, dataCenterUuid: dc.uuid, routeTableId: vr.routeTableId!, destinationCidrBlock: e.DestinationCidrBlock,
        vRouterType: "vRouterType" in vr ? vr.vRouterType : "vrouter", accountUuid: dc.accountUuid, ...entryFields(e),
      },
      update: entryFields(e),
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VpcVirtualRouteEntry", accountUuid: dc.accountUuid });
    return row;
  }

  /** Sync step "VpcVirtualRouteEntry": the entries of every recorded VRouter's route table. */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const total: ReconcileResult = { created: 0, updated: 0, deleted: 0 };
    for (const vr of await this.prisma.vpcVirtualRouter.findMany({ where: { dataCenterUuid: dc.uuid } })) {
      const r = await this.syncRouter(dc, conn, vr);
      total.created += r.created;
      total.updated += r.updated;
      total.deleted += r.deleted;
    }
    return total;
  }

  /** SyncAliyunRouteEntryFromRemote: one VRouter's entries. @returns its entries after the sync. @throws SYS.1003, ALIYUN.*. */
  async syncVRouter(caller: Caller, vRouterUuid: string) {
    const vr = await this.prisma.vpcVirtualRouter.findFirst({ where: { uuid: vRouterUuid, ...ownedBy(caller) } });
    if (!vr) throw Errors.resourceNotFound("VpcVirtualRouter", vRouterUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vr.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => this.syncRouter(dc, conn, vr));
    return (await this.prisma.vpcVirtualRouteEntry.findMany({ where: { virtualRouterUuid: vr.uuid }, orderBy: { createDate: "asc" } })).map(routeEntryInventory);
  }

  private async syncRouter(dc: DataCenter, conn: AliyunConnection, vr: VpcVirtualRouter): Promise<ReconcileResult> {
    const tableId = vr.routeTableId;
    const entries = tableId ? await describeRouteEntries(conn, dc.regionId, tableId) : [];
    const local = await this.prisma.vpcVirtualRouteEntry.findMany({ where: { virtualRouterUuid: vr.uuid } });
    return reconcile({
      remote: entries, remoteId: (e) => e.DestinationCidrBlock, local, localId: (l) => l.destinationCidrBlock,
      create: async (e) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, vr, e)),
      changes: (l, e) => changedFields(l, entryFields(e)),
      update: async (l, data) => void await this.prisma.vpcVirtualRouteEntry.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteRouteEntries(tx, emit, [l])),
    });
  }
}
