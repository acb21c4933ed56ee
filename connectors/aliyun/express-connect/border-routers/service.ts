import type { DataCenter, Prisma, PrismaClient, VirtualBorderRouter, VpcVirtualRouteEntry } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import type { TagService } from "../../../../server/tags/service.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import type { VpcLocalRows } from "../../vpc/local-rows.ts";
import { describeRouteEntries, orNull, type AliyunRouteEntry } from "../../vpc/wire.ts";
import { describeVbrs, type AliyunVbr } from "../wire.ts";
import { vbrQuerySpec } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** ZStack VirtualBorderRouterInventory. */
export function vbrInventory(v: VirtualBorderRouter) {
  return {
    uuid: v.uuid, vbrId: v.vbrId, vlanInterfaceId: v.vlanInterfaceId, status: v.status, dataCenterUuid: v.dataCenterUuid, vlanId: v.vlanId,
    physicalConnectionStatus: v.physicalConnectionStatus, circuitCode: v.circuitCode, localGatewayIp: v.localGatewayIp, peerGatewayIp: v.peerGatewayIp,
    peeringSubnetMask: v.peeringSubnetMask, physicalConnectionId: v.physicalConnectionId, accessPointUuid: null, accessPointId: v.accessPointId,
    routeTableId: v.routeTableId, name: v.name, description: v.description, accountUuid: v.accountUuid,
    createDate: v.createDate.toISOString(), lastOpDate: v.lastOpDate.toISOString(),
  };
}

const vbrFields = (v: AliyunVbr) => ({
  status: v.Status, vlanInterfaceId: orNull(v.VlanInterfaceId), vlanId: v.VlanId === undefined ? null : String(v.VlanId),
  physicalConnectionId: orNull(v.PhysicalConnectionId), physicalConnectionStatus: orNull(v.PhysicalConnectionStatus), circuitCode: orNull(v.CircuitCode),
  localGatewayIp: orNull(v.LocalGatewayIp), peerGatewayIp: orNull(v.PeerGatewayIp), peeringSubnetMask: orNull(v.PeeringSubnetMask),
  accessPointId: orNull(v.AccessPointId), routeTableId: orNull(v.RouteTableId), name: v.Name || v.VbrId, description: orNull(v.Description),
});

/** The columns of a VBR route entry as Alibaba reports it. */
const entryFields = (e: AliyunRouteEntry) => {
  const hop = e.NextHops?.NextHop?.[0];
  return { routeEntryId: orNull(e.RouteEntryId), type: e.Type, status: e.Status, nextHopType: orNull(e.NextHopType || hop?.NextHopType), nextHopId: orNull(e.InstanceId || hop?.NextHopId) };
};

/**
 * Express Connect virtual border routers (ZStack QueryVirtualBorderRouterFromLocal,
 * SyncVirtualBorderRouterFromRemote, DeleteVirtualBorderRouterLocal). A VBR comes with a leased
 * line ordered from Alibaba, so Strata syncs VBRs and never creates one. The entries of each
 * VBR's route table are recorded too, as route entries with vRouterType `vbr`
 * (GET /v1/hybrid/aliyun/route-entry?q=virtualRouterUuid=<vbr uuid>).
 */
