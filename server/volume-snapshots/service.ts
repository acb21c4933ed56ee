import type { PrismaClient, Volume, VolumeSnapshot } from "../../generated/prisma/client.ts";
import { KeyedMutex } from "../../hostd/keyed-mutex.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { PrimaryStorageService } from "../primary-storage/service.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import { volumeInventory, type VolumeService } from "../volumes/service.ts";
import { volumeSnapshotQuerySpec, type CreateVolumeSnapshotInput, type UpdateVolumeSnapshotInput } from "./schema.ts";

/** Resource type of snapshots on tags and events. */
export const VOLUME_SNAPSHOT_TYPE = "VolumeSnapshot";
/** Job type names of snapshot APIs. */
export const VOLUME_SNAPSHOT_JOBS = {
  create: "CreateVolumeSnapshot", delete: "DeleteVolumeSnapshot", revert: "RevertVolumeFromSnapshot",
} as const;

/** Time hostd may take for one snapshot command, ms (a live snapshot saves the VM's memory). */
const SNAPSHOT_TIMEOUT_MS = 600_000;
/** VM states in which a snapshot of its volume may be taken or deleted. */
const SNAPSHOT_VM_STATES = ["Running", "Stopped", "Paused"];

/** ZStack VolumeSnapshotInventory as sent on the wire (bytes as numbers). */
export function volumeSnapshotInventory(s: VolumeSnapshot) {
  return {
    uuid: s.uuid, name: s.name, description: s.description, volumeUuid: s.volumeUuid, volumeType: s.volumeType as "Root" | "Data",
    primaryStorageUuid: s.primaryStorageUuid, primaryStorageInstallPath: s.primaryStorageInstallPath, hostUuid: s.hostUuid,
    type: "Hypervisor" as const, format: "qcow2" as const, state: s.state as "Enabled", status: s.status as "Ready", size: Number(s.size),
    parentUuid: s.parentUuid, latest: s.latest, accountUuid: s.accountUuid,
    createDate: s.createDate.toISOString(), lastOpDate: s.lastOpDate.toISOString(),
  };
}

/**
 * Volume snapshots (ZStack VolumeSnapshotManager, type Hypervisor): qcow2 internal snapshots
 * inside the volume's own file, named after the snapshot's uuid, taken by hostd
 * (`qemu-img snapshot` while the VM is off, libvirt while it runs — see
 * hostd/api/snapshot/driver.ts). Create, delete and revert are jobs; a volume's snapshot
 * commands run one at a time in this process. Revert needs the VM Stopped.
 * Snapshots go with their volume: expunging it removes them.
 * Status: Creating → Ready → Deleting; a failed create leaves no row.
 * Capacity: a snapshot reserves its volume's virtual size over the over-provisioning ratio on
 * the volume's primary storage (and LocalStorage host), as a volume of that size would (the
 * internal snapshot can come to hold that much of the file), in the transaction that records
 * it (VolumeSnapshot.reservedCapacity); exactly that is given back when its row goes: deleted,
 * failed or interrupted create, or its volume expunged.
 */
