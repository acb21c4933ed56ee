import type { z } from "zod";
import type { Host, PrismaClient } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { queryReply } from "../query/run.ts";
import type { SecretCipher } from "../secrets/cipher.ts";
import { TagService } from "../tags/service.ts";
import { randomBytes } from "node:crypto";
import type { AgentInstaller, AgentTarget } from "./agents.ts";
import { callHostd, commandHostd, type HostdEndpoint } from "./hostd-client.ts";
import { hostQuerySpec, type AddKvmHostInput, type AddSimulatorHostInput, type UpdateHostBody } from "./schema.ts";

/** SSH credentials as sealed in Host.credentialsEncrypted. */
interface Credentials { password?: string; privateKey?: string; simulated?: { cpuNum: number; totalMemory: number } }

/** Request facts a job-starting API passes through (see JobService.submit). */
export interface JobRequest { apiName: string; jobUuid?: string; webHook?: string; baseUrl: string }

/** Facts hostd reports at /host/fact (hostd/README.md). */
interface HostFacts {
  cpuModelName: string; cpuSockets: number; cpuNum: number; totalMemory: number; architecture: string; domainType: string;
  [k: string]: unknown;
}

/** The facts an operator looks at (hostd /host/fact), as shown in the host inventory. */
function hostFactsSummary(facts: unknown) {
  const f = (facts ?? {}) as Record<string, unknown>;
  const pick = <T>(k: string) => (f[k] ?? null) as T | null;
  return {
    hostname: pick<string>("hostname"), osDistribution: pick<string>("osDistribution"), osVersion: pick<string>("osVersion"),
    kernelVersion: pick<string>("kernelVersion"), libvirtVersion: pick<string>("libvirtVersion"), qemuVersion: pick<string>("qemuVersion"),
    cpuThreads: pick<number>("cpuThreads"), cpuCores: pick<number>("cpuCores"), hvmCpuFlag: pick<string>("hvmCpuFlag"),
    iommuEnabled: pick<boolean>("iommuEnabled"), iommuReady: pick<boolean>("iommuReady"),
  };
}

export const HOST_JOB_TYPES = { add: "AddHost", reconnect: "ReconnectHost", delete: "DeleteHost" } as const;

/**
 * Hosts (ZStack HostManager / KVMHostFactory): adding one installs its agent and handshakes
 * with it in a durable job; a failure at any step removes what was installed and the host row,
 * so no half-added host remains. Status (Connecting/Connected/Disconnected) follows the agent;
 * state (Enabled/Disabled/PreMaintenance/Maintenance) is the operator's.
 */
