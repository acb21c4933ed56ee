import { randomUUID } from "node:crypto";
import type { AliyunDisk, DataCenter, PrismaClient } from "../../../../generated/prisma/client.ts";
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
import { dataCenterFor, DEFAULT_WAIT, waitUntil, type WaitPolicy } from "../common.ts";
import { aliyunDiskQuerySpec, type CreateAliyunDiskInput } from "./schema.ts";

/** Job type names of disk APIs. */
export const ALIYUN_DISK_JOBS = { create: "aliyun.disk.create", wait: "aliyun.disk.wait" } as const;

/** A disk as ECS DescribeDisks returns it. */
export interface AliyunRemoteDisk {
  DiskId: string;
  DiskName?: string;
  Description?: string;
  Type: "system" | "data";
  Category: string;
  /** GiB. */
  Size: number;
  Status: string;
  ZoneId: string;
  InstanceId?: string;
  Device?: string;
  DiskChargeType?: string;
}

interface CreateJobInput {
  dataCenterUuid: string;
  uuid: string;
  clientToken: string;
  zoneId: string;
  params: { name: string; sizeWithGB: number; diskCategory: string; description?: string };
}

/** ZStack AliyunDiskInventory. */
export function aliyunDiskInventory(d: AliyunDisk) {
  return {
    uuid: d.uuid, diskId: d.diskId, name: d.name, description: d.description, identityZoneUuid: d.identityZoneUuid,
    ecsInstanceUuid: d.ecsInstanceUuid, diskCategory: d.diskCategory, diskType: d.diskType as "system" | "data", diskChargeType: "PostPaid",
    status: d.status, sizeWithGB: d.sizeWithGB, deviceInfo: d.deviceInfo, dataCenterUuid: d.dataCenterUuid, accountUuid: d.accountUuid,
    createDate: d.createDate.toISOString(), lastOpDate: d.lastOpDate.toISOString(),
  };
}

/**
 * Alibaba cloud disks (ZStack AliyunDiskVO): create, attach, detach and delete on Alibaba,
 * local delete, query, update and sync. Calls that only start a change (AttachDisk, DetachDisk)
 * are made in the request, so a refusal such as IncorrectDiskStatus is a 409 at once; waiting
 * for the new status is a durable job. CreateDisk runs in a job with a stored ClientToken.
 */
export class AliyunDiskService {
  private readonly prisma: PrismaClient;
  /** How jobs wait for status moves; tests may shorten it. */
  wait: WaitPolicy = DEFAULT_WAIT;

  constructor(private readonly ctx: AliyunContext) {
    this.prisma = ctx.prisma;
    ctx.jobs.register<CreateJobInput>({
      name: ALIYUN_DISK_JOBS.create, resumable: true, retries: 3, backoffMs: 500,
      retryable: (err) => err instanceof ApiError && err.httpStatus === 503,
      perform: (i, jc) => this.performCreate(i, jc.caller),
    });
    ctx.jobs.register<{ uuid: string; wanted: string }>({
      name: ALIYUN_DISK_JOBS.wait, resumable: true, perform: (i) => this.performWait(i.uuid, i.wanted),
    });
  }

