import type { DataCenter, PrismaClient, VpcVpnGateway } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import type { TagService } from "../../../../server/tags/service.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { orNull } from "../../vpc/wire.ts";
import { describeVpnGateways, type AliyunVpnGateway } from "../wire.ts";
import { vpnGatewayQuerySpec, type UpdateVpnGatewayInput } from "./schema.ts";

/** ZStack VpcVpnGatewayInventory. */
export function vpnGatewayInventory(g: VpcVpnGateway) {
  return {
    uuid: g.uuid, gatewayId: g.gatewayId, dataCenterUuid: g.dataCenterUuid, ecsVpcId: g.ecsVpcId, vpcUuid: g.vpcUuid, vSwitchUuid: g.vSwitchUuid,
    publicIp: g.publicIp, spec: g.spec, name: g.name, description: g.description, status: g.status, businessStatus: g.businessStatus,
    type: "aliyun" as const, endDate: g.endDate?.toISOString() ?? null, accountUuid: g.accountUuid,
    createDate: g.createDate.toISOString(), lastOpDate: g.lastOpDate.toISOString(),
  };
}

/**
 * Alibaba VPN gateways (ZStack QueryVpcVpnGatewayFromLocal, SyncVpcVpnGatewayFromRemote,
 * DeleteVpcVpnGatewayLocal, UpdateVpcVpnGateway). Gateways are bought on Alibaba's console
 * (they are billed products), so Strata syncs them and never creates or deletes one there.
 */
export class VpnGatewayService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly dataCenters: DataCenterService,
  ) {}

  /** The gateway if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VpcVpnGateway> {
    const g = await this.prisma.vpcVpnGateway.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!g) throw Errors.resourceNotFound("VpcVpnGateway", uuid);
    return g;
  }

  /** ZStack QueryVpcVpnGatewayFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: vpnGatewayQuerySpec, delegate: this.prisma.vpcVpnGateway as never, caller, raw,
      scope: ownedBy(caller), toInventory: vpnGatewayInventory, csvName: "vpn-gateways",
    });
  }

  /** UpdateVpcVpnGateway: ModifyVpnGatewayAttribute on Alibaba, then the record. @throws SYS.1003, ALIYUN.*. */
  async update(caller: Caller, uuid: string, input: UpdateVpnGatewayInput) {
    const g = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: g.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyVpnGatewayAttribute", { VpnGatewayId: g.gatewayId, Name: input.name, Description: input.description }));
    return vpnGatewayInventory(await this.prisma.vpcVpnGateway.update({ where: { uuid }, data: { name: input.name, description: input.description } }));
  }

  /** DeleteVpcVpnGatewayLocal: Strata's record only; the gateway stays on Alibaba and a sync brings it back. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const g = await this.get(caller, uuid);
    await this.remove(g);
  }

  /** SyncVpcVpnGatewayFromRemote: the data center's gateways. @returns them after the sync. @throws SYS.1003, ALIYUN.*. */
  async syncFor(caller: Caller, dataCenterUuid: string) {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    await remote(async () => this.syncDataCenter(dc, await this.aliyun.forDataCenter(dc)));
    return (await this.prisma.vpcVpnGateway.findMany({ where: { dataCenterUuid: dc.uuid }, orderBy: { createDate: "asc" } })).map(vpnGatewayInventory);
  }

  /** Sync step "VpcVpnGateway": every gateway of the region, linked to the VPC/VSwitch records Strata has. */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const remoteRows = await describeVpnGateways(conn, dc.regionId);
    const vpcs = new Map((await this.prisma.ecsVpc.findMany({ where: { dataCenterUuid: dc.uuid } })).map((v) => [v.ecsVpcId, v.uuid]));
    const vsws = new Map((await this.prisma.ecsVSwitch.findMany({ where: { dataCenterUuid: dc.uuid } })).map((v) => [v.vSwitchId, v.uuid]));
    const fields = (g: AliyunVpnGateway) => ({
      ecsVpcId: g.VpcId, vpcUuid: vpcs.get(g.VpcId) ?? null, vSwitchUuid: g.VSwitchId ? vsws.get(g.VSwitchId) ?? null : null,
      publicIp: orNull(g.InternetIp), spec: orNull(g.Spec), name: g.Name || g.VpnGatewayId, description: orNull(g.Description),
      status: g.Status, businessStatus: orNull(g.BusinessStatus), endDate: g.EndTime ? new Date(g.EndTime) : null,
    });
    return reconcile({
      remote: remoteRows, remoteId: (g) => g.VpnGatewayId, local: await this.prisma.vpcVpnGateway.findMany({ where: { dataCenterUuid: dc.uuid } }),
      localId: (l) => l.gatewayId,
      create: async (g) => {
        const uuid = newUuid();
        await this.events.transaction(this.prisma, async (tx, emit) => {
          await tx.vpcVpnGateway.upsert({
            where: { dataCenterUuid_gatewayId: { dataCenterUuid: dc.uuid, gatewayId: g.VpnGatewayId } },
            create: { uuid, dataCenterUuid: dc.uuid, gatewayId: g.VpnGatewayId, accountUuid: dc.accountUuid, ...fields(g) }, update: fields(g),
          });
          await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VpcVpnGateway", accountUuid: dc.accountUuid });
        });
      },
      changes: (l, g) => {
        const { endDate, ...rest } = fields(g);
        const c = changedFields(l, rest);
        if ((l.endDate?.getTime() ?? null) !== (endDate?.getTime() ?? null)) c.endDate = endDate;
        return c;
      },
      update: async (l, data) => void await this.prisma.vpcVpnGateway.update({ where: { uuid: l.uuid }, data }),
      remove: (l) => this.remove(l),
    });
  }

  private async remove(g: VpcVpnGateway): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.vpcVpnConnection.updateMany({ where: { vpnGatewayUuid: g.uuid }, data: { vpnGatewayUuid: null } });
      await tx.vpcVpnGateway.deleteMany({ where: { uuid: g.uuid } });
      await this.tags.detachAll(tx, g.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: g.uuid, resourceType: "VpcVpnGateway", accountUuid: g.accountUuid });
    });
  }
}