export class HostService {
  /** Run after each handshake, before the host is marked Connected (e.g. preparing primary storage); a failure fails the connect. */
  readonly connectHooks: ((hostUuid: string) => Promise<void>)[] = [];
  /** Base URL agents send their reports to (see hostd-callbacks.ts); unset until the node listens. */
  callbackBaseUrl: () => string | undefined = () => undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly configs: GlobalConfigService,
    private readonly cipher: SecretCipher,
    private readonly installers: Record<"KVM" | "Simulator", AgentInstaller>,
  ) {
    jobs.register<{ hostUuid: string }>({
      name: HOST_JOB_TYPES.add, resumable: false,
      perform: (i) => this.performAdd(i.hostUuid),
      onInterrupted: (i) => this.discardHalfAdded(i.hostUuid),
    });
    jobs.register<{ hostUuid: string }>({
      name: HOST_JOB_TYPES.reconnect, resumable: true,
      perform: (i) => this.performReconnect(i.hostUuid),
    });
    jobs.register<{ hostUuid: string; deleteMode: "Permissive" | "Enforcing" }>({
      name: HOST_JOB_TYPES.delete, resumable: true,
      perform: (i) => this.performDelete(i.hostUuid, i.deleteMode),
    });
  }

  /** ZStack HostInventory with capacity; never credentials. */
  inventory(h: Host) {
    const cpuRatio = Number(this.configs.get("host", "cpu.overProvisioning.ratio"));
    const memRatio = Number(this.configs.get("host", "memory.overProvisioning.ratio"));
    const totalCpu = Math.floor(h.cpuNum * cpuRatio);
    const totalMemory = Math.floor(Number(h.totalPhysicalMemory) * memRatio);
    return {
      uuid: h.uuid, name: h.name, description: h.description, zoneUuid: h.zoneUuid, clusterUuid: h.clusterUuid,
      managementIp: h.managementIp, hypervisorType: h.hypervisorType, state: h.state, status: h.status,
      architecture: h.architecture, sshPort: h.sshPort, username: h.username, hostdPort: h.hostdPort,
      domainType: h.domainType, cpuModelName: h.cpuModelName, cpuSockets: h.cpuSockets, cpuNum: h.cpuNum,
      totalCpuCapacity: totalCpu, availableCpuCapacity: totalCpu - h.allocatedCpu,
      totalMemoryCapacity: totalMemory, availableMemoryCapacity: totalMemory - Number(h.allocatedMemory),
      totalPhysicalMemory: Number(h.totalPhysicalMemory), lastConnectError: h.lastConnectError,
      facts: hostFactsSummary(h.facts),
      accountUuid: h.accountUuid, createDate: h.createDate.toISOString(), lastOpDate: h.lastOpDate.toISOString(),
    };
  }

  /**
   * Adds a KVM host (APIAddKVMHostMsg) as a job. Synchronous errors: SYS.1007 bad input,
   * SYS.1003 unknown cluster, SYS.1006 cluster not KVM, SYS.1002 an agent already at that address.
   * The job fails with HOST.AUTH_FAILED, HOST.UNREACHABLE, HOST.PREREQUISITE_MISSING,
   * HOST.ARCH_MISMATCH or HOST.DEPLOY_FAILED and leaves nothing behind.
   */
  async addKvm(caller: Caller, req: JobRequest, input: AddKvmHostInput): Promise<ApiReply> {
    const p = input.params;
    return this.create(caller, req, input, {
      clusterUuid: p.clusterUuid, hypervisorType: "KVM", name: p.name, description: p.description,
      managementIp: p.managementIp, sshPort: p.sshPort, username: p.username, hostdPort: p.hostdPort,
      agentAddress: `${p.managementIp}:${p.hostdPort}`, credentials: { password: p.password, privateKey: p.privateKey },
    });
  }

  /** Adds a simulator host (APIAddSimulatorHostMsg) as a job; its agent runs in this process. */
  async addSimulator(caller: Caller, req: JobRequest, input: AddSimulatorHostInput): Promise<ApiReply> {
    const p = input.params;
    return this.create(caller, req, input, {
      clusterUuid: p.clusterUuid, hypervisorType: "Simulator", name: p.name, description: p.description,
      managementIp: "127.0.0.1", sshPort: 22, username: "root", hostdPort: 0, agentAddress: null,
      credentials: { simulated: { cpuNum: p.cpuCapacity, totalMemory: p.memoryCapacity } },
    });
  }

  private async create(caller: Caller, req: JobRequest, input: { params: { resourceUuid?: string }; systemTags?: string[]; userTags?: string[] },
    h: { clusterUuid: string; hypervisorType: "KVM" | "Simulator"; name: string; description?: string; managementIp: string;
      sshPort: number; username: string; hostdPort: number; agentAddress: string | null; credentials: Credentials }): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const cluster = await this.prisma.cluster.findFirst({ where: { uuid: h.clusterUuid, ...ownedBy(caller) } });
    if (!cluster) throw Errors.resourceNotFound("Cluster", h.clusterUuid);
    if (cluster.hypervisorType !== h.hypervisorType) {
      throw Errors.operationNotAllowed(`Adding a ${h.hypervisorType} host to this cluster`,
        `cluster ${cluster.name} has hypervisorType ${cluster.hypervisorType}`);
    }
    const uuid = input.params.resourceUuid ?? newUuid();
    try {
      await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.host.create({
          data: {
            uuid, name: h.name, description: h.description ?? null, zoneUuid: cluster.zoneUuid, clusterUuid: cluster.uuid,
            managementIp: h.managementIp, hypervisorType: h.hypervisorType, state: "Enabled", status: "Connecting",
            architecture: h.hypervisorType === "Simulator" ? cluster.architecture : null,
            sshPort: h.sshPort, username: h.username, hostdPort: h.hostdPort, agentAddress: h.agentAddress,
            credentialsEncrypted: this.cipher.encrypt(JSON.stringify(h.credentials)),
            hostdSecretEncrypted: this.cipher.encrypt(randomBytes(32).toString("base64url")),
            accountUuid: caller.accountUuid,
          },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "Host", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "Host", newState: "Connecting", accountUuid: caller.accountUuid });
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw Errors.duplicate("A host with that managementIp and hostdPort, or that uuid,", h.agentAddress ?? uuid);
      }
      throw err;
    }
    return this.jobs.submit(caller, req, HOST_JOB_TYPES.add, { hostUuid: uuid });
  }

  private async load(hostUuid: string): Promise<Host> {
    const h = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!h) throw Errors.resourceNotFound("Host", hostUuid);
    return h;
  }

  /** The agent's address and secret. */
  endpoint(h: Host): HostdEndpoint {
    return { managementIp: h.managementIp, hostdPort: h.hostdPort, secret: this.cipher.decrypt(h.hostdSecretEncrypted) };
  }

  private agentTarget(h: Host, clusterArchitecture?: string): AgentTarget {
    const c = JSON.parse(this.cipher.decrypt(h.credentialsEncrypted)) as Credentials;
    return {
      uuid: h.uuid, hypervisorType: h.hypervisorType, managementIp: h.managementIp, hostdPort: h.hostdPort,
      secret: this.cipher.decrypt(h.hostdSecretEncrypted), architecture: clusterArchitecture, simulated: c.simulated,
      ssh: h.hypervisorType === "KVM"
        ? { host: h.managementIp, port: h.sshPort, username: h.username, password: c.password, privateKey: c.privateKey }
        : undefined,
    };
  }

  private installer(h: Host): AgentInstaller {
    return this.installers[h.hypervisorType as "KVM" | "Simulator"];
  }

  /** Installs the agent and handshakes; the status becomes Connected. */
  private async connect(h: Host): Promise<Host> {
    const cluster = await this.prisma.cluster.findUniqueOrThrow({ where: { uuid: h.clusterUuid } });
    const { hostdPort } = await this.installer(h).install(this.agentTarget(h, cluster.architecture));
    if (hostdPort !== h.hostdPort) h = await this.prisma.host.update({ where: { uuid: h.uuid }, data: { hostdPort } });
    return this.handshake(h);
  }

  /**
   * Tells the agent its host uuid and reads facts and capacity (hostd /host/connect,
   * /host/fact). Marks the host Connected and emits the status change.
   */
  async handshake(h: Host): Promise<Host> {
    const ep = this.endpoint(h);
    const base = this.callbackBaseUrl();
    await commandHostd(ep, "/host/connect", { hostUuid: h.uuid, ...(base ? { managementNodeCallbackUrl: `${base}/hostd-callbacks` } : {}) });
    const facts = await commandHostd<HostFacts>(ep, "/host/fact", {});
    const { success: _s, ...factFields } = facts as HostFacts & { success?: boolean };
    for (const hook of this.connectHooks) await hook(h.uuid);
    return this.setStatus(h, "Connected", {
      architecture: facts.architecture, domainType: facts.domainType, cpuModelName: facts.cpuModelName,
      cpuSockets: facts.cpuSockets, cpuNum: facts.cpuNum, totalPhysicalMemory: BigInt(Math.floor(facts.totalMemory)),
      facts: factFields as never, lastConnectError: null, pingFailures: 0, lastPingDate: new Date(),
    });
  }

  /**
   * Changes a host's status (with an event when it changes) and other fields in one
   * transaction, only if the status is still what `h` says: the ping loop and a reconnect job
   * may act on the same host at once, and the later one must not undo the earlier.
   * @throws ApiError SYS.1006 when the status changed meanwhile.
   */
  async setStatus(h: Host, status: "Connecting" | "Connected" | "Disconnected", data: Record<string, unknown> = {}): Promise<Host> {
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.host.updateMany({ where: { uuid: h.uuid, status: h.status }, data: { ...data, status } });
      if (n.count === 0) throw Errors.operationNotAllowed("Changing the host's status", `host ${h.uuid} changed or was deleted meanwhile`);
      const row = await tx.host.findUniqueOrThrow({ where: { uuid: h.uuid } });
      if (h.status !== status) {
        await emit({ type: "ResourceStatusChanged", resourceUuid: h.uuid, resourceType: "Host", oldState: h.status, newState: status, accountUuid: h.accountUuid });
      }
      return row;
    });
  }

  private async performAdd(hostUuid: string) {
    const h = await this.load(hostUuid);
    try {
      const connected = await this.connect(h);
      return { inventory: this.inventory(connected) };
    } catch (err) {
      await this.discardHalfAdded(hostUuid);
      throw err;
    }
  }

  /** Removes the agent (best effort) and the host row of a failed or interrupted add. */
  private async discardHalfAdded(hostUuid: string): Promise<void> {
    const h = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!h) return;
    await this.installer(h).remove(this.agentTarget(h)).catch(() => undefined);
    await this.deleteRow(h);
  }

  private async deleteRow(h: Host): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.host.deleteMany({ where: { uuid: h.uuid } });
      await this.tags.detachAll(tx, h.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: h.uuid, resourceType: "Host", oldState: h.status, accountUuid: h.accountUuid });
    });
  }

  private async performReconnect(hostUuid: string) {
    let h = await this.load(hostUuid);
    h = await this.setStatus(h, "Connecting");
    try {
      return { inventory: this.inventory(await this.connect(h)) };
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError("HOST.DEPLOY_FAILED", 502, "Reconnecting the host failed", (err as Error).message);
      await this.setStatus(h, "Disconnected", { lastConnectError: `${e.code}: ${e.details ?? e.description}` });
      throw e;
    }
  }

  private async performDelete(hostUuid: string, deleteMode: "Permissive" | "Enforcing") {
    const h = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!h) return {};
    // The DHCP servers hostd started outlive hostd itself (they keep serving across agent
    // restarts), so a host that leaves Strata gets them stopped first.
    try {
      const ep = this.endpoint(h);
      const r = await callHostd<{ networks: { l3NetworkUuid: string }[] }>(ep, "/network/flatdhcp/list", {});
      for (const n of r.success ? r.networks : []) await callHostd(ep, "/network/flatdhcp/delete", { l3NetworkUuid: n.l3NetworkUuid });
    } catch {
      // The agent is gone: nothing to ask it; removing it below proceeds per deleteMode.
    }
    try {
      await this.installer(h).remove(this.agentTarget(h));
    } catch (err) {
      // Permissive stops here so the operator can fix the host; Enforcing forgets it anyway.
      if (deleteMode === "Permissive") throw err;
    }
    await this.deleteRow(h);
    return {};
  }

  /**
   * Restarts the in-process agents of simulator hosts at management-node start (they live and
   * die with this process) and handshakes with them; KVM hosts keep their agents and are
   * simply pinged again.
   */
  async readoptSimulators(): Promise<void> {
    const sims = await this.prisma.host.findMany({ where: { hypervisorType: "Simulator", status: { not: "Connecting" } } });
    for (const h of sims) {
      try {
        const { hostdPort } = await this.installers.Simulator.install(this.agentTarget(h));
        const row = await this.prisma.host.update({ where: { uuid: h.uuid }, data: { hostdPort } });
        await this.handshake(row);
      } catch (err) {
        await this.setStatus(h, "Disconnected", { lastConnectError: (err as Error).message }).catch(() => undefined);
      }
    }
  }

  /** The host if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<Host> {
    const h = await this.prisma.host.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!h) throw Errors.resourceNotFound("Host", uuid);
    return h;
  }

  /** Queries hosts (APIQueryHostMsg); `format=csv` exports the list. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: hostQuerySpec, delegate: this.prisma.host as never, caller, raw,
      scope: ownedBy(caller), toInventory: (h: Host) => this.inventory(h), csvName: "hosts",
    });
  }

  /** Reconnects a host (APIReconnectHostMsg): redeploys the agent if needed and handshakes, as a job. */
  async reconnect(caller: Caller, req: JobRequest, uuid: string): Promise<ApiReply> {
    const h = await this.get(caller, uuid);
    if (h.status === "Connecting") throw Errors.operationNotAllowed("Reconnecting the host", "it is already Connecting");
    return this.jobs.submit(caller, req, HOST_JOB_TYPES.reconnect, { hostUuid: uuid });
  }

  /** Deletes a host (APIDeleteHostMsg) as a job: removes its agent, then the host. */
  async delete(caller: Caller, req: JobRequest, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<ApiReply> {
    const h = await this.get(caller, uuid);
    if (h.status === "Connecting") throw Errors.operationNotAllowed("Deleting the host", "it is Connecting; wait for its job to finish");
    const vms = await this.prisma.vmInstance.findMany({ where: { OR: [{ hostUuid: uuid }, { lastHostUuid: uuid }], state: { notIn: ["Destroyed"] } }, select: { uuid: true, name: true } });
    if (vms.length && deleteMode === "Permissive") {
      throw Errors.deleteRefused("VMs run on, or are kept on, this host; migrate or delete them first, or use deleteMode=Enforcing",
        vms.map((v) => `${v.name} (${v.uuid})`).join(", "));
    }
    return this.jobs.submit(caller, req, HOST_JOB_TYPES.delete, { hostUuid: uuid, deleteMode });
  }

  /** Updates name, description or SSH credentials (APIUpdateKVMHostMsg). */
  async update(caller: Caller, uuid: string, p: z.infer<typeof UpdateHostBody>) {
    const h = await this.get(caller, uuid);
    const data: Record<string, unknown> = { name: p.name, description: p.description, sshPort: p.sshPort, username: p.username };
    if (p.password || p.privateKey) {
      if (h.hypervisorType !== "KVM") throw Errors.invalidArgument("Simulator hosts have no SSH credentials");
      if (p.password && p.privateKey) throw Errors.invalidArgument("Give one of password and privateKey");
      data.credentialsEncrypted = this.cipher.encrypt(JSON.stringify({ password: p.password, privateKey: p.privateKey }));
    }
    return this.inventory(await this.prisma.host.update({ where: { uuid }, data }));
  }

  /**
   * Changes a host's state (APIChangeHostStateMsg): enable, disable, preMaintain/maintain.
   * With no VMs to migrate yet, maintenance is reached at once; a host in Maintenance is not pinged.
   */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable" | "preMaintain" | "maintain") {
    const h = await this.get(caller, uuid);
    const state = { enable: "Enabled", disable: "Disabled", preMaintain: "Maintenance", maintain: "Maintenance" }[stateEvent];
    if (h.state === state) return this.inventory(h);
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.host.update({ where: { uuid }, data: { state, pingFailures: 0 } });
      await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "Host", oldState: h.state, newState: state, accountUuid: h.accountUuid });
      return r;
    });
    return this.inventory(row);
  }

  /**
   * CPU and memory capacity summed over hosts (APIGetCpuMemoryCapacityMsg), for the hosts
   * the caller sees in the given zones/clusters/hosts (all when none given). Connected,
   * Enabled hosts only: they are the ones VMs can be placed on.
   */
  async capacity(caller: Caller, f: { zoneUuids?: string[]; clusterUuids?: string[]; hostUuids?: string[] }) {
    const hosts = await this.prisma.host.findMany({
      where: {
        ...ownedBy(caller), status: "Connected", state: "Enabled",
        ...(f.zoneUuids?.length ? { zoneUuid: { in: f.zoneUuids } } : {}),
        ...(f.clusterUuids?.length ? { clusterUuid: { in: f.clusterUuids } } : {}),
        ...(f.hostUuids?.length ? { uuid: { in: f.hostUuids } } : {}),
      },
    });
    const sum = { totalCpu: 0, availableCpu: 0, totalMemory: 0, availableMemory: 0, managedCpuNum: 0, hostCount: hosts.length };
    for (const h of hosts) {
      const inv = this.inventory(h);
      sum.totalCpu += inv.totalCpuCapacity;
      sum.availableCpu += inv.availableCpuCapacity;
      sum.totalMemory += inv.totalMemoryCapacity;
      sum.availableMemory += inv.availableMemoryCapacity;
      sum.managedCpuNum += h.cpuNum;
    }
    return sum;
  }
}
