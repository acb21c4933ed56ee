import type { AliyunNasFileSystem, AliyunNasMountTarget, DataCenter, Prisma, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus, NewEvent } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { deleteRemote, HybridErrors, remote } from "../../errors.ts";
import type { AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile } from "../../sync/reconcile.ts";
import { dryRunOn } from "../dry-run.ts";
import { describeMountTargets, waitMountTarget, type AliyunMountTarget } from "../wire.ts";
import type { CreateNasMountTargetInput } from "./schema.ts";
import { nasMountTargetQuerySpec } from "./schema.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/** Job type of CreateAliyunNasMountTarget. */
export const CREATE_MOUNT_TARGET_JOB = "aliyun.nas.mount-target.create";

/** ZStack NasMountTargetInventory + AliyunNasMountTargetInventory. */
export function nasMountTargetInventory(m: AliyunNasMountTarget) {
  return {
    uuid: m.uuid, name: m.name, description: m.description, mountDomain: m.mountDomain, nasFileSystemUuid: m.nasFileSystemUuid,
    accessGroupUuid: m.accessGroupUuid, vSwitchUuid: m.vSwitchUuid, status: m.status, type: "AliyunNAS" as const, accountUuid: m.accountUuid,
    createDate: m.createDate.toISOString(), lastOpDate: m.lastOpDate.toISOString(),
  };
}

interface CreateJobInput {
  uuid: string;
  fileSystemUuid: string;
  accessGroupUuid: string;
  vSwitchUuid: string;
  name: string;
  description?: string;
  systemTags?: string[];
  userTags?: string[];
}

/**
 * NAS mount targets (ZStack CreateAliyunNasMountTarget, AddAliyunNasMountTarget,
 * DeleteNasMountTarget, QueryNasMountTarget): the NFS endpoint of a file system inside a VPC,
 * admitted by an access group.
 */
