import { dirname } from "node:path";
import { z } from "zod";
import type { Host, PrismaClient, Volume } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { Uuid } from "../http/common-schemas.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { CapacityTarget } from "../primary-storage/capacity.ts";
import type { PrimaryStorageService } from "../primary-storage/service.ts";
import type { VmDependencies } from "./deps.ts";
import { assertVmState } from "./extra-states.ts";
import type { VmLiveMigration } from "./live-migration.ts";
import type { VmInstanceService } from "./service.ts";

/** Job type name of APIMigrateVmMsg (cold, local storage). */
export const MIGRATE_JOB = "MigrateVm";

/** Time to copy one volume between hosts, ms. */
const COPY_TIMEOUT_MS = 3_600_000;

/** ZStack APIMigrateVmMsg. */
export const MigrateVmBody = z.object({
  hostUuid: Uuid.optional().describe("Target host; default: the host in the same cluster with the most free memory that fits the VM"),
}).strict();

/**
 * Cold migration of a stopped VM whose volumes are on LocalStorage (ZStack
 * APILocalStorageMigrateVolumeMsg, reached through APIMigrateVmMsg). For each volume the source
 * host writes a flattened copy (`qemu-img convert`, so the target needs no image cache), the
 * target host's hostd pulls it over HTTP from the source's `GET /storage/file/download`
 * (authenticated with the source host's bearer secret, passed in the `/storage/file/pull`
 * command) to the same path on its local storage, and the temporary copy is removed. Then, in
 * one transaction, the volumes point at the target host and the VM's lastHostUuid follows;
 * local-storage capacity moves from the source host's record to the target's (reserved before
 * copying, released on the source after). Finally the source host forgets the VM: domain,
 * DHCP entries, volume files. Any failure before the switch removes what reached the target
 * and leaves the VM Stopped where it was. Running VMs on shared storage: live-migration.ts.
 */
