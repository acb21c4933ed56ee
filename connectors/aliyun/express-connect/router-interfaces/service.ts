import { randomUUID } from "node:crypto";
import type { AliyunRouterInterface as RouterInterfaceRow, DataCenter, Prisma, PrismaClient, VirtualBorderRouter, VpcVirtualRouter } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { deleteRemote, HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { orNull } from "../../vpc/wire.ts";
import { describeRouterInterfaces, waitInterface, type AliyunRouterInterface } from "../wire.ts";
import { routerInterfaceQuerySpec, type CreateRouterInterfaceInput } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** Job types of router interfaces. */
export const RI_JOBS = { connect: "aliyun.router-interface.connect", deleteRemote: "aliyun.router-interface.delete" } as const;

/** Alibaba's answer when a router interface is gone. */
export const RI_NOT_FOUND = /^InvalidRouterInterfaceId\.NotFound$/;

/** ZStack AliyunRouterInterfaceInventory. */
export function routerInterfaceInventory(r: RouterInterfaceRow) {
  return {
    uuid: r.uuid, dataCenterUuid: r.dataCenterUuid, routerInterfaceId: r.routerInterfaceId, virtualRouterUuid: r.virtualRouterUuid, routerId: r.routerId,
    accessPointUuid: null, accessPointId: r.accessPointId, role: r.role, vRouterType: r.vRouterType, spec: r.spec, name: r.name, description: r.description,
    status: r.status, oppositeInterfaceUuid: r.oppositeInterfaceUuid, oppositeInterfaceId: r.oppositeInterfaceId, oppositeRouterId: r.oppositeRouterId,
    oppositeRouterType: r.oppositeRouterType, oppositeRegionId: r.oppositeRegionId, accountUuid: r.accountUuid,
    createDate: r.createDate.toISOString(), lastOpDate: r.lastOpDate.toISOString(),
  };
}

const riFields = (ri: AliyunRouterInterface) => ({
  routerId: ri.RouterId, vRouterType: ri.RouterType === "VBR" ? "vbr" : "vrouter", role: ri.Role, spec: ri.Spec, status: ri.Status,
  name: ri.Name || ri.RouterInterfaceId, description: orNull(ri.Description), accessPointId: orNull(ri.AccessPointId),
  oppositeInterfaceId: orNull(ri.OppositeInterfaceId), oppositeRouterId: orNull(ri.OppositeRouterId), oppositeRouterType: orNull(ri.OppositeRouterType),
  oppositeRegionId: orNull(ri.OppositeRegionId),
});

/** One side of a new interface pair, for {@link RouterInterfaceService.createRemote}. */
export interface NewInterface {
  uuid: string;
  name: string;
  description?: string;
  router: { kind: "VBR"; row: VirtualBorderRouter } | { kind: "VRouter"; row: VpcVirtualRouter };
  spec: string;
  opposite?: { kind: "VBR" | "VRouter"; routerId: string; interfaceId?: string };
  clientToken: string;
}

/**
 * Express Connect router interfaces (ZStack CreateAliyunRouterInterfaceRemote,
 * StartConnectionBetweenAliyunRouterInterface, UpdateAliyunRouteInterfaceRemote,
 * DeleteAliyunRouterInterfaceRemote / Local, QueryAliyunRouterInterfaceFromLocal,
 * SyncAliyunRouterInterfaceFromRemote). A pair joins a VBR (initiating side) and a VPC's VRouter
 * (accepting side); once connected both are Active and route entries may point at them.
 */
export class RouterInterfaceService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
  ) {
    jobs.register<{ vbrInterfaceUuid: string; vrouterInterfaceUuid: string }>({
      name: RI_JOBS.connect, resumable: true, perform: (i) => this.performConnect(i.vbrInterfaceUuid, i.vrouterInterfaceUuid),
    });
    jobs.register<{ uuid: string }>({ name: RI_JOBS.deleteRemote, resumable: true, perform: (i) => this.performDeleteRemote(i.uuid) });
  }

  /** The interface if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<RouterInterfaceRow> {
    const r = await this.prisma.aliyunRouterInterface.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!r) throw Errors.resourceNotFound("AliyunRouterInterface", uuid);
    return r;
  }

  /** ZStack QueryAliyunRouterInterfaceFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: routerInterfaceQuerySpec, delegate: this.prisma.aliyunRouterInterface as never, caller, raw,
      scope: ownedBy(caller), toInventory: routerInterfaceInventory, csvName: "router-interfaces",
    });
  }

  /**
   * CreateAliyunRouterInterfaceRemote: VPC CreateRouterInterface (Idle at once, so no job), then the record.
   * @throws SYS.1003 unknown data center, router or opposite, SYS.1007 a router of another data center, ALIYUN.*.
   */
  async create(caller: Caller, input: CreateRouterInterfaceInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.prisma.dataCenter.findFirst({ where: { uuid: p.dataCenterUuid, ...ownedBy(caller) } });
    if (!dc) throw Errors.resourceNotFound("DataCenter", p.dataCenterUuid);
    const router = await this.router(caller, p.routerType, p.vRouterUuid, dc.uuid);
    const otherKind = p.routerType === "VBR" ? "VRouter" : "VBR";
    const oppositeRouter = p.oppositeRouterUuid ? await this.router(caller, otherKind, p.oppositeRouterUuid, dc.uuid) : undefined;
    const oppositeInterface = p.oppositeInterfaceUuid ? await this.get(caller, p.oppositeInterfaceUuid) : undefined;
    const opposite = oppositeRouter
      ? { kind: otherKind, routerId: oppositeRouter.kind === "VBR" ? oppositeRouter.row.vbrId : oppositeRouter.row.vrId, interfaceId: oppositeInterface?.routerInterfaceId } as const
      : undefined;
    const conn = await this.aliyun.forDataCenter(dc);
    const row = await this.createRemote(conn, dc, {
      uuid: p.resourceUuid ?? newUuid(), name: p.name, description: p.description, router, spec: p.spec, opposite, clientToken: randomUUID(),
    }, input.systemTags, input.userTags);
    return routerInterfaceInventory(row);
  }

  /** A VBR or VRouter of the data center. @throws SYS.1003, SYS.1007. */
  async router(caller: Caller, kind: "VBR" | "VRouter", uuid: string, dataCenterUuid: string): Promise<NewInterface["router"]> {
    const row = kind === "VBR"
      ? await this.prisma.virtualBorderRouter.findFirst({ where: { uuid, ...ownedBy(caller) } })
      : await this.prisma.vpcVirtualRouter.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!row) throw Errors.resourceNotFound(kind === "VBR" ? "VirtualBorderRouter" : "VpcVirtualRouter", uuid);
    if (row.dataCenterUuid !== dataCenterUuid) throw Errors.invalidArgument("The router is in another data center", uuid);
    return kind === "VBR" ? { kind, row: row as VirtualBorderRouter } : { kind, row: row as VpcVirtualRouter };
  }

  /**
   * CreateRouterInterface for one side (with `n.clientToken`: a rerun gets the same interface)
   * and its record. Used by {@link create} and the quick Express Connect job.
   */
  async createRemote(conn: AliyunConnection, dc: DataCenter, n: NewInterface, systemTags?: string[], userTags?: string[]): Promise<RouterInterfaceRow> {
    const vbr = n.router.kind === "VBR";
    const routerId = n.router.kind === "VBR" ? n.router.row.vbrId : n.router.row.vrId;
    const { RouterInterfaceId } = await remote(() => conn.rpc.call<{ RouterInterfaceId: string }>("Vpc", dc.regionId, "CreateRouterInterface", {
      Role: vbr ? "InitiatingSide" : "AcceptingSide", RouterType: n.router.kind, RouterId: routerId, Spec: vbr ? n.spec : "Negative",
      OppositeRegionId: dc.regionId, OppositeRouterType: n.opposite?.kind ?? (vbr ? "VRouter" : "VBR"), OppositeRouterId: n.opposite?.routerId,
      OppositeInterfaceId: n.opposite?.interfaceId, Name: n.name, Description: n.description,
    }, { clientToken: n.clientToken }));
    const seen = (await remote(() => describeRouterInterfaces(conn, dc.regionId, RouterInterfaceId)))[0];
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const row = await this.upsert(tx, emit, dc, seen ?? {
        RouterInterfaceId, Role: vbr ? "InitiatingSide" : "AcceptingSide", RouterType: n.router.kind, RouterId: routerId,
        Spec: vbr ? n.spec : "Negative", Status: "Idle", Name: n.name, Description: n.description,
      }, n.uuid, n.router.row.uuid);
      if (row.uuid === n.uuid) await this.tags.attachOnCreate(tx, { uuid: row.uuid, resourceType: "AliyunRouterInterface", accountUuid: dc.accountUuid }, systemTags, userTags);
      return row;
    });
  }

  /** Records (or refreshes) an interface inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Tx, emit: Emit, dc: DataCenter, ri: AliyunRouterInterface, uuid = newUuid(), virtualRouterUuid?: string): Promise<RouterInterfaceRow> {
    const routerUuid = virtualRouterUuid ?? (ri.RouterType === "VBR"
      ? (await tx.virtualBorderRouter.findUnique({ where: { dataCenterUuid_vbrId: { dataCenterUuid: dc.uuid, vbrId: ri.RouterId } } }))?.uuid
      : (await tx.vpcVirtualRouter.findUnique({ where: { dataCenterUuid_vrId: { dataCenterUuid: dc.uuid, vrId: ri.RouterId } } }))?.uuid) ?? null;
    const opposite = ri.OppositeInterfaceId
      ? await tx.aliyunRouterInterface.findUnique({ where: { dataCenterUuid_routerInterfaceId: { dataCenterUuid: dc.uuid, routerInterfaceId: ri.OppositeInterfaceId } } })
      : null;
    const fields = { ...riFields(ri), virtualRouterUuid: routerUuid, oppositeInterfaceUuid: opposite?.uuid ?? null };
    const row = await tx.aliyunRouterInterface.upsert({
      where: { dataCenterUuid_routerInterfaceId: { dataCenterUuid: dc.uuid, routerInterfaceId: ri.RouterInterfaceId } },
      create: { uuid, dataCenterUuid: dc.uuid, routerInterfaceId: ri.RouterInterfaceId, accountUuid: dc.accountUuid, ...fields }, update: fields,
    });
    // Link the other side back, now that this one has a record.
    if (opposite) await tx.aliyunRouterInterface.update({ where: { uuid: opposite.uuid }, data: { oppositeInterfaceUuid: row.uuid } });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "AliyunRouterInterface", accountUuid: dc.accountUuid });
    return row;
  }

  /**
   * StartConnectionBetweenAliyunRouterInterface: a job that points the two interfaces at each
   * other (ModifyRouterInterfaceAttribute), connects from the VBR side (ConnectRouterInterface)
   * and waits until both are Active. Result `{inventory}` (the VBR side).
   * @throws SYS.1003, SYS.1007 not a VBR interface and a VRouter one of the same data center.
   */
  async startConnection(caller: Caller, req: JobRequest, vbrInterfaceUuid: string, vrouterInterfaceUuid: string): Promise<ApiReply> {
    const a = await this.get(caller, vbrInterfaceUuid);
    const b = await this.get(caller, vrouterInterfaceUuid);
    if (a.vRouterType !== "vbr" || b.vRouterType !== "vrouter" || a.dataCenterUuid !== b.dataCenterUuid) {
      throw Errors.invalidArgument("Connect a VBR interface (in the path) to a VRouter interface of the same data center (vrouterInterfaceUuid)", `${a.vRouterType} → ${b.vRouterType}`);
    }
    return this.jobs.submit(caller, req, RI_JOBS.connect, { vbrInterfaceUuid, vrouterInterfaceUuid });
  }

  private async performConnect(vbrInterfaceUuid: string, vrouterInterfaceUuid: string) {
    const a = await this.prisma.aliyunRouterInterface.findUniqueOrThrow({ where: { uuid: vbrInterfaceUuid } });
    const b = await this.prisma.aliyunRouterInterface.findUniqueOrThrow({ where: { uuid: vrouterInterfaceUuid } });
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: a.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await this.connectPair(conn, dc, a, b);
    return { inventory: routerInterfaceInventory(await this.prisma.aliyunRouterInterface.findUniqueOrThrow({ where: { uuid: vbrInterfaceUuid } })) };
  }

  /**
   * Pairs and connects a VBR interface (initiating) with a VRouter interface (accepting), waits
   * until both are Active and refreshes both records. Already Active pairs are left as they are.
   * @throws HYBRID.REMOTE_NOT_READY when they do not become Active in time, ALIYUN.*.
   */
  async connectPair(conn: AliyunConnection, dc: DataCenter, vbrSide: RouterInterfaceRow, vrouterSide: RouterInterfaceRow): Promise<void> {
    const [a] = await remote(() => describeRouterInterfaces(conn, dc.regionId, vbrSide.routerInterfaceId));
    const [b] = await remote(() => describeRouterInterfaces(conn, dc.regionId, vrouterSide.routerInterfaceId));
    if (!a || !b) throw HybridErrors.remoteNotFound("router interface", (a ? vrouterSide : vbrSide).routerInterfaceId);
    if (a.Status !== "Active") {
      for (const [self, other] of [[a, b], [b, a]] as const) {
        if (self.Status === "Idle" && (self.OppositeInterfaceId !== other.RouterInterfaceId || self.OppositeRouterId !== other.RouterId)) {
          await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyRouterInterfaceAttribute", {
            RouterInterfaceId: self.RouterInterfaceId, OppositeInterfaceId: other.RouterInterfaceId, OppositeRouterId: other.RouterId, OppositeRouterType: other.RouterType,
          }));
        }
      }
      if (a.Status === "Idle") await remote(() => conn.rpc.call("Vpc", dc.regionId, "ConnectRouterInterface", { RouterInterfaceId: a.RouterInterfaceId }));
    }
    for (const side of [vbrSide, vrouterSide]) {
      const { value, ready } = await remote(() => waitInterface(conn, dc.regionId, side.routerInterfaceId, ["Active"]));
      if (value) await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, value, side.uuid, side.virtualRouterUuid ?? undefined));
      if (!ready) throw HybridErrors.remoteNotReady("router interface connection", side.routerInterfaceId, value?.Status ?? "unknown");
    }
  }

  /** UpdateAliyunRouteInterfaceRemote: ActivateRouterInterface or DeactivateRouterInterface. @throws SYS.1003, ALIYUN.IncorrectStatus. */
  async update(caller: Caller, uuid: string, op: "active" | "inactive") {
    const r = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: r.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Vpc", dc.regionId, op === "active" ? "ActivateRouterInterface" : "DeactivateRouterInterface", { RouterInterfaceId: r.routerInterfaceId }));
    const [seen] = await remote(() => describeRouterInterfaces(conn, dc.regionId, r.routerInterfaceId));
    if (seen) await this.prisma.aliyunRouterInterface.update({ where: { uuid }, data: { status: seen.Status } });
  }

  /** DeleteAliyunRouterInterfaceRemote: a job (it may wait for a deactivation). @throws SYS.1003. */
  async deleteRemote(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    await this.get(caller, uuid);
    return this.jobs.submit(caller, req, RI_JOBS.deleteRemote, { uuid });
  }

  private async performDeleteRemote(uuid: string) {
    const r = await this.prisma.aliyunRouterInterface.findUnique({ where: { uuid } });
    if (!r) return {};
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: r.dataCenterUuid } });
    await this.deleteOnAliyun(await this.aliyun.forDataCenter(dc), dc, r.routerInterfaceId);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, r));
    return {};
  }

  /**
   * Deletes an interface on Alibaba: an Active one is deactivated first (Alibaba deletes only
   * Idle or Inactive interfaces); one already gone is fine.
   * @throws ALIYUN.DependencyViolation.RouteEntry while routes point at it, HYBRID.REMOTE_NOT_READY.
   */
  async deleteOnAliyun(conn: AliyunConnection, dc: DataCenter, routerInterfaceId: string): Promise<void> {
    let [ri] = await remote(() => describeRouterInterfaces(conn, dc.regionId, routerInterfaceId));
    if (!ri) return;
    if (!["Idle", "Inactive", "Active"].includes(ri.Status)) ri = (await remote(() => waitInterface(conn, dc.regionId, routerInterfaceId, ["Idle", "Inactive", "Active"]))).value ?? ri;
    if (ri.Status === "Active") {
      await remote(() => conn.rpc.call("Vpc", dc.regionId, "DeactivateRouterInterface", { RouterInterfaceId: routerInterfaceId }));
      const { ready, value } = await remote(() => waitInterface(conn, dc.regionId, routerInterfaceId, ["Inactive"]));
      if (!ready) throw HybridErrors.remoteNotReady("router interface deactivation", routerInterfaceId, value?.Status ?? "unknown");
    }
    await deleteRemote(() => conn.rpc.call("Vpc", dc.regionId, "DeleteRouterInterface", { RouterInterfaceId: routerInterfaceId }, { clientToken: true }), RI_NOT_FOUND);
  }

  /** DeleteAliyunRouterInterfaceLocal: the record only. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const r = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, r));
  }

  /** Removes the record; the other side's link to it is unset. Call inside `events.transaction`. */
  async removeRow(tx: Tx, emit: Emit, r: RouterInterfaceRow): Promise<void> {
    await tx.aliyunRouterInterface.updateMany({ where: { oppositeInterfaceUuid: r.uuid }, data: { oppositeInterfaceUuid: null } });
    await tx.aliyunRouterInterface.deleteMany({ where: { uuid: r.uuid } });
    await this.tags.detachAll(tx, r.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: r.uuid, resourceType: "AliyunRouterInterface", accountUuid: r.accountUuid });
  }

  /** SyncAliyunRouterInterfaceFromRemote. @returns the data center's interfaces after the sync. @throws SYS.1003, ALIYUN.*. */
  async syncFor(caller: Caller, dataCenterUuid: string) {
    const dc = await this.prisma.dataCenter.findFirst({ where: { uuid: dataCenterUuid, ...ownedBy(caller) } });
    if (!dc) throw Errors.resourceNotFound("DataCenter", dataCenterUuid);
    await remote(async () => this.syncDataCenter(dc, await this.aliyun.forDataCenter(dc)));
    return (await this.prisma.aliyunRouterInterface.findMany({ where: { dataCenterUuid: dc.uuid }, orderBy: { createDate: "asc" } })).map(routerInterfaceInventory);
  }

  /** Sync step "AliyunRouterInterface" (after VRouters and VBRs, which it links to). */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    return reconcile({
      remote: await describeRouterInterfaces(conn, dc.regionId), remoteId: (r) => r.RouterInterfaceId,
      local: await this.prisma.aliyunRouterInterface.findMany({ where: { dataCenterUuid: dc.uuid } }), localId: (l) => l.routerInterfaceId,
      create: async (r) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, r)),
      changes: (l, r) => changedFields(l, riFields(r)),
      update: async (l, data) => void await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.aliyunRouterInterface.update({ where: { uuid: l.uuid }, data });
        if ("oppositeInterfaceId" in data) await this.upsert(tx, emit, dc, (await describeRouterInterfaces(conn, dc.regionId, l.routerInterfaceId))[0]!, l.uuid);
      }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, l)),
    });
  }
}