export class VolumeSnapshotService {
  /** One snapshot command per volume at a time (qemu-img takes the file's write lock). */
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly hosts: HostService,
    private readonly volumes: VolumeService,
    private readonly storage: PrimaryStorageService,
  ) {
    jobs.register<{ snapshotUuid: string }>({
      name: VOLUME_SNAPSHOT_JOBS.create, resumable: false,
      perform: (i) => this.performCreate(i.snapshotUuid),
      onInterrupted: (i) => this.discard(i.snapshotUuid),
    });
    jobs.register<{ snapshotUuid: string }>({ name: VOLUME_SNAPSHOT_JOBS.delete, resumable: true, perform: (i) => this.performDelete(i.snapshotUuid) });
    jobs.register<{ snapshotUuid: string }>({ name: VOLUME_SNAPSHOT_JOBS.revert, resumable: true, perform: (i) => this.performRevert(i.snapshotUuid) });
  }

  /**
   * Takes a snapshot of a volume (APICreateVolumeSnapshotMsg) as a job whose result is the
   * Ready snapshot. The row exists (Creating) from the start, with the volume's size reserved
   * on its primary storage.
   * @throws ApiError SYS.1003 volume, SYS.1006 (409) when the volume is not a Ready qcow2 file or
   *   its VM is not Running, Paused or Stopped (the state is named), SYS.1002 uuid taken,
   *   PS.CAPACITY_EXCEEDED (409) when the storage has no room for it (nothing is then created).
   */
  async create(caller: Caller, req: JobRequest, volumeUuid: string, input: CreateVolumeSnapshotInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const v = await this.volumes.get(caller, volumeUuid);
    if (v.status !== "Ready" || !v.installPath) throw Errors.operationNotAllowed("Taking a snapshot of the volume", `volume ${v.uuid} is ${v.status}; it needs to be Ready`);
    if (v.format !== "qcow2") throw Errors.operationNotAllowed("Taking a snapshot of the volume", `volume ${v.uuid} is ${v.format}; only qcow2 volumes have snapshots`);
    await this.assertVmState(v, SNAPSHOT_VM_STATES, "Taking a snapshot of the volume");
    const target = await this.storage.capacity.targetOf(v.primaryStorageUuid, v.hostUuid);
    if (!target) throw Errors.operationNotAllowed("Taking a snapshot of the volume", `volume ${v.uuid} is on no primary storage`);
    const p = input.params;
    const uuid = p.resourceUuid ?? newUuid();
    try {
      await this.events.transaction(this.prisma, async (tx, emit) => {
        const parent = await tx.volumeSnapshot.findFirst({ where: { volumeUuid, latest: true } });
        const reservedCapacity = await this.storage.capacity.reserve(target, v.size, { tx });
        await tx.volumeSnapshot.create({
          data: {
            uuid, name: p.name, description: p.description ?? null, volumeUuid, volumeType: v.type, primaryStorageUuid: v.primaryStorageUuid,
            hostUuid: v.hostUuid, status: "Creating", size: v.size, parentUuid: parent?.uuid ?? null, latest: false,
            primaryStorageInstallPath: v.installPath, accountUuid: v.accountUuid, reservedCapacity,
          },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: VOLUME_SNAPSHOT_TYPE, accountUuid: v.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: VOLUME_SNAPSHOT_TYPE, newState: "Creating", accountUuid: v.accountUuid });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("A volume snapshot with that uuid", uuid);
      throw err;
    }
    try {
      return await this.jobs.submit(caller, req, VOLUME_SNAPSHOT_JOBS.create, { snapshotUuid: uuid });
    } catch (err) {
      await this.discard(uuid);
      throw err;
    }
  }

  /** The snapshot if the caller owns it (admin: any). @throws ApiError SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VolumeSnapshot> {
    const s = await this.prisma.volumeSnapshot.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!s) throw Errors.resourceNotFound(VOLUME_SNAPSHOT_TYPE, uuid);
    return s;
  }

  /** Queries snapshots (APIQueryVolumeSnapshotMsg); format=csv exports. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: volumeSnapshotQuerySpec, delegate: this.prisma.volumeSnapshot as never, caller, raw,
      scope: ownedBy(caller), toInventory: volumeSnapshotInventory, csvName: "volume-snapshots",
    });
  }

  /** Changes name or description (APIUpdateVolumeSnapshotMsg). @throws ApiError SYS.1003. */
  async update(caller: Caller, uuid: string, p: UpdateVolumeSnapshotInput) {
    await this.get(caller, uuid);
    return volumeSnapshotInventory(await this.prisma.volumeSnapshot.update({ where: { uuid }, data: p }));
  }

  /**
   * Deletes a snapshot (APIDeleteVolumeSnapshotMsg) as a job: removed from the volume's file
   * (a snapshot already missing there is not an error), then its row; its children hang off its
   * parent, and its parent becomes latest when it was.
   * @throws ApiError SYS.1003, SYS.1006 (409) while it is Creating or Deleting, or its VM is in a
   *   transient state (named).
   */
  async delete(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    const s = await this.get(caller, uuid);
    if (s.status !== "Ready") throw Errors.operationNotAllowed("Deleting the snapshot", `snapshot ${uuid} is ${s.status}`);
    const v = await this.prisma.volume.findUnique({ where: { uuid: s.volumeUuid } });
    if (v) await this.assertVmState(v, SNAPSHOT_VM_STATES, "Deleting the snapshot");
    await this.moveStatus(s, "Deleting");
    return this.jobs.submit(caller, req, VOLUME_SNAPSHOT_JOBS.delete, { snapshotUuid: uuid });
  }

  /**
   * Reverts a volume to a snapshot (APIRevertVolumeFromSnapshotMsg) as a job
   * (`qemu-img snapshot -a`); the snapshot becomes the volume's latest. The job's result is the
   * volume inventory.
   * @throws ApiError SYS.1003, SYS.1006 (409) unless the snapshot is Ready and the volume's VM is
   *   Stopped (the VM's state is named, e.g. "the VM is Running").
   */
  async revert(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    const s = await this.get(caller, uuid);
    if (s.status !== "Ready") throw Errors.operationNotAllowed("Reverting the volume", `snapshot ${uuid} is ${s.status}`);
    const v = await this.prisma.volume.findUnique({ where: { uuid: s.volumeUuid } });
    if (!v || v.status !== "Ready" || !v.installPath) throw Errors.operationNotAllowed("Reverting the volume", `volume ${s.volumeUuid} is ${v?.status ?? "gone"}`);
    await this.assertVmState(v, ["Stopped"], "Reverting the volume");
    return this.jobs.submit(caller, req, VOLUME_SNAPSHOT_JOBS.revert, { snapshotUuid: uuid });
  }

  // ---- jobs -----------------------------------------------------------------------------

  private async performCreate(snapshotUuid: string) {
    const s = await this.prisma.volumeSnapshot.findUniqueOrThrow({ where: { uuid: snapshotUuid } });
    try {
      const r = await this.command(s, "/volume/snapshot/create");
      const row = await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.volumeSnapshot.updateMany({ where: { volumeUuid: s.volumeUuid, latest: true }, data: { latest: false } });
        const done = await tx.volumeSnapshot.update({
          where: { uuid: s.uuid }, data: { status: "Ready", latest: true, hostUuid: r.hostUuid, size: BigInt(Math.floor(r.size)) || s.size },
        });
        await emit({ type: "ResourceStatusChanged", resourceUuid: s.uuid, resourceType: VOLUME_SNAPSHOT_TYPE, oldState: "Creating", newState: "Ready", accountUuid: s.accountUuid });
        return done;
      });
      return { inventory: volumeSnapshotInventory(row) };
    } catch (err) {
      await this.discard(snapshotUuid);
      throw err;
    }
  }

  private async performDelete(snapshotUuid: string) {
    const s = await this.prisma.volumeSnapshot.findUnique({ where: { uuid: snapshotUuid } });
    if (!s) return {}; // a resumed job that finished
    if (await this.prisma.volume.count({ where: { uuid: s.volumeUuid } })) {
      try {
        await this.command(s, "/volume/snapshot/delete");
      } catch (err) {
        await this.prisma.volumeSnapshot.updateMany({ where: { uuid: s.uuid, status: "Deleting" }, data: { status: "Ready" } });
        throw err;
      }
    }
    await this.removeRow(s);
    return {};
  }

  private async performRevert(snapshotUuid: string) {
    const s = await this.prisma.volumeSnapshot.findUniqueOrThrow({ where: { uuid: snapshotUuid } });
    await this.command(s, "/volume/snapshot/revert");
    await this.prisma.$transaction([
      this.prisma.volumeSnapshot.updateMany({ where: { volumeUuid: s.volumeUuid, latest: true }, data: { latest: false } }),
      this.prisma.volumeSnapshot.update({ where: { uuid: s.uuid }, data: { latest: true } }),
    ]);
    return { inventory: volumeInventory(await this.prisma.volume.findUniqueOrThrow({ where: { uuid: s.volumeUuid } })) };
  }

  // ---- internals ------------------------------------------------------------------------

  /** Runs one hostd snapshot command on the host that reaches the volume's file, one per volume at a time. */
  private command(s: VolumeSnapshot, path: string): Promise<{ size: number; hostUuid: string }> {
    return this.locks.run(s.volumeUuid, async () => {
      const v = await this.prisma.volume.findUniqueOrThrow({ where: { uuid: s.volumeUuid } });
      const host = await this.volumes.hostFor(v);
      const r = await commandHostd<{ size: number }>(this.hosts.endpoint(host), path, {
        installPath: v.installPath, snapshotName: s.uuid, ...(v.vmInstanceUuid ? { vmInstanceUuid: v.vmInstanceUuid } : {}),
      }, SNAPSHOT_TIMEOUT_MS);
      return { size: r.size, hostUuid: host.uuid };
    });
  }

  /** Refuses when the volume's VM (if any) is not in one of `states`. @throws ApiError SYS.1006 naming the state. */
  private async assertVmState(v: Volume, states: string[], what: string): Promise<void> {
    if (!v.vmInstanceUuid) return;
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid: v.vmInstanceUuid } });
    if (vm && !states.includes(vm.state)) {
      throw Errors.operationNotAllowed(what, `the VM ${vm.uuid} is ${vm.state}; it needs to be ${states.join(" or ")}`);
    }
  }

  private async moveStatus(s: VolumeSnapshot, status: string): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.volumeSnapshot.updateMany({ where: { uuid: s.uuid, status: s.status }, data: { status } });
      if (n.count === 0) throw Errors.operationNotAllowed("Changing the snapshot", "it changed meanwhile; retry");
      await emit({ type: "ResourceStatusChanged", resourceUuid: s.uuid, resourceType: VOLUME_SNAPSHOT_TYPE, oldState: s.status, newState: status, accountUuid: s.accountUuid });
    });
  }

  /** Removes a half-created snapshot: from the file (best effort) and its row. */
  private async discard(snapshotUuid: string): Promise<void> {
    const s = await this.prisma.volumeSnapshot.findUnique({ where: { uuid: snapshotUuid } });
    if (!s) return;
    if (await this.prisma.volume.count({ where: { uuid: s.volumeUuid } })) {
      await this.command(s, "/volume/snapshot/delete").catch(() => undefined);
    }
    await this.removeRow(s);
  }

  /**
   * Deletes the row and gives back the capacity it reserved, in one transaction (so a second
   * call gives back nothing); children hang off its parent, which becomes latest if it was.
   */
  private async removeRow(s: VolumeSnapshot): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.volumeSnapshot.deleteMany({ where: { uuid: s.uuid } });
      if (n.count === 0) return;
      const target = await this.storage.capacity.targetOf(s.primaryStorageUuid, s.hostUuid, tx);
      if (target) await this.storage.capacity.release(target, s.reservedCapacity, tx);
      await tx.volumeSnapshot.updateMany({ where: { parentUuid: s.uuid }, data: { parentUuid: s.parentUuid } });
      if (s.latest && s.parentUuid) await tx.volumeSnapshot.updateMany({ where: { uuid: s.parentUuid }, data: { latest: true } });
      await this.tags.detachAll(tx, s.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: s.uuid, resourceType: VOLUME_SNAPSHOT_TYPE, oldState: s.status, accountUuid: s.accountUuid });
    });
  }
}
