import { dirname } from "node:path";
import type { EcsInstance, Prisma, PrismaClient, VmInstance, VmNic, Volume } from "../../generated/prisma/client.ts";
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
import type { QuotaService } from "../quotas/service.ts";
import { TagService } from "../tags/service.ts";
import type { HostAllocator } from "./allocator.ts";
import type { VmDependencies } from "./deps.ts";
import { vmQuerySpec, type CreateVmInstanceInput } from "./schema.ts";
import { assertAllowed, TRANSIENT, type VmState } from "./states.ts";

/** A VM row with its NICs and volumes. */
export type VmWithParts = VmInstance & { vmNics: VmNic[]; volumes: Volume[]; ecsInstance?: EcsInstance | null };

/** What every load of a VM brings along. */
export const VM_PARTS = { vmNics: true, volumes: true, ecsInstance: true } as const;

/**
 * Runs lifecycle actions of VMs whose provider is not KVM (ECS instances): registered by the
 * provider's module so that `PUT /v1/vm-instances/{uuid}/actions` works for every VM.
 */
export interface VmProviderActions {
  action(caller: Caller, req: JobRequest, vm: VmWithParts, action: string): Promise<ApiReply>;
}

/** Job type names of VM APIs. */
export const VM_JOBS = {
  attachVolume: "AttachDataVolumeToVm", detachVolume: "DetachDataVolumeFromVm",
  create: "CreateVmInstance", start: "StartVmInstance", stop: "StopVmInstance", reboot: "RebootVmInstance",
  pause: "PauseVmInstance", resume: "ResumeVmInstance", destroy: "DestroyVmInstance", expunge: "ExpungeVmInstance",
} as const;

/** A NoCloud-safe host name from a VM name: lowercase letters, digits and dashes, ≤ 63. */
export function hostnameFrom(name: string): string {
  const h = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
  return h || "vm";
}

/**
 * VM instances (ZStack VmInstanceManager): creation and every lifecycle action are durable
 * jobs; bad input and disallowed states are refused synchronously (400/404/409). A failed or
 * interrupted create gives back everything it took (host capacity, IPs, volumes, DHCP entries,
 * the libvirt domain) and leaves no VM; other interrupted actions are resumed.
 */
