/**
 * VM high availability, following ZStack's HA module (premium `org.zstack.ha.HaManagerImpl`;
 * SDK SetVmInstanceHaLevelAction, GetVmInstanceHaLevelAction, DeleteVmInstanceHaLevelAction).
 *
 * A VM's HA level is the system tag `ha::NeverStop` or `ha::OnHostFailure`, as ZStack stored it
 * before VmHaVO. When a host is lost (the ping loop marks it Disconnected, and its VMs go
 * Unknown), each of its VMs with a level whose volumes are all on shared primary storage
 * (NFS, SharedMountPoint, AliyunNAS) attached to its cluster is started on another Connected
 * host of that cluster after `ha/neverStopVm.retryDelay` seconds, by a durable job. VMs without
 * a level, or with a volume on LocalStorage, stay Unknown until their host returns. A NeverStop
 * VM that stops on its own (guest power-off, crash, or found stopped when its host returns) is
 * started again through startVmInstance. When a lost host comes back, domains of VMs that now
 * run elsewhere are destroyed there, so no VM runs twice.
 *
 * The host-loss event is not durable: a management node that stops between a host going
 * Disconnected and the HA jobs being created would leave those VMs Unknown for good. So at node
 * start, and then with every job heartbeat, {@link VmHaService.recoverLostHostVms} looks for VMs
 * with an HA level that are Unknown on a Disconnected host without an HA job running, and starts
 * one (ZStack's HA module likewise re-checks VMs of lost hosts after a management-node restart).
 */
