import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
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
 * instance offering (CPU and memory; a stopped VM only — an online change would need the
 * domain defined with maxvcpus/maxMemory headroom, which Strata does not configure), and the
 * hostname:: and userdata:: system tags the next start writes to the config drive.
 */
export class VmOfferingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly vms: VmInstanceService,
    private readonly quotas: QuotaService,
    private readonly offerings: VmDependencies["offerings"],
  ) {}

  /**
   * Gives a stopped VM the CPU and memory of another offering; the host capacity follows at its
   * next start. Quotas vm.cpuNum and vm.memorySize are checked for the growth.
   * @throws SYS.1003 VM/offering, SYS.1006 (409) Running/Paused ("stop the VM first") or another
   *   state, or a Disabled offering; ID.1003 quota exceeded.
   */
  async changeOffering(caller: Caller, uuid: string, instanceOfferingUuid: string) {
    const vm = await this.vms.get(caller, uuid);
    const online = vm.state === "Running" || vm.state === "Paused";
    assertVmState("changeInstanceOffering", vm.state, online ? "stop the VM first (online change needs maxvcpus headroom, not configured)" : undefined);
    const offering = await this.offerings.getInstanceOfferingForUse(caller, instanceOfferingUuid);
    const live = { accountUuid: vm.accountUuid, state: { notIn: ["Expunging"] } };
    const sums = await this.prisma.vmInstance.aggregate({ where: live, _sum: { cpuNum: true, memorySize: true } });
    const moreCpu = offering.cpuNum - vm.cpuNum;
    const moreMemory = offering.memorySize - vm.memorySize;
    if (moreCpu > 0) await this.quotas.check(caller, "vm.cpuNum", BigInt(sums._sum.cpuNum ?? 0), BigInt(moreCpu));
    if (moreMemory > 0n) await this.quotas.check(caller, "vm.memorySize", sums._sum.memorySize ?? 0n, moreMemory);
    // Conditional on the state, so a start racing this change cannot run with half of it.
    const n = await this.prisma.vmInstance.updateMany({
      where: { uuid, state: vm.state },
      data: { instanceOfferingUuid: offering.uuid, cpuNum: offering.cpuNum, memorySize: offering.memorySize, allocatorStrategy: offering.allocatorStrategy },
    });
    if (n.count === 0) throw Errors.operationNotAllowed("changeInstanceOffering of this VM", "its state changed meanwhile; retry");
    return this.vms.inventory((await this.vms.load(uuid))!);
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
