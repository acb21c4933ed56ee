import { randomUUID } from "node:crypto";
import type { DataCenter, HybridEipAddress, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { ApiError, Errors } from "../../../../server/errors/catalogue.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { AliyunContext } from "../../context.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { aliyunDate, dataCenterFor, DEFAULT_WAIT, waitUntil, type WaitPolicy } from "../common.ts";
import type { EcsInstanceService } from "../instances/service.ts";
import { hybridEipQuerySpec, type CreateHybridEipInput } from "./schema.ts";

/** Job type of AttachHybridEipToEcs / DetachHybridEipFromEcs: waits for InUse / Available. */
export const HYBRID_EIP_WAIT_JOB = "aliyun.eip.wait";

/** An EIP as VPC DescribeEipAddresses returns it. */
export interface AliyunEip {
  AllocationId: string;
  IpAddress: string;
  Status: string;
  InstanceId?: string;
  InstanceType?: string;
  /** Mbit/s, as a string. */
  Bandwidth: string;
  InternetChargeType?: string;
  Name?: string;
  Description?: string;
  AllocationTime?: string;
}

/** ZStack HybridEipAddressInventory. */
export function hybridEipInventory(e: HybridEipAddress) {
  return {
    uuid: e.uuid, eipId: e.eipId, bandWidth: String(e.bandWidth), dataCenterUuid: e.dataCenterUuid,
    allocateResourceUuid: e.allocateResourceUuid, allocateResourceType: e.allocateResourceType, status: e.status, eipAddress: e.eipAddress,
    eipType: "aliyun" as const, name: e.name, chargeType: e.chargeType, description: e.description,
    allocateTime: e.createDate.toISOString(), accountUuid: e.accountUuid, createDate: e.createDate.toISOString(), lastOpDate: e.lastOpDate.toISOString(),
  };
}

/**
 * Elastic IPs of Alibaba's VPC product (ZStack HybridEipAddressVO): allocate, bind to an ECS
 * instance, unbind, release, local delete, query, update and sync. Allocation is one call that
 * answers at once (with a ClientToken reused by the client's retries); binding and unbinding
 * call Alibaba in the request and wait for InUse / Available in a durable job.
 */
export class HybridEipService {
  private readonly prisma: PrismaClient;
  /** How jobs wait for status moves; tests may shorten it. */
  wait: WaitPolicy = DEFAULT_WAIT;

  constructor(private readonly ctx: AliyunContext, private readonly instances: EcsInstanceService) {
    this.prisma = ctx.prisma;
    ctx.jobs.register<{ uuid: string; wanted: string }>({
      name: HYBRID_EIP_WAIT_JOB, resumable: true, perform: (i) => this.performWait(i.uuid, i.wanted),
    });
  }

  /** The EIP if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<HybridEipAddress> {
    const e = await this.prisma.hybridEipAddress.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!e) throw Errors.resourceNotFound("HybridEipAddress", uuid);
    return e;
  }

  /** ZStack QueryHybridEipFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: hybridEipQuerySpec, delegate: this.prisma.hybridEipAddress as never, caller, raw,
      scope: ownedBy(caller), toInventory: hybridEipInventory, csvName: "hybrid-eips",
    });
  }

  /**
   * Allocates an EIP (CreateHybridEip → AllocateEipAddress, pay-as-you-go by traffic).
   * @throws ID.1003 quota eip.num, SYS.1003 data center, ALIYUN.QuotaExceeded.Eip (409).
   */
  async create(caller: Caller, input: CreateHybridEipInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await dataCenterFor(this.prisma, caller, p.dataCenterUuid);
    await this.ctx.quotas.check(caller, "eip.num", BigInt(await this.prisma.hybridEipAddress.count({ where: { accountUuid: caller.accountUuid } })), 1n);
    const conn = await this.ctx.remote.forDataCenter(dc);
    const r = await remote(() => conn.rpc.call<{ AllocationId: string; EipAddress: string }>("Vpc", dc.regionId, "AllocateEipAddress", {
      Bandwidth: String(p.bandWidthMb), InternetChargeType: p.chargeType, InstanceChargeType: "PostPaid", Name: p.name, Description: p.description,
    }, { clientToken: randomUUID() }));
    const seen = (await remote(() => this.describe(conn, dc.regionId, r.AllocationId)))[0]
      ?? { AllocationId: r.AllocationId, IpAddress: r.EipAddress, Status: "Available", Bandwidth: String(p.bandWidthMb), InternetChargeType: p.chargeType, Name: p.name, Description: p.description };
    const uuid = p.resourceUuid ?? newUuid();
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      await tx.hybridEipAddress.create({ data: { uuid, dataCenterUuid: dc.uuid, eipId: seen.AllocationId, accountUuid: caller.accountUuid, ...eipColumns(seen, new Map()) } });
      await this.ctx.tags.attachOnCreate(tx, { uuid, resourceType: "HybridEipAddress", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "HybridEipAddress", newState: seen.Status, accountUuid: caller.accountUuid });
    });
    return hybridEipInventory(await this.prisma.hybridEipAddress.findUniqueOrThrow({ where: { uuid } }));
  }

  /** Binds the EIP to an ECS instance (AttachHybridEipToEcs → AssociateEipAddress), then waits for InUse. */
  async attach(caller: Caller, req: JobRequest, uuid: string, ecsUuid: string): Promise<ApiReply> {
    const eip = await this.get(caller, uuid);
    const ecs = await this.prisma.ecsInstance.findFirst({ where: { uuid: ecsUuid, ...ownedBy(caller) } });
    if (!ecs) throw Errors.resourceNotFound("EcsInstance", ecsUuid);
    if (ecs.dataCenterUuid !== eip.dataCenterUuid) throw Errors.invalidArgument("The EIP and the instance must be in the same data center", `${eip.dataCenterUuid} / ${ecs.dataCenterUuid}`);
    const { dc, conn } = await this.connect(eip);
    await remote(() => conn.rpc.call("Vpc", dc.regionId, "AssociateEipAddress",
      { AllocationId: eip.eipId, InstanceId: ecs.ecsInstanceId, InstanceType: "EcsInstance" }, { clientToken: true }));
    await this.prisma.hybridEipAddress.update({ where: { uuid }, data: { status: "Associating", allocateResourceUuid: ecs.uuid, allocateResourceType: "EcsInstance" } });
    return this.ctx.jobs.submit(caller, req, HYBRID_EIP_WAIT_JOB, { uuid, wanted: "InUse" });
  }

  /** Unbinds the EIP (DetachHybridEipFromEcs → UnassociateEipAddress), then waits for Available. */
  async detach(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    const eip = await this.get(caller, uuid);
    const { dc, conn } = await this.connect(eip);
    const ecs = eip.allocateResourceUuid ? await this.prisma.ecsInstance.findUnique({ where: { uuid: eip.allocateResourceUuid } }) : null;
    await remote(() => conn.rpc.call("Vpc", dc.regionId, "UnassociateEipAddress",
      { AllocationId: eip.eipId, InstanceId: ecs?.ecsInstanceId, InstanceType: ecs ? "EcsInstance" : undefined }, { clientToken: true }));
    await this.prisma.hybridEipAddress.update({ where: { uuid }, data: { status: "Unassociating" } });
    return this.ctx.jobs.submit(caller, req, HYBRID_EIP_WAIT_JOB, { uuid, wanted: "Available" });
  }

  /** Releases the EIP on Alibaba (DeleteHybridEipRemote → ReleaseEipAddress; unbound only, else ALIYUN.IncorrectEipStatus 409), then its record. */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const eip = await this.get(caller, uuid);
    const { dc, conn } = await this.connect(eip);
    try {
      await remote(() => conn.rpc.call("Vpc", dc.regionId, "ReleaseEipAddress", { AllocationId: eip.eipId }));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "ALIYUN.InvalidAllocationId.NotFound")) throw err;
    }
    await this.forget(eip);
  }

  /** Deletes the record only (DeleteHybridEipFromLocal). */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    await this.forget(await this.get(caller, uuid));
  }

  /** ZStack UpdateHybridEip → ModifyEipAddressAttribute (name, description). */
  async update(caller: Caller, uuid: string, p: { name?: string; description?: string }) {
    const eip = await this.get(caller, uuid);
    const { dc, conn } = await this.connect(eip);
    await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyEipAddressAttribute", { AllocationId: eip.eipId, Name: p.name, Description: p.description }));
    const data = { ...(p.name !== undefined ? { name: p.name } : {}), ...(p.description !== undefined ? { description: p.description } : {}) };
    return hybridEipInventory(await this.prisma.hybridEipAddress.update({ where: { uuid }, data }));
  }

  /** SyncHybridEipFromRemote of one data center, as a sync job of the HybridEipAddress step. */
  async submitSync(caller: Caller, req: JobRequest, dataCenterUuid: string): Promise<ApiReply> {
    return this.ctx.sync.submit(caller, req, await dataCenterFor(this.prisma, caller, dataCenterUuid), ["HybridEipAddress"]);
  }

  /** Sync step "HybridEipAddress": the region's EIPs, linked to the ECS instances they are bound to. */
  async syncEips(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const eips = await conn.rpc.describeAll<AliyunEip>("Vpc", dc.regionId, "DescribeEipAddresses", ["EipAddresses", "EipAddress"]);
    const instances = await this.instanceMap(dc);
    const local = await this.prisma.hybridEipAddress.findMany({ where: { dataCenterUuid: dc.uuid } });
    return reconcile({
      remote: eips, remoteId: (e) => e.AllocationId, local, localId: (l) => l.eipId,
      create: async (e) => {
        await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
          const uuid = newUuid();
          const row = await tx.hybridEipAddress.upsert({
            where: { dataCenterUuid_eipId: { dataCenterUuid: dc.uuid, eipId: e.AllocationId } },
            create: { uuid, dataCenterUuid: dc.uuid, eipId: e.AllocationId, accountUuid: dc.accountUuid, createDate: aliyunDate(e.AllocationTime) ?? undefined, ...eipColumns(e, instances) },
            update: {},
          });
          if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "HybridEipAddress", newState: e.Status, accountUuid: dc.accountUuid });
        });
      },
      changes: (l, e) => changedFields(l, eipColumns(e, instances)),
      update: (l, data) => this.ctx.events.transaction(this.prisma, async (tx, emit) => {
        await tx.hybridEipAddress.update({ where: { uuid: l.uuid }, data });
        if (data.status !== undefined) {
          await emit({ type: "ResourceStatusChanged", resourceUuid: l.uuid, resourceType: "HybridEipAddress", oldState: l.status, newState: String(data.status), accountUuid: l.accountUuid });
        }
      }),
      remove: (l) => this.forget(l),
    });
  }

  private async performWait(uuid: string, wanted: string) {
    const eip = await this.prisma.hybridEipAddress.findUnique({ where: { uuid } });
    if (!eip) throw Errors.resourceNotFound("HybridEipAddress", uuid);
    const { dc, conn } = await this.connect(eip);
    const instances = await this.instanceMap(dc);
    const boundTo = eip.allocateResourceUuid;
    await waitUntil(
      async () => (await remote(() => this.describe(conn, dc.regionId, eip.eipId)))[0],
      (e) => !e || e.Status === wanted,
      (e) => ({ what: "EIP", id: eip.eipId, wanted, seen: e?.Status ?? "gone" }),
      this.wait,
      async (e) => {
        if (!e) return;
        const data = changedFields(await this.prisma.hybridEipAddress.findUniqueOrThrow({ where: { uuid } }), eipColumns(e, instances));
        if (Object.keys(data).length) await this.prisma.hybridEipAddress.update({ where: { uuid }, data });
      },
    );
    // The instance's public address follows its EIP.
    if (boundTo) {
      const row = await this.prisma.ecsInstance.findUnique({ where: { uuid: boundTo }, include: { vmInstance: true } });
      const seen = row ? (await remote(() => this.instances.describe(conn, dc.regionId, [row.ecsInstanceId])))[0] : undefined;
      if (row && seen) await this.instances.refresh(row, seen, await this.instances.localRefs(dc));
    }
    return { inventory: hybridEipInventory(await this.prisma.hybridEipAddress.findUniqueOrThrow({ where: { uuid } })) };
  }

  private async describe(conn: AliyunConnection, regionId: string, allocationId: string): Promise<AliyunEip[]> {
    const r = await conn.rpc.call<{ EipAddresses?: { EipAddress?: AliyunEip[] } }>("Vpc", regionId, "DescribeEipAddresses", { AllocationId: allocationId });
    return r.EipAddresses?.EipAddress ?? [];
  }

  private async forget(eip: HybridEipAddress): Promise<void> {
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      await tx.hybridEipAddress.deleteMany({ where: { uuid: eip.uuid } });
      await this.ctx.tags.detachAll(tx, eip.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: eip.uuid, resourceType: "HybridEipAddress", oldState: eip.status, accountUuid: eip.accountUuid });
    });
  }

  private async connect(eip: HybridEipAddress) {
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: eip.dataCenterUuid } });
    return { dc, conn: await this.ctx.remote.forDataCenter(dc) };
  }

  private async instanceMap(dc: DataCenter): Promise<Map<string, string>> {
    const rows = await this.prisma.ecsInstance.findMany({ where: { dataCenterUuid: dc.uuid }, select: { uuid: true, ecsInstanceId: true } });
    return new Map(rows.map((r) => [r.ecsInstanceId, r.uuid]));
  }
}

/** The HybridEipAddress columns Alibaba's view determines (bandWidth in Mbit/s). */
function eipColumns(e: AliyunEip, instances: Map<string, string>) {
  const bound = Boolean(e.InstanceId);
  return {
    eipAddress: e.IpAddress, name: e.Name || e.AllocationId, description: e.Description || null, bandWidth: Number(e.Bandwidth),
    chargeType: e.InternetChargeType || null, status: e.Status,
    allocateResourceUuid: bound && e.InstanceType === "EcsInstance" ? instances.get(e.InstanceId!) ?? null : null,
    allocateResourceType: bound ? e.InstanceType || null : null,
  };
}
