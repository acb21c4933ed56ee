import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { Name } from "../http/common-schemas.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { PrimaryStorageService } from "../primary-storage/service.ts";
import type { QuotaService } from "../quotas/service.ts";
import type { VmDependencies } from "./deps.ts";
import { assertVmState } from "./extra-states.ts";
import type { VmInstanceService, VmWithParts } from "./service.ts";

/** Job type name of APICloneVmInstanceMsg. */
export const CLONE_JOB = "CloneVmInstance";

/** Time hostd may take to copy one root volume, ms. */
const COPY_TIMEOUT_MS = 3_600_000;

/** ZStack APICloneVmInstanceMsg. */
export const CloneVmBody = z.object({
  /** One new VM per name. */
  names: z.array(Name).min(1).max(32),
}).strict();

/** System tags a clone inherits (boot settings); hostname:: is not, as two guests must not share one. */
const INHERITED_TAGS = ["userdata::", "sshkey::"];

/**
 * Clones a VM (ZStack APICloneVmInstanceMsg): each clone gets the source's offering values and
 * L3 networks with its own IPs and MACs (taken synchronously, as at create), and a root volume
 * that is a full, flattened copy of the source's (hostd `qemu-img convert` on the same primary
 * storage — on LocalStorage, the same host), then starts. A running source is copied
 * crash-consistently (`qemu-img convert -U`), as a power cut would leave it. Data volumes are
 * not cloned. The job answers `{ inventories }` of the clones that started; a clone that fails
 * is removed with everything it took, and the job fails only when none started.
 */
