import type { DataCenter, EcsInstance, Prisma, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../../server/db/errors.ts";
import { ApiError, Errors } from "../../../../server/errors/catalogue.ts";
import { newUuid } from "../../../../server/ids.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import { queryReply } from "../../../../server/query/run.ts";
import type { VmWithParts } from "../../../../server/vm-instances/service.ts";
import type { AliyunContext } from "../../context.ts";
import { remote } from "../../errors.ts";
import type { AliyunConnection } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { dataCenterFor, DEFAULT_WAIT, GiB, waitUntil, type WaitPolicy } from "../common.ts";
import { ecsColumns, vmColumns, type AliyunInstance, type AliyunSystemDisk, type LocalRefs } from "./mapping.ts";
import { ecsInstanceQuerySpec, type UpdateEcsInstanceInput } from "./schema.ts";

/** Job type names of ECS instance APIs. */
export const ECS_INSTANCE_JOBS = { create: "aliyun.ecs.create", wait: "aliyun.ecs.wait" } as const;

/** What a lifecycle action asks of Alibaba and the status it waits for. */
const ACTIONS = {
  start: { call: "StartInstance", wanted: "Running", transient: "Starting" },
  stop: { call: "StopInstance", wanted: "Stopped", transient: "Stopping" },
  reboot: { call: "RebootInstance", wanted: "Running", transient: "Rebooting" },
} as const;
/** A lifecycle action of the hybrid actions endpoint. */
export type EcsAction = keyof typeof ACTIONS;

/** ZStack EcsInstanceInventory (units: memorySize bytes, ecsRootVolumeSize GiB, ecsBandWidth Mbit/s). */
export function ecsInstanceInventory(e: EcsInstance) {
  return {
    uuid: e.uuid, localVmInstanceUuid: e.uuid, ecsInstanceId: e.ecsInstanceId, name: e.name, description: e.description,
    ecsStatus: e.ecsStatus, cpuCores: e.cpuCores, memorySize: Number(e.memorySize), ecsInstanceType: e.ecsInstanceType,
    ecsBandWidth: e.ecsBandWidth, ecsRootVolumeId: e.ecsRootVolumeId, ecsRootVolumeCategory: e.ecsRootVolumeCategory,
    ecsRootVolumeSize: e.ecsRootVolumeSize === null ? null : Number(e.ecsRootVolumeSize), privateIpAddress: e.privateIpAddress,
    publicIpAddress: e.publicIpAddress, ecsVpcUuid: e.ecsVpcUuid, ecsVSwitchUuid: e.ecsVSwitchUuid, ecsImageUuid: e.ecsImageUuid,
    ecsSecurityGroupUuid: e.ecsSecurityGroupUuid, identityZoneUuid: e.identityZoneUuid, dataCenterUuid: e.dataCenterUuid,
    regionId: e.regionId, zoneId: e.zoneId, chargeType: e.chargeType, internetChargeType: e.internetChargeType,
    expireDate: e.expireDate?.toISOString() ?? null, accountUuid: e.accountUuid,
    createDate: e.createDate.toISOString(), lastOpDate: e.lastOpDate.toISOString(),
  };
}

/**
 * ECS instances (ZStack EcsInstanceVO): each is also a VmInstance row (provider Aliyun, same
 * uuid), so `GET /v1/vm-instances` lists it and `PUT /v1/vm-instances/{uuid}/actions` reaches it
 * through {@link VmProviderActions}. Lifecycle calls go to Alibaba synchronously (a refusal such
 * as IncorrectInstanceStatus is a 409 at once); waiting for the new status is a durable job.
 */
export class EcsInstanceService {
  private readonly prisma: PrismaClient;
  /** How jobs wait for status moves; tests may shorten it. */
  wait: WaitPolicy = DEFAULT_WAIT;

  constructor(private readonly ctx: AliyunContext) {
    this.prisma = ctx.prisma;
    ctx.jobs.register<{ uuid: string; wanted: string; view?: "vm" | "ecs" }>({
      name: ECS_INSTANCE_JOBS.wait, resumable: true,
      perform: (i) => this.performWait(i.uuid, i.wanted, i.view),
    });
  }

  /** The instance if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<EcsInstance> {
    const e = await this.prisma.ecsInstance.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!e) throw Errors.resourceNotFound("EcsInstance", uuid);
    return e;
  }

  /** ZStack QueryEcsInstanceFromLocal. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ecsInstanceQuerySpec, delegate: this.prisma.ecsInstance as never, caller, raw,
      scope: ownedBy(caller), toInventory: ecsInstanceInventory, csvName: "ecs-instances",
    });
  }

  /** Alibaba's current view of some instances of a region (DescribeInstances, ≤ 100 ids). */
  async describe(conn: AliyunConnection, regionId: string, ids: string[]): Promise<AliyunInstance[]> {
    const r = await conn.rpc.call<{ Instances?: { Instance?: AliyunInstance[] } }>("Ecs", regionId, "DescribeInstances",
      { InstanceIds: JSON.stringify(ids), PageSize: 100 });
    return r.Instances?.Instance ?? [];
  }

  /** Local uuids of the VPCs, VSwitches, groups, images and zones of a data center, by Alibaba id. */
  async localRefs(dc: DataCenter, systemDisks: AliyunSystemDisk[] = []): Promise<LocalRefs> {
    const where = { dataCenterUuid: dc.uuid };
    const [vpcs, vswitches, groups, images, zones] = await Promise.all([
      this.prisma.ecsVpc.findMany({ where, select: { uuid: true, ecsVpcId: true } }),
      this.prisma.ecsVSwitch.findMany({ where, select: { uuid: true, vSwitchId: true } }),
      this.prisma.ecsSecurityGroup.findMany({ where, select: { uuid: true, securityGroupId: true } }),
      this.prisma.ecsImage.findMany({ where, select: { uuid: true, ecsImageId: true } }),
      this.prisma.identityZone.findMany({ where, select: { uuid: true, zoneId: true } }),
    ]);
    return {
      vpcs: new Map(vpcs.map((v) => [v.ecsVpcId, v.uuid])),
      vswitches: new Map(vswitches.map((v) => [v.vSwitchId, v.uuid])),
      securityGroups: new Map(groups.map((g) => [g.securityGroupId, g.uuid])),
      images: new Map(images.map((i) => [i.ecsImageId, i.uuid])),
      zones: new Map(zones.map((z) => [z.zoneId, z.uuid])),
      systemDisks: new Map(systemDisks.map((d) => [d.InstanceId, d])),
    };
  }

  /** System disks of a region (or of some instances), for the root-volume fields. */
  async systemDisks(conn: AliyunConnection, regionId: string, instanceId?: string): Promise<AliyunSystemDisk[]> {
    return conn.rpc.describeAll<AliyunSystemDisk>("Ecs", regionId, "DescribeDisks", ["Disks", "Disk"], { DiskType: "system", InstanceId: instanceId });
  }

  /**
   * Records an instance Alibaba reports as a VmInstance (provider Aliyun, hypervisorType
   * Aliyun, no zone) plus its EcsInstance row, in one transaction. Does nothing when the
   * data center already has a row for that instance id (a sync or a resumed job got there first).
   * @returns whether rows were created.
   */
  async record(dc: DataCenter, accountUuid: string, i: AliyunInstance, uuid: string, refs: LocalRefs,
    extra: { instanceOfferingUuid?: string | null } = {}): Promise<boolean> {
    try {
      return await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
        const seen = await tx.ecsInstance.findUnique({ where: { dataCenterUuid_ecsInstanceId: { dataCenterUuid: dc.uuid, ecsInstanceId: i.InstanceId } } });
        if (seen) return false;
        const vm = vmColumns(i);
        await tx.vmInstance.create({
          data: {
            uuid, ...vm, zoneUuid: null, provider: "Aliyun", hypervisorType: "Aliyun", type: "UserVm",
            instanceOfferingUuid: extra.instanceOfferingUuid ?? null, accountUuid,
          },
        });
        await tx.ecsInstance.create({ data: { uuid, dataCenterUuid: dc.uuid, accountUuid, ...ecsColumns(i, refs) } });
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VmInstance", newState: vm.state, accountUuid });
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "EcsInstance", newState: i.Status, accountUuid });
        return true;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /**
   * {@link record} for many instances in one transaction with bulk INSERTs: a first sync of a
   * region with thousands of instances would otherwise spend a transaction per instance.
   * Instances the data center already has rows for are skipped.
   */
  async recordMany(dc: DataCenter, instances: AliyunInstance[], refs: LocalRefs): Promise<void> {
    await this.ctx.events.transaction(this.prisma, async (tx, _emit, emitMany) => {
      const seen = new Set((await tx.ecsInstance.findMany({
        where: { dataCenterUuid: dc.uuid, ecsInstanceId: { in: instances.map((i) => i.InstanceId) } }, select: { ecsInstanceId: true },
      })).map((r) => r.ecsInstanceId));
      const fresh = instances.filter((i) => !seen.has(i.InstanceId)).map((i) => ({ i, uuid: newUuid(), vm: vmColumns(i) }));
      const accountUuid = dc.accountUuid;
      await tx.vmInstance.createMany({
        data: fresh.map(({ uuid, vm }) => ({ uuid, ...vm, zoneUuid: null, provider: "Aliyun", hypervisorType: "Aliyun", type: "UserVm", instanceOfferingUuid: null, accountUuid })),
      });
      await tx.ecsInstance.createMany({ data: fresh.map(({ i, uuid }) => ({ uuid, dataCenterUuid: dc.uuid, accountUuid, ...ecsColumns(i, refs) })) });
      await emitMany(fresh.flatMap(({ i, uuid, vm }) => [
        { type: "ResourceCreated" as const, resourceUuid: uuid, resourceType: "VmInstance", newState: vm.state, accountUuid },
        { type: "ResourceCreated" as const, resourceUuid: uuid, resourceType: "EcsInstance", newState: i.Status, accountUuid },
      ]));
    });
  }

  /** Brings one instance's rows in line with Alibaba's view; emits a state event when the VM state moves. */
  async refresh(row: EcsInstance & { vmInstance: { state: string } & Record<string, unknown> }, i: AliyunInstance, refs: LocalRefs): Promise<boolean> {
    const ecs = changedFields(row, ecsColumns(i, refs));
    const vm = changedFields(row.vmInstance, vmColumns(i));
    if (!Object.keys(ecs).length && !Object.keys(vm).length) return false;
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      if (Object.keys(ecs).length) await tx.ecsInstance.update({ where: { uuid: row.uuid }, data: ecs as Prisma.EcsInstanceUpdateInput });
      if (Object.keys(vm).length) await tx.vmInstance.update({ where: { uuid: row.uuid }, data: vm as Prisma.VmInstanceUpdateInput });
      if (ecs.ecsStatus !== undefined) {
        await emit({ type: "ResourceStatusChanged", resourceUuid: row.uuid, resourceType: "EcsInstance", oldState: row.ecsStatus, newState: ecs.ecsStatus as string, accountUuid: row.accountUuid });
      }
      if (vm.state !== undefined) {
        await emit({ type: "ResourceStateChanged", resourceUuid: row.uuid, resourceType: "VmInstance", oldState: row.vmInstance.state, newState: vm.state as string, accountUuid: row.accountUuid });
      }
    });
    return true;
  }

  /**
   * Removes an instance's rows (VmInstance and, by cascade, EcsInstance) and its tags; its data
   * disks stay as detached rows and its EIP as unbound, as Alibaba leaves them.
   */
  async forget(row: EcsInstance, vmState: string): Promise<void> {
    await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
      await tx.aliyunDisk.deleteMany({ where: { ecsInstanceUuid: row.uuid, diskType: "system" } });
      await tx.aliyunDisk.updateMany({ where: { ecsInstanceUuid: row.uuid }, data: { ecsInstanceUuid: null, deviceInfo: null, status: "Available" } });
      await tx.hybridEipAddress.updateMany({ where: { allocateResourceUuid: row.uuid }, data: { allocateResourceUuid: null, allocateResourceType: null, status: "Available" } });
      await tx.vmInstance.deleteMany({ where: { uuid: row.uuid } });
      await this.ctx.tags.detachAll(tx, row.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: row.uuid, resourceType: "EcsInstance", oldState: row.ecsStatus, accountUuid: row.accountUuid });
      await emit({ type: "ResourceDeleted", resourceUuid: row.uuid, resourceType: "VmInstance", oldState: vmState, accountUuid: row.accountUuid });
    });
  }

  /**
   * Sync step "EcsInstance" (SyncEcsInstanceFromRemote): every instance of the region gets a
   * VmInstance + EcsInstance pair, changed ones are updated, ones Alibaba no longer has are
   * removed. A second run changes nothing.
   */
  async syncInstances(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const instances = await conn.rpc.describeAll<AliyunInstance>("Ecs", dc.regionId, "DescribeInstances", ["Instances", "Instance"]);
    const refs = await this.localRefs(dc, await this.systemDisks(conn, dc.regionId));
    const local = await this.prisma.ecsInstance.findMany({ where: { dataCenterUuid: dc.uuid }, include: { vmInstance: true } });
    return reconcile({
      remote: instances, remoteId: (i) => i.InstanceId, local, localId: (l) => l.ecsInstanceId,
      create: async (i) => void await this.record(dc, dc.accountUuid, i, newUuid(), refs),
      createMany: (is) => this.recordMany(dc, is, refs),
      changes: (l, i) => {
        const data = { ...changedFields(l, ecsColumns(i, refs)), ...changedFields(l.vmInstance, vmColumns(i)) };
        return Object.keys(data).length ? { instance: i } : {};
      },
      update: async (l, data) => void await this.refresh(l, data.instance as AliyunInstance, refs),
      remove: (l) => this.forget(l, l.vmInstance.state),
    });
  }

  /**
   * Runs a lifecycle action (StartEcsInstance, StopEcsInstance, RebootEcsInstance): calls
   * Alibaba now, marks the VM transient, and returns a job that waits for the target status.
   * @throws ALIYUN.IncorrectInstanceStatus (409) when Alibaba refuses the status, SYS.1003.
   */
  async action(caller: Caller, req: JobRequest, uuid: string, action: EcsAction, view: "vm" | "ecs" = "ecs"): Promise<ApiReply> {
    const row = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    const a = ACTIONS[action];
    await remote(() => conn.rpc.call("Ecs", dc.regionId, a.call, { InstanceId: row.ecsInstanceId }));
    const vm = await this.prisma.vmInstance.findUniqueOrThrow({ where: { uuid } });
    if (vm.state !== a.transient) {
      await this.ctx.events.transaction(this.prisma, async (tx, emit) => {
        await tx.vmInstance.update({ where: { uuid }, data: { state: a.transient } });
        await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "VmInstance", oldState: vm.state, newState: a.transient, accountUuid: vm.accountUuid });
      });
    }
    return this.ctx.jobs.submit(caller, req, ECS_INSTANCE_JOBS.wait, { uuid, wanted: a.wanted, view });
  }

  /**
   * Waits until the instance has `wanted` status, keeping its rows current. The result is the
   * EcsInstanceInventory, or the VmInstanceInventory when the action came through
   * /v1/vm-instances (`view: "vm"`), as each API's callers expect.
   */
  async performWait(uuid: string, wanted: string, view: "vm" | "ecs" = "ecs") {
    const row = await this.prisma.ecsInstance.findUnique({ where: { uuid }, include: { vmInstance: true } });
    if (!row) throw Errors.resourceNotFound("EcsInstance", uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    const refs = await this.localRefs(dc);
    await waitUntil(
      async () => (await remote(() => this.describe(conn, dc.regionId, [row.ecsInstanceId])))[0],
      (i) => !i || i.Status === wanted,
      (i) => ({ what: "ECS instance", id: row.ecsInstanceId, wanted, seen: i?.Status ?? "gone" }),
      this.wait,
      async (i) => {
        if (!i) return;
        const current = await this.prisma.ecsInstance.findUniqueOrThrow({ where: { uuid }, include: { vmInstance: true } });
        await this.refresh(current, i, refs);
      },
    );
    const done = await this.prisma.ecsInstance.findUnique({ where: { uuid } });
    if (!done) throw Errors.resourceNotFound("EcsInstance", uuid);
    if (view === "vm") {
      const vm = await this.ctx.vmInstances.load(uuid);
      if (!vm) throw Errors.resourceNotFound("VmInstance", uuid);
      return { inventory: this.ctx.vmInstances.inventory(vm) };
    }
    return { inventory: ecsInstanceInventory(done) };
  }

  /**
   * `PUT /v1/vm-instances/{uuid}/actions` for ECS VMs: start, stop and reboot as above;
   * destroyVmInstance deletes the instance on Alibaba (DeleteEcsInstance). Other VM actions do
   * not apply to ECS instances.
   * @throws SYS.1006 (409) naming the hybrid endpoints for any other action.
   */
  async vmAction(caller: Caller, req: JobRequest, vm: VmWithParts, action: string): Promise<ApiReply> {
    const map: Record<string, EcsAction> = { startVmInstance: "start", stopVmInstance: "stop", rebootVmInstance: "reboot" };
    if (map[action]) return this.action(caller, req, vm.uuid, map[action], "vm");
    if (action === "destroyVmInstance") {
      await this.deleteRemote(caller, vm.uuid);
      return { status: 200, body: {} };
    }
    throw Errors.operationNotAllowed(`${action} of an ECS instance`,
      "ECS instances support startVmInstance, stopVmInstance, rebootVmInstance and destroyVmInstance here; use " +
      "PUT /v1/hybrid/aliyun/ecs/{uuid}/actions, DELETE /v1/hybrid/aliyun/ecs/{uuid}/remote and POST /v1/hybrid/aliyun/{uuid}/ecs for the rest");
  }

  /**
   * Deletes the instance on Alibaba, then its rows (ZStack DeleteEcsInstance). As in ZStack,
   * no stop is attempted first: Alibaba deletes only Stopped instances, so a Running one is
   * refused with ALIYUN.IncorrectInstanceStatus (409) — stop it first.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const row = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    try {
      await remote(() => conn.rpc.call("Ecs", dc.regionId, "DeleteInstance", { InstanceId: row.ecsInstanceId }));
    } catch (err) {
      // Already gone on Alibaba: deleting the record is all that is left to do.
      if (!(err instanceof ApiError && err.code === "ALIYUN.InvalidInstanceId.NotFound")) throw err;
    }
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid } });
    await this.forget(row, vm?.state ?? "Unknown");
  }

  /** Deletes the records only (ZStack DeleteEcsInstanceLocal); the instance keeps running on Alibaba, and a sync brings it back. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const row = await this.get(caller, uuid);
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid } });
    await this.forget(row, vm?.state ?? "Unknown");
  }

  /** Renames, re-describes or sets the root password (ZStack UpdateEcsInstance → ModifyInstanceAttribute). */
  async update(caller: Caller, uuid: string, p: UpdateEcsInstanceInput) {
    const row = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    if (p.name !== undefined || p.description !== undefined || p.password !== undefined) {
      await remote(() => conn.rpc.call("Ecs", dc.regionId, "ModifyInstanceAttribute",
        { InstanceId: row.ecsInstanceId, InstanceName: p.name, Description: p.description, Password: p.password }));
    }
    const data = { ...(p.name !== undefined ? { name: p.name } : {}), ...(p.description !== undefined ? { description: p.description } : {}) };
    await this.prisma.$transaction([
      this.prisma.ecsInstance.update({ where: { uuid }, data }),
      this.prisma.vmInstance.update({ where: { uuid }, data }),
    ]);
    return ecsInstanceInventory(await this.prisma.ecsInstance.findUniqueOrThrow({ where: { uuid } }));
  }

  /** The web VNC URL of a Running instance (GetEcsInstanceVncUrl → DescribeInstanceVncUrl; valid ~15 s). */
  async vncUrl(caller: Caller, uuid: string): Promise<{ ecsId: string; vncUrl: string }> {
    const row = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    const r = await remote(() => conn.rpc.call<{ VncUrl: string }>("Ecs", dc.regionId, "DescribeInstanceVncUrl", { InstanceId: row.ecsInstanceId }));
    return { ecsId: row.ecsInstanceId, vncUrl: r.VncUrl };
  }

  /** Sets the 6-character VNC password (UpdateEcsInstanceVncPassword → ModifyInstanceVncPasswd). */
  async setVncPassword(caller: Caller, uuid: string, password: string): Promise<void> {
    const row = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: row.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    await remote(() => conn.rpc.call("Ecs", dc.regionId, "ModifyInstanceVncPasswd", { InstanceId: row.ecsInstanceId, VncPassword: password }));
  }

  /**
   * Instance types offered in an identity zone (GetEcsInstanceType → DescribeZones +
   * DescribeInstanceTypes). memory is in bytes; generation is derived from the family
   * (ecs.g6 → ecs-6), as DescribeInstanceTypeFamilies names it.
   */
  async instanceTypes(caller: Caller, identityZoneUuid: string) {
    const zone = await this.prisma.identityZone.findFirst({ where: { uuid: identityZoneUuid, ...ownedBy(caller) } });
    if (!zone) throw Errors.resourceNotFound("IdentityZone", identityZoneUuid);
    const dc = await dataCenterFor(this.prisma, caller, zone.dataCenterUuid);
    const conn = await this.ctx.remote.forDataCenter(dc);
    const types = await remote(() => this.typesIn(conn, dc.regionId, zone.zoneId));
    return types.map((t) => {
      const n = /^ecs\.[a-z]+(\d+)/.exec(t.InstanceTypeFamily)?.[1];
      return {
        typeId: t.InstanceTypeId, cpu: t.CpuCoreCount, memory: Math.round(t.MemorySize * Number(GiB)), typeFamily: t.InstanceTypeFamily,
        generation: n ? `ecs-${n}` : "",
      };
    });
  }

  /** Instance types of a region, restricted to those a zone offers when given. */
  async typesIn(conn: AliyunConnection, regionId: string, zoneId?: string): Promise<AliyunInstanceType[]> {
    const all = await conn.rpc.describeAllByToken<AliyunInstanceType>("Ecs", regionId, "DescribeInstanceTypes", ["InstanceTypes", "InstanceType"], {}, 1600);
    if (!zoneId) return all;
    const zones = await conn.rpc.call<{ Zones?: { Zone?: { ZoneId: string; AvailableInstanceTypes?: { InstanceTypes?: string[] } }[] } }>("Ecs", regionId, "DescribeZones");
    const offered = zones.Zones?.Zone?.find((z) => z.ZoneId === zoneId)?.AvailableInstanceTypes?.InstanceTypes;
    return offered?.length ? all.filter((t) => offered.includes(t.InstanceTypeId)) : all;
  }
}

/** An instance type as DescribeInstanceTypes returns it (MemorySize in GiB). */
export interface AliyunInstanceType {
  InstanceTypeId: string;
  InstanceTypeFamily: string;
  CpuCoreCount: number;
  MemorySize: number;
}