  /** The disk if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<AliyunDisk> {
    const d = await this.prisma.aliyunDisk.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!d) throw Errors.resourceNotFound("AliyunDisk", uuid);
    return d;
  }

  /** ZStack QueryAliyunDiskFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: aliyunDiskQuerySpec, delegate: this.prisma.aliyunDisk as never, caller, raw,
      scope: ownedBy(caller), toInventory: aliyunDiskInventory, csvName: "aliyun-disks",
    });
  }

  /**
   * Creates a data disk in an identity zone (CreateAliyunDiskFromRemote) as a job: CreateDisk
   * with a ClientToken fixed in the job input, then waits until Available.
   * @throws SYS.1003 unknown zone.
   */
  async create(caller: Caller, req: JobRequest, input: CreateAliyunDiskInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const zone = await this.prisma.identityZone.findFirst({ where: { uuid: p.identityUuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("IdentityZone", p.identityUuid);
    const job: CreateJobInput = {
      dataCenterUuid: zone.dataCenterUuid, uuid: p.resourceUuid ?? newUuid(), clientToken: randomUUID(), zoneId: zone.zoneId,
      params: { name: p.name, sizeWithGB: p.sizeWithGB, diskCategory: p.diskCategory, description: p.description },
    };
    return this.ctx.jobs.submit(caller, req, ALIYUN_DISK_JOBS.create, job);
  }

  private async performCreate(i: CreateJobInput, caller: Caller) {
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: i.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    const r = await remote(() => conn.rpc.call<{ DiskId: string }>("Ecs", dc.regionId, "CreateDisk", {
      ZoneId: i.zoneId, Size: i.params.sizeWithGB, DiskCategory: i.params.diskCategory, DiskName: i.params.name, Description: i.params.description,
    }, { clientToken: i.clientToken }));
    const seen = await remote(() => this.describe(conn, dc.regionId, [r.DiskId]));
    const refs = await this.localRefs(dc);
    if (seen[0]) await this.record(dc, caller.accountUuid, seen[0], i.uuid, refs);
    return this.performWait(i.uuid, "Available", r.DiskId);
  }

  /** Attaches a disk to an instance (AttachAliyunDiskToEcs → AttachDisk), then waits for In_use. */
  async attach(caller: Caller, req: JobRequest, uuid: string, p: { ecsUuid: string; deleteWithInstance: boolean }): Promise<ApiReply> {
    const disk = await this.get(caller, uuid);
    const ecs = await this.prisma.ecsInstance.findFirst({ where: { uuid: p.ecsUuid, ...ownedBy(caller) } });
    if (!ecs) throw Errors.resourceNotFound("EcsInstance", p.ecsUuid);
    if (ecs.dataCenterUuid !== disk.dataCenterUuid) throw Errors.invalidArgument("The disk and the instance must be in the same data center", `${disk.dataCenterUuid} / ${ecs.dataCenterUuid}`);
    const { dc, conn } = await this.connect(disk);
    await remote(() => conn.rpc.call("Ecs", dc.regionId, "AttachDisk", { DiskId: disk.diskId, InstanceId: ecs.ecsInstanceId, DeleteWithInstance: String(p.deleteWithInstance) }));
    await this.prisma.aliyunDisk.update({ where: { uuid }, data: { status: "Attaching", ecsInstanceUuid: ecs.uuid } });
    return this.ctx.jobs.submit(caller, req, ALIYUN_DISK_JOBS.wait, { uuid, wanted: "In_use" });
  }

  /** Detaches a data disk (DetachAliyunDiskFromEcs → DetachDisk), then waits for Available. */
  async detach(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    const disk = await this.get(caller, uuid);
    const ecs = disk.ecsInstanceUuid ? await this.prisma.ecsInstance.findUnique({ where: { uuid: disk.ecsInstanceUuid } }) : null;
    if (!ecs) throw Errors.operationNotAllowed("Detaching this disk", "it is not attached to an instance Strata knows; sync first");
    const { dc, conn } = await this.connect(disk);
    await remote(() => conn.rpc.call("Ecs", dc.regionId, "DetachDisk", { DiskId: disk.diskId, InstanceId: ecs.ecsInstanceId }));
    await this.prisma.aliyunDisk.update({ where: { uuid }, data: { status: "Detaching" } });
    return this.ctx.jobs.submit(caller, req, ALIYUN_DISK_JOBS.wait, { uuid, wanted: "Available" });
  }

  /** Deletes the disk on Alibaba (DeleteDisk; Available disks only, else ALIYUN.IncorrectDiskStatus 409), then its record. */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const disk = await this.get(caller, uuid);
    const { dc, conn } = await this.connect(disk);
    try {
      await remote(() => conn.rpc.call("Ecs", dc.regionId, "DeleteDisk", { DiskId: disk.diskId }));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "ALIYUN.InvalidDiskId.NotFound")) throw err;
    }
    await this.forget(disk);
  }