export class VirtualBorderRouterService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly dataCenters: DataCenterService,
    private readonly vpcRows: VpcLocalRows,
  ) {}

  /** The VBR if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VirtualBorderRouter> {
    const v = await this.prisma.virtualBorderRouter.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!v) throw Errors.resourceNotFound("VirtualBorderRouter", uuid);
    return v;
  }

  /** ZStack QueryVirtualBorderRouterFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: vbrQuerySpec, delegate: this.prisma.virtualBorderRouter as never, caller, raw,
      scope: ownedBy(caller), toInventory: vbrInventory, csvName: "virtual-border-routers",
    });
  }

  /** DeleteVirtualBorderRouterLocal: Strata's record and its route entries; the VBR stays on Alibaba. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const v = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, v));
  }

  private async removeRow(tx: Tx, emit: Emit, v: VirtualBorderRouter): Promise<void> {
    await this.vpcRows.deleteRouteEntries(tx, emit, await tx.vpcVirtualRouteEntry.findMany({ where: { virtualRouterUuid: v.uuid } }));
    await tx.aliyunRouterInterface.updateMany({ where: { virtualRouterUuid: v.uuid }, data: { virtualRouterUuid: null } });
    await tx.virtualBorderRouter.deleteMany({ where: { uuid: v.uuid } });
    await this.tags.detachAll(tx, v.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: v.uuid, resourceType: "VirtualBorderRouter", accountUuid: v.accountUuid });
  }

  /** SyncVirtualBorderRouterFromRemote. @returns the data center's VBRs after the sync. @throws SYS.1003, ALIYUN.*. */
  async syncFor(caller: Caller, dataCenterUuid: string) {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    await remote(async () => {
      const conn = await this.aliyun.forDataCenter(dc);
      await this.syncDataCenter(dc, conn);
      await this.syncRouteEntries(dc, conn);
    });
    return (await this.prisma.virtualBorderRouter.findMany({ where: { dataCenterUuid: dc.uuid }, orderBy: { createDate: "asc" } })).map(vbrInventory);
  }

  /** Sync step "VirtualBorderRouter". */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    return reconcile({
      remote: await describeVbrs(conn, dc.regionId), remoteId: (v) => v.VbrId,
      local: await this.prisma.virtualBorderRouter.findMany({ where: { dataCenterUuid: dc.uuid } }), localId: (l) => l.vbrId,
      create: async (v) => {
        const uuid = newUuid();
        await this.events.transaction(this.prisma, async (tx, emit) => {
          await tx.virtualBorderRouter.upsert({
            where: { dataCenterUuid_vbrId: { dataCenterUuid: dc.uuid, vbrId: v.VbrId } },
            create: { uuid, dataCenterUuid: dc.uuid, vbrId: v.VbrId, accountUuid: dc.accountUuid, ...vbrFields(v) }, update: vbrFields(v),
          });
          await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VirtualBorderRouter", accountUuid: dc.accountUuid });
        });
      },
      changes: (l, v) => changedFields(l, vbrFields(v)),
      update: async (l, data) => void await this.prisma.virtualBorderRouter.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, l)),
    });
  }

  /** Sync step "VbrRouteEntry": the entries of every recorded VBR's route table. */
  async syncRouteEntries(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const total: ReconcileResult = { created: 0, updated: 0, deleted: 0 };
    for (const vbr of await this.prisma.virtualBorderRouter.findMany({ where: { dataCenterUuid: dc.uuid, routeTableId: { not: null } } })) {
      const r = await reconcile({
        remote: await describeRouteEntries(conn, dc.regionId, vbr.routeTableId!), remoteId: (e) => e.DestinationCidrBlock,
        local: await this.prisma.vpcVirtualRouteEntry.findMany({ where: { virtualRouterUuid: vbr.uuid } }), localId: (l) => l.destinationCidrBlock,
        create: async (e) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsertEntry(tx, emit, dc, vbr, e)),
        changes: (l, e) => changedFields(l, entryFields(e)),
        update: async (l, data) => void await this.prisma.vpcVirtualRouteEntry.update({ where: { uuid: l.uuid }, data }),
        remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.vpcRows.deleteRouteEntries(tx, emit, [l])),
      });
      total.created += r.created;
      total.updated += r.updated;
      total.deleted += r.deleted;
    }
    return total;
  }

  /** Records (or refreshes) an entry of a VBR's route table inside `tx` (vRouterType vbr). */
  async upsertEntry(tx: Tx, emit: Emit, dc: DataCenter, vbr: VirtualBorderRouter, e: AliyunRouteEntry, uuid = newUuid()): Promise<VpcVirtualRouteEntry> {
    const row = await tx.vpcVirtualRouteEntry.upsert({
      where: { dataCenterUuid_routeTableId_destinationCidrBlock: { dataCenterUuid: dc.uuid, routeTableId: vbr.routeTableId!, destinationCidrBlock: e.DestinationCidrBlock } },
      create: {
        uuid, virtualRouterUuid: vbr.uuid, dataCenterUuid: dc.uuid, routeTableId: vbr.routeTableId!, destinationCidrBlock: e.DestinationCidrBlock,
        vRouterType: "vbr", accountUuid: dc.accountUuid, ...entryFields(e),
      },
      update: entryFields(e),
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VpcVirtualRouteEntry", accountUuid: dc.accountUuid });
    return row;
  }
}
