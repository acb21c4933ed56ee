import type { QuotaService } from "../quotas/service.ts";
import type { Host, ImageCache, PrimaryStorage, PrismaClient, Volume } from "../../generated/prisma/client.ts";
import { KeyedMutex } from "../../hostd/keyed-mutex.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { CapacityTarget } from "../primary-storage/capacity.ts";
import { CAPACITY_HOLDING_STATUSES, type PrimaryStorageService } from "../primary-storage/service.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import type { ImageFetcher } from "./image-fetcher.ts";
import { volumeQuerySpec, type CreateDataVolumeInput } from "./schema.ts";

/** Job type names of volumes. */
export const VOLUME_JOB_TYPES = { resize: "ResizeVolume", expunge: "ExpungeVolume" } as const;

/** Time hostd may take to create, delete or resize one volume file, ms. */
const VOLUME_COMMAND_TIMEOUT_MS = 300_000;

/** ZStack VolumeInventory as sent on the wire (bytes as numbers). */
export function volumeInventory(v: Volume) {
  return {
    uuid: v.uuid, name: v.name, description: v.description, primaryStorageUuid: v.primaryStorageUuid, hostUuid: v.hostUuid,
    vmInstanceUuid: v.vmInstanceUuid, diskOfferingUuid: v.diskOfferingUuid, rootImageUuid: v.rootImageUuid,
    installPath: v.installPath, type: v.type as "Root" | "Data", format: v.format, size: Number(v.size), actualSize: Number(v.actualSize),
    deviceId: v.deviceId, state: v.state as "Enabled" | "Disabled", status: v.status as "Ready", isShareable: v.isShareable,
    deletedDate: v.deletedDate?.toISOString() ?? null, accountUuid: v.accountUuid,
    createDate: v.createDate.toISOString(), lastOpDate: v.lastOpDate.toISOString(),
  };
}

/** Where a new volume file goes: the storage, the capacity reserved there, the host to run hostd on. */
interface Placement { ps: PrimaryStorage; target: CapacityTarget; reserved: bigint }

/**
 * Volumes (ZStack VolumeManager with the KVM primary-storage back ends): root volumes as qcow2
 * overlays on a per-storage image cache, data volumes as empty qcow2 files, their deletion
 * (Deleted, recoverable), expunge (file removed, capacity released, row removed) and growth.
 * Every file operation runs through the host's hostd; every byte of capacity is reserved before
 * the file exists and released if anything after the reservation fails.
 */
