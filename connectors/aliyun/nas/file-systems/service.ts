import { randomUUID } from "node:crypto";
import type { AliyunNasFileSystem, DataCenter, Prisma, PrismaClient } from "../../../../generated/prisma/client.ts";
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
import { deleteRemote, HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { dryRunOn } from "../dry-run.ts";
import type { MountTargetService } from "../mount-targets/service.ts";
import { describeFileSystems, waitFileSystem, type AliyunFileSystem } from "../wire.ts";
import { nasFileSystemQuerySpec, type CreateNasFileSystemInput } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** Job type of CreateAliyunNasFileSystem (resumable: its ClientToken makes a rerun find the file system the first run made). */
export const CREATE_NAS_FS_JOB = "aliyun.nas.file-system.create";

/** Alibaba's answer when a file system is gone. */
export const FS_NOT_FOUND = /^InvalidFileSystem\.NotFound$/;

/** ZStack NasFileSystemInventory + AliyunNasFileSystemInventory. */
export function nasFileSystemInventory(f: AliyunNasFileSystem) {
  return {
    uuid: f.uuid, fileSystemId: f.fileSystemId, dataCenterUuid: f.dataCenterUuid, name: f.name, description: f.description, protocol: f.protocol,
    storageType: f.storageType, type: "AliyunNAS" as const, status: f.status, zoneId: f.zoneId,
    capacity: f.capacity === null ? null : Number(f.capacity), meteredSize: f.meteredSize === null ? null : Number(f.meteredSize),
    accountUuid: f.accountUuid, createDate: f.createDate.toISOString(), lastOpDate: f.lastOpDate.toISOString(),
  };
}

const fsFields = (f: AliyunFileSystem) => ({
  status: f.Status, protocol: f.ProtocolType, storageType: f.StorageType, zoneId: f.ZoneId || null,
  capacity: f.Capacity === undefined ? null : BigInt(f.Capacity), meteredSize: f.MeteredSize === undefined ? null : BigInt(f.MeteredSize),
});

interface CreateJobInput {
  uuid: string;
  dataCenterUuid: string;
  name: string;
  description?: string;
  storageType: string;
  protocol: string;
  clientToken: string;
  systemTags?: string[];
  userTags?: string[];
}

/**
 * Alibaba NAS file systems (ZStack CreateAliyunNasFileSystem, AddAliyunNasFileSystem,
 * UpdateNasFileSystem, DeleteNasFileSystem, QueryNasFileSystem, GetAliyunNasFileSystemRemote;
 * Strata adds DeleteAliyunNasFileSystemRemote). Strata records the file systems it made or was
 * told to take over; a sync refreshes those (status, capacity, use) and drops vanished ones,
 * but does not take over others on its own.
 */
export class NasFileSystemService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly dataCenters: DataCenterService,
    private readonly mountTargets: MountTargetService,
  ) {
    jobs.register<CreateJobInput>({ name: CREATE_NAS_FS_JOB, resumable: true, perform: (i) => this.performCreate(i) });
  }

  /** The file system if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<AliyunNasFileSystem> {
    const f = await this.prisma.aliyunNasFileSystem.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!f) throw Errors.resourceNotFound("AliyunNasFileSystem", uuid);
    return f;
  }

  /** ZStack QueryNasFileSystem. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: nasFileSystemQuerySpec, delegate: this.prisma.aliyunNasFileSystem as never, caller, raw,
      scope: ownedBy(caller), toInventory: nasFileSystemInventory, csvName: "nas-file-systems",
    });
  }

  /**
   * CreateAliyunNasFileSystem: a DryRun of NAS CreateFileSystem (so refusals answer at once),
   * then a job that creates it, waits until it is Running and records it; result `{inventory}`.
   * @throws SYS.1003 unknown data center, HYBRID.NO_KEY, ALIYUN.* from the dry run.
   */
  async create(caller: Caller, req: JobRequest, input: CreateNasFileSystemInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    await dryRunOn(conn, "Nas", dc.regionId, "CreateFileSystem", { ProtocolType: p.protocol, StorageType: p.storageType, Description: p.description });
    return this.jobs.submit(caller, req, CREATE_NAS_FS_JOB, {
      uuid: p.resourceUuid ?? newUuid(), dataCenterUuid: dc.uuid, name: p.name, description: p.description, storageType: p.storageType,
      protocol: p.protocol, clientToken: randomUUID(), systemTags: input.systemTags, userTags: input.userTags,
    } satisfies CreateJobInput);
  }

  private async performCreate(i: CreateJobInput) {
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: i.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const { FileSystemId } = await remote(() => conn.rpc.call<{ FileSystemId: string }>("Nas", dc.regionId, "CreateFileSystem",
      { ProtocolType: i.protocol, StorageType: i.storageType, Description: i.description }, { clientToken: i.clientToken }));
    const { value, ready } = await remote(() => waitFileSystem(conn, dc.regionId, FileSystemId));
    const fs = value ?? { FileSystemId, Status: "Pending", ProtocolType: i.protocol, StorageType: i.storageType, Description: i.description };
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await this.upsert(tx, emit, dc, fs, i.name, i.uuid);
      if (r.uuid === i.uuid) await this.tags.attachOnCreate(tx, { uuid: r.uuid, resourceType: "AliyunNasFileSystem", accountUuid: dc.accountUuid }, i.systemTags, i.userTags);
      return r;
    });
    if (!ready) throw HybridErrors.remoteNotReady("NAS file system", FileSystemId, fs.Status);
    return { inventory: nasFileSystemInventory(row) };
  }

  /** Records (or refreshes) a file system inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Tx, emit: Emit, dc: DataCenter, f: AliyunFileSystem, name: string, uuid = newUuid()): Promise<AliyunNasFileSystem> {
    const row = await tx.aliyunNasFileSystem.upsert({
      where: { dataCenterUuid_fileSystemId: { dataCenterUuid: dc.uuid, fileSystemId: f.FileSystemId } },
      create: { uuid, dataCenterUuid: dc.uuid, fileSystemId: f.FileSystemId, name, description: f.Description || null, accountUuid: dc.accountUuid, ...fsFields(f) },
      update: fsFields(f),
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "AliyunNasFileSystem", accountUuid: dc.accountUuid });
    return row;
  }

  /**
   * AddAliyunNasFileSystem: takes over a file system that exists on Alibaba (DescribeFileSystems),
   * with its mount targets.
   * @throws SYS.1003 unknown data center, HYBRID.REMOTE_NOT_FOUND no such file system, ALIYUN.*.
   */
  async add(caller: Caller, p: { fileSystemId: string; name: string; dataCenterUuid: string; resourceUuid?: string; systemTags?: string[]; userTags?: string[] }) {
    TagService.validate(p.systemTags, p.userTags);
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    const [fs] = await remote(() => describeFileSystems(conn, dc.regionId, p.fileSystemId));
    if (!fs) throw HybridErrors.remoteNotFound("NAS file system", p.fileSystemId);
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await this.upsert(tx, emit, dc, fs, p.name, uuid);
      if (r.uuid === uuid) await this.tags.attachOnCreate(tx, { uuid, resourceType: "AliyunNasFileSystem", accountUuid: dc.accountUuid }, p.systemTags, p.userTags);
      for (const m of fs.MountTargets?.MountTarget ?? []) await this.mountTargets.upsert(tx, emit, dc, r, m);
      return r;
    });
    return nasFileSystemInventory(row);
  }

  /** UpdateNasFileSystem: the name locally; a description also on Alibaba (ModifyFileSystem). @throws SYS.1003, ALIYUN.*. */
  async update(caller: Caller, uuid: string, input: { name?: string; description?: string }) {
    const f = await this.get(caller, uuid);
    if (input.description !== undefined) {
      const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: f.dataCenterUuid } });
      const conn = await this.aliyun.forDataCenter(dc);
      await remote(() => conn.rpc.call("Nas", dc.regionId, "ModifyFileSystem", { FileSystemId: f.fileSystemId, Description: input.description }));
    }
    return nasFileSystemInventory(await this.prisma.aliyunNasFileSystem.update({ where: { uuid }, data: input }));
  }

  /** Refuses (SYS.1004) while an AliyunNAS primary storage is made from the file system. */
  private async refuseWhileUsed(f: AliyunNasFileSystem): Promise<void> {
    const used = await this.prisma.aliyunNasPrimaryStorage.findMany({ where: { nasFileSystemUuid: f.uuid } });
    if (used.length) throw Errors.deleteRefused("AliyunNAS primary storage is made from this file system; delete it first", used.map((u) => u.primaryStorageUuid).join(", "));
  }

  /** DeleteNasFileSystem: Strata's record (and its mount target records) only. @throws SYS.1003, SYS.1004. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const f = await this.get(caller, uuid);
    await this.refuseWhileUsed(f);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, f));
  }

  /**
   * DeleteAliyunNasFileSystemRemote (Strata): NAS DeleteFileSystem, then the record. Alibaba
   * refuses while mount targets remain (ALIYUN.OperationDenied.HasMountTargets, 409).
   * @throws SYS.1003, SYS.1004, ALIYUN.*.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const f = await this.get(caller, uuid);
    await this.refuseWhileUsed(f);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: f.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await deleteRemote(() => conn.rpc.call("Nas", dc.regionId, "DeleteFileSystem", { FileSystemId: f.fileSystemId }), FS_NOT_FOUND);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, f));
  }

  private async removeRow(tx: Tx, emit: Emit, f: AliyunNasFileSystem): Promise<void> {
    for (const m of await tx.aliyunNasMountTarget.findMany({ where: { nasFileSystemUuid: f.uuid } })) await this.mountTargets.removeRow(tx, emit, m);
    await tx.aliyunNasFileSystem.deleteMany({ where: { uuid: f.uuid } });
    await this.tags.detachAll(tx, f.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: f.uuid, resourceType: "AliyunNasFileSystem", accountUuid: f.accountUuid });
  }

  /** GetAliyunNasFileSystemRemote: what Alibaba has, nothing stored. @throws SYS.1003, ALIYUN.*. */
  async listRemote(caller: Caller, dataCenterUuid: string, fileSystemId?: string) {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    return (await remote(() => describeFileSystems(conn, dc.regionId, fileSystemId))).map((f) => ({
      fileSystemId: f.FileSystemId, description: f.Description || null, status: f.Status, protocol: f.ProtocolType, storageType: f.StorageType,
      zoneId: f.ZoneId || null, capacity: f.Capacity ?? null, meteredSize: f.MeteredSize ?? null,
      mountTargetDomains: (f.MountTargets?.MountTarget ?? []).map((m) => m.MountTargetDomain),
    }));
  }

  /**
   * Sync step "AliyunNasFileSystem": recorded file systems get Alibaba's status, capacity and
   * use, and their mount targets refreshed; ones Alibaba no longer has go (unless a primary
   * storage is made from them: then they stay, marked by Alibaba's absence in the logs).
   */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const local = await this.prisma.aliyunNasFileSystem.findMany({ where: { dataCenterUuid: dc.uuid } });
    if (!local.length) return { created: 0, updated: 0, deleted: 0 };
    const known = new Set(local.map((l) => l.fileSystemId));
    const remoteRows = (await describeFileSystems(conn, dc.regionId)).filter((f) => known.has(f.FileSystemId));
    const result = await reconcile({
      remote: remoteRows, remoteId: (f) => f.FileSystemId, local, localId: (l) => l.fileSystemId,
      create: async () => undefined,
      changes: (l, f) => changedFields(l, fsFields(f)),
      update: async (l, data) => void await this.prisma.aliyunNasFileSystem.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => {
        if (await this.prisma.aliyunNasPrimaryStorage.count({ where: { nasFileSystemUuid: l.uuid } })) return;
        await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, l));
      },
    });
    for (const f of remoteRows) {
      const row = local.find((l) => l.fileSystemId === f.FileSystemId)!;
      await this.mountTargets.syncFileSystem(dc, row, f.MountTargets?.MountTarget ?? []);
    }
    return result;
  }
}