export class VmMigrationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly jobs: JobService,
    private readonly storage: PrimaryStorageService,
    private readonly deps: Pick<VmDependencies, "flat">,
    private readonly live: VmLiveMigration,
  ) {
    jobs.register<{ vmUuid: string; sourceHostUuid: string; targetHostUuid: string }>({
      name: MIGRATE_JOB, resumable: false,
      perform: (i) => this.performMigrate(i.vmUuid, i.sourceHostUuid, i.targetHostUuid),
      // Volumes switch hosts in one transaction at the end: an interrupted copy left them where
      // they were, so the VM is Stopped on its source again (a partial file may stay on the target).
      onInterrupted: async (i) => {
        const vm = await this.prisma.vmInstance.findUnique({ where: { uuid: i.vmUuid } });
        if (vm?.state === "Migrating") await this.vms.setState(vm, "Stopped");
      },
    });
  }

  /**
   * Checks and starts a migration: live (VmLiveMigration) for a Running or Paused VM, cold for
   * a Stopped one.
   * @throws SYS.1003 VM/host, SYS.1006 (409) another state, pass-through devices, (cold) volumes
   *   not on LocalStorage, a target that is the source, in another cluster, not
   *   Connected/Enabled; VM.NO_AVAILABLE_HOST (409); and VmLiveMigration.migrate's errors.
   */
  async migrate(caller: Caller, req: JobRequest, uuid: string, hostUuid?: string): Promise<ApiReply> {
    const vm = await this.vms.get(caller, uuid);
    assertVmState("migrateVm", vm.state);
    // Pass-through devices stay on their host (as in ZStack: no migration with PCI/USB devices).
    const devices = await this.prisma.pciDevice.count({ where: { vmInstanceUuid: uuid } }) + await this.prisma.usbDevice.count({ where: { vmInstanceUuid: uuid } });
    if (devices > 0) throw Errors.operationNotAllowed("Migrating this VM", `it has ${devices} pass-through device(s) of its host; detach them first`);
    if (vm.state === "Running" || vm.state === "Paused") return this.live.migrate(caller, req, vm, hostUuid);
    const volumes = vm.volumes.filter((v) => v.status !== "Expunged" && v.installPath);
    const sourceHostUuid = volumes.find((v) => v.type === "Root")?.hostUuid;
    if (!sourceHostUuid || volumes.some((v) => v.hostUuid !== sourceHostUuid)) {
      throw Errors.operationNotAllowed("Migrating this VM", "only VMs whose volumes are all on one host's LocalStorage are migrated");
    }
    const source = await this.prisma.host.findUniqueOrThrow({ where: { uuid: sourceHostUuid } });
    if (source.status !== "Connected") throw Errors.operationNotAllowed("Migrating this VM", `its host ${source.name} is ${source.status}`);
    const target = await this.pickTarget(vm.cpuNum, vm.memorySize, source, hostUuid);
    const moved = await this.prisma.vmInstance.updateMany({ where: { uuid, state: "Stopped" }, data: { state: "Migrating" } });
    if (moved.count === 0) throw Errors.operationNotAllowed("migrateVm of this VM", "its state changed meanwhile; retry");
    await this.events.emit(this.prisma, { type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "VmInstance", oldState: "Stopped", newState: "Migrating", accountUuid: vm.accountUuid });
    return this.jobs.submit(caller, req, MIGRATE_JOB, { vmUuid: uuid, sourceHostUuid, targetHostUuid: target.uuid });
  }

  /** The named target or the best one in the source's cluster that could run the VM. */
  private async pickTarget(cpuNum: number, memorySize: bigint, source: Host, hostUuid?: string): Promise<Host> {
    const fits = (h: Host) => this.vms.allocator.fits(h, cpuNum, memorySize);
    if (hostUuid) {
      const h = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
      if (!h) throw Errors.resourceNotFound("Host", hostUuid);
      if (h.uuid === source.uuid) throw Errors.operationNotAllowed("Migrating to this host", "the VM is already there");
      if (h.clusterUuid !== source.clusterUuid) {
        throw Errors.operationNotAllowed("Migrating to this host", `it is in cluster ${h.clusterUuid}; local-storage migration stays in cluster ${source.clusterUuid}`);
      }
      if (h.status !== "Connected" || h.state !== "Enabled") throw Errors.operationNotAllowed("Migrating to this host", `it is ${h.status}, ${h.state}`);
      if (!fits(h)) throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "The target host has not the CPU or memory to run this VM", h.name);
      return h;
    }
    const candidates = (await this.prisma.host.findMany({
      where: { clusterUuid: source.clusterUuid, status: "Connected", state: "Enabled", uuid: { not: source.uuid } },
    })).filter(fits).sort((a, b) => Number((b.totalPhysicalMemory - b.allocatedMemory) - (a.totalPhysicalMemory - a.allocatedMemory)));
    if (!candidates[0]) {
      throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "No other Connected, Enabled host in the VM's cluster has the CPU and memory to run it", source.clusterUuid);
    }
    return candidates[0];
  }

  private async performMigrate(vmUuid: string, sourceHostUuid: string, targetHostUuid: string) {
    const vm = (await this.vms.load(vmUuid))!;
    const source = await this.prisma.host.findUniqueOrThrow({ where: { uuid: sourceHostUuid } });
    const target = await this.prisma.host.findUniqueOrThrow({ where: { uuid: targetHostUuid } });
    const src = this.hosts.endpoint(source);
    const dst = this.hosts.endpoint(target);
    const volumes = vm.volumes.filter((v) => v.status !== "Expunged" && v.installPath && v.hostUuid === sourceHostUuid);
    const reserved: { volumeUuid: string; target: CapacityTarget; bytes: bigint }[] = [];
    const copied: string[] = [];
    try {
      for (const v of volumes) {
        const ps = await this.prisma.primaryStorage.findUniqueOrThrow({ where: { uuid: v.primaryStorageUuid! } });
        const t = { uuid: ps.uuid, name: ps.name, hostUuid: target.uuid };
        reserved.push({ volumeUuid: v.uuid, target: t, bytes: await this.storage.capacity.reserve(t, v.size) });
        await this.copy(v, src, dst, source);
        copied.push(v.installPath!);
      }
    } catch (err) {
      for (const path of copied) await commandHostd(dst, "/vm/volume/delete", { installPath: path }).catch(() => undefined);
      for (const r of reserved) await this.storage.capacity.release(r.target, r.bytes);
      await this.vms.setState((await this.vms.load(vmUuid))!, "Stopped");
      throw err;
    }
    await this.prisma.$transaction(async (tx) => {
      for (const v of volumes) {
        const bytes = reserved.find((r) => r.volumeUuid === v.uuid)!.bytes;
        await tx.volume.update({ where: { uuid: v.uuid }, data: { hostUuid: target.uuid, installPath: v.installPath, reservedCapacity: bytes } });
      }
      await tx.vmInstance.update({ where: { uuid: vmUuid }, data: { lastHostUuid: target.uuid, clusterUuid: target.clusterUuid } });
    });
    for (const v of volumes) {
      // What the volume held on the source, as recorded (the ratio may have changed since).
      await this.storage.capacity.release({ uuid: v.primaryStorageUuid!, hostUuid: source.uuid }, this.storage.capacity.reservedBy(v));
    }
    // The source forgets the VM; failures here leave only files, not state, behind.
    await commandHostd(src, "/vm/destroy", { vmInstanceUuid: vmUuid }).catch(() => undefined);
    await this.deps.flat.releaseDhcp(source.uuid, vm.vmNics.map((n) => ({ l3NetworkUuid: n.l3NetworkUuid, mac: n.mac }))).catch(() => undefined);
    const root = volumes.find((v) => v.type === "Root");
    const leftovers = [...volumes.map((v) => v.installPath!), ...(root ? [`${dirname(root.installPath!)}/${vmUuid}-cidata.iso`] : [])];
    for (const path of leftovers) await commandHostd(src, "/vm/volume/delete", { installPath: path }).catch(() => undefined);
    return { inventory: this.vms.inventory(await this.vms.setState((await this.vms.load(vmUuid))!, "Stopped")) };
  }

  /** Source: flattened temporary copy; target: pull it to the volume's path; source: drop the temporary copy. */
  private async copy(v: Volume, src: ReturnType<HostService["endpoint"]>, dst: ReturnType<HostService["endpoint"]>, source: Host): Promise<void> {
    const tmp = `${v.installPath!}.migrating`;
    await commandHostd(src, "/vm/volume/delete", { installPath: tmp }).catch(() => undefined);
    try {
      await commandHostd(src, "/storage/volume/convert", { src: v.installPath, dst: tmp }, COPY_TIMEOUT_MS);
      const ip = source.managementIp.includes(":") ? `[${source.managementIp}]` : source.managementIp;
      const url = `http://${ip}:${source.hostdPort}/storage/file/download?path=${encodeURIComponent(tmp)}`;
      await commandHostd(dst, "/storage/file/pull", { url, secret: src.secret, dst: v.installPath }, COPY_TIMEOUT_MS);
    } finally {
      await commandHostd(src, "/vm/volume/delete", { installPath: tmp }).catch(() => undefined);
    }
  }
}
