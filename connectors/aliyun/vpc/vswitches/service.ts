import { randomUUID } from "node:crypto";
import type { DataCenter, EcsVpc, EcsVSwitch, IdentityZone, Prisma, PrismaClient } from "../../../../generated/prisma/client.ts";
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
import { HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import type { VpcLocalRows } from "../local-rows.ts";
import { describeVSwitches, dryRun, orNull, waitUntil, type AliyunVSwitch } from "../wire.ts";
import { ecsVSwitchQuerySpec, type CreateEcsVSwitchInput, type UpdateEcsVSwitchInput } from "./schema.ts";

/** Job type of CreateEcsVSwitchRemote (resumable: its ClientToken makes a rerun find what the first run made). */
export const CREATE_VSWITCH_JOB = "aliyun.vswitch.create";

/** ZStack EcsVSwitchInventory. */
export function ecsVSwitchInventory(v: EcsVSwitch) {
  return {
    uuid: v.uuid, vSwitchId: v.vSwitchId, status: v.status, cidrBlock: v.cidrBlock, availableIpAddressCount: v.availableIpAddressCount,
    description: v.description, name: v.name, ecsVpcUuid: v.ecsVpcUuid, identityZoneUuid: v.identityZoneUuid, dataCenterUuid: v.dataCenterUuid,
    accountUuid: v.accountUuid, createDate: v.createDate.toISOString(), lastOpDate: v.lastOpDate.toISOString(),
  };
}

/** The columns of a VSwitch as Alibaba reports it, given the Strata rows of its VPC and zone. */
function vswitchFields(v: AliyunVSwitch, vpc: EcsVpc, zone: IdentityZone | undefined) {
  return {
    ecsVpcUuid: vpc.uuid, identityZoneUuid: zone?.uuid ?? null, name: v.VSwitchName || v.VSwitchId, description: orNull(v.Description),
    cidrBlock: v.CidrBlock, status: v.Status, availableIpAddressCount: v.AvailableIpAddressCount ?? null,
  };
}

/** Input of the durable create job. */
interface CreateJobInput {
  uuid: string;
  vpcUuid: string;
  identityZoneUuid: string;
  cidrBlock: string;
  name: string;
  description?: string;
  clientToken: string;
  systemTags?: string[];
  userTags?: string[];
}

/**
 * Alibaba VSwitches (ZStack CreateEcsVSwitchRemote, DeleteEcsVSwitchRemote,
 * DeleteEcsVSwitchInLocal, QueryEcsVSwitchFromLocal, SyncEcsVSwitchFromRemote, UpdateEcsVSwitch).
 * The ECS part creates instances in these rows: look one up with {@link EcsVSwitchService.get}
 * (or `prisma.ecsVSwitch`), `vSwitchId` is Alibaba's id and `identityZoneUuid` its zone.
 */
export class EcsVSwitchService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly rows: VpcLocalRows,
  ) {
    jobs.register<CreateJobInput>({ name: CREATE_VSWITCH_JOB, resumable: true, perform: (i) => this.performCreate(i) });
  }

  /** The VSwitch if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<EcsVSwitch> {
    const v = await this.prisma.ecsVSwitch.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!v) throw Errors.resourceNotFound("EcsVSwitch", uuid);
    return v;
  }

  /** ZStack QueryEcsVSwitchFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ecsVSwitchQuerySpec, delegate: this.prisma.ecsVSwitch as never, caller, raw,
      scope: ownedBy(caller), toInventory: ecsVSwitchInventory, csvName: "ecs-vswitches",
    });
  }

  /**
   * CreateEcsVSwitchRemote: a DryRun of VPC CreateVSwitch first (CIDR and status errors answer at
   * once: ALIYUN.InvalidCidrBlock.Overlapped, ALIYUN.InvalidCirdrBlock.MaskLength, ALIYUN.InvalidParameter,
   * ALIYUN.IncorrectVpcStatus), then a job that creates it and waits until it is Available.
   * @throws SYS.1003 unknown VPC or zone, SYS.1007 zone of another data center, ALIYUN.*.
   */
  async create(caller: Caller, req: JobRequest, input: CreateEcsVSwitchInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const vpc = await this.prisma.ecsVpc.findFirst({ where: { uuid: p.vpcUuid, ...ownedBy(caller) } });
    if (!vpc) throw Errors.resourceNotFound("EcsVpc", p.vpcUuid);
    const zone = await this.prisma.identityZone.findFirst({ where: { uuid: p.identityZoneUuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("IdentityZone", p.identityZoneUuid);
    if (zone.dataCenterUuid !== vpc.dataCenterUuid) throw Errors.invalidArgument("The identity zone must be in the VPC's data center", zone.zoneId);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vpc.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await dryRun(conn, dc.regionId, "CreateVSwitch", this.createParams(vpc, zone, p));
    return this.jobs.submit(caller, req, CREATE_VSWITCH_JOB, {
      uuid: p.resourceUuid ?? newUuid(), vpcUuid: vpc.uuid, identityZoneUuid: zone.uuid, cidrBlock: p.cidrBlock, name: p.name,
      description: p.description, clientToken: randomUUID(), systemTags: input.systemTags, userTags: input.userTags,
    } satisfies CreateJobInput);
  }

  private createParams(vpc: EcsVpc, zone: IdentityZone, p: { cidrBlock: string; name: string; description?: string }) {
    return { VpcId: vpc.ecsVpcId, ZoneId: zone.zoneId, CidrBlock: p.cidrBlock, VSwitchName: p.name, Description: p.description };
  }

  /** The job: CreateVSwitch (job's ClientToken), bounded wait for Available, record; see EcsVpcService for the not-ready case. */
  private async performCreate(i: CreateJobInput) {
    const vpc = await this.prisma.ecsVpc.findUnique({ where: { uuid: i.vpcUuid } });
    if (!vpc) throw Errors.resourceNotFound("EcsVpc", i.vpcUuid);
    const zone = await this.prisma.identityZone.findUnique({ where: { uuid: i.identityZoneUuid } });
    if (!zone) throw Errors.resourceNotFound("IdentityZone", i.identityZoneUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vpc.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const { VSwitchId } = await remote(() => conn.rpc.call<{ VSwitchId: string }>("Vpc", dc.regionId, "CreateVSwitch",
      this.createParams(vpc, zone, i), { clientToken: i.clientToken }));
    const { value, ready } = await remote(() => waitUntil(
      async () => (await describeVSwitches(conn, dc.regionId, { VSwitchId }))[0], (v) => v.Status === "Available"));
    const vsw: AliyunVSwitch = value ?? { VSwitchId, VpcId: vpc.ecsVpcId, ZoneId: zone.zoneId, CidrBlock: i.cidrBlock, VSwitchName: i.name, Description: i.description, Status: "Pending" };
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await this.upsert(tx, emit, dc, vsw, vpc, zone, i.uuid);
      if (r.uuid === i.uuid) await this.tags.attachOnCreate(tx, { uuid: r.uuid, resourceType: "EcsVSwitch", accountUuid: dc.accountUuid }, i.systemTags, i.userTags);
      return r;
    });
    if (!ready) throw HybridErrors.remoteNotReady("VSwitch", VSwitchId, vsw.Status);
    return { inventory: ecsVSwitchInventory(row) };
  }

  /** Records (or refreshes) a VSwitch inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Prisma.TransactionClient, emit: (e: NewEvent) => Promise<void>, dc: DataCenter, v: AliyunVSwitch, vpc: EcsVpc,
    zone: IdentityZone | undefined, uuid = newUuid()): Promise<EcsVSwitch> {
    const fields = vswitchFields(v, vpc, zone);
    const row = await tx.ecsVSwitch.upsert({
      where: { dataCenterUuid_vSwitchId: { dataCenterUuid: dc.uuid, vSwitchId: v.VSwitchId } },
      create: { uuid, dataCenterUuid: dc.uuid, vSwitchId: v.VSwitchId, accountUuid: dc.accountUuid, ...fields },
      update: fields,
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsVSwitch", accountUuid: dc.accountUuid });
    return row;
  }

  /** UpdateEcsVSwitch: VPC ModifyVSwitchAttribute, then the record. @throws SYS.1003, ALIYUN.*. */
  async update(caller: Caller, uuid: string, input: UpdateEcsVSwitchInput) {
    const v = await this.get(caller, uuid);
    if (input.name !== undefined || input.description !== undefined) {
      const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: v.dataCenterUuid } });
      const conn = await this.aliyun.forDataCenter(dc);
      await remote(() => conn.rpc.call("Vpc", dc.regionId, "ModifyVSwitchAttribute", { VSwitchId: v.vSwitchId, VSwitchName: input.name, Description: input.description }));
    }
    return ecsVSwitchInventory(await this.prisma.ecsVSwitch.update({ where: { uuid }, data: { name: input.name, description: input.description } }));
  }

  /** DeleteEcsVSwitchInLocal: the record only; Alibaba keeps the VSwitch and a sync brings it back. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const v = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVSwitches(tx, emit, [v]));
  }

  /**
   * DeleteEcsVSwitchRemote: VPC DeleteVSwitch, then the record and the System route entry
   * Alibaba removed with it. A VSwitch Alibaba no longer has is just removed here.
   * @throws SYS.1003, ALIYUN.DependencyViolation (409, instances in it), ALIYUN.IncorrectVSwitchStatus (409, Pending).
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const v = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: v.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    try {
      await conn.rpc.call("Vpc", dc.regionId, "DeleteVSwitch", { VSwitchId: v.vSwitchId });
    } catch (err) {
      if (!(err instanceof AliyunApiError)) throw err;
      if (!/^InvalidVSwitchI[dD]\.NotFound$/.test(err.code)) throw HybridErrors.fromAliyun(err);
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const routers = await tx.vpcVirtualRouter.findMany({ where: { vpcUuid: v.ecsVpcUuid } });
      const localRoutes = await tx.vpcVirtualRouteEntry.findMany({
        where: { virtualRouterUuid: { in: routers.map((r) => r.uuid) }, type: "System", destinationCidrBlock: v.cidrBlock },
      });
      await this.rows.deleteRouteEntries(tx, emit, localRoutes);
      await this.rows.deleteVSwitches(tx, emit, [v]);
    });
  }

  /** Sync step "EcsVSwitch": the VSwitches of every VPC Strata records in the data center. */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const vpcs = new Map((await this.prisma.ecsVpc.findMany({ where: { dataCenterUuid: dc.uuid } })).map((v) => [v.ecsVpcId, v]));
    const zones = new Map((await this.prisma.identityZone.findMany({ where: { dataCenterUuid: dc.uuid } })).map((z) => [z.zoneId, z]));
    const vswitches = (await describeVSwitches(conn, dc.regionId)).filter((v) => vpcs.has(v.VpcId));
    const local = await this.prisma.ecsVSwitch.findMany({ where: { dataCenterUuid: dc.uuid } });
    return reconcile({
      remote: vswitches, remoteId: (v) => v.VSwitchId, local, localId: (l) => l.vSwitchId,
      create: async (v) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, v, vpcs.get(v.VpcId)!, zones.get(v.ZoneId))),
      changes: (l, v) => changedFields(l, vswitchFields(v, vpcs.get(v.VpcId)!, zones.get(v.ZoneId))),
      update: async (l, data) => void await this.prisma.ecsVSwitch.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => void await this.events.transaction(this.prisma, (tx, emit) => this.rows.deleteVSwitches(tx, emit, [l])),
    });
  }
}
