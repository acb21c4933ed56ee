import { randomUUID } from "node:crypto";
import type { DataCenter, Prisma, PrismaClient, VpcUserVpnGateway, VpcVpnConnection, VpcVpnGateway, VpcVpnIkeConfig, VpcVpnIpSecConfig } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { deleteRemote, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { dryRun } from "../../vpc/wire.ts";
import { aliyunIke, aliyunIpsec, ikeFields, ipsecFields, type VpnConfigService } from "../configs/service.ts";
import { describeVpnConnections, waitGatewayActive, type AliyunVpnConnection } from "../wire.ts";
import { vpnConnectionQuerySpec, type CreateVpnConnectionInput, type UpdateVpnConnectionInput } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** Job type of CreateVpcVpnConnectionRemote (resumable: its ClientToken makes a rerun find the connection the first run made). */
export const CREATE_VPN_CONNECTION_JOB = "aliyun.vpn-connection.create";

/** Alibaba's answer when a VPN connection is gone. */
export const VPN_CONNECTION_NOT_FOUND = /^InvalidVpnConnectionInstanceId\.NotFound$/;

/** ZStack VpcVpnConnectionInventory. */
export function vpnConnectionInventory(c: VpcVpnConnection) {
  return {
    uuid: c.uuid, dataCenterUuid: c.dataCenterUuid, type: "aliyun" as const, connectionId: c.connectionId, name: c.name, description: c.description,
    status: c.status, userGatewayUuid: c.userGatewayUuid, vpnGatewayUuid: c.vpnGatewayUuid, localSubnet: c.localSubnet, remoteSubnet: c.remoteSubnet,
    ikeConfigUuid: c.ikeConfigUuid, ipsecConfigUuid: c.ipsecConfigUuid, accountUuid: c.accountUuid,
    createDate: c.createDate.toISOString(), lastOpDate: c.lastOpDate.toISOString(),
  };
}

/** What {@link VpnConnectionService.createRemote} makes a connection from. */
export interface NewConnection {
  uuid: string;
  name: string;
  description?: string;
  gateway: VpcVpnGateway;
  userGateway: VpcUserVpnGateway;
  localSubnet: string;
  remoteSubnet: string;
  active: boolean;
  ike: VpcVpnIkeConfig;
  ipsec: VpcVpnIpSecConfig;
  clientToken: string;
}

/** Input of the durable create job. */
interface CreateJobInput {
  uuid: string;
  name: string;
  description?: string;
  vpnGatewayUuid: string;
  userGatewayUuid: string;
  localSubnet: string;
  remoteSubnet: string;
  active: boolean;
  ikeConfigUuid: string;
  ipsecConfigUuid: string;
  /** Same token on every run: a resumed job gets the connection it made, not a second one. */
  clientToken: string;
  systemTags?: string[];
  userTags?: string[];
}

/**
 * IPsec VPN connections between an Alibaba VPN gateway and a customer gateway (ZStack
 * CreateVpcVpnConnectionRemote, UpdateVpcVpnConnectionRemote, DeleteVpcVpnConnectionRemote /
 * Local, QueryVpcVpnConnectionFromLocal, SyncVpcVpnConnectionFromRemote). Each connection links
 * an IKE and an IPsec configuration record; a sync creates those records for connections made
 * elsewhere from the settings Alibaba reports. Status is Alibaba's (tunnel negotiation).
 */
export class VpnConnectionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly dataCenters: DataCenterService,
    private readonly configs: VpnConfigService,
  ) {
    jobs.register<CreateJobInput>({ name: CREATE_VPN_CONNECTION_JOB, resumable: true, perform: (i) => this.performCreate(i) });
  }

  /** The connection if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VpcVpnConnection> {
    const c = await this.prisma.vpcVpnConnection.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!c) throw Errors.resourceNotFound("VpcVpnConnection", uuid);
    return c;
  }

  /** ZStack QueryVpcVpnConnectionFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: vpnConnectionQuerySpec, delegate: this.prisma.vpcVpnConnection as never, caller, raw,
      scope: ownedBy(caller), toInventory: vpnConnectionInventory, csvName: "vpn-connections",
    });
  }

  /**
   * CreateVpcVpnConnectionRemote: checks the request with a DryRun of CreateVpnConnection (so a
   * gateway that is not active, a pair already connected or a bad subnet answers at once), then
   * a job creates the connection and records it; result `{inventory}`.
   * @throws SYS.1003 unknown gateway / customer gateway / config, SYS.1006 gateways in different
   *   data centers, ALIYUN.* from the dry run (VpnGateway.Configuring, InvalidVpnConnection.AlreadyExists, ...).
   */
  async create(caller: Caller, req: JobRequest, input: CreateVpnConnectionInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const gw = await this.prisma.vpcVpnGateway.findFirst({ where: { uuid: p.vpnGatewayUuid, ...ownedBy(caller) } });
    if (!gw) throw Errors.resourceNotFound("VpcVpnGateway", p.vpnGatewayUuid);
    const cgw = await this.prisma.vpcUserVpnGateway.findFirst({ where: { uuid: p.userGatewayUuid, ...ownedBy(caller) } });
    if (!cgw) throw Errors.resourceNotFound("VpcUserVpnGateway", p.userGatewayUuid);
    if (gw.dataCenterUuid !== cgw.dataCenterUuid) throw Errors.operationNotAllowed("Connecting these gateways", "the VPN gateway and the customer gateway are in different data centers");
    const ike = await this.configs.getIke(caller, p.ikeConfUuid);
    const ipsec = await this.configs.getIpsec(caller, p.ipsecConfUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: gw.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await dryRun(conn, dc.regionId, "CreateVpnConnection", {
      VpnGatewayId: gw.gatewayId, CustomerGatewayId: cgw.gatewayId, LocalSubnet: p.localCidr, RemoteSubnet: p.remoteCidr, Name: p.name,
      IkeConfig: JSON.stringify(aliyunIke(ike, this.configs.psk(ike))), IpsecConfig: JSON.stringify(aliyunIpsec(ipsec)),
    });
    return this.jobs.submit(caller, req, CREATE_VPN_CONNECTION_JOB, {
      uuid: p.resourceUuid ?? newUuid(), name: p.name, description: p.description, vpnGatewayUuid: gw.uuid, userGatewayUuid: cgw.uuid,
      localSubnet: p.localCidr, remoteSubnet: p.remoteCidr, active: p.active, ikeConfigUuid: ike.uuid, ipsecConfigUuid: ipsec.uuid,
      clientToken: randomUUID(), systemTags: input.systemTags, userTags: input.userTags,
    } satisfies CreateJobInput);
  }

  private async performCreate(i: CreateJobInput) {
    const gateway = await this.prisma.vpcVpnGateway.findUnique({ where: { uuid: i.vpnGatewayUuid } });
    if (!gateway) throw Errors.resourceNotFound("VpcVpnGateway", i.vpnGatewayUuid);
    const userGateway = await this.prisma.vpcUserVpnGateway.findUnique({ where: { uuid: i.userGatewayUuid } });
    if (!userGateway) throw Errors.resourceNotFound("VpcUserVpnGateway", i.userGatewayUuid);
    const ike = await this.prisma.vpcVpnIkeConfig.findUnique({ where: { uuid: i.ikeConfigUuid } });
    const ipsec = await this.prisma.vpcVpnIpSecConfig.findUnique({ where: { uuid: i.ipsecConfigUuid } });
    if (!ike || !ipsec) throw Errors.resourceNotFound(ike ? "VpcVpnIpSecConfig" : "VpcVpnIkeConfig", ike ? i.ipsecConfigUuid : i.ikeConfigUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: gateway.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const row = await this.createRemote(conn, dc, { ...i, gateway, userGateway, ike, ipsec }, i.systemTags, i.userTags);
    return { inventory: vpnConnectionInventory(row) };
  }

  /**
   * CreateVpnConnection (with `c.clientToken`) sending the configs as Alibaba's JSON, a wait until
   * the gateway is active again (Alibaba refuses the next change while it is updating), and the
   * record. Used by the create job and the quick VPN connection.
   * @throws ALIYUN.* from Alibaba.
   */
  async createRemote(conn: AliyunConnection, dc: DataCenter, c: NewConnection, systemTags?: string[], userTags?: string[]): Promise<VpcVpnConnection> {
    const { VpnConnectionId } = await remote(() => conn.rpc.call<{ VpnConnectionId: string }>("Vpc", dc.regionId, "CreateVpnConnection", {
      VpnGatewayId: c.gateway.gatewayId, CustomerGatewayId: c.userGateway.gatewayId, LocalSubnet: c.localSubnet, RemoteSubnet: c.remoteSubnet,
      Name: c.name, EffectImmediately: c.active, IkeConfig: JSON.stringify(aliyunIke(c.ike, this.configs.psk(c.ike))),
      IpsecConfig: JSON.stringify(aliyunIpsec(c.ipsec)),
    }, { clientToken: c.clientToken }));
    await remote(() => waitGatewayActive(conn, dc.regionId, c.gateway.gatewayId));
    const seen = (await remote(() => describeVpnConnections(conn, dc.regionId, VpnConnectionId)))[0];
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const existing = await tx.vpcVpnConnection.findUnique({ where: { dataCenterUuid_connectionId: { dataCenterUuid: dc.uuid, connectionId: VpnConnectionId } } });
      if (existing) return existing;
      const row = await tx.vpcVpnConnection.create({
        data: {
          uuid: c.uuid, dataCenterUuid: dc.uuid, connectionId: VpnConnectionId, name: c.name, description: c.description ?? null,
          status: seen?.Status ?? "ike_sa_not_established", vpnGatewayUuid: c.gateway.uuid, userGatewayUuid: c.userGateway.uuid,
          localSubnet: seen?.LocalSubnet ?? c.localSubnet, remoteSubnet: seen?.RemoteSubnet ?? c.remoteSubnet,
          ikeConfigUuid: c.ike.uuid, ipsecConfigUuid: c.ipsec.uuid, accountUuid: dc.accountUuid,
        },
      });
      await this.tags.attachOnCreate(tx, { uuid: row.uuid, resourceType: "VpcVpnConnection", accountUuid: dc.accountUuid }, systemTags, userTags);
      await emit({ type: "ResourceCreated", resourceUuid: row.uuid, resourceType: "VpcVpnConnection", accountUuid: dc.accountUuid });
      return row;
    });
  }

  /**
   * UpdateVpcVpnConnectionRemote: VPC ModifyVpnConnectionAttribute with what changed (subnets,
   * EffectImmediately, the IKE/IPsec JSON of newly linked configs), then the record. Any change
   * but the name makes Alibaba renegotiate the tunnel.
   * @throws SYS.1003 (connection or config), ALIYUN.VpnGateway.Configuring while the gateway is updating, ALIYUN.InvalidParameter.
   */
  async update(caller: Caller, uuid: string, input: UpdateVpnConnectionInput) {
    const c = await this.get(caller, uuid);
    const ike = input.ikeConfUuid ? await this.configs.getIke(caller, input.ikeConfUuid) : undefined;
    const ipsec = input.ipsecConfUuid ? await this.configs.getIpsec(caller, input.ipsecConfUuid) : undefined;
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: c.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyVpnConnectionAttribute", {
      VpnConnectionId: c.connectionId, Name: input.name, LocalSubnet: input.localCidr, RemoteSubnet: input.remoteCidr, EffectImmediately: input.active,
      IkeConfig: ike ? JSON.stringify(aliyunIke(ike, this.configs.psk(ike))) : undefined, IpsecConfig: ipsec ? JSON.stringify(aliyunIpsec(ipsec)) : undefined,
    }, { clientToken: true }));
    const seen = (await remote(() => describeVpnConnections(conn, dc.regionId, c.connectionId)))[0];
    const row = await this.prisma.vpcVpnConnection.update({
      where: { uuid },
      data: {
        name: input.name, description: input.description, localSubnet: seen?.LocalSubnet ?? input.localCidr, remoteSubnet: seen?.RemoteSubnet ?? input.remoteCidr,
        status: seen?.Status, ikeConfigUuid: ike?.uuid, ipsecConfigUuid: ipsec?.uuid,
      },
    });
    return vpnConnectionInventory(row);
  }

  /**
   * DeleteVpcVpnConnectionRemote: waits for the gateway to be active (bounded), VPC
   * DeleteVpnConnection, then the record; its IKE/IPsec configs stay. One Alibaba no longer has is just removed here.
   * @throws SYS.1003, ALIYUN.VpnGateway.Configuring when the gateway stays busy.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const c = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: c.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await this.deleteOnAliyun(conn, dc, c.connectionId);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, c));
  }

  /** DeleteVpnConnection once the gateway is active; an already deleted connection is fine. */
  async deleteOnAliyun(conn: AliyunConnection, dc: DataCenter, connectionId: string): Promise<void> {
    const seen = (await remote(() => describeVpnConnections(conn, dc.regionId, connectionId)))[0];
    if (!seen) return;
    await remote(() => waitGatewayActive(conn, dc.regionId, seen.VpnGatewayId));
    await deleteRemote(() => conn.rpc.call("Vpc", dc.regionId, "DeleteVpnConnection", { VpnConnectionId: connectionId }, { clientToken: true }), VPN_CONNECTION_NOT_FOUND);
    await remote(() => waitGatewayActive(conn, dc.regionId, seen.VpnGatewayId));
  }

  /** DeleteVpcVpnConnectionLocal: Strata's record only. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const c = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, c));
  }

  /** Removes the record (local routes through it go too). Call inside `events.transaction`. */
  async removeRow(tx: Tx, emit: Emit, c: VpcVpnConnection): Promise<void> {
    await tx.hybridLocalRouteEntry.deleteMany({ where: { nextHopUuid: c.uuid } });
    await tx.iPsecConnection.updateMany({ where: { vpcVpnConnectionUuid: c.uuid }, data: { vpcVpnConnectionUuid: null } });
    await tx.vpcVpnConnection.deleteMany({ where: { uuid: c.uuid } });
    await this.tags.detachAll(tx, c.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: c.uuid, resourceType: "VpcVpnConnection", accountUuid: c.accountUuid });
  }

  /** SyncVpcVpnConnectionFromRemote. @returns the data center's connections after the sync. @throws SYS.1003, ALIYUN.*. */
  async syncFor(caller: Caller, dataCenterUuid: string) {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    await remote(async () => this.syncDataCenter(dc, await this.aliyun.forDataCenter(dc)));
    return (await this.prisma.vpcVpnConnection.findMany({ where: { dataCenterUuid: dc.uuid }, orderBy: { createDate: "asc" } })).map(vpnConnectionInventory);
  }

  /**
   * Sync step "VpcVpnConnection" (after VPN and customer gateways): connections made elsewhere
   * get a record and IKE/IPsec config records holding Alibaba's settings; known ones get
   * status, subnets and settings refreshed.
   */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const gateways = new Map((await this.prisma.vpcVpnGateway.findMany({ where: { dataCenterUuid: dc.uuid } })).map((g) => [g.gatewayId, g.uuid]));
    const customers = new Map((await this.prisma.vpcUserVpnGateway.findMany({ where: { dataCenterUuid: dc.uuid } })).map((g) => [g.gatewayId, g.uuid]));
    const fields = (v: AliyunVpnConnection) => ({
      name: v.Name || v.VpnConnectionId, status: v.Status, localSubnet: v.LocalSubnet, remoteSubnet: v.RemoteSubnet,
      vpnGatewayUuid: gateways.get(v.VpnGatewayId) ?? null, userGatewayUuid: customers.get(v.CustomerGatewayId) ?? null,
    });
    const local = await this.prisma.vpcVpnConnection.findMany({ where: { dataCenterUuid: dc.uuid } });
    const ikes = new Map((await this.prisma.vpcVpnIkeConfig.findMany({ where: { uuid: { in: local.flatMap((l) => l.ikeConfigUuid ?? []) } } })).map((r) => [r.uuid, r]));
    const ipsecs = new Map((await this.prisma.vpcVpnIpSecConfig.findMany({ where: { uuid: { in: local.flatMap((l) => l.ipsecConfigUuid ?? []) } } })).map((r) => [r.uuid, r]));
    return reconcile({
      remote: await describeVpnConnections(conn, dc.regionId), remoteId: (v) => v.VpnConnectionId, local, localId: (l) => l.connectionId,
      create: async (v) => {
        await this.events.transaction(this.prisma, async (tx, emit) => {
          const ike = await this.configs.insertIke(tx, dc.accountUuid, newUuid(), {
            name: `${v.VpnConnectionId}-ike`, psk: v.IkeConfig?.Psk ?? "", description: null, ...ikeFields(v.IkeConfig ?? {}),
          });
          const ipsec = await this.configs.insertIpsec(tx, dc.accountUuid, newUuid(), { name: `${v.VpnConnectionId}-ipsec`, description: null, ...ipsecFields(v.IpsecConfig ?? {}) });
          const uuid = newUuid();
          await tx.vpcVpnConnection.create({
            data: { uuid, dataCenterUuid: dc.uuid, connectionId: v.VpnConnectionId, accountUuid: dc.accountUuid, ikeConfigUuid: ike.uuid, ipsecConfigUuid: ipsec.uuid, ...fields(v) },
          });
          await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VpcVpnConnection", accountUuid: dc.accountUuid });
        });
      },
      changes: (l, v) => {
        const c: Record<string, unknown> = changedFields(l, fields(v));
        // The settings live in the linked config rows; changed ones ride along to update().
        const ike = l.ikeConfigUuid ? ikes.get(l.ikeConfigUuid) : undefined;
        if (ike && v.IkeConfig) {
          const k = { ...changedFields(ike, ikeFields(v.IkeConfig)), ...(v.IkeConfig.Psk && v.IkeConfig.Psk !== this.configs.psk(ike) ? { pskEncrypted: this.configs.seal(v.IkeConfig.Psk) } : {}) };
          if (Object.keys(k).length) c.__ike = k;
        }
        const ipsec = l.ipsecConfigUuid ? ipsecs.get(l.ipsecConfigUuid) : undefined;
        if (ipsec && v.IpsecConfig) {
          const k = changedFields(ipsec, ipsecFields(v.IpsecConfig));
          if (Object.keys(k).length) c.__ipsec = k;
        }
        return c;
      },
      update: async (l, data) => {
        const { __ike, __ipsec, ...columns } = data as Record<string, unknown> & { __ike?: Record<string, unknown>; __ipsec?: Record<string, unknown> };
        await this.prisma.$transaction(async (tx) => {
          if (Object.keys(columns).length) await tx.vpcVpnConnection.update({ where: { uuid: l.uuid }, data: columns });
          if (__ike) await tx.vpcVpnIkeConfig.update({ where: { uuid: l.ikeConfigUuid! }, data: __ike });
          if (__ipsec) await tx.vpcVpnIpSecConfig.update({ where: { uuid: l.ipsecConfigUuid! }, data: __ipsec });
        });
      },
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, l)),
    });
  }
}