import type { Logger } from "pino";
import { z } from "zod";
import { KeyedMutex } from "../../hostd/keyed-mutex.ts";
import type { PrismaClient, Volume } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import type { EventBus, ResourceEvent } from "../events/service.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import { newUuid } from "../ids.ts";
import type { JobContext, JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";
import type { VmInstanceService, VmWithParts } from "./service.ts";

/** ZStack VmHaLevel values a VM can be given. */
export const HA_LEVELS = ["NeverStop", "OnHostFailure"] as const;
/** One of {@link HA_LEVELS}. */
export type HaLevel = (typeof HA_LEVELS)[number];

/** Body of `POST /v1/vm-instances/{uuid}/ha-levels` (ZStack APISetVmInstanceHaLevelMsg; SDK parameterName "params"). */
export const SetHaLevelBody = z.object({
  params: z.object({
    /** NeverStop: restarted after a host loss and whenever it stops on its own; OnHostFailure: after a host loss only. */
    level: z.enum(HA_LEVELS).describe("NeverStop (restart after host loss and after stopping on its own) or OnHostFailure (after host loss)"),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();

/** Reply of GetVmInstanceHaLevel (ZStack APIGetVmInstanceHaLevelReply): null when the VM has none. */
export const HaLevelReply = z.object({ level: z.enum(HA_LEVELS).nullable() });

/** Job type of an HA restart (ZStack's HA start of a VM after its host failed). */
export const HA_JOB = "HaStartVmInstance";

const HA_TAG = "ha::";
/** Primary storage types every host of an attached cluster reaches (ZStack: not LocalStorage). */
const SHARED_STORAGE_TYPES: ReadonlySet<string> = new Set(["NFS", "SharedMountPoint", "AliyunNAS"]);
/** VM states after which a NeverStop VM found Stopped was stopped behind Strata's back (not by an API). */
const UNASKED_STOP_FROM: ReadonlySet<string> = new Set(["Running", "Paused", "Unknown"]);

/** Input of {@link HA_JOB}. */
interface HaJobInput {
  vmUuid: string;
  /** hostLost: start it elsewhere; stopped: a NeverStop VM stopped on its own, start it again. */
  reason: "hostLost" | "stopped";
  /** The lost host (reason hostLost). */
  lostHostUuid?: string;
}

/**
 * Keeps VMs with an HA level running (see the module comment). Registers {@link HA_JOB} and
 * subscribes to host status and VM state events, so build it before jobs start.
 */
export class VmHaService {
  /** Per VM: the "no HA job running" check and the submit happen as one step in this process. */
  private readonly submits = new KeyedMutex();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly jobs: JobService,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
  ) {
    jobs.register<HaJobInput>({
      name: HA_JOB, resumable: true,
      perform: (i, ctx) => (i.reason === "hostLost" ? this.performFailover(i.vmUuid, i.lostHostUuid!, ctx) : this.performRestart(i.vmUuid, ctx)),
    });
    events.subscribe((e) => void this.onEvent(e).catch((err: unknown) => this.log.warn({ err, event: e.uuid }, "HA event handling failed")));
    jobs.registerRecurring({ name: "HaLostHostSweep", run: async () => void (await this.recoverLostHostVms()) });
  }

  /**
   * Starts the HA handling of a host loss that was missed (the node stopped before creating the
   * jobs): for each KVM VM with an HA level, Unknown on a Disconnected host, whose volumes allow
   * a failover and that has no HA job running, submits the {@link HA_JOB} that the host-loss
   * event would have (it still waits `ha/neverStopVm.retryDelay` and re-checks the host). Does
   * nothing while `ha/enable` is false. Run at node start and with every job heartbeat.
   * @returns the uuids of the VMs a job was submitted for.
   */
  async recoverLostHostVms(): Promise<string[]> {
    if (!this.enabled()) return [];
    const lost = await this.prisma.host.findMany({ where: { status: "Disconnected" }, select: { uuid: true } });
    if (!lost.length) return [];
    const vms = await this.prisma.vmInstance.findMany({
      where: { provider: "KVM", state: "Unknown", hostUuid: { in: lost.map((h) => h.uuid) } }, include: { volumes: true },
    });
    const submitted: string[] = [];
    for (const vm of vms) {
      if (!(await this.levelOf(vm.uuid))) continue;
      const blocker = await this.failoverBlocker(vm);
      if (blocker) {
        this.log.debug({ vmUuid: vm.uuid, hostUuid: vm.hostUuid, blocker }, "HA VM stays Unknown with its lost host");
        continue;
      }
      if (await this.submit({ vmUuid: vm.uuid, reason: "hostLost", lostHostUuid: vm.hostUuid! }, vm.accountUuid)) {
        this.log.info({ vmUuid: vm.uuid, hostUuid: vm.hostUuid }, "HA VM of a lost host had no HA job; started one");
        submitted.push(vm.uuid);
      }
    }
    return submitted;
  }

  /** The VM's HA level (APIGetVmInstanceHaLevelMsg). @throws SYS.1003 when the VM is not the caller's. */
  async getLevel(caller: Caller, vmUuid: string): Promise<{ level: HaLevel | null }> {
    await this.vms.get(caller, vmUuid);
    return { level: await this.levelOf(vmUuid) };
  }

  /**
   * Sets the VM's HA level (APISetVmInstanceHaLevelMsg): replaces its `ha::` system tag. A
   * Stopped VM is not started by it (ZStack inhibits HA for it until it next runs).
   * @throws SYS.1003; VM.HA_NOT_SUPPORTED (409) for a VM of another provider (ECS);
   *   SYS.1006 (409) for a Destroyed or Expunging VM.
   */
  async setLevel(caller: Caller, vmUuid: string, level: HaLevel): Promise<{ level: HaLevel }> {
    const vm = await this.vms.get(caller, vmUuid);
    if (vm.provider !== "KVM") {
      throw new ApiError("VM.HA_NOT_SUPPORTED", 409, "HA levels apply to VMs on Strata's own hosts; this VM is run by another provider",
        `VM ${vm.uuid} has provider ${vm.provider}`);
    }
    if (vm.state === "Destroyed" || vm.state === "Expunging") {
      throw Errors.operationNotAllowed("setVmInstanceHaLevel of this VM", `the VM is ${vm.state}; recover it first`);
    }
    await this.prisma.$transaction(async (tx) => {
      await tx.systemTag.deleteMany({ where: { resourceUuid: vmUuid, tag: { startsWith: HA_TAG } } });
      await tx.systemTag.create({
        data: { uuid: newUuid(), resourceUuid: vmUuid, resourceType: "VmInstance", tag: `${HA_TAG}${level}`, accountUuid: vm.accountUuid },
      });
    });
    return { level };
  }

  /** Removes the VM's HA level (APIDeleteVmInstanceHaLevelMsg); none is no error. @throws SYS.1003. */
  async deleteLevel(caller: Caller, vmUuid: string): Promise<Record<string, never>> {
    await this.vms.get(caller, vmUuid);
    await this.prisma.systemTag.deleteMany({ where: { resourceUuid: vmUuid, tag: { startsWith: HA_TAG } } });
    return {};
  }

  /** The level in the VM's `ha::` tag, or null. */
  async levelOf(vmUuid: string): Promise<HaLevel | null> {
    const t = await this.prisma.systemTag.findFirst({ where: { resourceUuid: vmUuid, tag: { startsWith: HA_TAG } } });
    const level = t?.tag.slice(HA_TAG.length);
    return (HA_LEVELS as readonly string[]).includes(level ?? "") ? (level as HaLevel) : null;
  }

  private enabled(): boolean {
    return this.configs.get("ha", "enable") === "true";
  }

  private async onEvent(e: ResourceEvent): Promise<void> {
    if (e.resourceType === "Host" && e.type === "ResourceStatusChanged") {
      if (e.newState === "Disconnected") await this.onHostLost(e.resourceUuid);
      if (e.newState === "Connected") await this.destroyStaleDomains(e.resourceUuid);
    } else if (e.resourceType === "VmInstance" && e.type === "ResourceStateChanged" && e.newState === "Stopped"
      && UNASKED_STOP_FROM.has(e.oldState ?? "")) {
      if (this.enabled() && (await this.levelOf(e.resourceUuid)) === "NeverStop") await this.submit({ vmUuid: e.resourceUuid, reason: "stopped" }, e.accountUuid);
    }
  }

  /** Submits a failover job for each VM of the lost host that has an HA level and can run elsewhere. */
  private async onHostLost(hostUuid: string): Promise<void> {
    if (!this.enabled()) return;
    const vms = await this.prisma.vmInstance.findMany({
      where: { hostUuid, provider: "KVM", state: { in: ["Running", "Paused", "Unknown"] } }, include: { volumes: true },
    });
    for (const vm of vms) {
      if (!(await this.levelOf(vm.uuid))) continue;
      const blocker = await this.failoverBlocker(vm);
      if (blocker) {
        this.log.info({ vmUuid: vm.uuid, hostUuid, blocker }, "HA VM stays Unknown with its lost host");
        continue;
      }
      await this.submit({ vmUuid: vm.uuid, reason: "hostLost", lostHostUuid: hostUuid }, vm.accountUuid);
    }
  }

  /**
   * Starts an HA job unless one for the VM is still running (a flapping host, or the host-loss
   * event and the sweep at once, must not queue several); true when it started one.
   */
  private submit(input: HaJobInput, accountUuid: string): Promise<boolean> {
    return this.submits.run(input.vmUuid, async () => {
      const pending = await this.prisma.apiJob.count({ where: { jobType: HA_JOB, state: "Running", input: { path: ["input", "vmUuid"], equals: input.vmUuid } } });
      if (pending) return false;
      const caller: Caller = { kind: "system", accountUuid, accountName: "system", accountType: "Normal", isAdmin: false };
      await this.jobs.submit(caller, { apiName: HA_JOB, baseUrl: "" }, HA_JOB, input);
      return true;
    });
  }

  /**
   * Why the VM cannot be started on another host of its cluster, or undefined when it can:
   * every volume must be on shared primary storage that is attached to the VM's cluster and not
   * in maintenance (ZStack HaManagerImpl.checkVmAllVolumePrimaryStorageState).
   */
  private async failoverBlocker(vm: { uuid: string; clusterUuid: string | null; volumes: Volume[] }): Promise<string | undefined> {
    if (!vm.clusterUuid) return "the VM has no cluster";
    for (const v of vm.volumes.filter((x) => x.status !== "Expunged" && x.status !== "Deleted")) {
      if (v.hostUuid) return `volume ${v.uuid} is on LocalStorage of host ${v.hostUuid}`;
      const ps = v.primaryStorageUuid ? await this.prisma.primaryStorage.findUnique({ where: { uuid: v.primaryStorageUuid } }) : null;
      if (!ps || !SHARED_STORAGE_TYPES.has(ps.type)) return `volume ${v.uuid} is not on shared primary storage (${ps?.type ?? "none"})`;
      if (ps.state === "Maintenance") return `primary storage ${ps.name} of volume ${v.uuid} is in maintenance`;
      const attached = await this.prisma.primaryStorageClusterRef.count({ where: { primaryStorageUuid: ps.uuid, clusterUuid: vm.clusterUuid } });
      if (!attached) return `primary storage ${ps.name} is not attached to cluster ${vm.clusterUuid}`;
    }
    return undefined;
  }

  private async grace(): Promise<void> {
    const ms = this.configs.getNumber("ha", "neverStopVm.retryDelay") * 1000;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /**
   * Starts a VM of a lost host on another host of its cluster: after the grace, only if the VM
   * is still Unknown on that host, the host still not Connected and the VM still has a level.
   * Unknown → Starting (conditional, so a returning host's reconcile or a second job cannot
   * race it), the lost host's reservation released, a new host allocated in the cluster and the
   * domain started there (VmInstanceService.allocateHost/startOnHost, the start path), Running.
   * A failure leaves the VM Stopped with nothing reserved. Safe to run again after a restart.
   */
  private async performFailover(vmUuid: string, lostHostUuid: string, ctx: JobContext) {
    await this.grace();
    const vm = await this.vms.load(vmUuid);
    if (!vm) return { skipped: "the VM no longer exists" };
    const skip = (why: string) => ({ inventory: this.vms.inventory(vm), skipped: why });
    if (vm.state !== "Unknown" || vm.hostUuid !== lostHostUuid) return skip(`the VM is ${vm.state} on host ${vm.hostUuid ?? "none"} now`);
    const lost = await this.prisma.host.findUnique({ where: { uuid: lostHostUuid } });
    if (lost?.status === "Connected") return skip("its host is Connected again");
    if (!this.enabled() || !(await this.levelOf(vmUuid))) return skip("HA is off for the VM");
    const blocker = await this.failoverBlocker(vm);
    if (blocker) return skip(blocker);
    const moved = await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.vmInstance.updateMany({ where: { uuid: vmUuid, state: "Unknown", hostUuid: lostHostUuid }, data: { state: "Starting" } });
      if (n.count) {
        await emit({ type: "ResourceStateChanged", resourceUuid: vmUuid, resourceType: "VmInstance", oldState: "Unknown", newState: "Starting",
          accountUuid: vm.accountUuid, details: { ha: "hostLost", lostHostUuid, jobUuid: ctx.jobUuid } });
      }
      return n.count;
    });
    if (!moved) return skip("the VM changed meanwhile");
    let started: VmWithParts;
    try {
      await this.vms.hostsRelease(vmUuid);
      const host = await this.vms.allocateHost(vm, { clusterUuid: vm.clusterUuid!, exclude: [lostHostUuid] });
      await this.vms.startOnHost((await this.vms.load(vmUuid))!, host.uuid);
      started = await this.vms.setState((await this.vms.load(vmUuid))!, "Running");
    } catch (err) {
      await this.vms.hostsRelease(vmUuid);
      await this.vms.setState((await this.vms.load(vmUuid))!, "Stopped");
      throw err;
    }
    ctx.log.info({ vmUuid, from: lostHostUuid, to: started.hostUuid }, "HA started the VM of a lost host elsewhere");
    // The lost host may have returned while the VM started: its reconcile ran before the VM had
    // its new host, so the old domain is destroyed here.
    const back = await this.prisma.host.findUnique({ where: { uuid: lostHostUuid } });
    if (back?.status === "Connected") await commandHostd(this.hosts.endpoint(back), "/vm/destroy", { vmInstanceUuid: vmUuid }).catch(() => undefined);
    return { inventory: this.vms.inventory(started), fromHostUuid: lostHostUuid, toHostUuid: started.hostUuid };
  }

  /** Starts a NeverStop VM that stopped on its own again, after the grace, through startVmInstance. */
  private async performRestart(vmUuid: string, ctx: JobContext) {
    await this.grace();
    const vm = await this.vms.load(vmUuid);
    if (!vm) return { skipped: "the VM no longer exists" };
    if (vm.state !== "Stopped" || !this.enabled() || (await this.levelOf(vmUuid)) !== "NeverStop") {
      return { inventory: this.vms.inventory(vm), skipped: `the VM is ${vm.state}, HA level ${await this.levelOf(vmUuid) ?? "none"}` };
    }
    const reply = await this.vms.action(ctx.caller, { apiName: "StartVmInstance", baseUrl: "" }, vmUuid, "startVmInstance");
    return { startJob: (reply.body as { location?: string }).location };
  }

  /**
   * A host is Connected again: domains it still runs for VMs that Strata now runs on another
   * host (HA moved them) or has stopped are destroyed there, so no VM runs twice. Domains of
   * VMs Strata does not know are left alone; VMs recorded on this host are reconciled by
   * VmInstanceService.
   */
  async destroyStaleDomains(hostUuid: string): Promise<string[]> {
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host || host.status !== "Connected") return [];
    const ep = this.hosts.endpoint(host);
    const { states } = await commandHostd<{ states: Record<string, string> }>(ep, "/vm/vmsync", {});
    const vms = await this.prisma.vmInstance.findMany({ where: { uuid: { in: Object.keys(states) } } });
    const stale = vms.filter((vm) => (vm.hostUuid && vm.hostUuid !== hostUuid)
      || (!vm.hostUuid && states[vm.uuid] !== "Stopped" && (vm.state === "Stopped" || vm.state === "Destroyed")));
    for (const vm of stale) {
      this.log.warn({ vmUuid: vm.uuid, hostUuid, runsOn: vm.hostUuid, domainState: states[vm.uuid] }, "destroying a stale domain on a returned host");
      await commandHostd(ep, "/vm/destroy", { vmInstanceUuid: vm.uuid }, 120_000)
        .catch((err: unknown) => this.log.error({ err, vmUuid: vm.uuid, hostUuid }, "could not destroy a stale domain; the VM may run twice"));
    }
    return stale.map((vm) => vm.uuid);
  }
}
