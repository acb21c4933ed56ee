import { z } from "zod";
import type { PrismaClient, VmInstance } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { ApiError, Errors } from "../errors/catalogue.ts";
import { callHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";
import { Uuid } from "../http/common-schemas.ts";
import { newUuid } from "../ids.ts";
import type { QuotaService } from "../quotas/service.ts";
import type { VmDependencies } from "./deps.ts";
import { assertVmState } from "./extra-states.ts";
import type { VmInstanceService } from "./service.ts";

/** ZStack APIChangeInstanceOfferingMsg. */
export const ChangeOfferingBody = z.object({ instanceOfferingUuid: Uuid }).strict();

/** ZStack APISetVmHostnameMsg. */
export const SetHostnameBody = z.object({
  /** Guest host name (cloud-init local-hostname and DHCP option 12): letters, digits, dashes; ≤ 63. */
  hostname: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, "must be a host name: letters, digits and '-', at most 63"),
}).strict();

/** ZStack APISetVmUserDataMsg. */
export const SetUserDataBody = z.object({
  /** cloud-init user-data, base64. */
  userData: z.string().min(1).max(16 * 1024 * 1024).regex(/^[A-Za-z0-9+/=\s]+$/, "must be base64"),
}).strict();

/**
 * What a VM is started with (ZStack VmInstanceManager's offering and boot-setting APIs): its
 * instance offering (CPU and memory: any change while stopped; growth while running when the
 * VM was started with hot-plug headroom, global config vm/numa), and the hostname:: and
 * userdata:: system tags the next start writes to the config drive.
 */
export class VmOfferingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly quotas: QuotaService,
    private readonly offerings: VmDependencies["offerings"],
  ) {}

  /**
   * Gives a VM the CPU and memory of another offering. Stopped: any change; the host capacity
   * follows at its next start. Running or Paused: growth only, applied at once through hostd
   * (vCPU and DIMM hot-plug) after the growth is reserved on its host. Quotas vm.cpuNum and
   * vm.memorySize are checked for the growth.
   * @throws SYS.1003 VM/offering, SYS.1006 (409) a state that allows no change, a Disabled
   *   offering, an online shrink ("stop the VM first"), or a VM started without hot-plug headroom
   *   (vm/numa was false); VM.NO_AVAILABLE_HOST (409) its host lacks the growth; ID.1003 quota
   *   exceeded; HOST.AGENT_FAILED (502) the hypervisor refused.
   */
  async changeOffering(caller: Caller, uuid: string, instanceOfferingUuid: string) {
    const vm = await this.vms.get(caller, uuid);
    const online = vm.state === "Running" || vm.state === "Paused";
    assertVmState("changeInstanceOffering", vm.state);
    const offering = await this.offerings.getInstanceOfferingForUse(caller, instanceOfferingUuid);
    const live = { accountUuid: vm.accountUuid, state: { notIn: ["Expunging"] } };
    const sums = await this.prisma.vmInstance.aggregate({ where: live, _sum: { cpuNum: true, memorySize: true } });
    const moreCpu = offering.cpuNum - vm.cpuNum;
    const moreMemory = offering.memorySize - vm.memorySize;
    if (moreCpu > 0) await this.quotas.check(caller, "vm.cpuNum", BigInt(sums._sum.cpuNum ?? 0), BigInt(moreCpu));
    if (moreMemory > 0n) await this.quotas.check(caller, "vm.memorySize", sums._sum.memorySize ?? 0n, moreMemory);
    if (online) await this.growOnline(vm, offering.cpuNum, offering.memorySize);
    // Conditional on the state, so a start racing this change cannot run with half of it.
    const n = await this.prisma.vmInstance.updateMany({
      where: { uuid, state: vm.state },
      data: { instanceOfferingUuid: offering.uuid, cpuNum: offering.cpuNum, memorySize: offering.memorySize, allocatorStrategy: offering.allocatorStrategy },
    });
    if (n.count === 0) {
      if (online) await this.vms.allocator.release(vm.hostUuid!, Math.max(0, offering.cpuNum - vm.cpuNum), offering.memorySize > vm.memorySize ? offering.memorySize - vm.memorySize : 0n);
      throw Errors.operationNotAllowed("changeInstanceOffering of this VM", "its state changed meanwhile; retry");
    }
    return this.vms.inventory((await this.vms.load(uuid))!);
  }

  /** Reserves the growth on the VM's host and hot-plugs it; gives the reservation back if that fails. */
  private async growOnline(vm: VmInstance, cpuNum: number, memorySize: bigint): Promise<void> {
    if (cpuNum < vm.cpuNum || memorySize < vm.memorySize) {
      throw Errors.operationNotAllowed("changeInstanceOffering of this running VM",
        `a running VM only grows (now ${vm.cpuNum} vCPU, ${vm.memorySize} bytes); stop the VM first to shrink it`);
    }
    const moreCpu = cpuNum - vm.cpuNum;
    const moreMemory = memorySize - vm.memorySize;
    if (moreCpu === 0 && moreMemory === 0n) return;
    const host = vm.hostUuid ? await this.prisma.host.findUnique({ where: { uuid: vm.hostUuid } }) : null;
    if (!host) throw Errors.operationNotAllowed("changeInstanceOffering of this running VM", "it has no host");
    if (!(await this.vms.allocator.reserveOn(host.uuid, moreCpu, moreMemory))) {
      throw new ApiError("VM.NO_AVAILABLE_HOST", 409, "The VM's host has not the CPU or memory for the new offering; stop the VM to start it elsewhere",
        `${host.name}: ${moreCpu} more vCPU, ${moreMemory} more bytes`);
    }
    const r = await callHostd(this.hosts.endpoint(host), "/vm/cpu-memory/hotplug", { vmInstanceUuid: vm.uuid, cpuNum, memoryIncrease: Number(moreMemory) }, 120_000)
      .catch(async (err: unknown) => { await this.vms.allocator.release(host.uuid, moreCpu, moreMemory); throw err; });
    if (!r.success) {
      await this.vms.allocator.release(host.uuid, moreCpu, moreMemory);
      if (r.code === "NO_HOTPLUG_HEADROOM") {
        throw Errors.operationNotAllowed("changeInstanceOffering of this running VM",
          `it was started without CPU/memory hot-plug headroom (global config vm/numa was false); stop the VM first, or set vm/numa to true and restart it (${r.error})`);
      }
      throw new ApiError("HOST.AGENT_FAILED", 502, "The host agent failed /vm/cpu-memory/hotplug", `${r.code ? `${r.code}: ` : ""}${r.error}`);
    }
  }

  /**
   * Sets (value) or removes (undefined) the VM's `hostname::` or `userdata::` system tag, used
   * from the VM's next start. @throws SYS.1003, SYS.1006 for a Destroyed VM.
   */
  async setBootTag(caller: Caller, uuid: string, key: "hostname" | "userdata", value: string | undefined) {
    const vm = await this.vms.get(caller, uuid);
    assertVmState("setVmBootSettings", vm.state);
    const prefix = `${key}::`;
    await this.prisma.$transaction(async (tx) => {
      await tx.systemTag.deleteMany({ where: { resourceUuid: uuid, tag: { startsWith: prefix } } });
      if (value !== undefined) {
        await tx.systemTag.create({
          data: { uuid: newUuid(), resourceUuid: uuid, resourceType: "VmInstance", accountUuid: vm.accountUuid, tag: `${prefix}${value}` },
        });
      }
    });
    return this.vms.inventory((await this.vms.load(uuid))!);
  }
}
