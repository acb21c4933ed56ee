import { randomUUID } from "node:crypto";
import type { DataCenter, Prisma, PrismaClient, VpcUserVpnGateway } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { deleteRemote, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { orNull } from "../../vpc/wire.ts";
import { describeCustomerGateways, type AliyunCustomerGateway } from "../wire.ts";
import { userGatewayQuerySpec, type CreateUserVpnGatewayInput } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** ZStack VpcUserVpnGatewayInventory. */
export function userGatewayInventory(g: VpcUserVpnGateway) {
  return {
    uuid: g.uuid, dataCenterUuid: g.dataCenterUuid, type: "aliyun" as const, gatewayId: g.gatewayId, ip: g.ip, name: g.name,
    description: g.description, accountUuid: g.accountUuid, createDate: g.createDate.toISOString(), lastOpDate: g.lastOpDate.toISOString(),
  };
}

const fields = (g: AliyunCustomerGateway) => ({ ip: g.IpAddress, name: g.Name || g.CustomerGatewayId, description: orNull(g.Description) });

/** Alibaba's answer when a customer gateway is gone. */
export const CUSTOMER_GATEWAY_NOT_FOUND = /^InvalidCustomerGatewayInstanceId\.NotFound$/;

/**
 * Alibaba customer gateways, ZStack's "user VPN gateways" (CreateVpcUserVpnGatewayRemote,
 * DeleteVpcUserVpnGatewayRemote / Local, QueryVpcUserVpnGatewayFromLocal,
 * SyncVpcUserVpnGatewayFromRemote, UpdateVpcUserVpnGateway). CreateCustomerGateway answers at
 * once (a customer gateway has no status), so creation needs no job.
 */
export class UserVpnGatewayService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly dataCenters: DataCenterService,
  ) {}

  /** The customer gateway if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VpcUserVpnGateway> {
    const g = await this.prisma.vpcUserVpnGateway.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!g) throw Errors.resourceNotFound("VpcUserVpnGateway", uuid);
    return g;
  }

  /** ZStack QueryVpcUserVpnGatewayFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: userGatewayQuerySpec, delegate: this.prisma.vpcUserVpnGateway as never, caller, raw,
      scope: ownedBy(caller), toInventory: userGatewayInventory, csvName: "user-vpn-gateways",
    });
  }

  /**
   * CreateVpcUserVpnGatewayRemote: VPC CreateCustomerGateway (with a ClientToken), then the record.
   * @throws SYS.1003 unknown data center, HYBRID.NO_KEY, ALIYUN.InvalidParameter (not a public IPv4 address).
   */
  async create(caller: Caller, input: CreateUserVpnGatewayInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    const row = await this.createRemote(conn, dc, { ip: p.ip, name: p.name, description: p.description, clientToken: randomUUID(), uuid: p.resourceUuid ?? newUuid() },
      input.systemTags, input.userTags);
    return userGatewayInventory(row);
  }

  /**
   * CreateCustomerGateway with `clientToken` (a rerun with the same token gets the same gateway)
   * and a record of it. Used by {@link create} and the quick VPN connection job.
   */
  async createRemote(conn: AliyunConnection, dc: DataCenter, g: { ip: string; name: string; description?: string; clientToken: string; uuid: string },
    systemTags?: string[], userTags?: string[]): Promise<VpcUserVpnGateway> {
    const { CustomerGatewayId } = await remote(() => conn.rpc.call<{ CustomerGatewayId: string }>("Vpc", dc.regionId, "CreateCustomerGateway",
      { IpAddress: g.ip, Name: g.name, Description: g.description }, { clientToken: g.clientToken }));
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const row = await this.upsert(tx, emit, dc, { CustomerGatewayId, IpAddress: g.ip, Name: g.name, Description: g.description }, g.uuid);
      if (row.uuid === g.uuid) await this.tags.attachOnCreate(tx, { uuid: row.uuid, resourceType: "VpcUserVpnGateway", accountUuid: dc.accountUuid }, systemTags, userTags);
      return row;
    });
  }

  /** Records (or refreshes) a customer gateway inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Tx, emit: Emit, dc: DataCenter, g: AliyunCustomerGateway, uuid = newUuid()): Promise<VpcUserVpnGateway> {
    const row = await tx.vpcUserVpnGateway.upsert({
      where: { dataCenterUuid_gatewayId: { dataCenterUuid: dc.uuid, gatewayId: g.CustomerGatewayId } },
      create: { uuid, dataCenterUuid: dc.uuid, gatewayId: g.CustomerGatewayId, accountUuid: dc.accountUuid, ...fields(g) }, update: fields(g),
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VpcUserVpnGateway", accountUuid: dc.accountUuid });
    return row;
  }

  /** UpdateVpcUserVpnGateway: ModifyCustomerGatewayAttribute, then the record. @throws SYS.1003, ALIYUN.*. */
  async update(caller: Caller, uuid: string, input: { name?: string; description?: string }) {
    const g = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: g.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyCustomerGatewayAttribute", { CustomerGatewayId: g.gatewayId, Name: input.name, Description: input.description }));
    return userGatewayInventory(await this.prisma.vpcUserVpnGateway.update({ where: { uuid }, data: input }));
  }

  /**
   * DeleteVpcUserVpnGatewayRemote: DeleteCustomerGateway, then the record. One Alibaba no longer
   * has is just removed here.
   * @throws SYS.1003, ALIYUN.DependencyViolation.VpnConnection (409) while a VPN connection uses it.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const g = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: g.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await deleteRemote(() => conn.rpc.call("Vpc", dc.regionId, "DeleteCustomerGateway", { CustomerGatewayId: g.gatewayId }, { clientToken: true }), CUSTOMER_GATEWAY_NOT_FOUND);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, g));
  }

  /** DeleteVpcUserVpnGatewayLocal: Strata's record only; Alibaba keeps the customer gateway. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const g = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, g));
  }

  /** Removes the record; connections keep theirs, unlinked. Call inside `events.transaction`. */
  async removeRow(tx: Tx, emit: Emit, g: VpcUserVpnGateway): Promise<void> {
    await tx.vpcVpnConnection.updateMany({ where: { userGatewayUuid: g.uuid }, data: { userGatewayUuid: null } });
    await tx.vpcUserVpnGateway.deleteMany({ where: { uuid: g.uuid } });
    await this.tags.detachAll(tx, g.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: g.uuid, resourceType: "VpcUserVpnGateway", accountUuid: g.accountUuid });
  }

  /** SyncVpcUserVpnGatewayFromRemote. @returns the data center's customer gateways after the sync. @throws SYS.1003, ALIYUN.*. */
  async syncFor(caller: Caller, dataCenterUuid: string) {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    await remote(async () => this.syncDataCenter(dc, await this.aliyun.forDataCenter(dc)));
    return (await this.prisma.vpcUserVpnGateway.findMany({ where: { dataCenterUuid: dc.uuid }, orderBy: { createDate: "asc" } })).map(userGatewayInventory);
  }

  /** Sync step "VpcUserVpnGateway". */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    return reconcile({
      remote: await describeCustomerGateways(conn, dc.regionId), remoteId: (g) => g.CustomerGatewayId,
      local: await this.prisma.vpcUserVpnGateway.findMany({ where: { dataCenterUuid: dc.uuid } }), localId: (l) => l.gatewayId,
      create: async (g) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, g)),
      changes: (l, g) => changedFields(l, fields(g)),
      update: async (l, data) => void await this.prisma.vpcUserVpnGateway.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, l)),
    });
  }
}