  /** Deletes the record only (DeleteAliyunDiskFromLocal). */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    await this.forget(await this.get(caller, uuid));
  }

  /** ZStack UpdateAliyunDisk → ModifyDiskAttribute (name, description, deleteWithInstance). */
  async update(caller: Caller, uuid: string, p: { name?: string; description?: string; deleteWithInstance?: boolean }) {
    const disk = await this.get(caller, uuid);
    const { dc, conn } = await this.connect(disk);
    await remote(() => conn.rpc.call("Ecs", dc.regionId, "ModifyDiskAttribute", {
      DiskId: disk.diskId, DiskName: p.name, Description: p.description,
      DeleteWithInstance: p.deleteWithInstance === undefined ? undefined : String(p.deleteWithInstance),
    }));
    const data = { ...(p.name !== undefined ? { name: p.name } : {}), ...(p.description !== undefined ? { description: p.description } : {}) };
    return aliyunDiskInventory(await this.prisma.aliyunDisk.update({ where: { uuid }, data }));
  }

  /** SyncDiskFromAliyunFromRemote: `{identityUuid}` names a zone; the disks of its whole data center are synced. */
  async submitSync(caller: Caller, req: JobRequest, identityUuid: string): Promise<ApiReply> {
    const zone = await this.prisma.identityZone.findFirst({ where: { uuid: identityUuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("IdentityZone", identityUuid);
    return this.ctx.sync.submit(caller, req, await dataCenterFor(this.prisma, caller, zone.dataCenterUuid), ["AliyunDisk"]);
  }

  /** Sync step "AliyunDisk": system and data disks of the region, linked to their instances. */
  async syncDisks(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const disks = await conn.rpc.describeAll<AliyunRemoteDisk>("Ecs", dc.regionId, "DescribeDisks", ["Disks", "Disk"]);
    const refs = await this.localRefs(dc);
    const local = await this.prisma.aliyunDisk.findMany({ where: { dataCenterUuid: dc.uuid } });
    return reconcile({
      remote: disks, remoteId: (d) => d.DiskId, local, localId: (l) => l.diskId,
      create: async (d) => void await this.record(dc, dc.accountUuid, d, newUuid(), refs),
      // Thousands of disks on a first sync: bulk INSERT ... ON CONFLICT DO NOTHING, one transaction per batch.
      createMany: (ds) => this.ctx.events.transaction(this.prisma, async (tx, _emit, emitMany) => {
        const rows = await tx.aliyunDisk.createManyAndReturn({
          data: ds.map((d) => ({ uuid: newUuid(), dataCenterUuid: dc.uuid, diskId: d.DiskId, accountUuid: dc.accountUuid, ...diskColumns(d, refs) })),
          skipDuplicates: true,
        });
        await emitMany(rows.map((r) => ({ type: "ResourceCreated" as const, resourceUuid: r.uuid, resourceType: "AliyunDisk", newState: r.status, accountUuid: r.accountUuid })));
      }),
      changes: (l, d) => changedFields(l, diskColumns(d, refs)),
      update: (l, data) => this.ctx.events.transaction(this.prisma, async (tx, emit) => {
        await tx.aliyunDisk.update({ where: { uuid: l.uuid }, data });
        if (data.status !== undefined) {
          await emit({ type: "ResourceStatusChanged", resourceUuid: l.uuid, resourceType: "AliyunDisk", oldState: l.status, newState: String(data.status), accountUuid: l.accountUuid });
        }
      }),
      remove: (l) => this.forget(l),
    });
  }

  private async performWait(uuid: string, wanted: string, diskId?: string) {
    const disk = await this.prisma.aliyunDisk.findUnique({ where: { uuid } });
    if (!disk) throw Errors.resourceNotFound("AliyunDisk", uuid);
    const { dc, conn } = await this.connect(disk);
    const refs = await this.localRefs(dc);
    const id = diskId ?? disk.diskId;
    await waitUntil(
      async () => (await remote(() => this.describe(conn, dc.regionId, [id])))[0],
      (d) => !d || d.Status === wanted,
      (d) => ({ what: "disk", id, wanted, seen: d?.Status ?? "gone" }),
      this.wait,
      async (d) => {
        if (!d) return;
        const data = changedFields(await this.prisma.aliyunDisk.findUniqueOrThrow({ where: { uuid } }), diskColumns(d, refs));
        if (Object.keys(data).length) await this.prisma.aliyunDisk.update({ where: { uuid }, data });
      },
    );
    return { inventory: aliyunDiskInventory(await this.prisma.aliyunDisk.findUniqueOrThrow({ where: { uuid } })) };
  }

  private async describe(conn: AliyunConnection, regionId: string, ids: string[]): Promise<AliyunRemoteDisk[]> {
    const r = await conn.rpc.call<{ Disks?: { Disk?: AliyunRemoteDisk[] } }>("Ecs", regionId, "DescribeDisks", { DiskIds: JSON.stringify(ids), PageSize: 100 });
    return r.Disks?.Disk ?? [];
  }

  private async record(dc: DataCenter, accountUuid: string, d: AliyunRemoteDisk, uuid: string, refs: DiskRefs): Promise<void> {
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      const row = await tx.aliyunDisk.upsert({
        where: { dataCenterUuid_diskId: { dataCenterUuid: dc.uuid, diskId: d.DiskId } },
        create: { uuid, dataCenterUuid: dc.uuid, diskId: d.DiskId, accountUuid, ...diskColumns(d, refs) },
        update: {},
      });
      if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "AliyunDisk", newState: d.Status, accountUuid });
    });
  }

  private async forget(disk: AliyunDisk): Promise<void> {
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      await tx.aliyunDisk.deleteMany({ where: { uuid: disk.uuid } });
      await this.ctx.tags.detachAll(tx, disk.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: disk.uuid, resourceType: "AliyunDisk", oldState: disk.status, accountUuid: disk.accountUuid });
    });
  }

  private async connect(disk: AliyunDisk) {
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: disk.dataCenterUuid } });
    return { dc, conn: await this.ctx.remote.forDataCenter(dc) };
  }

  private async localRefs(dc: DataCenter): Promise<DiskRefs> {
    const [instances, zones] = await Promise.all([
      this.prisma.ecsInstance.findMany({ where: { dataCenterUuid: dc.uuid }, select: { uuid: true, ecsInstanceId: true } }),
      this.prisma.identityZone.findMany({ where: { dataCenterUuid: dc.uuid }, select: { uuid: true, zoneId: true } }),
    ]);
    return { instances: new Map(instances.map((i) => [i.ecsInstanceId, i.uuid])), zones: new Map(zones.map((z) => [z.zoneId, z.uuid])) };
  }
}

interface DiskRefs {
  instances: Map<string, string>;
  zones: Map<string, string>;
}

/** The AliyunDisk columns Alibaba's view determines (sizeWithGB in GiB). */
function diskColumns(d: AliyunRemoteDisk, refs: DiskRefs) {
  return {
    name: d.DiskName || d.DiskId, description: d.Description || null, diskType: d.Type, diskCategory: d.Category, sizeWithGB: d.Size,
    status: d.Status, identityZoneUuid: refs.zones.get(d.ZoneId) ?? null,
    ecsInstanceUuid: d.InstanceId ? refs.instances.get(d.InstanceId) ?? null : null, deviceInfo: d.Device || null,
  };
}
