import type { Host, Prisma, PrimaryStorage, PrimaryStorageClusterRef, PrismaClient } from "../../generated/prisma/client.ts";
import type { Logger } from "pino";
import { ownedBy, type Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import { queryReply } from "../query/run.ts";
import { TagService } from "../tags/service.ts";
import { PrimaryStorageCapacity } from "./capacity.ts";
import { primaryStorageQuerySpec, type AddPrimaryStorageInput } from "./schema.ts";

/** Primary storage types (ZStack PrimaryStorageVO.type). AliyunNAS comes from the Alibaba connector (connectors/aliyun/nas). */
export type PrimaryStorageType = "LocalStorage" | "NFS" | "SharedMountPoint" | "AliyunNAS";

/** What hostd's /storage/init is sent for one storage. */
export interface HostStorageSpec { type: "NFS" | "SharedMountPoint"; url: string; mountPath?: string; mountOptions?: string }

/**
 * A storage type another module provides (AliyunNAS): it says how hosts prepare it, in terms of
 * the kinds hostd knows (an NFS mount, or a directory used like a SharedMountPoint). Volumes go
 * below the storage's `mountPath`.
 */
export interface PrimaryStorageTypeDriver {
  hostSpec(ps: PrimaryStorage): Promise<HostStorageSpec>;
}

type PrimaryStorageRow = PrimaryStorage & { clusters: PrimaryStorageClusterRef[] };

/** Job type names of primary storage. */
export const PS_JOB_TYPES = { attach: "AttachPrimaryStorageToCluster" } as const;

/** ZStack's NfsSystemTags.MOUNT_OPTIONS, kept on the storage as an inherent system tag. */
const MOUNT_OPTIONS_TAG = "primaryStorage::mountOptions::";

/** Where NFS exports are mounted on hosts (ZStack: /opt/zstack/nfsprimarystorage/prim-{uuid}). */
const NFS_MOUNT_ROOT = "/opt/strata/nfsprimarystorage";

/** Reply of hostd /storage/init and /storage/capacity; bytes. */
interface HostdCapacity { path?: string; totalCapacity: number; availableCapacity: number }

/** Statuses of volumes whose file occupies (or will occupy) capacity. */
export const CAPACITY_HOLDING_STATUSES = ["Creating", "Ready", "Deleted"];

/** ZStack PrimaryStorageInventory as sent on the wire (bytes as numbers). */
export function primaryStorageInventory(ps: PrimaryStorageRow) {
  return {
    uuid: ps.uuid, name: ps.name, description: ps.description, zoneUuid: ps.zoneUuid, type: ps.type as PrimaryStorageType,
    url: ps.url, mountPath: ps.mountPath, state: ps.state, status: ps.status,
    totalCapacity: Number(ps.totalCapacity), availableCapacity: Number(ps.availableCapacity),
    totalPhysicalCapacity: Number(ps.totalPhysicalCapacity), availablePhysicalCapacity: Number(ps.availablePhysicalCapacity),
    attachedClusterUuids: ps.clusters.map((c) => c.clusterUuid),
    accountUuid: ps.accountUuid, createDate: ps.createDate.toISOString(), lastOpDate: ps.lastOpDate.toISOString(),
  };
}

/**
 * Primary storage (ZStack PrimaryStorageManager with the LocalStorage, NFS and SharedMountPoint
 * factories): where volumes live. Attaching one to a cluster prepares it on every Connected host
 * (hostd /storage/init: mkdir, or `mount -t nfs`) in a job and records capacity: per host for
 * LocalStorage (LocalStorageHostRef), once for shared types. Hosts that join or reconnect later
 * are prepared by {@link prepareHost}. Capacity reservations: {@link PrimaryStorageCapacity}.
 */
export class PrimaryStorageService {
  /** Reservations and releases of capacity, shared with VolumeService. */
  readonly capacity: PrimaryStorageCapacity;
  private readonly drivers = new Map<string, PrimaryStorageTypeDriver>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    configs: GlobalConfigService,
    private readonly hosts: HostService,
    private readonly log: Logger,
  ) {
    this.capacity = new PrimaryStorageCapacity(prisma, configs);
    jobs.register<{ primaryStorageUuid: string; clusterUuid: string }>({
      name: PS_JOB_TYPES.attach, resumable: true,
      perform: (i) => this.performAttach(i.primaryStorageUuid, i.clusterUuid),
    });
    // A deleted host takes its LocalStorage capacity with it.
    events.subscribe((e) => {
      if (e.type === "ResourceDeleted" && e.resourceType === "Host") {
        this.forgetHost(e.resourceUuid).catch((err: unknown) => this.log.warn({ err, hostUuid: e.resourceUuid }, "dropping host storage refs failed"));
      }
    });
  }

  /** Registers the host-side driver of a storage type another module adds (AliyunNAS). */
  registerType(type: PrimaryStorageType, driver: PrimaryStorageTypeDriver): void {
    this.drivers.set(type, driver);
  }

  /**
   * Adds a primary storage (APIAddLocalPrimaryStorageMsg, APIAddNfsPrimaryStorageMsg,
   * APIAddSharedMountPointPrimaryStorageMsg; AliyunNAS through the Alibaba connector, which passes
   * `extra`: the hosts' mount path and its own rows, written in the same transaction) in state
   * Enabled with zero capacity until attached.
   * @throws ApiError SYS.1003 unknown zone, SYS.1002 uuid or url already used in the zone.
   */
  async add(caller: Caller, type: PrimaryStorageType, input: AddPrimaryStorageInput,
    extra: { mountPath?: string; onCreate?: (tx: Prisma.TransactionClient, uuid: string) => Promise<void> } = {}) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const zone = await this.prisma.zone.findFirst({ where: { uuid: p.zoneUuid } });
    if (!zone) throw Errors.resourceNotFound("Zone", p.zoneUuid);
    const same = await this.prisma.primaryStorage.findFirst({ where: { zoneUuid: p.zoneUuid, type, url: p.url } });
    if (same) throw Errors.duplicate(`A ${type} primary storage with url ${p.url} in this zone`, same.uuid);
    const uuid = p.resourceUuid ?? newUuid();
    const mountOptions = "mountOptions" in p ? p.mountOptions : undefined;
    try {
      const row = await this.events.transaction(this.prisma, async (tx, emit) => {
        const ps = await tx.primaryStorage.create({
          data: {
            uuid, name: p.name, description: p.description ?? null, type, url: p.url, zoneUuid: p.zoneUuid,
            mountPath: type === "NFS" ? `${NFS_MOUNT_ROOT}/prim-${uuid}` : typeof extra.mountPath === "string" ? extra.mountPath.replace("{uuid}", uuid) : null,
            state: "Enabled", status: "Connected", accountUuid: caller.accountUuid,
          },
          include: { clusters: true },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "PrimaryStorage", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await extra.onCreate?.(tx, uuid);
        if (mountOptions) {
          await tx.systemTag.create({
            data: { uuid: newUuid(), resourceUuid: uuid, resourceType: "PrimaryStorage", tag: MOUNT_OPTIONS_TAG + mountOptions, inherent: true, accountUuid: caller.accountUuid },
          });
        }
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "PrimaryStorage", newState: "Enabled", accountUuid: caller.accountUuid });
        return ps;
      });
      return primaryStorageInventory(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("A primary storage with that uuid", uuid);
      throw err;
    }
  }

  /** The storage with its cluster refs if the caller can see it. @throws ApiError SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<PrimaryStorageRow> {
    const ps = await this.prisma.primaryStorage.findFirst({ where: { uuid, ...ownedBy(caller) }, include: { clusters: true } });
    if (!ps) throw Errors.resourceNotFound("PrimaryStorage", uuid);
    return ps;
  }

  /** Queries primary storage (APIQueryPrimaryStorageMsg); joined `clusters.clusterUuid`; format=csv exports. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: primaryStorageQuerySpec, delegate: this.prisma.primaryStorage as never, caller, raw,
      scope: ownedBy(caller), include: { clusters: true }, toInventory: primaryStorageInventory, csvName: "primary-storage",
    });
  }

  /** Changes name or description (APIUpdatePrimaryStorageMsg). */
  async update(caller: Caller, uuid: string, p: { name?: string; description?: string }) {
    await this.get(caller, uuid);
    return primaryStorageInventory(await this.prisma.primaryStorage.update({ where: { uuid }, data: p, include: { clusters: true } }));
  }

  /**
   * enable | disable | maintain (APIChangePrimaryStorageStateMsg). Only Enabled storage takes
   * new volumes; existing volumes keep working.
   */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable" | "maintain") {
    const before = await this.get(caller, uuid);
    const state = { enable: "Enabled", disable: "Disabled", maintain: "Maintenance" }[stateEvent];
    if (before.state === state) return primaryStorageInventory(before);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.primaryStorage.update({ where: { uuid }, data: { state }, include: { clusters: true } });
      await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "PrimaryStorage", oldState: before.state, newState: state, accountUuid: r.accountUuid });
      return r;
    });
    return primaryStorageInventory(row);
  }

  /**
   * Deletes a primary storage (APIDeletePrimaryStorageMsg). Refused with SYS.1004 while any
   * volume (including Deleted, not yet expunged ones) is on it, whatever the deleteMode: their
   * files would be lost. Cluster attachments, host capacity rows and image-cache records go with it.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const ps = await this.get(caller, uuid);
    const volumes = await this.prisma.volume.findMany({
      where: { primaryStorageUuid: uuid, status: { not: "Expunged" } }, select: { uuid: true, name: true }, take: 20,
    });
    if (volumes.length) {
      throw Errors.deleteRefused("The primary storage still holds volumes; delete and expunge them first",
        volumes.map((v) => `${v.name} (${v.uuid})`).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.imageCache.deleteMany({ where: { primaryStorageUuid: uuid } });
      await tx.primaryStorage.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "PrimaryStorage", oldState: ps.state, accountUuid: ps.accountUuid });
    });
  }

  /**
   * Attaches a primary storage to a cluster (APIAttachPrimaryStorageToClusterMsg) as a job that
   * prepares it on each Connected host and records capacity. Synchronous errors: SYS.1003
   * storage or cluster, SYS.1006 different zones, SYS.1002 already attached. The job fails with
   * PS.INIT_FAILED listing the hosts that failed, and then leaves the storage unattached.
   */
  async attach(caller: Caller, req: JobRequest, clusterUuid: string, primaryStorageUuid: string): Promise<ApiReply> {
    const ps = await this.get(caller, primaryStorageUuid);
    const cluster = await this.prisma.cluster.findFirst({ where: { uuid: clusterUuid, ...ownedBy(caller) } });
    if (!cluster) throw Errors.resourceNotFound("Cluster", clusterUuid);
    if (cluster.zoneUuid !== ps.zoneUuid) {
      throw Errors.operationNotAllowed("Attaching the primary storage to this cluster", `cluster ${cluster.name} is in another zone than ${ps.name}`);
    }
    if (ps.clusters.some((c) => c.clusterUuid === clusterUuid)) {
      throw Errors.duplicate(`The attachment of ${ps.name} to cluster ${cluster.name}`, `${primaryStorageUuid} → ${clusterUuid}`);
    }
    return this.jobs.submit(caller, req, PS_JOB_TYPES.attach, { primaryStorageUuid, clusterUuid });
  }

  private async performAttach(primaryStorageUuid: string, clusterUuid: string) {
    const ps = await this.prisma.primaryStorage.findUniqueOrThrow({ where: { uuid: primaryStorageUuid } });
    let created = false;
    try {
      await this.prisma.primaryStorageClusterRef.create({ data: { primaryStorageUuid, clusterUuid } });
      created = true;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // a resumed job: the ref is already there
    }
    const hosts = await this.prisma.host.findMany({ where: { clusterUuid, status: "Connected" } });
    const failures: string[] = [];
    await Promise.all(hosts.map((h) => this.initOnHost(ps, h).catch((err: unknown) => {
      failures.push(`${h.name} (${h.uuid}): ${err instanceof ApiError ? err.details ?? err.description : (err as Error).message}`);
    })));
    if (failures.length) {
      if (created) {
        await this.prisma.primaryStorageClusterRef.deleteMany({ where: { primaryStorageUuid, clusterUuid } });
        await this.prisma.localStorageHostRef.deleteMany({ where: { primaryStorageUuid, hostUuid: { in: hosts.map((h) => h.uuid) } } });
      }
      await this.recalculate(primaryStorageUuid);
      throw Errors.primaryStorageInitFailed(ps.name, failures.join("; "));
    }
    await this.recalculate(primaryStorageUuid);
    return { inventory: primaryStorageInventory(await this.prisma.primaryStorage.findUniqueOrThrow({ where: { uuid: primaryStorageUuid }, include: { clusters: true } })) };
  }

  /**
   * Detaches a primary storage from a cluster (APIDetachPrimaryStorageFromClusterMsg).
   * Refused with SYS.1006 while volumes on it belong to VMs of that cluster. LocalStorage
   * capacity rows of the cluster's hosts are dropped. NFS exports (and AliyunNAS mounted over
   * NFS) are unmounted from the cluster's Connected hosts (hostd /storage/unmount), as ZStack's
   * NfsPrimaryStorageKVMBackend.detachHook does: a host that fails to unmount is logged, not an
   * error, since the detach itself is done. A SharedMountPoint is the user's own mount and is
   * left alone. A shared storage attached to no cluster any more goes back to zero capacity, as
   * when it was added.
   * @throws ApiError SYS.1003 storage or attachment unknown, SYS.1006 volumes in use.
   */
  async detach(caller: Caller, clusterUuid: string, primaryStorageUuid: string) {
    const ps = await this.get(caller, primaryStorageUuid);
    if (!ps.clusters.some((c) => c.clusterUuid === clusterUuid)) throw Errors.resourceNotFound("PrimaryStorageClusterRef", `${primaryStorageUuid} → ${clusterUuid}`);
    const inUse = await this.prisma.volume.findMany({
      where: { primaryStorageUuid, status: { not: "Expunged" }, vmInstance: { clusterUuid } }, select: { uuid: true, name: true }, take: 20,
    });
    if (inUse.length) {
      throw Errors.operationNotAllowed("Detaching the primary storage from this cluster",
        `volumes of VMs in the cluster are on it: ${inUse.map((v) => `${v.name} (${v.uuid})`).join(", ")}`);
    }
    const hosts = await this.prisma.host.findMany({ where: { clusterUuid } });
    const hostUuids = hosts.map((h) => h.uuid);
    await this.prisma.$transaction(async (tx) => {
      await tx.primaryStorageClusterRef.deleteMany({ where: { primaryStorageUuid, clusterUuid } });
      if (ps.type === "LocalStorage") {
        await tx.localStorageHostRef.deleteMany({ where: { primaryStorageUuid, hostUuid: { in: hostUuids } } });
      } else if ((await tx.primaryStorageClusterRef.count({ where: { primaryStorageUuid } })) === 0) {
        await tx.primaryStorage.update({
          where: { uuid: primaryStorageUuid }, data: { totalCapacity: 0n, availableCapacity: 0n, totalPhysicalCapacity: 0n, availablePhysicalCapacity: 0n },
        });
      }
    });
    await this.recalculate(primaryStorageUuid);
    await this.unmountFromHosts(ps, hosts.filter((h) => h.status === "Connected"));
    return primaryStorageInventory(await this.get(caller, primaryStorageUuid));
  }

  /**
   * Unmounts an NFS-mounted storage (NFS, or a registered type whose host spec is NFS) from
   * `hosts` in parallel; other types have nothing mounted by Strata. Failures are logged.
   */
  private async unmountFromHosts(ps: PrimaryStorage, hosts: Host[]): Promise<void> {
    if (ps.type === "LocalStorage" || ps.type === "SharedMountPoint" || !hosts.length) return;
    const driver = this.drivers.get(ps.type);
    const spec = driver
      ? await driver.hostSpec(ps).catch((err: unknown) => void this.log.warn({ err, primaryStorageUuid: ps.uuid }, "no host spec to unmount with"))
      : { type: ps.type, url: ps.url, mountPath: ps.mountPath ?? undefined };
    if (spec?.type !== "NFS" || !spec.mountPath) return;
    await Promise.all(hosts.map((h) =>
      commandHostd(this.hosts.endpoint(h), "/storage/unmount", { url: spec.url, mountPath: spec.mountPath }, 120_000).catch((err: unknown) => {
        this.log.warn({ err, primaryStorageUuid: ps.uuid, hostUuid: h.uuid }, "could not unmount a detached NFS primary storage; it stays mounted on the host");
      })));
  }

  /** Capacity of one storage (APIGetPrimaryStorageCapacityMsg), bytes. */
  async capacityOf(caller: Caller, uuid: string) {
    const inv = primaryStorageInventory(await this.get(caller, uuid));
    return {
      totalCapacity: inv.totalCapacity, availableCapacity: inv.availableCapacity,
      totalPhysicalCapacity: inv.totalPhysicalCapacity, availablePhysicalCapacity: inv.availablePhysicalCapacity,
    };
  }

  /**
   * Per-host capacity of a LocalStorage (APIGetLocalStorageHostDiskCapacityMsg), bytes.
   * @throws ApiError SYS.1003, SYS.1007 when the storage is not LocalStorage.
   */
  async hostCapacities(caller: Caller, uuid: string, hostUuid?: string) {
    const ps = await this.get(caller, uuid);
    if (ps.type !== "LocalStorage") throw Errors.invalidArgument("Per-host capacity exists only for LocalStorage", `${ps.name} is ${ps.type}`);
    const refs = await this.prisma.localStorageHostRef.findMany({ where: { primaryStorageUuid: uuid, ...(hostUuid ? { hostUuid } : {}) }, orderBy: { createDate: "asc" } });
    return {
      inventories: refs.map((r) => ({
        hostUuid: r.hostUuid, totalCapacity: Number(r.totalCapacity), availableCapacity: Number(r.availableCapacity),
        totalPhysicalCapacity: Number(r.totalPhysicalCapacity), availablePhysicalCapacity: Number(r.availablePhysicalCapacity),
      })),
    };
  }

  /**
   * Prepares every primary storage attached to the host's cluster on that host (hostd
   * /storage/init) and refreshes capacity. Called when a host joins or reconnects.
   * @throws ApiError PS.INIT_FAILED naming the storage that failed.
   */
  async prepareHost(hostUuid: string): Promise<void> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) return;
    const storages = await this.prisma.primaryStorage.findMany({ where: { clusters: { some: { clusterUuid: host.clusterUuid } } } });
    for (const ps of storages) {
      try {
        await this.initOnHost(ps, host);
      } catch (err) {
        throw Errors.primaryStorageInitFailed(ps.name, `${host.name} (${host.uuid}): ${err instanceof ApiError ? err.details ?? err.description : (err as Error).message}`);
      }
      await this.recalculate(ps.uuid);
    }
  }

  /**
   * Storage a new volume for a VM on `hostUuid` may go to: attached to the host's cluster,
   * Enabled, Connected, and (LocalStorage) prepared on that host. Most available capacity first.
   * @throws ApiError SYS.1003 unknown host or storage, SYS.1006 given storage not usable there,
   *   PS.NO_AVAILABLE_STORAGE when none is.
   */
  async candidatesFor(hostUuid: string, primaryStorageUuid?: string): Promise<PrimaryStorage[]> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) throw Errors.resourceNotFound("Host", hostUuid);
    const rows = await this.prisma.primaryStorage.findMany({
      where: { clusters: { some: { clusterUuid: host.clusterUuid } }, ...(primaryStorageUuid ? { uuid: primaryStorageUuid } : {}) },
      include: { hosts: { where: { hostUuid } } },
      orderBy: { availableCapacity: "desc" },
    });
    if (primaryStorageUuid && !rows.length) {
      const exists = await this.prisma.primaryStorage.findUnique({ where: { uuid: primaryStorageUuid } });
      if (!exists) throw Errors.resourceNotFound("PrimaryStorage", primaryStorageUuid);
      throw Errors.operationNotAllowed("Placing the volume on this primary storage", `${exists.name} is not attached to cluster ${host.clusterUuid} of host ${host.name}`);
    }
    const usable = rows.filter((ps) => ps.state === "Enabled" && ps.status === "Connected" && (ps.type !== "LocalStorage" || ps.hosts.length > 0));
    if (!usable.length) {
      throw Errors.noPrimaryStorage(primaryStorageUuid
        ? `${rows[0]!.name} is ${rows[0]!.state}/${rows[0]!.status}${rows[0]!.type === "LocalStorage" && !rows[0]!.hosts.length ? ", not prepared on the host" : ""}`
        : `host ${host.name} (${host.uuid}), cluster ${host.clusterUuid}`);
    }
    return usable.map(({ hosts: _h, ...ps }) => ps);
  }

  /**
   * Directory on the hosts where a storage keeps its files: LocalStorage and SharedMountPoint
   * use the url, NFS and AliyunNAS their mount path. Layout below it follows ZStack's: `rootVolumes/`,
   * `dataVolumes/`, `imagecache/`.
   */
  baseDir(ps: Pick<PrimaryStorage, "type" | "url" | "mountPath">): string {
    return (ps.type === "NFS" || ps.type === "AliyunNAS" ? ps.mountPath! : ps.url).replace(/\/+$/, "");
  }

  /**
   * Sets availableCapacity to total minus what volumes (Creating, Ready, Deleted), their
   * snapshots and image caches hold reserved (PrimaryStorageCapacity.reservedBy: what each volume recorded, not its
   * size at today's ratio, so later releases stay exact), per host for LocalStorage, and sums
   * host rows into the storage's totals (ZStack RecalculatePrimaryStorageCapacityMsg).
   * Runs at attach and host preparation, not on the hot path.
   */
  async recalculate(primaryStorageUuid: string): Promise<void> {
    const ps = await this.prisma.primaryStorage.findUnique({ where: { uuid: primaryStorageUuid } });
    if (!ps) return;
    const volumes = await this.prisma.volume.findMany({
      where: { primaryStorageUuid, status: { in: CAPACITY_HOLDING_STATUSES } }, select: { hostUuid: true, size: true, reservedCapacity: true },
    });
    const caches = await this.prisma.imageCache.findMany({ where: { primaryStorageUuid }, select: { hostUuid: true, size: true } });
    const snapshots = await this.prisma.volumeSnapshot.findMany({ where: { primaryStorageUuid }, select: { hostUuid: true, reservedCapacity: true } });
    const reservedOn = (hostUuid?: string) =>
      volumes.filter((v) => hostUuid === undefined || v.hostUuid === hostUuid).reduce((s, v) => s + this.capacity.reservedBy(v), 0n) +
      snapshots.filter((x) => hostUuid === undefined || x.hostUuid === hostUuid).reduce((s, x) => s + x.reservedCapacity, 0n) +
      caches.filter((c) => hostUuid === undefined || c.hostUuid === hostUuid).reduce((s, c) => s + c.size, 0n);
    const clamp = (n: bigint, max: bigint) => (n < 0n ? 0n : n > max ? max : n);
    if (ps.type !== "LocalStorage") {
      await this.prisma.primaryStorage.update({ where: { uuid: ps.uuid }, data: { availableCapacity: clamp(ps.totalCapacity - reservedOn(), ps.totalCapacity) } });
      return;
    }
    await this.prisma.$transaction(async (tx) => {
      const refs = await tx.localStorageHostRef.findMany({ where: { primaryStorageUuid } });
      const sum = { totalCapacity: 0n, availableCapacity: 0n, totalPhysicalCapacity: 0n, availablePhysicalCapacity: 0n };
      for (const r of refs) {
        const available = clamp(r.totalCapacity - reservedOn(r.hostUuid), r.totalCapacity);
        await tx.localStorageHostRef.update({ where: { primaryStorageUuid_hostUuid: { primaryStorageUuid, hostUuid: r.hostUuid } }, data: { availableCapacity: available } });
        sum.totalCapacity += r.totalCapacity;
        sum.availableCapacity += available;
        sum.totalPhysicalCapacity += r.totalPhysicalCapacity;
        sum.availablePhysicalCapacity += r.availablePhysicalCapacity;
      }
      await tx.primaryStorage.update({ where: { uuid: primaryStorageUuid }, data: sum });
    });
  }

  /** Runs hostd /storage/init on one host and stores the capacity it reports. */
  private async initOnHost(ps: PrimaryStorage, host: Host): Promise<void> {
    const mountOptions = ps.type === "NFS"
      ? (await this.prisma.systemTag.findFirst({ where: { resourceUuid: ps.uuid, tag: { startsWith: MOUNT_OPTIONS_TAG } } }))?.tag.slice(MOUNT_OPTIONS_TAG.length)
      : undefined;
    const driver = this.drivers.get(ps.type);
    const spec = driver ? await driver.hostSpec(ps) : { type: ps.type, url: ps.url, mountPath: ps.mountPath ?? undefined, mountOptions };
    const cap = await commandHostd<HostdCapacity>(this.hosts.endpoint(host), "/storage/init", spec, 120_000);
    const total = BigInt(Math.floor(cap.totalCapacity));
    const free = BigInt(Math.floor(cap.availableCapacity));
    if (ps.type === "LocalStorage") {
      const key = { primaryStorageUuid: ps.uuid, hostUuid: host.uuid };
      await this.prisma.localStorageHostRef.upsert({
        where: { primaryStorageUuid_hostUuid: key },
        create: { ...key, totalCapacity: total, availableCapacity: total, totalPhysicalCapacity: total, availablePhysicalCapacity: free },
        update: { totalCapacity: total, totalPhysicalCapacity: total, availablePhysicalCapacity: free },
      });
    } else {
      await this.prisma.primaryStorage.update({
        where: { uuid: ps.uuid }, data: { totalCapacity: total, totalPhysicalCapacity: total, availablePhysicalCapacity: free },
      });
    }
  }

  /** Drops LocalStorage capacity rows of a deleted host and recomputes those storages. */
  private async forgetHost(hostUuid: string): Promise<void> {
    const refs = await this.prisma.localStorageHostRef.findMany({ where: { hostUuid }, select: { primaryStorageUuid: true } });
    await this.prisma.localStorageHostRef.deleteMany({ where: { hostUuid } });
    await this.prisma.imageCache.deleteMany({ where: { hostUuid } });
    for (const r of refs) await this.recalculate(r.primaryStorageUuid);
  }
}
