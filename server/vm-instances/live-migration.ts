import type { Host, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { VmDependencies } from "./deps.ts";
import type { VmInstanceService, VmWithParts } from "./service.ts";
import type { VmState } from "./states.ts";

/** Job type name of APIMigrateVmMsg on a Running or Paused VM (live). */
export const LIVE_MIGRATE_JOB = "LiveMigrateVm";

/** Primary storage every host of an attached cluster reaches at the same path. */
const SHARED_STORAGE_TYPES: ReadonlySet<string> = new Set(["NFS", "SharedMountPoint", "AliyunNAS"]);

/** Seconds the source host's libvirtd gets to move the VM's memory over. */
const MIGRATE_TIMEOUT_S = 1800;

interface LiveMigrateInput {
  vmUuid: string;
  sourceHostUuid: string;
  targetHostUuid: string;
}

/**
 * Live migration of a Running or Paused VM whose volumes all live on shared primary storage
 * (ZStack APIMigrateVmMsg; KVM agent's peer-to-peer `virsh migrate --live`). The VM keeps
 * running: the target host gets its bridges and DHCP entries, its hostd says where its
 * libvirtd is reached (`/vm/migrate/prepare`), and the source hostd sends the domain there
 * (`/vm/migrate`). CPU and memory are reserved on the target before anything moves and given
 * back on the host the VM does not end on.
 *
 * Where the VM runs after a failure, a timeout or a management-node restart is not guessed:
 * both hosts are asked (`/vm/vmsync`) and the record follows the host that has it.
 */
export class VmLiveMigration {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly jobs: JobService,
    private readonly deps: Pick<VmDependencies, "flat">,
  ) {
    jobs.register<LiveMigrateInput>({
      name: LIVE_MIGRATE_JOB, resumable: false,
      perform: (i) => this.perform(i),
      onInterrupted: async (i) => { await this.settle(i); },
    });
  }

  /**
   * Checks and starts a live migration of `vm` (Running or Paused).
   * @throws SYS.1006 (409) a volume on non-shared storage (LocalStorage: stop the VM and migrate
   *   it cold), a source host not Connected, a target that is the source, not Connected/Enabled,
   *   or whose cluster lacks the VM's primary storage or L2 networks; SYS.1003 (404) the target;
   *   VM.NO_AVAILABLE_HOST (409) no target with the CPU and memory.
   */
  async migrate(caller: Caller, req: JobRequest, vm: VmWithParts, hostUuid?: string): Promise<ApiReply> {
    const { source, candidates, eligibleClusters } = await this.candidateHosts(vm);
    const target = hostUuid ? await this.checkTarget(vm, source, hostUuid, candidates, eligibleClusters) : undefined;
    let reserved: Host | undefined;
    for (const h of target ? [target] : candidates) {
      if (await this.vms.allocator.reserveOn(h.uuid, vm.cpuNum, vm.memorySize)) { reserved = h; break; }
    }
    if (!reserved) {
      throw new ApiError("VM.NO_AVAILABLE_HOST", 409, target ? "The target host has not the CPU or memory to run this VM"
        : "No other Connected, Enabled host that reaches the VM's storage and networks has the CPU and memory to run it", `${vm.cpuNum} vCPU, ${vm.memorySize} bytes`);
    }
    const moved = await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.vmInstance.updateMany({ where: { uuid: vm.uuid, state: vm.state, hostUuid: source.uuid }, data: { state: "Migrating" } });
      if (n.count) await emit({ type: "ResourceStateChanged", resourceUuid: vm.uuid, resourceType: "VmInstance", oldState: vm.state, newState: "Migrating", accountUuid: vm.accountUuid });
      return n.count > 0;
    });
    if (!moved) {
      await this.vms.allocator.release(reserved.uuid, vm.cpuNum, vm.memorySize);
      throw Errors.operationNotAllowed("migrateVm of this VM", "its state changed meanwhile; retry");
    }
    return this.jobs.submit(caller, req, LIVE_MIGRATE_JOB, { vmUuid: vm.uuid, sourceHostUuid: source.uuid, targetHostUuid: reserved.uuid });
  }

  /**
   * Hosts a Running or Paused VM could live-migrate to (ZStack APIGetVmMigrationCandidateHostsMsg),
   * most free memory first: Connected, Enabled, not its own, in a cluster of the same hypervisor
   * and architecture to which every primary storage of its volumes and every L2 network of its
   * NICs is attached, with the CPU and memory to run it.
   * @throws SYS.1006 (409) as {@link migrate} for VMs that cannot live-migrate at all.
   */
  async candidateHosts(vm: VmWithParts): Promise<{ source: Host; candidates: Host[]; eligibleClusters: string[] }> {
    const volumes = vm.volumes.filter((v) => v.status !== "Expunged" && v.installPath);
    const psUuids = [...new Set(volumes.map((v) => v.primaryStorageUuid).filter((u): u is string => !!u))];
    const storages = await this.prisma.primaryStorage.findMany({ where: { uuid: { in: psUuids } } });
    const local = storages.find((ps) => !SHARED_STORAGE_TYPES.has(ps.type));
    if (local) {
      throw Errors.operationNotAllowed("Live-migrating this VM",
        `its volumes are on ${local.type} primary storage ${local.name}; live migration needs shared primary storage (NFS, SharedMountPoint, AliyunNAS): stop the VM to migrate it with its volumes`);
    }
    const source = vm.hostUuid ? await this.prisma.host.findUnique({ where: { uuid: vm.hostUuid }, include: { cluster: true } }) : null;
    if (!source) throw Errors.operationNotAllowed("Live-migrating this VM", "it has no host");
    if (source.status !== "Connected") throw Errors.operationNotAllowed("Live-migrating this VM", `its host ${source.name} is ${source.status}`);
    const l2s = [...new Set((await this.prisma.l3Network.findMany({
      where: { uuid: { in: vm.vmNics.map((n) => n.l3NetworkUuid) } }, select: { l2NetworkUuid: true },
    })).map((l) => l.l2NetworkUuid))];
    const clusters = await this.prisma.cluster.findMany({
      where: { hypervisorType: source.cluster.hypervisorType, architecture: source.cluster.architecture, state: "Enabled" },
      select: { uuid: true },
    });
    const psRefs = await this.prisma.primaryStorageClusterRef.findMany({ where: { primaryStorageUuid: { in: psUuids } } });
    const l2Refs = await this.prisma.l2NetworkClusterRef.findMany({ where: { l2NetworkUuid: { in: l2s } } });
    const reaches = (c: string) => psUuids.every((p) => psRefs.some((r) => r.clusterUuid === c && r.primaryStorageUuid === p))
      && l2s.every((l) => l2Refs.some((r) => r.clusterUuid === c && r.l2NetworkUuid === l));
    const eligible = clusters.map((c) => c.uuid).filter(reaches);
    const candidates = (await this.prisma.host.findMany({
      where: { clusterUuid: { in: eligible }, status: "Connected", state: "Enabled", uuid: { not: source.uuid } },
    })).filter((h) => this.vms.allocator.fits(h, vm.cpuNum, vm.memorySize))
      .sort((a, b) => Number((b.totalPhysicalMemory - b.allocatedMemory) - (a.totalPhysicalMemory - a.allocatedMemory)));
    return { source, candidates, eligibleClusters: eligible };
  }

  /** The named target, or why it cannot take the VM. */
  private async checkTarget(vm: VmWithParts, source: Host, hostUuid: string, candidates: Host[], eligibleClusters: string[]): Promise<Host> {
    const h = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!h) throw Errors.resourceNotFound("Host", hostUuid);
    if (h.uuid === source.uuid) throw Errors.operationNotAllowed("Migrating to this host", "the VM is already there");
    if (h.status !== "Connected" || h.state !== "Enabled") throw Errors.operationNotAllowed("Migrating to this host", `it is ${h.status}, ${h.state}`);
    if (candidates.some((c) => c.uuid === h.uuid)) return h;
    if (!eligibleClusters.includes(h.clusterUuid)) {
      throw Errors.operationNotAllowed("Migrating to this host",
        `its cluster ${h.clusterUuid} lacks the VM's primary storage or L2 networks, or another hypervisor or architecture`);
    }
    throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "The target host has not the CPU or memory to run this VM", `${h.name}: ${vm.cpuNum} vCPU, ${vm.memorySize} bytes`);
  }

  private async perform(i: LiveMigrateInput) {
    const vm = (await this.vms.load(i.vmUuid))!;
    const source = await this.prisma.host.findUniqueOrThrow({ where: { uuid: i.sourceHostUuid } });
    const target = await this.prisma.host.findUniqueOrThrow({ where: { uuid: i.targetHostUuid } });
    try {
      await this.vms.prepareHostNetworks(vm, target.uuid);
      const prep = await commandHostd<{ migrationUri?: string; consoleLogPath: string }>(this.hosts.endpoint(target), "/vm/migrate/prepare", { vmInstanceUuid: vm.uuid });
      const ip = target.managementIp.includes(":") ? `[${target.managementIp}]` : target.managementIp;
      await commandHostd(this.hosts.endpoint(source), "/vm/migrate", {
        vmInstanceUuid: vm.uuid,
        // ZStack's default: the target's libvirtd listens on TCP (16509) on its management address.
        destinationUri: prep.migrationUri ?? `qemu+tcp://${ip}/system`,
        dataUri: `tcp://${ip}`,
        consoleLogPath: prep.consoleLogPath,
        sharedStorage: true, // every volume is on NFS/SharedMountPoint/AliyunNAS, checked before the job
        timeout: MIGRATE_TIMEOUT_S,
      }, (MIGRATE_TIMEOUT_S + 60) * 1000);
    } catch (err) {
      // A timeout may hide a migration that completed: the hosts say where the VM is.
      if ((await this.settle(i)) === "target") return { inventory: this.vms.inventory((await this.vms.load(i.vmUuid))!) };
      throw err;
    }
    await this.settle(i);
    return { inventory: this.vms.inventory((await this.vms.load(i.vmUuid))!) };
  }

  /**
   * Ends a live migration from what the hosts report: the VM's record, capacity and DHCP
   * entries follow the host that runs it; the other host's reservation is given back.
   * Neither host running it: Stopped (capacity back on both), or Unknown on the source when
   * the source cannot be asked. Idempotent; does nothing when the VM is no longer Migrating.
   */
  private async settle(i: LiveMigrateInput): Promise<"target" | "source" | "nowhere"> {
    const vm = await this.vms.load(i.vmUuid);
    if (!vm || vm.state !== "Migrating") return vm?.hostUuid === i.targetHostUuid ? "target" : "source";
    const [onTarget, onSource] = await Promise.all([this.stateOn(i.targetHostUuid, vm.uuid), this.stateOn(i.sourceHostUuid, vm.uuid)]);
    const active = (s: string | null | undefined): s is "Running" | "Paused" => s === "Running" || s === "Paused";
    const nics = vm.vmNics.map((n) => ({ l3NetworkUuid: n.l3NetworkUuid, mac: n.mac }));
    if (active(onTarget)) {
      await this.record(vm, onTarget, i.targetHostUuid);
      await this.vms.allocator.release(i.sourceHostUuid, vm.cpuNum, vm.memorySize);
      await this.deps.flat.releaseDhcp(i.sourceHostUuid, nics).catch(() => undefined);
      return "target";
    }
    await this.vms.allocator.release(i.targetHostUuid, vm.cpuNum, vm.memorySize);
    await this.deps.flat.releaseDhcp(i.targetHostUuid, nics).catch(() => undefined);
    if (active(onSource)) {
      await this.record(vm, onSource, i.sourceHostUuid);
      return "source";
    }
    if (onSource === null) {
      await this.record(vm, "Unknown", i.sourceHostUuid); // the host-status handling takes it from here
      return "source";
    }
    await this.vms.allocator.release(i.sourceHostUuid, vm.cpuNum, vm.memorySize);
    await this.record(vm, "Stopped", null);
    return "nowhere";
  }

  /** The domain's state on a host (undefined: not there), or null when the host cannot be asked. */
  private async stateOn(hostUuid: string, vmUuid: string): Promise<string | undefined | null> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) return undefined;
    try {
      const r = await commandHostd<{ states: Record<string, string> }>(this.hosts.endpoint(host), "/vm/vmsync", {}, 30_000);
      return r.states[vmUuid];
    } catch {
      return null;
    }
  }

  private async record(vm: VmWithParts, state: VmState, hostUuid: string | null): Promise<void> {
    const host = hostUuid ? await this.prisma.host.findUnique({ where: { uuid: hostUuid } }) : null;
    await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.vmInstance.updateMany({
        where: { uuid: vm.uuid, state: "Migrating" },
        data: { state, hostUuid, ...(host ? { lastHostUuid: host.uuid, clusterUuid: host.clusterUuid } : {}) },
      });
      if (n.count) await emit({ type: "ResourceStateChanged", resourceUuid: vm.uuid, resourceType: "VmInstance", oldState: "Migrating", newState: state, accountUuid: vm.accountUuid });
    });
  }
}