export class MountTargetService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
  ) {
    // CreateMountTarget takes no ClientToken, so a rerun after a restart could make a second
    // mount target: an interrupted job fails instead, and AddAliyunNasMountTarget (or the
    // file system's sync) records what the first run made.
    jobs.register<CreateJobInput>({ name: CREATE_MOUNT_TARGET_JOB, resumable: false, perform: (i) => this.performCreate(i) });
  }

  /** The mount target if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<AliyunNasMountTarget> {
    const m = await this.prisma.aliyunNasMountTarget.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!m) throw Errors.resourceNotFound("AliyunNasMountTarget", uuid);
    return m;
  }

  /** ZStack QueryNasMountTarget. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: nasMountTargetQuerySpec, delegate: this.prisma.aliyunNasMountTarget as never, caller, raw,
      scope: ownedBy(caller), toInventory: nasMountTargetInventory, csvName: "nas-mount-targets",
    });
  }

  /**
   * CreateAliyunNasMountTarget: checks with a DryRun of NAS CreateMountTarget (file system not
   * Running, a Classic group, a VSwitch outside the VPC answer at once), then a job creates it,
   * waits until it is Active and records it; result `{inventory}`.
   * @throws SYS.1003 unknown file system, access group or VSwitch, SYS.1007 different data centers, ALIYUN.*.
   */
  async create(caller: Caller, req: JobRequest, input: CreateNasMountTargetInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const fs = await this.prisma.aliyunNasFileSystem.findFirst({ where: { uuid: p.nasFSUuid, ...ownedBy(caller) } });
    if (!fs) throw Errors.resourceNotFound("AliyunNasFileSystem", p.nasFSUuid);
    const group = await this.prisma.aliyunNasAccessGroup.findFirst({ where: { uuid: p.nasAccessGroupUuid, ...ownedBy(caller) } });
    if (!group) throw Errors.resourceNotFound("AliyunNasAccessGroup", p.nasAccessGroupUuid);
    const vsw = await this.prisma.ecsVSwitch.findFirst({ where: { uuid: p.vSwitchUuid, ...ownedBy(caller) } });
    if (!vsw) throw Errors.resourceNotFound("EcsVSwitch", p.vSwitchUuid);
    if (group.dataCenterUuid !== fs.dataCenterUuid || vsw.dataCenterUuid !== fs.dataCenterUuid) {
      throw Errors.invalidArgument("The file system, access group and VSwitch must be in one data center");
    }
    const vpc = await this.prisma.ecsVpc.findUniqueOrThrow({ where: { uuid: vsw.ecsVpcUuid } });
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: fs.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await dryRunOn(conn, "Nas", dc.regionId, "CreateMountTarget",
      { FileSystemId: fs.fileSystemId, AccessGroupName: group.name, NetworkType: "Vpc", VpcId: vpc.ecsVpcId, VSwitchId: vsw.vSwitchId });
    return this.jobs.submit(caller, req, CREATE_MOUNT_TARGET_JOB, {
      uuid: p.resourceUuid ?? newUuid(), fileSystemUuid: fs.uuid, accessGroupUuid: group.uuid, vSwitchUuid: vsw.uuid, name: p.name,
      description: p.description, systemTags: input.systemTags, userTags: input.userTags,
    } satisfies CreateJobInput);
  }

  private async performCreate(i: CreateJobInput) {
    const fs = await this.prisma.aliyunNasFileSystem.findUniqueOrThrow({ where: { uuid: i.fileSystemUuid } });
    const group = await this.prisma.aliyunNasAccessGroup.findUniqueOrThrow({ where: { uuid: i.accessGroupUuid } });
    const vsw = await this.prisma.ecsVSwitch.findUniqueOrThrow({ where: { uuid: i.vSwitchUuid } });
    const vpc = await this.prisma.ecsVpc.findUniqueOrThrow({ where: { uuid: vsw.ecsVpcUuid } });
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: fs.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const { MountTargetDomain } = await remote(() => conn.rpc.call<{ MountTargetDomain: string }>("Nas", dc.regionId, "CreateMountTarget",
      { FileSystemId: fs.fileSystemId, AccessGroupName: group.name, NetworkType: "Vpc", VpcId: vpc.ecsVpcId, VSwitchId: vsw.vSwitchId }));
    const { value, ready } = await remote(() => waitMountTarget(conn, dc.regionId, fs.fileSystemId, MountTargetDomain));
    const seen = value ?? { MountTargetDomain, Status: "Pending", AccessGroup: group.name, VswId: vsw.vSwitchId, VpcId: vpc.ecsVpcId };
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await this.upsert(tx, emit, dc, fs, seen, { uuid: i.uuid, name: i.name, description: i.description });
      if (r.uuid === i.uuid) await this.tags.attachOnCreate(tx, { uuid: r.uuid, resourceType: "AliyunNasMountTarget", accountUuid: dc.accountUuid }, i.systemTags, i.userTags);
      return r;
    });
    if (!ready) throw HybridErrors.remoteNotReady("NAS mount target", MountTargetDomain, seen.Status);
    return { inventory: nasMountTargetInventory(row) };
  }

  /** The columns of a mount target as Alibaba reports it, linked to the records Strata has. */
  private async fields(tx: Tx, dc: DataCenter, m: AliyunMountTarget) {
    const groupName = m.AccessGroup ?? m.AccessGroupName;
    const group = groupName ? await tx.aliyunNasAccessGroup.findUnique({ where: { dataCenterUuid_name: { dataCenterUuid: dc.uuid, name: groupName } } }) : null;
    const vsw = m.VswId ? await tx.ecsVSwitch.findUnique({ where: { dataCenterUuid_vSwitchId: { dataCenterUuid: dc.uuid, vSwitchId: m.VswId } } }) : null;
    return { status: m.Status, accessGroupUuid: group?.uuid ?? null, vSwitchUuid: vsw?.uuid ?? null };
  }

  /** Records (or refreshes) a mount target of `fs` inside `tx`; emits ResourceCreated for a new row. */
  async upsert(tx: Tx, emit: Emit, dc: DataCenter, fs: AliyunNasFileSystem, m: AliyunMountTarget,
    made: { uuid?: string; name?: string; description?: string } = {}): Promise<AliyunNasMountTarget> {
    const uuid = made.uuid ?? newUuid();
    const fields = await this.fields(tx, dc, m);
    const row = await tx.aliyunNasMountTarget.upsert({
      where: { mountDomain: m.MountTargetDomain },
      create: {
        uuid, nasFileSystemUuid: fs.uuid, mountDomain: m.MountTargetDomain, name: made.name ?? m.MountTargetDomain, description: made.description ?? null,
        accountUuid: fs.accountUuid, ...fields,
      },
      update: fields,
    });
    if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "AliyunNasMountTarget", accountUuid: fs.accountUuid });
    return row;
  }

  /** AddAliyunNasMountTarget: records a mount target that exists on Alibaba. @throws SYS.1003, HYBRID.REMOTE_NOT_FOUND, ALIYUN.*. */
  async add(caller: Caller, p: { nasFSUuid: string; name: string; mountDomain: string; resourceUuid?: string }) {
    const fs = await this.prisma.aliyunNasFileSystem.findFirst({ where: { uuid: p.nasFSUuid, ...ownedBy(caller) } });
    if (!fs) throw Errors.resourceNotFound("AliyunNasFileSystem", p.nasFSUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: fs.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const [m] = await remote(() => describeMountTargets(conn, dc.regionId, fs.fileSystemId, p.mountDomain));
    if (!m) throw HybridErrors.remoteNotFound("NAS mount target", p.mountDomain);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await this.upsert(tx, emit, dc, fs, m, { uuid: p.resourceUuid, name: p.name });
      return r.name === p.name ? r : tx.aliyunNasMountTarget.update({ where: { uuid: r.uuid }, data: { name: p.name } });
    });
    return nasMountTargetInventory(row);
  }

  /** UpdateNasMountTarget: Strata's name and description (Alibaba keeps neither). @throws SYS.1003. */
  async update(caller: Caller, uuid: string, input: { name?: string; description?: string }) {
    await this.get(caller, uuid);
    return nasMountTargetInventory(await this.prisma.aliyunNasMountTarget.update({ where: { uuid }, data: input }));
  }

  /** GetAliyunNasMountTargetRemote: the file system's mount targets as Alibaba lists them; nothing stored. @throws SYS.1003, ALIYUN.*. */
  async listRemote(caller: Caller, nasFSUuid: string, mountDomain?: string) {
    const fs = await this.prisma.aliyunNasFileSystem.findFirst({ where: { uuid: nasFSUuid, ...ownedBy(caller) } });
    if (!fs) throw Errors.resourceNotFound("AliyunNasFileSystem", nasFSUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: fs.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    return (await remote(() => describeMountTargets(conn, dc.regionId, fs.fileSystemId, mountDomain))).map((m) => ({
      mountDomain: m.MountTargetDomain, vpcId: m.VpcId || null, vSwitchId: m.VswId || null, accessGroupName: m.AccessGroup ?? m.AccessGroupName ?? null, status: m.Status,
    }));
  }

  /**
   * DeleteNasMountTarget: NAS DeleteMountTarget, then the record.
   * @throws SYS.1003, SYS.1004 while an AliyunNAS primary storage mounts it, ALIYUN.*.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const m = await this.get(caller, uuid);
    const used = await this.prisma.aliyunNasPrimaryStorage.findMany({ where: { mountTargetUuid: uuid } });
    if (used.length) throw Errors.deleteRefused("AliyunNAS primary storage mounts this target; delete it first", used.map((u) => u.primaryStorageUuid).join(", "));
    const fs = await this.prisma.aliyunNasFileSystem.findUniqueOrThrow({ where: { uuid: m.nasFileSystemUuid } });
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: fs.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    await deleteRemote(() => conn.rpc.call("Nas", dc.regionId, "DeleteMountTarget", { FileSystemId: fs.fileSystemId, MountTargetDomain: m.mountDomain }),
      /^InvalidMountTarget\.NotFound$/);
    await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, m));
  }

  /** Removes the record. Call inside `events.transaction`. */
  async removeRow(tx: Tx, emit: Emit, m: AliyunNasMountTarget): Promise<void> {
    await tx.aliyunNasMountTarget.deleteMany({ where: { uuid: m.uuid } });
    await this.tags.detachAll(tx, m.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: m.uuid, resourceType: "AliyunNasMountTarget", accountUuid: m.accountUuid });
  }

  /** Brings one recorded file system's mount target records in line with what Alibaba lists (part of the NAS sync). */
  async syncFileSystem(dc: DataCenter, fs: AliyunNasFileSystem, remoteRows: AliyunMountTarget[]): Promise<void> {
    await reconcile({
      remote: remoteRows, remoteId: (m) => m.MountTargetDomain,
      local: await this.prisma.aliyunNasMountTarget.findMany({ where: { nasFileSystemUuid: fs.uuid } }), localId: (l) => l.mountDomain,
      create: async (m) => void await this.events.transaction(this.prisma, (tx, emit) => this.upsert(tx, emit, dc, fs, m)),
      changes: (l, m) => changedFields(l, { status: m.Status }),
      update: async (l, data) => void await this.prisma.aliyunNasMountTarget.update({ where: { uuid: l.uuid }, data }),
      remove: async (l) => {
        if (await this.prisma.aliyunNasPrimaryStorage.count({ where: { mountTargetUuid: l.uuid } })) return;
        await this.events.transaction(this.prisma, (tx, emit) => this.removeRow(tx, emit, l));
      },
    });
  }
}
