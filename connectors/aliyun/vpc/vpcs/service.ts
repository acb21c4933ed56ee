import { randomUUID } from "node:crypto";
import type { DataCenter, EcsVpc, Prisma, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { AliyunApiError } from "../../client/errors.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import type { VpcLocalRows } from "../local-rows.ts";
import type { RouteEntryService } from "../route-entries/service.ts";
import type { VRouterService } from "../vrouters/service.ts";
import { describeRouteEntries, describeVpcs, describeVRouters, dryRun, orNull, waitUntil, type AliyunVpc } from "../wire.ts";
import { ecsVpcQuerySpec, type CreateEcsVpcInput, type UpdateEcsVpcInput } from "./schema.ts";

/** Job type of CreateEcsVpcRemote (resumable: its ClientToken makes a rerun find what the first run made). */
export const CREATE_VPC_JOB = "aliyun.vpc.create";

/** ZStack EcsVpcInventory. */
export function ecsVpcInventory(v: EcsVpc) {
  return {
    uuid: v.uuid, ecsVpcId: v.ecsVpcId, dataCenterUuid: v.dataCenterUuid, status: v.status, name: v.name, cidrBlock: v.cidrBlock,
    vRouterId: v.vRouterId, description: v.description, accountUuid: v.accountUuid, createDate: v.createDate.toISOString(), lastOpDate: v.lastOpDate.toISOString(),
  };
}

/** The columns of a VPC as Alibaba reports it. */
function vpcFields(v: AliyunVpc) {
  return { name: v.VpcName || v.VpcId, description: orNull(v.Description), cidrBlock: v.CidrBlock, status: v.Status, vRouterId: orNull(v.VRouterId) };
}

/** Input of the durable create job. */
interface CreateJobInput {
  uuid: string;
  dataCenterUuid: string;
  cidrBlock: string;
  name: string;
  description?: string;
  vRouterName: string;
  /** Same ClientToken on every run: a job resumed after a restart gets the VPC it made, not a second one. */
  clientToken: string;
  systemTags?: string[];
  userTags?: string[];
}

/**
 * Alibaba VPCs (ZStack CreateEcsVpcRemote, DeleteEcsVpcRemote, DeleteEcsVpcInLocal,
 * QueryEcsVpcFromLocal, SyncEcsVpcFromRemote, UpdateEcsVpc). A created VPC is recorded with
 * its VRouter and the entries of its System route table.
 */
export class EcsVpcService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly dataCenters: DataCenterService,
    private readonly vrouters: VRouterService,
    private readonly routeEntries: RouteEntryService,
    private readonly rows: VpcLocalRows,
  ) {
    jobs.register<CreateJobInput>({ name: CREATE_VPC_JOB, resumable: true, perform: (i) => this.performCreate(i) });
  }

  /** The VPC if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<EcsVpc> {
    const v = await this.prisma.ecsVpc.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!v) throw Errors.resourceNotFound("EcsVpc", uuid);
    return v;
  }

  /** ZStack QueryEcsVpcFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ecsVpcQuerySpec, delegate: this.prisma.ecsVpc as never, caller, raw,
      scope: ownedBy(caller), toInventory: ecsVpcInventory, csvName: "ecs-vpcs",
    });
  }

  /**
   * CreateEcsVpcRemote: a DryRun of VPC CreateVpc first (a bad CIDR block answers at once with
   * ALIYUN.InvalidCidrBlock.Malformed or ALIYUN.InvalidParameter), then a job that creates the
   * VPC, waits until it is Available and records it with its VRouter and route entries.
   * @throws SYS.1003 unknown data center, HYBRID.NO_KEY, ALIYUN.*.
   */
  async create(caller: Caller, req: JobRequest, input: CreateEcsVpcInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    await dryRun(conn, dc.regionId, "CreateVpc", { CidrBlock: p.cidrBlock, VpcName: p.name, Description: p.description });
    return this.jobs.submit(caller, req, CREATE_VPC_JOB, {
      uuid: p.resourceUuid ?? newUuid(), dataCenterUuid: dc.uuid, cidrBlock: p.cidrBlock, name: p.name, description: p.description,
      vRouterName: p.vRouterName, clientToken: randomUUID(), systemTags: input.systemTags, userTags: input.userTags,
    } satisfies CreateJobInput);
  }

  /**
   * The job: CreateVpc (with the job's ClientToken), wait for Available (bounded), then one
   * transaction records VPC, VRouter and route entries. If the wait runs out, what exists is
   * recorded anyway (status Pending; the next sync updates it) and the job fails with
   * HYBRID.REMOTE_NOT_READY — nothing on Alibaba is left without a record.
   */
  private async performCreate(i: CreateJobInput) {
    const dc = await this.prisma.dataCenter.findUnique({ where: { uuid: i.dataCenterUuid } });
    if (!dc) throw Errors.resourceNotFound("DataCenter", i.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    const created = await remote(() => conn.rpc.call<{ VpcId: string; VRouterId: string; RouteTableId: string }>("Vpc", dc.regionId, "CreateVpc",
      { CidrBlock: i.cidrBlock, VpcName: i.name, Description: i.description }, { clientToken: i.clientToken }));
    const { value, ready } = await remote(() => waitUntil(
      async () => (await describeVpcs(conn, dc.regionId, created.VpcId))[0], (v) => v.Status === "Available"));
    const vpc: AliyunVpc = value ?? { VpcId: created.VpcId, VpcName: i.name, Description: i.description, Status: "Pending", CidrBlock: i.cidrBlock, VRouterId: created.VRouterId };
    const router = (await remote(() => describeVRouters(conn, dc.regionId, created.VRouterId)))[0]
      ?? { VRouterId: created.VRouterId, VpcId: created.VpcId, RouteTableIds: { RouteTableId: [created.RouteTableId] } };
    const tableId = router.RouteTableIds?.RouteTableId?.[0];
    const entries = tableId ? await remote(() => describeRouteEntries(conn, dc.regionId, tableId)) : [];
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const v = await this.upsert(tx, emit, dc, vpc, i.uuid);
      if (v.uuid === i.uuid) await this.tags.attachOnCreate(tx, { uuid: v.uuid, resourceType: "EcsVpc", accountUuid: dc.accountUuid }, i.systemTags, i.userTags);
      const vr = await this.vrouters.upsert(tx, emit, dc, v, router, i.vRouterName);
      for (const e of entries) await this.routeEntries.upsert(tx, emit, dc, vr, e);
      return v;
    });
    if (!ready) throw HybridErrors.remoteNotReady("VPC", created.VpcId, vpc.Status);
    return { inventory: ecsVpcInventory(row) };
  }

  /** Records (or refreshes) a VPC inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Prisma.TransactionClient, emit: (e: NewEvent) => Promise<void>, dc: DataCenter, v: AliyunVpc, uuid = newUuid()): Promise<EcsVpc> {
    const row = await tx.ecsVpc.upsert({
      where: { dataCenterUuid_ecsVpcId: { dataCenterUuid: dc.uuid, ecsVpcId: v.VpcId } },
      create: { uuid, dataCenterUuid: dc.uuid, ecsVpcId: v.VpcId, accountUuid: dc.accountUuid, ...vpcFields(v) },
      update: vpcFields(v),
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsVpc", accountUuid: dc.accountUuid });
    return row;
  }

  /**
   * UpdateEcsVpc: renames or re-describes the VPC on Alibaba (ModifyVpcAttribute), then locally.
   * @throws SYS.1003, ALIYUN.* (e.g. InvalidVpcName.Malformed).
   */
  async update(caller: Caller, uuid: string, input: UpdateEcsVpcInput) {
    const v = await this.get(caller, uuid);
    if (input.name !== undefined || input.description !== undefined) {
      const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: v.dataCenterUuid } });
      const conn = await this.aliyun.forDataCenter(dc);
      await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyVpcAttribute", { VpcId: v.ecsVpcId, VpcName: input.name, Description: input.description }));
    }
    const row = await this.prisma.ecsVpc.update({ where: { uuid }, data: { name: input.name, description: input.description } });
    return ecsVpcInventory(row);
  }

  /** DeleteEcsVpcInLocal: Strata's records of the VPC and everything below it; Alibaba is untouched. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const v = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVpc(tx, emit, v));
  }

  /**
   * DeleteEcsVpcRemote: VPC DeleteVpc, then Strata's records (its VRouter and route entries go
   * with it on Alibaba; any VSwitch or security group rows left were stale, since Alibaba
   * refuses to delete a VPC that still has them). A VPC Alibaba no longer has is just removed here.
   * @throws SYS.1003, ALIYUN.DependencyViolation.VSwitch / .SecurityGroup / .RouteEntry / .Instance (409), ALIYUN.IncorrectVpcStatus.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const v = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: v.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    try {
      await conn.rpc.call("Vpc", dc.regionId, "DeleteVpc", { VpcId: v.ecsVpcId });
    } catch (err) {
      if (!(err instanceof AliyunApiError)) throw err;
      if (!/^InvalidVpcI[dD]\.NotFound$/.test(err.code)) throw HybridErrors.fromAliyun(err);
    }
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVpc(tx, emit, v));
  }

  /** Sync step "EcsVpc": every VPC of the region gets a record; ones Alibaba no longer lists go, with what hangs below. */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const vpcs = await describeVpcs(conn, dc.regionId);
    const local = await this.prisma.ecsVpc.findMany({ where: { dataCenterUuid: dc.uuid } });
    return reconcile({
      remote: vpcs, remoteId: (v) => v.VpcId, local, localId: (l) => l.ecsVpcId,
      create: async (v) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, v)),
      changes: (l, v) => changedFields(l, vpcFields(v)),
      update: async (l, data) => void await this.prisma.ecsVpc.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVpc(tx, emit, l)),
    });
  }
}