export class VmInstanceService {
  /** Extra /vm/start fields other modules contribute at every start (e.g. the console password). */
  /** Lifecycle actions of non-KVM VMs, by provider (e.g. "Aliyun"). */
  readonly providerActions = new Map<string, VmProviderActions>();
  readonly startOptionProviders: Array<(vm: VmWithParts) => Promise<Record<string, unknown>>> = [];
  /**
   * Hosts a VM must run on, asked before a host is chosen at create and start (e.g. where its
   * pass-through devices are); `reason` is named in VM.NO_AVAILABLE_HOST when that host is full.
   */
  readonly placementHooks: Array<(vm: VmInstance) => Promise<{ hostUuid: string; reason: string } | undefined>> = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly jobs: JobService,
    private readonly configs: GlobalConfigService,
    private readonly quotas: QuotaService,
    private readonly hosts: HostService,
    readonly allocator: HostAllocator,
    private readonly deps: VmDependencies,
  ) {
    jobs.register<{ vmUuid: string; baseUrl: string }>({
      name: VM_JOBS.create, resumable: false,
      perform: (i, ctx) => this.performCreate(i.vmUuid, i.baseUrl, ctx.caller),
      onInterrupted: (i) => this.discardFailedCreate(i.vmUuid),
    });
    jobs.register<{ vmUuid: string; baseUrl: string }>({ name: VM_JOBS.start, resumable: true, perform: (i) => this.performStart(i.vmUuid) });
    jobs.register<{ vmUuid: string; type: "grace" | "cold"; stopTimeout: number }>({
      name: VM_JOBS.stop, resumable: true, perform: (i) => this.performStop(i.vmUuid, i.type, i.stopTimeout),
    });
    jobs.register<{ vmUuid: string }>({ name: VM_JOBS.reboot, resumable: true, perform: (i) => this.performSimple(i.vmUuid, "/vm/reboot", "Running") });
    jobs.register<{ vmUuid: string }>({ name: VM_JOBS.pause, resumable: true, perform: (i) => this.performSimple(i.vmUuid, "/vm/pause", "Paused") });
    jobs.register<{ vmUuid: string }>({ name: VM_JOBS.resume, resumable: true, perform: (i) => this.performSimple(i.vmUuid, "/vm/resume", "Running") });
    jobs.register<{ vmUuid: string }>({ name: VM_JOBS.destroy, resumable: true, perform: (i) => this.performDestroy(i.vmUuid) });
    jobs.register<{ vmUuid: string }>({ name: VM_JOBS.expunge, resumable: true, perform: (i) => this.performExpunge(i.vmUuid) });
    jobs.register<{ vmUuid: string; volumeUuid: string }>({
      name: VM_JOBS.attachVolume, resumable: true, perform: (i) => this.performAttachVolume(i.vmUuid, i.volumeUuid),
    });
    jobs.register<{ vmUuid: string; volumeUuid: string }>({
      name: VM_JOBS.detachVolume, resumable: true, perform: (i) => this.performDetachVolume(i.vmUuid, i.volumeUuid),
    });
    // A host that disconnects leaves its VMs Unknown; when it is back, its VMs are reconciled.
    events.subscribe((e) => {
      if (e.resourceType === "Host" && e.type === "ResourceStatusChanged") {
        void this.onHostStatus(e.resourceUuid, e.newState ?? "").catch(() => undefined);
      }
    });
  }

  /** ZStack VmInstanceInventory. */
  inventory(vm: VmWithParts) {
    return {
      uuid: vm.uuid, name: vm.name, description: vm.description, zoneUuid: vm.zoneUuid, clusterUuid: vm.clusterUuid,
      hostUuid: vm.hostUuid, lastHostUuid: vm.lastHostUuid, instanceOfferingUuid: vm.instanceOfferingUuid, imageUuid: vm.imageUuid,
      rootVolumeUuid: vm.rootVolumeUuid, defaultL3NetworkUuid: vm.defaultL3NetworkUuid, type: vm.type, hypervisorType: vm.hypervisorType,
      cpuNum: vm.cpuNum, memorySize: Number(vm.memorySize), allocatorStrategy: vm.allocatorStrategy, platform: vm.platform,
      architecture: vm.architecture, state: vm.state, provider: vm.provider, accountUuid: vm.accountUuid,
      createDate: vm.createDate.toISOString(), lastOpDate: vm.lastOpDate.toISOString(),
      // Alibaba's own view of an ECS instance (region, zone, InstanceType, VpcId, VSwitchId,
      // charge type, remote status); null for KVM VMs.
      providerAttributes: vm.ecsInstance ? {
        ecsInstanceUuid: vm.ecsInstance.uuid, ecsInstanceId: vm.ecsInstance.ecsInstanceId, ecsStatus: vm.ecsInstance.ecsStatus,
        regionId: vm.ecsInstance.regionId, zoneId: vm.ecsInstance.zoneId, instanceType: vm.ecsInstance.ecsInstanceType,
        vpcId: vm.ecsInstance.vpcId, vSwitchId: vm.ecsInstance.vSwitchId, chargeType: vm.ecsInstance.chargeType,
        internetChargeType: vm.ecsInstance.internetChargeType, privateIpAddress: vm.ecsInstance.privateIpAddress,
        publicIpAddress: vm.ecsInstance.publicIpAddress,
      } : null,
      vmNics: [...vm.vmNics].sort((a, b) => a.deviceId - b.deviceId).map((n) => ({
        uuid: n.uuid, vmInstanceUuid: n.vmInstanceUuid, l3NetworkUuid: n.l3NetworkUuid, ip: n.ip, mac: n.mac,
        netmask: n.netmask, gateway: n.gateway, deviceId: n.deviceId, internalName: n.internalName,
      })),
      allVolumes: vm.volumes.filter((v) => v.status !== "Expunged").map((v) => ({
        uuid: v.uuid, type: v.type, installPath: v.installPath, size: Number(v.size), deviceId: v.deviceId,
      })),
    };
  }

  /** The VM with NICs and volumes, regardless of owner; null when gone. */
  load(uuid: string): Promise<VmWithParts | null> {
    return this.prisma.vmInstance.findUnique({ where: { uuid }, include: VM_PARTS });
  }

  /**
   * NICs, volumes and ECS attributes of a page of VMs, fetched in parallel (the VM list is
   * the API's hottest read; see tests/bench/api-read.ts).
   */
  private async withParts(vms: VmInstance[]): Promise<VmWithParts[]> {
    const uuids = vms.map((v) => v.uuid);
    if (!uuids.length) return [];
    // Raw SQL with one array parameter: Prisma would compile each of these queries anew.
    const [nics, volumes, ecs] = await Promise.all([
      this.prisma.$queryRawUnsafe<VmNic[]>(`SELECT * FROM "VmNic" WHERE "vmInstanceUuid" = ANY($1::text[])`, uuids),
      this.prisma.$queryRawUnsafe<Volume[]>(`SELECT * FROM "Volume" WHERE "vmInstanceUuid" = ANY($1::text[])`, uuids),
      vms.some((v) => v.provider !== "KVM")
        ? this.prisma.$queryRawUnsafe<EcsInstance[]>(`SELECT * FROM "EcsInstance" WHERE uuid = ANY($1::text[])`, uuids)
        : Promise.resolve([] as EcsInstance[]),
    ]);
    const group = <T>(rows: T[], key: (r: T) => string | null) => {
      const m = new Map<string, T[]>();
      for (const r of rows) {
        const k = key(r);
        if (k !== null) m.set(k, [...(m.get(k) ?? []), r]);
      }
      return m;
    };
    const nicsOf = group(nics, (n) => n.vmInstanceUuid);
    const volumesOf = group(volumes, (v) => v.vmInstanceUuid);
    const ecsOf = new Map(ecs.map((e) => [e.uuid, e]));
    return vms.map((vm) => ({ ...vm, vmNics: nicsOf.get(vm.uuid) ?? [], volumes: volumesOf.get(vm.uuid) ?? [], ecsInstance: ecsOf.get(vm.uuid) ?? null }));
  }

  /** The VM if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<VmWithParts> {
    const vm = await this.prisma.vmInstance.findFirst({ where: { uuid, ...ownedBy(caller) }, include: VM_PARTS });
    if (!vm) throw Errors.resourceNotFound("VmInstance", uuid);
    return vm;
  }

  /** Queries VMs (APIQueryVmInstanceMsg); joined `vmNics.ip=...`; format=csv exports. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: vmQuerySpec, delegate: this.prisma.vmInstance as never, caller, raw, scope: ownedBy(caller),
      sqlTable: "VmInstance", loadParts: (vms: VmInstance[]) => this.withParts(vms), toInventory: (vm: VmWithParts) => this.inventory(vm), csvName: "vm-instances",
    });
  }

  /**
   * Creates a VM (APICreateVmInstanceMsg). Synchronously: validates offerings, image, L3
   * networks and quotas, then records the VM with its NICs, IPs (IPAM) and MACs — so an
   * exhausted network is a 409 at once. The job allocates a host, creates volumes, prepares
   * bridges and DHCP, writes the config drive and starts the domain.
   */
  async create(caller: Caller, req: JobRequest, input: CreateVmInstanceInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const offering = await this.deps.offerings.getInstanceOfferingForUse(caller, p.instanceOfferingUuid);
    const image = await this.deps.images.getImageForVm(caller, p.imageUuid);
    const diskOfferings = [];
    for (const d of p.dataDiskOfferingUuids ?? []) diskOfferings.push(await this.deps.offerings.getDiskOfferingForUse(caller, d));
    const l3Uuids = [...new Set(p.l3NetworkUuids)];
    const defaultL3 = p.defaultL3NetworkUuid ?? l3Uuids[0]!;
    if (!l3Uuids.includes(defaultL3)) throw Errors.invalidArgument("defaultL3NetworkUuid must be one of l3NetworkUuids", defaultL3);
    const l3s = await this.prisma.l3Network.findMany({ where: { uuid: { in: l3Uuids } } });
    for (const uuid of l3Uuids) {
      const l3 = l3s.find((l) => l.uuid === uuid);
      // An L3 network is usable when owned, or shared (admin's public networks are the usual case).
      if (!l3 || (!caller.isAdmin && l3.accountUuid !== caller.accountUuid && !(await this.isShared(caller, "L3Network", uuid)))) {
        throw Errors.resourceNotFound("L3Network", uuid);
      }
      if (l3.state !== "Enabled") throw Errors.operationNotAllowed("Using this L3 network", `L3 network ${l3.name} is ${l3.state}`);
    }
    const zones = [...new Set(l3s.map((l) => l.zoneUuid))];
    if (zones.length > 1) throw Errors.invalidArgument("All L3 networks of a VM must be in one zone", zones.join(", "));
    const zoneUuid = zones[0]!;
    if (p.zoneUuid && p.zoneUuid !== zoneUuid) throw Errors.invalidArgument("zoneUuid differs from the zone of the L3 networks", p.zoneUuid);

    const tags = input.systemTags ?? [];
    const staticIps = new Map<string, string>();
    if (p.staticIp) staticIps.set(defaultL3, p.staticIp);
    for (const t of tags) {
      const m = /^staticIp::([0-9a-f]{32})::(.+)$/.exec(t);
      if (m) staticIps.set(m[1]!, m[2]!);
    }
    const userdataTag = tags.find((t) => t.startsWith("userdata::"))?.slice("userdata::".length);
    if (p.userData && userdataTag) throw Errors.invalidArgument("Give userdata once: params.userData or the userdata:: system tag");
    const hostnameTag = tags.find((t) => t.startsWith("hostname::"))?.slice("hostname::".length);
    if (hostnameTag !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(hostnameTag)) {
      throw Errors.invalidArgument("hostname:: must be a host name (letters, digits, dashes; ≤ 63)", hostnameTag);
    }
    const sshKeys = [...tags.filter((t) => t.startsWith("sshkey::")).map((t) => t.slice("sshkey::".length)), ...(p.sshKey ? [p.sshKey] : [])];
    for (const k of sshKeys) {
      if (!/^(ssh|ecdsa)-[\w@.-]+ [A-Za-z0-9+/=]+( \S+)?$/.test(k.trim())) throw Errors.invalidArgument("An SSH key must be one OpenSSH public key line", k.slice(0, 40));
    }
    const systemTags = [...tags.filter((t) => !t.startsWith("sshkey::") && !t.startsWith("userdata::")),
      ...(p.userData || userdataTag ? [`userdata::${(p.userData ?? userdataTag)!.replace(/\s+/g, "")}`] : []),
      ...sshKeys.map((k) => `sshkey::${k.trim()}`)];

    await this.checkQuotas(caller, offering.cpuNum, offering.memorySize);
    // The root volume takes the image's virtual size; data disks their offerings' sizes.
    await this.deps.volumes.checkQuotas(caller, diskOfferings.length,
      diskOfferings.reduce((sum, o) => sum + BigInt(o.diskSize), BigInt(image.size ?? 0n)));
    const uuid = p.resourceUuid ?? newUuid();
    try {
      await this.events.transaction(this.prisma, async (tx, emit) => {
        await tx.vmInstance.create({
          data: {
            uuid, name: p.name, description: p.description ?? null, zoneUuid, clusterUuid: p.clusterUuid ?? null,
            instanceOfferingUuid: offering.uuid, imageUuid: image.uuid, defaultL3NetworkUuid: defaultL3,
            cpuNum: offering.cpuNum, memorySize: offering.memorySize, allocatorStrategy: offering.allocatorStrategy,
            platform: image.platform, architecture: image.architecture, state: p.strategy === "JustCreate" ? "Created" : "Starting",
            accountUuid: caller.accountUuid,
          },
        });
        let deviceId = 0;
        for (const l3Uuid of l3Uuids) {
          const l3 = l3s.find((l) => l.uuid === l3Uuid)!;
          const nicUuid = newUuid();
          const ip = await this.deps.ipam.allocate(tx, { l3NetworkUuid: l3Uuid, staticIp: staticIps.get(l3Uuid), vmNicUuid: nicUuid });
          await tx.vmNic.create({
            data: {
              uuid: nicUuid, vmInstanceUuid: uuid, l3NetworkUuid: l3Uuid, l2NetworkUuid: l3.l2NetworkUuid, usedIpUuid: ip.usedIpUuid,
              ip: ip.ip, netmask: ip.netmask, gateway: ip.gateway, mac: await this.freeMac(tx, l3.l2NetworkUuid), deviceId,
              internalName: `vnic${deviceId}`,
            },
          });
          deviceId++;
        }
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "VmInstance", accountUuid: caller.accountUuid }, systemTags, input.userTags);
        await tx.systemTag.create({
          data: { uuid: newUuid(), resourceUuid: uuid, resourceType: "VmInstance", accountUuid: caller.accountUuid, inherent: true,
            tag: `vmCreateSpec::${JSON.stringify({ dataDiskOfferingUuids: p.dataDiskOfferingUuids ?? [], hostUuid: p.hostUuid, clusterUuid: p.clusterUuid, primaryStorageUuidForRootVolume: p.primaryStorageUuidForRootVolume, strategy: p.strategy })}` },
        });
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "VmInstance", newState: p.strategy === "JustCreate" ? "Created" : "Starting", accountUuid: caller.accountUuid });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("A VM with that uuid, or an address on one of its networks,", uuid);
      throw err;
    }
    return this.jobs.submit(caller, req, VM_JOBS.create, { vmUuid: uuid, baseUrl: req.baseUrl });
  }

  /** Whether the resource is shared with the caller's account (or public). */
  async isShared(caller: Caller, resourceType: string, uuid: string): Promise<boolean> {
    return (await this.prisma.sharedResource.count({
      where: { resourceType, resourceUuid: uuid, OR: [{ toPublic: true }, { receiverAccountUuid: caller.accountUuid }] },
    })) > 0;
  }

  /** A MAC not used on the L2 network yet (the database's unique index is the final word). */
  async freeMac(tx: Prisma.TransactionClient, l2NetworkUuid: string): Promise<string> {
    for (let i = 0; i < 20; i++) {
      const mac = this.deps.generateMac();
      if (!(await tx.vmNic.findFirst({ where: { l2NetworkUuid, mac }, select: { uuid: true } }))) return mac;
    }
    throw new ApiError("VM.NO_FREE_MAC", 409, "Could not find a free MAC address on the L2 network; retry", l2NetworkUuid);
  }

  private async checkQuotas(caller: Caller, cpuNum: number, memorySize: bigint): Promise<void> {
    const live = { accountUuid: caller.accountUuid, state: { notIn: ["Expunging"] } };
    const count = await this.prisma.vmInstance.count({ where: live });
    const sums = await this.prisma.vmInstance.aggregate({ where: live, _sum: { cpuNum: true, memorySize: true } });
    await this.quotas.check(caller, "vm.num", BigInt(count), 1n);
    await this.quotas.check(caller, "vm.cpuNum", BigInt(sums._sum.cpuNum ?? 0), BigInt(cpuNum));
    await this.quotas.check(caller, "vm.memorySize", sums._sum.memorySize ?? 0n, memorySize);
  }

  private createSpec(vmUuid: string): Promise<{ dataDiskOfferingUuids: string[]; hostUuid?: string; clusterUuid?: string; primaryStorageUuidForRootVolume?: string; strategy: string }> {
    return this.prisma.systemTag.findFirst({ where: { resourceUuid: vmUuid, tag: { startsWith: "vmCreateSpec::" } } })
      .then((t) => JSON.parse(t?.tag.slice("vmCreateSpec::".length) ?? "{}"));
  }

  /** Sets the VM's state (with an event when it changes) and returns it reloaded. */
  async setState(vm: VmInstance, state: VmState, data: Prisma.VmInstanceUpdateInput = {}): Promise<VmWithParts> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.vmInstance.update({ where: { uuid: vm.uuid }, data: { ...data, state } });
      if (vm.state !== state) {
        await emit({ type: "ResourceStateChanged", resourceUuid: vm.uuid, resourceType: "VmInstance", oldState: vm.state, newState: state, accountUuid: vm.accountUuid });
      }
    });
    return (await this.load(vm.uuid))!;
  }

  private async performCreate(vmUuid: string, baseUrl: string, caller: Caller) {
    const vm = await this.load(vmUuid);
    if (!vm) throw Errors.resourceNotFound("VmInstance", vmUuid);
    const spec = await this.createSpec(vmUuid);
    try {
      // JustCreate: host, volumes and networks are chosen now; the domain starts on startVmInstance.
      const pin = await this.pinnedHost(vm);
      if (pin && spec.hostUuid && spec.hostUuid !== pin.hostUuid) {
        throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "The VM cannot run on the host asked for; leave hostUuid out or pick that host",
          `hostUuid ${spec.hostUuid}, but the VM must run on host ${pin.hostUuid} (${pin.reason})`);
      }
      const host = await this.allocateHost(vm, { hostUuid: spec.hostUuid, clusterUuid: spec.clusterUuid, requireHostUuid: pin?.hostUuid, requireReason: pin?.reason });
      const root = await this.deps.volumes.createRootVolume({
        caller, vmInstanceUuid: vm.uuid, hostUuid: host.uuid, imageUuid: vm.imageUuid!, baseUrl,
        primaryStorageUuid: spec.primaryStorageUuidForRootVolume, name: `ROOT-for-${vm.name}`,
      });
      await this.prisma.volume.update({ where: { uuid: root.uuid }, data: { deviceId: 0 } });
      await this.prisma.vmInstance.update({ where: { uuid: vm.uuid }, data: { rootVolumeUuid: root.uuid } });
      let deviceId = 1;
      for (const offeringUuid of spec.dataDiskOfferingUuids) {
        const offering = await this.deps.offerings.getDiskOfferingForUse(caller, offeringUuid);
        const data = await this.deps.volumes.createDataVolume({
          caller, vmInstanceUuid: vm.uuid, hostUuid: host.uuid, size: offering.diskSize, diskOfferingUuid: offering.uuid, name: `DATA-for-${vm.name}`,
        });
        await this.prisma.volume.update({ where: { uuid: data.uuid }, data: { deviceId: deviceId++, vmInstanceUuid: vm.uuid } });
      }
      if (spec.strategy === "JustCreate") {
        await this.hostsRelease(vm.uuid);
        return { inventory: this.inventory((await this.setState((await this.load(vm.uuid))!, "Stopped"))) };
      }
      await this.startOnHost((await this.load(vm.uuid))!, host.uuid);
      return { inventory: this.inventory(await this.setState((await this.load(vm.uuid))!, "Running")) };
    } catch (err) {
      await this.discardFailedCreate(vmUuid);
      throw err;
    }
  }

  /**
   * Reserves host capacity for the VM and records the host; `exclude` names hosts not to use (HA: the lost one).
   * @throws VM.NO_AVAILABLE_HOST (503 in the job).
   */
  async allocateHost(vm: VmInstance, f: { hostUuid?: string; clusterUuid?: string; requireHostUuid?: string; requireReason?: string; exclude?: string[] }) {
    const l3s = await this.prisma.vmNic.findMany({ where: { vmInstanceUuid: vm.uuid }, select: { l3NetworkUuid: true } });
    if (!vm.zoneUuid) throw Errors.operationNotAllowed("Allocating a host", `VM ${vm.uuid} has no zone (provider ${vm.provider})`);
    const host = await this.allocator.allocate({
      zoneUuid: vm.zoneUuid, clusterUuid: f.clusterUuid ?? undefined, hostUuid: f.hostUuid, requireHostUuid: f.requireHostUuid,
      lastHostUuid: vm.lastHostUuid ?? undefined, architecture: vm.architecture, cpuNum: vm.cpuNum, memorySize: vm.memorySize,
      l3NetworkUuids: l3s.map((n) => n.l3NetworkUuid), strategy: vm.allocatorStrategy, exclude: f.exclude,
    });
    if (!host) {
      throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "No Connected, Enabled host has the capacity, networks, storage and architecture this VM needs",
        `${vm.cpuNum} vCPU, ${vm.memorySize} bytes, ${vm.architecture}${f.requireHostUuid ? `, on host ${f.requireHostUuid} (${f.requireReason ?? "its volumes are there"})` : ""}`);
    }
    await this.prisma.vmInstance.update({ where: { uuid: vm.uuid }, data: { hostUuid: host.uuid, lastHostUuid: host.uuid, clusterUuid: host.clusterUuid } });
    return host;
  }

  /**
   * The host the VM is pinned to: by local storage (`storageHost`) or a placement hook.
   * @throws VM.NO_AVAILABLE_HOST (409) when two of them name different hosts.
   */
  private async pinnedHost(vm: VmInstance, storageHost?: string): Promise<{ hostUuid: string; reason: string } | undefined> {
    const pins = [...(storageHost ? [{ hostUuid: storageHost, reason: "its volumes are there" }] : []),
      ...(await Promise.all(this.placementHooks.map((h) => h(vm)))).filter((p) => p !== undefined)];
    const [first] = pins;
    const other = pins.find((p) => p.hostUuid !== first?.hostUuid);
    if (first && other) {
      throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "The VM is pinned to two different hosts; move what pins it to one host",
        `host ${first.hostUuid} (${first.reason}) and host ${other.hostUuid} (${other.reason})`);
    }
    return first && { hostUuid: first.hostUuid, reason: [...new Set(pins.map((p) => p.reason))].join("; ") };
  }

  /** Gives back the host capacity the VM holds and clears its hostUuid. */
  async hostsRelease(vmUuid: string): Promise<void> {
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid: vmUuid } });
    if (!vm?.hostUuid) return;
    await this.allocator.release(vm.hostUuid, vm.cpuNum, vm.memorySize);
    await this.prisma.vmInstance.update({ where: { uuid: vmUuid }, data: { hostUuid: null } });
  }

  /**
   * Readies a host for the VM's NICs: the bridges of their L2 networks and the flat DHCP
   * entries (the guest hostname on the default network). Returns the bridge per L3 uuid.
   */
  async prepareHostNetworks(vm: VmWithParts, hostUuid: string): Promise<{ bridges: Record<string, string>; tags: string[]; hostname: string }> {
    const nics = [...vm.vmNics].sort((a, b) => a.deviceId - b.deviceId);
    const bridges = await this.deps.flat.prepareHostNetworks(hostUuid, [...new Set(nics.map((n) => n.l3NetworkUuid))]);
    const tags = (await this.prisma.systemTag.findMany({ where: { resourceUuid: vm.uuid } })).map((t) => t.tag);
    const hostname = tags.find((t) => t.startsWith("hostname::"))?.slice("hostname::".length) ?? hostnameFrom(vm.name);
    await this.deps.flat.applyDhcp(hostUuid, nics.filter((n) => n.ip).map((n) => ({
      l3NetworkUuid: n.l3NetworkUuid, mac: n.mac, ip: n.ip!, hostname: n.l3NetworkUuid === vm.defaultL3NetworkUuid ? hostname : undefined,
    })));
    return { bridges, tags, hostname };
  }

  /** Bridges, DHCP, config drive, then the domain itself (hostd /vm/start). */
  async startOnHost(vm: VmWithParts, hostUuid: string): Promise<void> {
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: hostUuid } });
    const ep = this.hosts.endpoint(host);
    const nics = [...vm.vmNics].sort((a, b) => a.deviceId - b.deviceId);
    const { bridges, tags, hostname } = await this.prepareHostNetworks(vm, hostUuid);
    const root = vm.volumes.find((v) => v.type === "Root" && v.status !== "Expunged");
    if (!root?.installPath) throw new ApiError("VM.NO_ROOT_VOLUME", 409, "The VM has no root volume", vm.uuid);
    const sshKeys = tags.filter((t) => t.startsWith("sshkey::")).map((t) => t.slice("sshkey::".length));
    const userdataB64 = tags.find((t) => t.startsWith("userdata::"))?.slice("userdata::".length);
    let userData = userdataB64 ? Buffer.from(userdataB64, "base64").toString("utf8") : "";
    if (!userData && sshKeys.length) userData = `#cloud-config\nssh_authorized_keys:\n${sshKeys.map((k) => `  - ${k}`).join("\n")}\n`;
    const configDrive = `${dirname(root.installPath)}/${vm.uuid}-cidata.iso`;
    await commandHostd(ep, "/vm/configdrive/create", {
      installPath: configDrive,
      metaData: { "instance-id": vm.uuid, "local-hostname": hostname, ...(sshKeys.length ? { "public-keys": sshKeys } : {}) },
      userData,
    }, 60_000);
    const data = vm.volumes.filter((v) => v.type === "Data" && v.status === "Ready" && v.installPath)
      .sort((a, b) => (a.deviceId ?? 0) - (b.deviceId ?? 0));
    // vm/numa: headroom for online CPU/memory growth up to the host's size (ZStack's NUMA hot-plug).
    const headroom = this.configs.get("vm", "numa") === "true"
      ? { maxCpuNum: Math.min(512, Math.max(vm.cpuNum, host.cpuNum)), maxMemorySize: Math.max(Number(vm.memorySize), Number(host.totalPhysicalMemory)) } : {};
    await commandHostd(ep, "/vm/start", {
      vmInstanceUuid: vm.uuid, cpuNum: vm.cpuNum, memorySize: Number(vm.memorySize), ...headroom,
      domainType: host.domainType ?? undefined,
      rootVolume: { installPath: root.installPath, format: "qcow2" },
      dataVolumes: data.map((v) => ({ installPath: v.installPath!, format: v.format as "qcow2" })),
      nics: nics.map((n) => ({ mac: n.mac, bridgeName: bridges[n.l3NetworkUuid] })),
      configDrive: { installPath: configDrive },
      ...Object.assign({}, ...(await Promise.all(this.startOptionProviders.map((p) => p(vm))))),
    }, 120_000);
  }

  /** Undoes a create: domain, DHCP entries, volumes, host capacity, IPs, NICs, and the VM row. */
  async discardFailedCreate(vmUuid: string): Promise<void> {
    const vm = await this.load(vmUuid);
    if (!vm) return;
    await this.teardown(vm).catch(() => undefined);
    await this.deleteVm(vm);
  }

  /** Removes what a VM holds on its host and storage; the VM row and IPs stay. */
  private async teardown(vm: VmWithParts): Promise<void> {
    const hostUuid = vm.hostUuid ?? vm.lastHostUuid;
    if (hostUuid) {
      const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
      if (host) {
        await commandHostd(this.hosts.endpoint(host), "/vm/destroy", { vmInstanceUuid: vm.uuid }).catch(() => undefined);
        await this.deps.flat.releaseDhcp(hostUuid, vm.vmNics.map((n) => ({ l3NetworkUuid: n.l3NetworkUuid, mac: n.mac }))).catch(() => undefined);
      }
    }
    for (const v of vm.volumes) {
      if (v.status !== "Expunged") await this.deps.volumes.expungeVolume(v.uuid).catch(() => undefined);
    }
    await this.hostsRelease(vm.uuid);
  }

  private async deleteVm(vm: VmWithParts): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      for (const n of vm.vmNics) if (n.usedIpUuid) await this.deps.ipam.release(tx, n.usedIpUuid);
      await tx.vmNic.deleteMany({ where: { vmInstanceUuid: vm.uuid } });
      await tx.volume.deleteMany({ where: { vmInstanceUuid: vm.uuid } });
      await tx.vmInstance.deleteMany({ where: { uuid: vm.uuid } });
      await this.tags.detachAll(tx, vm.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: vm.uuid, resourceType: "VmInstance", oldState: vm.state, accountUuid: vm.accountUuid });
    });
  }

  /**
   * Runs a lifecycle action (APIStartVmInstanceMsg, APIStopVmInstanceMsg, ...) as a job after
   * checking the VM's state allows it.
   * @throws SYS.1006 (409) naming the state when it does not.
   */
  async action(caller: Caller, req: JobRequest, uuid: string, action: keyof typeof TRANSIENT | "recoverVmInstance", input: Record<string, unknown> = {}): Promise<ApiReply> {
    const vm = await this.get(caller, uuid);
    if (vm.provider !== "KVM") {
      const remote = this.providerActions.get(vm.provider);
      if (!remote) throw Errors.operationNotAllowed(`${action} of this VM`, `no module handles provider ${vm.provider}`);
      return remote.action(caller, req, vm, action);
    }
    assertAllowed(action, vm.state);
    if (action === "recoverVmInstance") {
      return { body: { inventory: this.inventory(await this.setState(vm, "Stopped", { destroyedDate: null })) } };
    }
    // The transient state is set before the job starts, so a second action is refused at once.
    const moved = await this.prisma.vmInstance.updateMany({ where: { uuid, state: vm.state }, data: { state: TRANSIENT[action]! } });
    if (moved.count === 0) throw Errors.operationNotAllowed(`${action} of this VM`, "its state changed meanwhile; retry");
    await this.events.emit(this.prisma, { type: "ResourceStateChanged", resourceUuid: uuid, resourceType: "VmInstance", oldState: vm.state, newState: TRANSIENT[action]!, accountUuid: vm.accountUuid });
    const job = { startVmInstance: VM_JOBS.start, stopVmInstance: VM_JOBS.stop, rebootVmInstance: VM_JOBS.reboot, pauseVmInstance: VM_JOBS.pause,
      resumeVmInstance: VM_JOBS.resume, destroyVmInstance: VM_JOBS.destroy, expungeVmInstance: VM_JOBS.expunge }[action];
    return this.jobs.submit(caller, req, job!, { vmUuid: uuid, baseUrl: req.baseUrl, previousState: vm.state, ...input });
  }

  private async performStart(vmUuid: string) {
    const vm = (await this.load(vmUuid))!;
    try {
      const root = vm.volumes.find((v) => v.type === "Root");
      // Volumes on local storage pin the VM to their host.
      const host = vm.hostUuid
        ? await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } })
        : await this.pinnedHost(vm, root?.hostUuid ?? undefined).then((pin) => this.allocateHost(vm, { requireHostUuid: pin?.hostUuid, requireReason: pin?.reason }));
      await this.startOnHost((await this.load(vmUuid))!, host.uuid);
      return { inventory: this.inventory(await this.setState((await this.load(vmUuid))!, "Running")) };
    } catch (err) {
      await this.hostsRelease(vmUuid);
      await this.setState((await this.load(vmUuid))!, "Stopped");
      throw err;
    }
  }

  private async performStop(vmUuid: string, type: "grace" | "cold", stopTimeout: number) {
    const vm = (await this.load(vmUuid))!;
    const hostUuid = vm.hostUuid ?? vm.lastHostUuid;
    if (hostUuid) {
      const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: hostUuid } });
      try {
        await commandHostd(this.hosts.endpoint(host), "/vm/stop", { vmInstanceUuid: vm.uuid, type, timeout: stopTimeout }, (stopTimeout + 30) * 1000);
      } catch (err) {
        await this.setState(vm, "Unknown");
        throw err;
      }
    }
    await this.hostsRelease(vmUuid);
    return { inventory: this.inventory(await this.setState((await this.load(vmUuid))!, "Stopped")) };
  }

  private async performSimple(vmUuid: string, command: string, done: VmState) {
    const vm = (await this.load(vmUuid))!;
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid! } });
    try {
      await commandHostd(this.hosts.endpoint(host), command, { vmInstanceUuid: vm.uuid }, 120_000);
    } catch (err) {
      // The hypervisor said no: the VM is where it was (ZStack sets it back likewise).
      const previous: VmState = command === "/vm/resume" ? "Paused" : "Running";
      await this.setState(vm, previous);
      throw err;
    }
    return { inventory: this.inventory(await this.setState(vm, done)) };
  }

  /**
   * Destroys a VM (APIDestroyVmInstanceMsg): powers it off and undefines it, keeping its volumes
   * and IPs in the recycle bin (state Destroyed) unless vm/deletionPolicy is Direct, which
   * expunges at once.
   */
  private async performDestroy(vmUuid: string) {
    const vm = (await this.load(vmUuid))!;
    const hostUuid = vm.hostUuid ?? vm.lastHostUuid;
    if (hostUuid) {
      const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
      if (host) {
        await commandHostd(this.hosts.endpoint(host), "/vm/destroy", { vmInstanceUuid: vm.uuid }, 120_000);
        await this.deps.flat.releaseDhcp(hostUuid, vm.vmNics.map((n) => ({ l3NetworkUuid: n.l3NetworkUuid, mac: n.mac }))).catch(() => undefined);
      }
    }
    await this.hostsRelease(vmUuid);
    const destroyed = await this.setState((await this.load(vmUuid))!, "Destroyed", { destroyedDate: new Date() });
    if (this.configs.get("vm", "deletionPolicy") === "Direct") return this.performExpunge(vmUuid);
    return { inventory: this.inventory(destroyed) };
  }

  /** Expunges a destroyed VM (APIExpungeVmInstanceMsg): domain, volume files, IPs, NICs, the VM. */
  private async performExpunge(vmUuid: string) {
    const vm = await this.load(vmUuid);
    if (!vm) return {};
    await this.teardown(vm);
    await this.deleteVm((await this.load(vmUuid))!);
    return {};
  }

  /** Expunges VMs Destroyed longer than vm/expungePeriod under the Delay policy. */
  async expungeExpired(): Promise<void> {
    if (this.configs.get("vm", "deletionPolicy") !== "Delay") return;
    const before = new Date(Date.now() - this.configs.getNumber("vm", "expungePeriod") * 1000);
    const vms = await this.prisma.vmInstance.findMany({ where: { state: "Destroyed", destroyedDate: { lt: before } } });
    for (const vm of vms) {
      const moved = await this.prisma.vmInstance.updateMany({ where: { uuid: vm.uuid, state: "Destroyed" }, data: { state: "Expunging" } });
      if (moved.count) await this.performExpunge(vm.uuid).catch(() => undefined);
    }
  }

  /**
   * Attaches a data volume to a VM (APIAttachDataVolumeToVmMsg), hot-plugging it when the VM
   * runs. A NotInstantiated volume is created on the VM's host storage first; a volume on local
   * storage must already be on the VM's host.
   * @throws SYS.1006 (409) for a VM state, volume type/status or host that does not allow it.
   */
  async attachDataVolume(caller: Caller, req: JobRequest, volumeUuid: string, vmUuid: string): Promise<ApiReply> {
    const vm = await this.get(caller, vmUuid);
    assertAllowed("attachDataVolume", vm.state);
    const v = await this.prisma.volume.findFirst({ where: { uuid: volumeUuid, ...ownedBy(caller) } });
    if (!v) throw Errors.resourceNotFound("Volume", volumeUuid);
    if (v.type !== "Data") throw Errors.operationNotAllowed("Attaching this volume", "it is a root volume");
    if (v.vmInstanceUuid) throw Errors.operationNotAllowed("Attaching this volume", `it is attached to VM ${v.vmInstanceUuid}`);
    if (v.status !== "Ready" && v.status !== "NotInstantiated") throw Errors.operationNotAllowed("Attaching this volume", `it is ${v.status}`);
    if (v.state !== "Enabled") throw Errors.operationNotAllowed("Attaching this volume", "it is Disabled");
    const vmHost = vm.hostUuid ?? vm.lastHostUuid;
    if (v.hostUuid && vmHost && v.hostUuid !== vmHost) {
      throw Errors.operationNotAllowed("Attaching this volume", `it is on local storage of host ${v.hostUuid}, the VM is on ${vmHost}`);
    }
    if (!vmHost) throw Errors.operationNotAllowed("Attaching this volume", "the VM has never run on a host");
    return this.jobs.submit(caller, req, VM_JOBS.attachVolume, { vmUuid, volumeUuid });
  }

  /** Detaches a data volume from its VM (APIDetachDataVolumeFromVmMsg), hot-unplugging it when the VM runs. */
  async detachDataVolume(caller: Caller, req: JobRequest, volumeUuid: string): Promise<ApiReply> {
    const v = await this.prisma.volume.findFirst({ where: { uuid: volumeUuid, ...ownedBy(caller) } });
    if (!v) throw Errors.resourceNotFound("Volume", volumeUuid);
    if (v.type !== "Data" || !v.vmInstanceUuid) throw Errors.operationNotAllowed("Detaching this volume", "it is not a data volume attached to a VM");
    const vm = await this.get(caller, v.vmInstanceUuid);
    assertAllowed("attachDataVolume", vm.state);
    return this.jobs.submit(caller, req, VM_JOBS.detachVolume, { vmUuid: vm.uuid, volumeUuid });
  }

  private async performAttachVolume(vmUuid: string, volumeUuid: string) {
    const vm = (await this.load(vmUuid))!;
    const hostUuid = (vm.hostUuid ?? vm.lastHostUuid)!;
    let v = await this.prisma.volume.findUniqueOrThrow({ where: { uuid: volumeUuid } });
    if (v.status === "NotInstantiated") v = await this.deps.volumes.instantiateDataVolume(volumeUuid, hostUuid, vmUuid);
    const deviceId = Math.max(0, ...vm.volumes.filter((x) => x.status !== "Expunged").map((x) => x.deviceId ?? 0)) + 1;
    await this.prisma.volume.update({ where: { uuid: volumeUuid }, data: { vmInstanceUuid: vmUuid, deviceId } });
    if (vm.hostUuid && (vm.state === "Running" || vm.state === "Paused")) {
      const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } });
      try {
        await commandHostd(this.hosts.endpoint(host), "/vm/volume/attach", { vmInstanceUuid: vmUuid, installPath: v.installPath, format: v.format }, 60_000);
      } catch (err) {
        await this.prisma.volume.update({ where: { uuid: volumeUuid }, data: { vmInstanceUuid: null, deviceId: null } });
        throw err;
      }
    }
    return { inventory: this.inventory((await this.load(vmUuid))!) };
  }

  private async performDetachVolume(vmUuid: string, volumeUuid: string) {
    const vm = (await this.load(vmUuid))!;
    const v = await this.prisma.volume.findUniqueOrThrow({ where: { uuid: volumeUuid } });
    if (vm.hostUuid && (vm.state === "Running" || vm.state === "Paused") && v.installPath) {
      const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } });
      await commandHostd(this.hosts.endpoint(host), "/vm/volume/detach", { vmInstanceUuid: vmUuid, installPath: v.installPath }, 60_000);
    }
    await this.prisma.volume.update({ where: { uuid: volumeUuid }, data: { vmInstanceUuid: null, deviceId: null } });
    return { inventory: this.inventory((await this.load(vmUuid))!) };
  }

  /**
   * A VM changed state on its host without being told to (hostd's state report: shut down
   * from inside, crashed, or killed): record it, with an event, and free the host's capacity
   * when it stopped. Reports about VMs in a transient state are ignored; their job decides.
   */
  async onHypervisorReport(hostUuid: string, vmUuid: string, to: string): Promise<void> {
    const vm = await this.prisma.vmInstance.findUnique({ where: { uuid: vmUuid } });
    if (!vm || vm.hostUuid !== hostUuid || !["Running", "Paused", "Unknown", "Stopped"].includes(vm.state)) return;
    const state: VmState = to === "Running" ? "Running" : to === "Paused" ? "Paused" : "Stopped";
    if (state === vm.state) return;
    if (state === "Stopped") await this.hostsRelease(vm.uuid);
    await this.setState((await this.prisma.vmInstance.findUniqueOrThrow({ where: { uuid: vm.uuid } })), state);
  }

  /** Updates name/description (APIUpdateVmInstanceMsg). */
  async update(caller: Caller, uuid: string, p: { name?: string; description?: string }) {
    await this.get(caller, uuid);
    await this.prisma.vmInstance.update({ where: { uuid }, data: p });
    return this.inventory((await this.load(uuid))!);
  }

  /** Host status changes: Disconnected → its VMs Unknown; Connected → reconcile with hostd /vm/vmsync. */
  private async onHostStatus(hostUuid: string, status: string): Promise<void> {
    if (status === "Disconnected") {
      const vms = await this.prisma.vmInstance.findMany({ where: { hostUuid, state: { in: ["Running", "Paused"] } } });
      for (const vm of vms) await this.setState(vm, "Unknown");
      return;
    }
    if (status !== "Connected") return;
    const host = await this.prisma.host.findUnique({ where: { uuid: hostUuid } });
    if (!host) return;
    const r = await commandHostd<{ states: Record<string, string> }>(this.hosts.endpoint(host), "/vm/vmsync", {});
    const vms = await this.prisma.vmInstance.findMany({ where: { hostUuid, state: { in: ["Running", "Paused", "Unknown"] } } });
    for (const vm of vms) {
      const seen = r.states[vm.uuid];
      const state: VmState = seen === "Running" ? "Running" : seen === "Paused" ? "Paused" : "Stopped";
      if (state !== vm.state) await this.reconcileState(vm, hostUuid, state);
    }
  }

  /**
   * Records what a returned host reports about a VM, only if the VM is still as read (its state,
   * on that host): an HA start (ha.ts) may have moved it meanwhile, and its new host's
   * reservation must stay. A VM found Stopped leaves the host and gives its capacity back.
   */
  private async reconcileState(vm: VmInstance, hostUuid: string, state: VmState): Promise<void> {
    const changed = await this.events.transaction(this.prisma, async (tx, emit) => {
      const n = await tx.vmInstance.updateMany({
        where: { uuid: vm.uuid, state: vm.state, hostUuid }, data: { state, ...(state === "Stopped" ? { hostUuid: null } : {}) },
      });
      if (n.count) await emit({ type: "ResourceStateChanged", resourceUuid: vm.uuid, resourceType: "VmInstance", oldState: vm.state, newState: state, accountUuid: vm.accountUuid });
      return n.count > 0;
    });
    if (changed && state === "Stopped") await this.allocator.release(hostUuid, vm.cpuNum, vm.memorySize);
  }
}