export class VolumeService {
  /** One image-cache fill at a time per (storage, host, image) in this process. */
  private readonly cacheLocks = new KeyedMutex();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly hosts: HostService,
    private readonly storage: PrimaryStorageService,
    /** How images reach primary storage; replaceable for tests. */
    public imageFetcher: ImageFetcher,
    private readonly quotas?: QuotaService,
  ) {
    jobs.register<{ volumeUuid: string; size: string }>({
      name: VOLUME_JOB_TYPES.resize, resumable: true,
      perform: async (i) => ({ inventory: volumeInventory(await this.performResize(i.volumeUuid, BigInt(i.size))) }),
    });
    jobs.register<{ volumeUuid: string }>({
      name: VOLUME_JOB_TYPES.expunge, resumable: true,
      perform: async (i) => {
        await this.expungeVolume(i.volumeUuid);
        return {};
      },
    });
  }

  /**
   * Creates the root volume of a VM on `hostUuid` (ZStack InstantiateRootVolumeMsg): picks a
   * primary storage attached to the host's cluster (Enabled, Connected, enough capacity;
   * LocalStorage on that host), reserves max(image.size, size) bytes (after over-provisioning),
   * caches the image there once (ImageCache, through {@link imageFetcher}) and creates a qcow2
   * overlay backed by the cache (hostd /vm/volume/create). Returns the Ready Volume row.
   * On failure releases the reservation and removes the row and the file; the cache stays.
   * @throws ApiError SYS.1003 image/host/storage, SYS.1006 image not usable or storage not
   *   attached, PS.NO_AVAILABLE_STORAGE, PS.CAPACITY_EXCEEDED, HOST.AGENT_* from hostd.
   */
  async createRootVolume(p: {
    caller: Caller; vmInstanceUuid: string; hostUuid: string; imageUuid: string; baseUrl: string;
    primaryStorageUuid?: string; name: string;
    /** Virtual size wanted, bytes; the image's size when smaller or absent. */
    size?: bigint;
  }): Promise<Volume> {
    const image = await this.prisma.image.findUnique({ where: { uuid: p.imageUuid } });
    if (!image) throw Errors.resourceNotFound("Image", p.imageUuid);
    if (image.status !== "Ready" || image.mediaType !== "RootVolumeTemplate" || image.format === "iso") {
      throw Errors.operationNotAllowed("Creating a root volume from this image",
        `image ${image.name} is ${image.status}, ${image.mediaType}, ${image.format}; a Ready qcow2/raw RootVolumeTemplate is needed`);
    }
    const host = await this.loadHost(p.hostUuid);
    const size = p.size !== undefined && p.size > image.size ? p.size : image.size;
    const place = await this.place(host, size, p.primaryStorageUuid);
    const uuid = newUuid();
    const installPath = `${this.storage.baseDir(place.ps)}/rootVolumes/acct-${p.caller.accountUuid}/vol-${uuid}/${uuid}.qcow2`;
    return this.createFile(place, host, {
      uuid, name: p.name, type: "Root", size, installPath, vmInstanceUuid: p.vmInstanceUuid, rootImageUuid: image.uuid,
      accountUuid: p.caller.accountUuid,
    }, async () => (await this.ensureImageCache(place.ps, host, image.uuid, p.baseUrl)).installUrl);
  }

  /**
   * Creates a data volume of `size` bytes for a VM on `hostUuid` (ZStack
   * InstantiateDataVolumeMsg): on the host's LocalStorage or any attached storage, most free
   * capacity first (or `primaryStorageUuid`). Returns the Ready Volume row.
   * @throws ApiError as {@link createRootVolume}; SYS.1003 unknown disk offering.
   */
  async createDataVolume(p: {
    caller: Caller; vmInstanceUuid?: string; hostUuid: string; size: bigint; diskOfferingUuid?: string; name: string;
    primaryStorageUuid?: string;
  }): Promise<Volume> {
    if (p.size <= 0n) throw Errors.invalidArgument("A data volume's size must be positive", `${p.size} bytes`);
    if (p.diskOfferingUuid && !(await this.prisma.diskOffering.findUnique({ where: { uuid: p.diskOfferingUuid } }))) {
      throw Errors.resourceNotFound("DiskOffering", p.diskOfferingUuid);
    }
    const host = await this.loadHost(p.hostUuid);
    const place = await this.place(host, p.size, p.primaryStorageUuid);
    const uuid = newUuid();
    return this.createFile(place, host, {
      uuid, name: p.name, type: "Data", size: p.size, vmInstanceUuid: p.vmInstanceUuid ?? null, diskOfferingUuid: p.diskOfferingUuid ?? null,
      installPath: this.dataVolumePath(place.ps, p.caller.accountUuid, uuid), accountUuid: p.caller.accountUuid,
    });
  }

  /**
   * Creates the file of a NotInstantiated data volume on storage reachable from `hostUuid`
   * (its primaryStorageUuid when set) and makes it Ready; for attaching it to a VM there.
   * @throws ApiError SYS.1003, SYS.1006 when it is not NotInstantiated, and as {@link createDataVolume}.
   */
  async instantiateDataVolume(volumeUuid: string, hostUuid: string, vmInstanceUuid?: string): Promise<Volume> {
    const v = await this.prisma.volume.findUnique({ where: { uuid: volumeUuid } });
    if (!v) throw Errors.resourceNotFound("Volume", volumeUuid);
    if (v.status !== "NotInstantiated") throw Errors.operationNotAllowed("Instantiating the volume", `it is ${v.status}`);
    const host = await this.loadHost(hostUuid);
    const place = await this.place(host, v.size, v.primaryStorageUuid ?? undefined);
    const installPath = this.dataVolumePath(place.ps, v.accountUuid, v.uuid);
    const claimed = await this.prisma.volume.updateMany({
      where: { uuid: v.uuid, status: "NotInstantiated" },
      data: {
        status: "Creating", primaryStorageUuid: place.ps.uuid, hostUuid: place.target.hostUuid ?? null, installPath,
        vmInstanceUuid: vmInstanceUuid ?? v.vmInstanceUuid, reservedCapacity: place.reserved,
      },
    });
    if (claimed.count === 0) {
      await this.storage.capacity.release(place.target, place.reserved);
      throw Errors.operationNotAllowed("Instantiating the volume", "it changed meanwhile");
    }
    try {
      const r = await commandHostd<{ actualSize: number }>(this.hosts.endpoint(host), "/vm/volume/create",
        { installPath, size: Number(v.size) }, VOLUME_COMMAND_TIMEOUT_MS);
      return await this.prisma.volume.update({ where: { uuid: v.uuid }, data: { status: "Ready", actualSize: BigInt(Math.floor(r.actualSize ?? 0)) } });
    } catch (err) {
      await this.prisma.volume.update({
        where: { uuid: v.uuid }, data: { status: "NotInstantiated", primaryStorageUuid: v.primaryStorageUuid, hostUuid: null, installPath: null, reservedCapacity: null },
      });
      await this.storage.capacity.release(place.target, place.reserved);
      throw err;
    }
  }

  /**
   * Deletes a volume's file through hostd (the volume's host for LocalStorage, else any
   * Connected host of a cluster the storage is attached to), releases its capacity and removes
   * the row (ZStack expunge) with its snapshots' rows and their capacity. A volume that never
   * had a file just loses its row.
   * @throws ApiError SYS.1003, SYS.1006 when no host can reach the file, HOST.AGENT_* from hostd.
   */
  async expungeVolume(volumeUuid: string): Promise<void> {
    const v = await this.prisma.volume.findUnique({ where: { uuid: volumeUuid } });
    if (!v) return; // already expunged: a resumed job or a second call
    if (v.installPath && v.primaryStorageUuid) {
      const host = await this.hostFor(v);
      await commandHostd(this.hosts.endpoint(host), "/vm/volume/delete", { installPath: v.installPath }, VOLUME_COMMAND_TIMEOUT_MS);
    }
    const removed = await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.volume.deleteMany({ where: { uuid: v.uuid } });
      if (n.count === 0) return false;
      // Internal snapshots went with the file, and give back what they reserved.
      const snapshots = await tx.volumeSnapshot.findMany({ where: { volumeUuid: v.uuid } });
      await tx.volumeSnapshot.deleteMany({ where: { volumeUuid: v.uuid } });
      for (const s of snapshots) {
        const target = await this.storage.capacity.targetOf(s.primaryStorageUuid, s.hostUuid, tx);
        if (target) await this.storage.capacity.release(target, s.reservedCapacity, tx);
      }
      await this.tags.detachAll(tx, v.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: v.uuid, resourceType: "Volume", oldState: v.status, accountUuid: v.accountUuid });
      return true;
    });
    if (removed && v.primaryStorageUuid && v.installPath && CAPACITY_HOLDING_STATUSES.includes(v.status)) {
      await this.storage.capacity.release({ uuid: v.primaryStorageUuid, hostUuid: v.hostUuid ?? undefined }, this.storage.capacity.reservedBy(v));
    }
  }

  // ---- API ------------------------------------------------------------------------------

  /**
   * Refuses data volumes beyond the account's quotas volume.data.num (count) and
   * volume.capacity (bytes of all its volumes, root and data; ZStack VolumeQuota).
   * @throws ID.1003 naming the quota.
   */
  async checkQuotas(caller: Caller, count: number, bytes: bigint): Promise<void> {
    if (!this.quotas || caller.isAdmin) return;
    const live = { accountUuid: caller.accountUuid, status: { notIn: ["Deleted", "Expunged"] } };
    const dataCount = await this.prisma.volume.count({ where: { ...live, type: "Data" } });
    await this.quotas.check(caller, "volume.data.num", BigInt(dataCount), BigInt(count));
    const capacity = await this.prisma.volume.aggregate({ where: live, _sum: { size: true } });
    await this.quotas.check(caller, "volume.capacity", capacity._sum.size ?? 0n, bytes);
  }

  /**
   * Creates a data volume without a VM (APICreateDataVolumeMsg): NotInstantiated, no capacity
   * reserved until its file is created at attach.
   * @throws ApiError SYS.1003 disk offering or primary storage, SYS.1007 bad input.
   */
  async create(caller: Caller, input: CreateDataVolumeInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    let size = p.size !== undefined ? BigInt(p.size) : 0n;
    if (p.diskOfferingUuid) {
      const offering = await this.prisma.diskOffering.findFirst({ where: { uuid: p.diskOfferingUuid } });
      if (!offering) throw Errors.resourceNotFound("DiskOffering", p.diskOfferingUuid);
      if (offering.state !== "Enabled") throw Errors.operationNotAllowed("Using this disk offering", `it is ${offering.state}`);
      size = offering.diskSize;
    }
    await this.checkQuotas(caller, 1, size);
    if (p.primaryStorageUuid && !(await this.prisma.primaryStorage.findUnique({ where: { uuid: p.primaryStorageUuid } }))) {
      throw Errors.resourceNotFound("PrimaryStorage", p.primaryStorageUuid);
    }
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const v = await tx.volume.create({
        data: {
          uuid, name: p.name, description: p.description ?? null, type: "Data", size, status: "NotInstantiated",
          diskOfferingUuid: p.diskOfferingUuid ?? null, primaryStorageUuid: p.primaryStorageUuid ?? null, accountUuid: caller.accountUuid,
        },
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "Volume", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "Volume", newState: "NotInstantiated", accountUuid: caller.accountUuid });
      return v;
    });
    return volumeInventory(row);
  }

  /** The volume if the caller can see it. @throws ApiError SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<Volume> {
    const v = await this.prisma.volume.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!v) throw Errors.resourceNotFound("Volume", uuid);
    return v;
  }

  /** Queries volumes (APIQueryVolumeMsg); format=csv exports. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: volumeQuerySpec, delegate: this.prisma.volume as never, caller, raw,
      scope: ownedBy(caller), toInventory: volumeInventory, csvName: "volumes",
    });
  }

  /**
   * Deletes a data volume (APIDeleteDataVolumeMsg, ZStack's Delay deletion policy): status
   * Deleted, file and capacity kept until expunged; recoverable. Already Deleted: no change.
   * @throws ApiError SYS.1003, SYS.1006 for a root volume or one attached to a VM.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const v = await this.get(caller, uuid);
    if (v.type !== "Data") throw Errors.operationNotAllowed("Deleting a root volume", "it goes with its VM; destroy the VM instead");
    if (v.vmInstanceUuid) throw Errors.operationNotAllowed("Deleting the volume", `it is attached to VM ${v.vmInstanceUuid}; detach it first`);
    if (v.status === "Deleted") return;
    if (v.status === "Creating") throw Errors.operationNotAllowed("Deleting the volume", "it is being created");
    await this.setStatus(v, "Deleted", { deletedDate: new Date() });
  }

  /** Recovers a Deleted volume (APIRecoverDataVolumeMsg): Ready again, or NotInstantiated when it never had a file. */
  async recover(caller: Caller, uuid: string) {
    const v = await this.get(caller, uuid);
    if (v.status !== "Deleted") throw Errors.operationNotAllowed("Recovering the volume", `it is ${v.status}, not Deleted`);
    return volumeInventory(await this.setStatus(v, v.installPath ? "Ready" : "NotInstantiated", { deletedDate: null }));
  }

  /**
   * Expunges a Deleted volume (APIExpungeDataVolumeMsg) as a job: its file is removed and its
   * capacity released. @throws ApiError SYS.1006 when it is not Deleted.
   */
  async expunge(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    const v = await this.get(caller, uuid);
    if (v.status !== "Deleted") throw Errors.operationNotAllowed("Expunging the volume", `it is ${v.status}; delete it first`);
    return this.jobs.submit(caller, req, VOLUME_JOB_TYPES.expunge, { volumeUuid: uuid });
  }

  /**
   * Grows a volume (APIResizeDataVolumeMsg / APIResizeRootVolumeMsg) as a job: reserves the
   * extra capacity, then hostd /storage/volume/resize (`qemu-img resize`).
   * @throws ApiError SYS.1007 (400) when `size` is smaller than the current size (grow only),
   *   SYS.1006 when Deleted or Creating; the job may fail with PS.CAPACITY_EXCEEDED.
   */
  async resize(caller: Caller, req: JobRequest, uuid: string, size: number): Promise<ApiReply> {
    const v = await this.get(caller, uuid);
    if (BigInt(size) < v.size) throw Errors.invalidArgument("A volume can only grow; give a size at least its current size", `size ${size} < current ${v.size} bytes`);
    if (v.status !== "Ready" && v.status !== "NotInstantiated") throw Errors.operationNotAllowed("Resizing the volume", `it is ${v.status}`);
    return this.jobs.submit(caller, req, VOLUME_JOB_TYPES.resize, { volumeUuid: uuid, size: String(size) });
  }

  /**
   * Grows a root volume (APIResizeRootVolumeMsg) as a job, with the VM Stopped (qemu-img
   * resize) or Running (virsh blockresize through hostd /volume/resize/live).
   * @throws ApiError SYS.1007 (400) when `size` is smaller than the current size, SYS.1006 (409)
   *   when the volume is not a root volume or its VM is in another state (named).
   */
  async resizeRoot(caller: Caller, req: JobRequest, uuid: string, size: number): Promise<ApiReply> {
    const v = await this.get(caller, uuid);
    if (v.type !== "Root") throw Errors.operationNotAllowed("resizeRootVolume", `volume ${uuid} is a ${v.type} volume; use resizeVolume`);
    if (BigInt(size) < v.size) throw Errors.invalidArgument("A volume can only grow; give a size at least its current size", `size ${size} < current ${v.size} bytes`);
    const vm = v.vmInstanceUuid ? await this.prisma.vmInstance.findUnique({ where: { uuid: v.vmInstanceUuid } }) : null;
    if (vm && vm.state !== "Running" && vm.state !== "Stopped") {
      throw Errors.operationNotAllowed("resizeRootVolume", `the VM is ${vm.state}; resizing its root volume needs it Running or Stopped`);
    }
    return this.resize(caller, req, uuid, size);
  }

  private async performResize(volumeUuid: string, size: bigint): Promise<Volume> {
    const v = await this.prisma.volume.findUniqueOrThrow({ where: { uuid: volumeUuid } });
    if (size <= v.size) return v; // nothing to grow (or a resumed job that already did)
    if (!v.installPath || !v.primaryStorageUuid || v.status !== "Ready") {
      if (v.status !== "NotInstantiated") throw Errors.operationNotAllowed("Resizing the volume", `it is ${v.status}`);
      return this.prisma.volume.update({ where: { uuid: v.uuid }, data: { size } });
    }
    const ps = await this.prisma.primaryStorage.findUniqueOrThrow({ where: { uuid: v.primaryStorageUuid } });
    const target: CapacityTarget = { uuid: ps.uuid, name: ps.name, hostUuid: v.hostUuid ?? undefined };
    const cap = this.storage.capacity;
    // The growth is reserved at today's ratio and added to what the volume holds, which expunge releases.
    const extra = await cap.reserve(target, size - v.size);
    try {
      const host = await this.hostFor(v);
      // A running VM holds the file's lock: its QEMU grows the disk (and tells the guest).
      const vm = v.vmInstanceUuid ? await this.prisma.vmInstance.findUnique({ where: { uuid: v.vmInstanceUuid } }) : null;
      const live = vm?.hostUuid === host.uuid && (vm.state === "Running" || vm.state === "Paused");
      const r = await commandHostd<{ size: number; actualSize: number }>(this.hosts.endpoint(host),
        live ? "/volume/resize/live" : "/storage/volume/resize",
        { installPath: v.installPath, size: Number(size), ...(live ? { vmInstanceUuid: vm.uuid } : {}) }, VOLUME_COMMAND_TIMEOUT_MS);
      return await this.prisma.volume.update({ where: { uuid: v.uuid }, data: { size: BigInt(Math.floor(r.size)), reservedCapacity: cap.reservedBy(v) + extra } });
    } catch (err) {
      await cap.release(target, extra);
      throw err;
    }
  }

  // ---- internals ------------------------------------------------------------------------

  private dataVolumePath(ps: PrimaryStorage, accountUuid: string, uuid: string): string {
    return `${this.storage.baseDir(ps)}/dataVolumes/acct-${accountUuid}/vol-${uuid}/${uuid}.qcow2`;
  }

  private async loadHost(hostUuid: string): Promise<Host> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) throw Errors.resourceNotFound("Host", hostUuid);
    if (host.status !== "Connected") throw Errors.operationNotAllowed("Creating a volume on the host", `host ${host.name} is ${host.status}`);
    return host;
  }

  /**
   * Reserves `size` bytes on the first candidate storage that has room (ZStack's primary
   * storage allocator); the last refusal is thrown when none has.
   */
  private async place(host: Host, size: bigint, primaryStorageUuid?: string): Promise<Placement> {
    let refusal: ApiError | undefined;
    for (const ps of await this.storage.candidatesFor(host.uuid, primaryStorageUuid)) {
      const target: CapacityTarget = { uuid: ps.uuid, name: ps.name, hostUuid: ps.type === "LocalStorage" ? host.uuid : undefined };
      try {
        return { ps, target, reserved: await this.storage.capacity.reserve(target, size) };
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== "PS.CAPACITY_EXCEEDED") throw err;
        refusal = err;
      }
    }
    throw refusal!;
  }

  /**
   * Inserts the volume row (Creating), creates its file through hostd and marks it Ready.
   * Any failure removes the row and the file and releases the reservation.
   */
  private async createFile(place: Placement, host: Host, v: {
    uuid: string; name: string; type: "Root" | "Data"; size: bigint; installPath: string; accountUuid: string;
    vmInstanceUuid: string | null; rootImageUuid?: string; diskOfferingUuid?: string | null;
  }, backingFile?: () => Promise<string>): Promise<Volume> {
    const ep = this.hosts.endpoint(host);
    let created = false;
    try {
      await this.prisma.volume.create({
        data: {
          uuid: v.uuid, name: v.name, type: v.type, size: v.size, status: "Creating", installPath: v.installPath,
          primaryStorageUuid: place.ps.uuid, hostUuid: place.target.hostUuid ?? null, vmInstanceUuid: v.vmInstanceUuid,
          rootImageUuid: v.rootImageUuid ?? null, diskOfferingUuid: v.diskOfferingUuid ?? null, accountUuid: v.accountUuid,
          reservedCapacity: place.reserved,
        },
      });
      created = true;
      const backing = backingFile ? await backingFile() : undefined;
      const r = await commandHostd<{ actualSize: number }>(ep, "/vm/volume/create",
        { installPath: v.installPath, size: Number(v.size), ...(backing ? { backingFile: backing } : {}) }, VOLUME_COMMAND_TIMEOUT_MS);
      return await this.events.transaction(this.prisma, async (tx, emit) => {
        const row = await tx.volume.update({ where: { uuid: v.uuid }, data: { status: "Ready", actualSize: BigInt(Math.floor(r.actualSize ?? 0)) } });
        await emit({ type: "ResourceCreated", resourceUuid: v.uuid, resourceType: "Volume", newState: "Ready", accountUuid: v.accountUuid });
        return row;
      });
    } catch (err) {
      if (created) {
        await commandHostd(ep, "/vm/volume/delete", { installPath: v.installPath }).catch(() => undefined);
        await this.prisma.volume.deleteMany({ where: { uuid: v.uuid } });
      }
      await this.storage.capacity.release(place.target, place.reserved);
      throw err;
    }
  }

  /**
   * The image cache of `imageUuid` on a storage (and host, for LocalStorage), filled once
   * through the image fetcher (ZStack ImageCacheVO). Its capacity is reserved as the image's
   * actual size and corrected to the file's size once written.
   */
  private ensureImageCache(ps: PrimaryStorage, host: Host, imageUuid: string, baseUrl: string): Promise<ImageCache> {
    const hostKey = ps.type === "LocalStorage" ? host.uuid : "";
    const key = { primaryStorageUuid: ps.uuid, hostUuid: hostKey, imageUuid };
    return this.cacheLocks.run(`${ps.uuid}/${hostKey}/${imageUuid}`, async () => {
      const existing = await this.prisma.imageCache.findUnique({ where: { primaryStorageUuid_hostUuid_imageUuid: key } });
      if (existing) return existing;
      const image = await this.prisma.image.findUniqueOrThrow({ where: { uuid: imageUuid } });
      const target: CapacityTarget = { uuid: ps.uuid, name: ps.name, hostUuid: hostKey || undefined };
      const estimate = image.actualSize > 0n ? image.actualSize : image.size;
      const reserved = await this.storage.capacity.reserve(target, estimate, { exact: true });
      const installUrl = `${this.storage.baseDir(ps)}/imagecache/template/${imageUuid}/${imageUuid}.${image.format === "raw" ? "raw" : "qcow2"}`;
      try {
        const { size } = await this.imageFetcher.fetch({ image, host, endpoint: this.hosts.endpoint(host), installPath: installUrl, baseUrl, zoneUuid: ps.zoneUuid });
        const row = await this.prisma.imageCache.create({ data: { ...key, installUrl, size, md5sum: image.md5sum } });
        if (size < reserved) await this.storage.capacity.release(target, reserved - size);
        return row;
      } catch (err) {
        await this.storage.capacity.release(target, reserved);
        throw err;
      }
    });
  }

  /**
   * A Connected host that can reach the volume's file: its LocalStorage host, else the host of
   * its VM, else any host of a cluster the storage is attached to. Used by snapshots and
   * templates too. @throws ApiError SYS.1006 when none.
   */
  async hostFor(v: Volume): Promise<Host> {
    if (v.hostUuid) {
      const h = await this.prisma.host.findUnique({ where: { uuid: v.hostUuid } });
      if (h?.status === "Connected") return h;
      throw Errors.operationNotAllowed("Changing the volume's file", `its host ${v.hostUuid} is ${h?.status ?? "gone"}`);
    }
    const vmHost = v.vmInstanceUuid ? (await this.prisma.vmInstance.findUnique({ where: { uuid: v.vmInstanceUuid } }))?.hostUuid : undefined;
    const clusters = (await this.prisma.primaryStorageClusterRef.findMany({ where: { primaryStorageUuid: v.primaryStorageUuid! } })).map((c) => c.clusterUuid);
    const hosts = await this.prisma.host.findMany({ where: { clusterUuid: { in: clusters }, status: "Connected" } });
    const h = hosts.find((x) => x.uuid === vmHost) ?? hosts[0];
    if (!h) throw Errors.operationNotAllowed("Changing the volume's file", "no Connected host is in a cluster the primary storage is attached to");
    return h;
  }

  private async setStatus(v: Volume, status: string, data: Record<string, unknown>): Promise<Volume> {
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.volume.updateMany({ where: { uuid: v.uuid, status: v.status }, data: { ...data, status } });
      if (n.count === 0) throw Errors.operationNotAllowed("Changing the volume's status", "it changed meanwhile");
      await emit({ type: "ResourceStatusChanged", resourceUuid: v.uuid, resourceType: "Volume", oldState: v.status, newState: status, accountUuid: v.accountUuid });
      return tx.volume.findUniqueOrThrow({ where: { uuid: v.uuid } });
    });
  }
}