export class VmCloneService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly jobs: JobService,
    private readonly quotas: QuotaService,
    private readonly storage: PrimaryStorageService,
    private readonly deps: Pick<VmDependencies, "ipam">,
  ) {
    jobs.register<{ sourceUuid: string; cloneUuids: string[] }>({
      name: CLONE_JOB, resumable: false,
      perform: (i) => this.performClone(i.sourceUuid, i.cloneUuids),
      onInterrupted: async (i) => {
        for (const uuid of i.cloneUuids) {
          const vm = await this.prisma.vmInstance.findUnique({ where: { uuid } });
          if (vm?.state === "Starting") await this.vms.discardFailedCreate(uuid);
        }
      },
    });
  }

  /**
   * Records the clones (state Starting) with their NICs and starts the copy job.
   * @throws SYS.1003, SYS.1006 (409) source state or no Ready root volume, ID.1003 quotas,
   *   IPAM's 409 when a network has no free address.
   */
  async clone(caller: Caller, req: JobRequest, uuid: string, names: string[]): Promise<ApiReply> {
    const src = await this.vms.get(caller, uuid);
    assertVmState("cloneVmInstance", src.state);
    const root = src.volumes.find((v) => v.type === "Root" && v.status === "Ready");
    if (!root?.installPath || !root.primaryStorageUuid) throw Errors.operationNotAllowed("Cloning this VM", "it has no Ready root volume");
    const n = BigInt(names.length);
    const live = { accountUuid: caller.accountUuid, state: { notIn: ["Expunging"] } };
    const count = await this.prisma.vmInstance.count({ where: live });
    const sums = await this.prisma.vmInstance.aggregate({ where: live, _sum: { cpuNum: true, memorySize: true } });
    await this.quotas.check(caller, "vm.num", BigInt(count), n);
    await this.quotas.check(caller, "vm.cpuNum", BigInt(sums._sum.cpuNum ?? 0), BigInt(src.cpuNum) * n);
    await this.quotas.check(caller, "vm.memorySize", sums._sum.memorySize ?? 0n, src.memorySize * n);

    const tags = (await this.prisma.systemTag.findMany({ where: { resourceUuid: uuid } })).filter((t) => INHERITED_TAGS.some((p) => t.tag.startsWith(p)));
    const nics = [...src.vmNics].sort((a, b) => a.deviceId - b.deviceId);
    const cloneUuids = names.map(() => newUuid());
    try {
      await this.events.transaction(this.prisma, async (tx, emit) => {
        for (const [i, name] of names.entries()) {
          const cloneUuid = cloneUuids[i]!;
          await tx.vmInstance.create({
            data: {
              uuid: cloneUuid, name, description: `clone of ${src.name} (${src.uuid})`, zoneUuid: src.zoneUuid, clusterUuid: src.clusterUuid,
              instanceOfferingUuid: src.instanceOfferingUuid, imageUuid: src.imageUuid, defaultL3NetworkUuid: src.defaultL3NetworkUuid,
              cpuNum: src.cpuNum, memorySize: src.memorySize, allocatorStrategy: src.allocatorStrategy, platform: src.platform,
              architecture: src.architecture, state: "Starting", accountUuid: caller.accountUuid,
            },
          });
          for (const nic of nics) {
            const nicUuid = newUuid();
            const ip = await this.deps.ipam.allocate(tx, { l3NetworkUuid: nic.l3NetworkUuid, vmNicUuid: nicUuid });
            await tx.vmNic.create({
              data: {
                uuid: nicUuid, vmInstanceUuid: cloneUuid, l3NetworkUuid: nic.l3NetworkUuid, l2NetworkUuid: nic.l2NetworkUuid,
                usedIpUuid: ip.usedIpUuid, ip: ip.ip, netmask: ip.netmask, gateway: ip.gateway,
                mac: await this.vms.freeMac(tx, nic.l2NetworkUuid), deviceId: nic.deviceId, internalName: nic.internalName,
              },
            });
          }
          for (const t of tags) {
            await tx.systemTag.create({ data: { uuid: newUuid(), resourceUuid: cloneUuid, resourceType: "VmInstance", accountUuid: caller.accountUuid, tag: t.tag } });
          }
          await emit({ type: "ResourceCreated", resourceUuid: cloneUuid, resourceType: "VmInstance", newState: "Starting", accountUuid: caller.accountUuid });
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("An address or MAC of a clone", names.join(", "));
      throw err;
    }
    return this.jobs.submit(caller, req, CLONE_JOB, { sourceUuid: uuid, cloneUuids });
  }

  private async performClone(sourceUuid: string, cloneUuids: string[]) {
    const inventories: ReturnType<VmInstanceService["inventory"]>[] = [];
    const failures: { uuid: string; error: unknown }[] = [];
    for (const uuid of cloneUuids) {
      try {
        inventories.push(await this.cloneOne(sourceUuid, uuid));
      } catch (err) {
        await this.vms.discardFailedCreate(uuid).catch(() => undefined);
        failures.push({ uuid, error: err });
      }
    }
    if (!inventories.length && failures.length) throw failures[0]!.error;
    return { inventories };
  }

  private async cloneOne(sourceUuid: string, cloneUuid: string) {
    const src = (await this.vms.load(sourceUuid))!;
    const root = src.volumes.find((v) => v.type === "Root" && v.status === "Ready");
    if (!root?.installPath || !root.primaryStorageUuid) throw Errors.operationNotAllowed("Cloning this VM", "its root volume is gone");
    const clone = (await this.vms.load(cloneUuid))!;
    // Local storage pins the clone to the host holding the source's root volume.
    const host = await this.vms.allocateHost(clone, { requireHostUuid: root.hostUuid ?? undefined });
    await this.copyRoot(src, clone, host.uuid);
    await this.vms.startOnHost((await this.vms.load(cloneUuid))!, host.uuid);
    return this.vms.inventory(await this.vms.setState((await this.vms.load(cloneUuid))!, "Running"));
  }

  /** A flattened copy of the source's root volume on the same storage (and host, for LocalStorage). */
  private async copyRoot(src: VmWithParts, clone: VmWithParts, hostUuid: string): Promise<void> {
    const root = src.volumes.find((v) => v.type === "Root" && v.status === "Ready")!;
    const ps = await this.prisma.primaryStorage.findUniqueOrThrow({ where: { uuid: root.primaryStorageUuid! } });
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: root.hostUuid ?? hostUuid } });
    const target = { uuid: ps.uuid, name: ps.name, hostUuid: ps.type === "LocalStorage" ? host.uuid : undefined };
    const reserved = await this.storage.capacity.reserve(target, root.size);
    const uuid = newUuid();
    const installPath = `${this.storage.baseDir(ps)}/rootVolumes/acct-${clone.accountUuid}/vol-${uuid}/${uuid}.qcow2`;
    try {
      // Recorded before the file exists, so a failure's cleanup (expungeVolume) finds and removes it.
      await this.prisma.volume.create({
        data: {
          uuid, name: `ROOT-for-${clone.name}`, type: "Root", size: root.size, status: "Creating", installPath, format: "qcow2",
          primaryStorageUuid: ps.uuid, hostUuid: target.hostUuid ?? null, vmInstanceUuid: clone.uuid, rootImageUuid: root.rootImageUuid,
          deviceId: 0, accountUuid: clone.accountUuid, reservedCapacity: reserved,
        },
      });
    } catch (err) {
      await this.storage.capacity.release(target, reserved);
      throw err;
    }
    await this.prisma.vmInstance.update({ where: { uuid: clone.uuid }, data: { rootVolumeUuid: uuid } });
    const r = await commandHostd<{ actualSize: number }>(this.hosts.endpoint(host), "/storage/volume/convert",
      { src: root.installPath, dst: installPath }, COPY_TIMEOUT_MS);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.volume.update({ where: { uuid }, data: { status: "Ready", actualSize: BigInt(Math.floor(r.actualSize ?? 0)) } });
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "Volume", newState: "Ready", accountUuid: clone.accountUuid });
    });
  }
}
