import type { DataCenter, EcsVpc, Prisma, PrismaClient, VpcVirtualRouter } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import type { VpcLocalRows } from "../local-rows.ts";
import { describeVRouters, orNull, type AliyunVRouter } from "../wire.ts";
import { vRouterQuerySpec } from "./schema.ts";

/** ZStack VpcVirtualRouterInventory. */
export function vRouterInventory(r: VpcVirtualRouter) {
  return {
    uuid: r.uuid, vrId: r.vrId, vpcUuid: r.vpcUuid, dataCenterUuid: r.dataCenterUuid, routeTableId: r.routeTableId, name: r.name,
    description: r.description, accountUuid: r.accountUuid, createDate: r.createDate.toISOString(), lastOpDate: r.lastOpDate.toISOString(),
  };
}

/**
 * VPC virtual routers (VRouters): one per VPC, made by Alibaba with the VPC; Strata records it
 * with its System route table id (ZStack QueryAliyunVirtualRouterFromLocal,
 * SyncAliyunVirtualRouterFromRemote, DeleteVirtualRouterLocal). Alibaba's VRouterName is often
 * empty; then the name Strata has (the vRouterName of CreateEcsVpcRemote, else the id) stays.
 */
export class VRouterService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly aliyun: AliyunRemote,
    private readonly rows: VpcLocalRows,
  ) {}

  /** The VRouter if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VpcVirtualRouter> {
    const r = await this.prisma.vpcVirtualRouter.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!r) throw Errors.resourceNotFound("VpcVirtualRouter", uuid);
    return r;
  }

  /** ZStack QueryAliyunVirtualRouterFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: vRouterQuerySpec, delegate: this.prisma.vpcVirtualRouter as never, caller, raw,
      scope: ownedBy(caller), toInventory: vRouterInventory, csvName: "vpc-vrouters",
    });
  }

  /** DeleteVirtualRouterLocal: Strata's record (and its route entries) only. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const r = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVRouters(tx, emit, [r]));
  }

  /**
   * Records (or finds) the VRouter of `vpc` inside `tx`; emits ResourceCreated for a new row.
   * Used by the VPC create job and by sync.
   */
  async upsert(tx: Prisma.TransactionClient, emit: (e: NewEvent) => Promise<void>, dc: DataCenter, vpc: EcsVpc, r: AliyunVRouter, name?: string): Promise<VpcVirtualRouter> {
    const uuid = newUuid();
    const row = await tx.vpcVirtualRouter.upsert({
      where: { dataCenterUuid_vrId: { dataCenterUuid: dc.uuid, vrId: r.VRouterId } },
      create: {
        uuid, dataCenterUuid: dc.uuid, vpcUuid: vpc.uuid, vrId: r.VRouterId, routeTableId: r.RouteTableIds?.RouteTableId?.[0] ?? null,
        name: r.VRouterName || name || r.VRouterId, description: orNull(r.Description), accountUuid: dc.accountUuid,
      },
      // A sync may have recorded the router first, under its id; the name the VPC's creator chose wins over that.
      update: !r.VRouterName && name ? { name } : {},
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VpcVirtualRouter", accountUuid: dc.accountUuid });
    return row;
  }

  /** Sync step "VpcVirtualRouter": the VRouters of every VPC Strata records in the data center. */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const vpcs = await this.prisma.ecsVpc.findMany({ where: { dataCenterUuid: dc.uuid } });
    const routers = await describeVRouters(conn, dc.regionId);
    const local = await this.prisma.vpcVirtualRouter.findMany({ where: { dataCenterUuid: dc.uuid } });
    return this.reconcileRouters(dc, vpcs, routers, local);
  }

  /**
   * SyncAliyunVirtualRouterFromRemote: the VRouter of one VPC.
   * @returns its records after the sync. @throws SYS.1003, ALIYUN.*.
   */
  async syncVpc(caller: Caller, vpcUuid: string) {
    const vpc = await this.prisma.ecsVpc.findFirst({ where: { uuid: vpcUuid, ...ownedBy(caller) } });
    if (!vpc) throw Errors.resourceNotFound("EcsVpc", vpcUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vpc.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const routers = (await remote(() => describeVRouters(conn, dc.regionId))).filter((r) => r.VpcId === vpc.ecsVpcId);
    const local = await this.prisma.vpcVirtualRouter.findMany({ where: { vpcUuid: vpc.uuid } });
    await this.reconcileRouters(dc, [vpc], routers, local);
    return (await this.prisma.vpcVirtualRouter.findMany({ where: { vpcUuid: vpc.uuid } })).map(vRouterInventory);
  }

  private reconcileRouters(dc: DataCenter, vpcs: EcsVpc[], routers: AliyunVRouter[], local: VpcVirtualRouter[]): Promise<ReconcileResult> {
    const vpcById = new Map(vpcs.map((v) => [v.ecsVpcId, v]));
    return reconcile({
      // Routers of VPCs Strata does not record (yet) are left alone.
      remote: routers.filter((r) => vpcById.has(r.VpcId)), remoteId: (r) => r.VRouterId, local, localId: (l) => l.vrId,
      create: async (r) => {
        await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, vpcById.get(r.VpcId)!, r));
      },
      changes: (l, r) => changedFields(l, {
        vpcUuid: vpcById.get(r.VpcId)!.uuid, routeTableId: r.RouteTableIds?.RouteTableId?.[0] ?? null,
        name: r.VRouterName || undefined, description: orNull(r.Description),
      }),
      update: async (l, data) => void await this.prisma.vpcVirtualRouter.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => {
        await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVRouters(tx, emit, [l]));
      },
    });
  }
}
