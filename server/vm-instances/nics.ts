import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { VmDependencies } from "./deps.ts";
import { assertVmState } from "./extra-states.ts";
import { hostnameFrom, type VmInstanceService } from "./service.ts";

/** Job type names of the NIC APIs. */
export const NIC_JOBS = { attach: "AttachL3NetworkToVm", detach: "DetachL3NetworkFromVm" } as const;

const Ipv4 = z.string().regex(/^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/, "must be an IPv4 address");

/** ZStack APIAttachL3NetworkToVmMsg body (the L3 and the VM are in the path). */
export const AttachL3Body = z.object({
  params: z.object({ staticIp: Ipv4.optional().describe("Address to take on the L3 network; default: IPAM's choice") }).strict().optional(),
}).strict();

/**
 * VM NICs after creation (ZStack APIAttachL3NetworkToVmMsg / APIDetachL3NetworkFromVmMsg): the
 * IP (IPAM) and MAC are taken synchronously, as at create, so a full network is a 409 at once;
 * the job prepares the bridge and DHCP on the VM's host and hot-plugs the NIC into a running VM
 * (`virsh attach-interface --live`). A stopped VM gets it at its next start. Detaching unplugs
 * it, stops serving it DHCP and gives its IP back.
 */
export class VmNicService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly jobs: JobService,
    private readonly deps: Pick<VmDependencies, "ipam" | "flat">,
  ) {
    jobs.register<{ vmUuid: string; nicUuid: string }>({
      name: NIC_JOBS.attach, resumable: false,
      perform: (i) => this.performAttach(i.vmUuid, i.nicUuid),
      onInterrupted: (i) => this.discardNic(i.vmUuid, i.nicUuid),
    });
    jobs.register<{ vmUuid: string; nicUuid: string }>({
      name: NIC_JOBS.detach, resumable: true, perform: (i) => this.performDetach(i.vmUuid, i.nicUuid),
    });
  }

  /**
   * Attaches an L3 network to a VM as a new NIC.
   * @throws SYS.1003 VM or L3 (missing, or neither yours nor shared), SYS.1006 (409) VM state, a
   *   Disabled L3, one in another zone or not attached to the VM's cluster, an L3 the VM is
   *   already on, a full network or a taken staticIp (IPAM).
   */
  async attach(caller: Caller, req: JobRequest, vmUuid: string, l3NetworkUuid: string, staticIp?: string): Promise<ApiReply> {
    const vm = await this.vms.get(caller, vmUuid);
    assertVmState("attachL3NetworkToVm", vm.state);
    const l3 = await this.prisma.l3Network.findUnique({ where: { uuid: l3NetworkUuid }, include: { l2Network: { include: { clusters: true } } } });
    if (!l3 || (!caller.isAdmin && l3.accountUuid !== caller.accountUuid && !(await this.vms.isShared(caller, "L3Network", l3NetworkUuid)))) {
      throw Errors.resourceNotFound("L3Network", l3NetworkUuid);
    }
    if (l3.state !== "Enabled") throw Errors.operationNotAllowed("Attaching this L3 network", `L3 network ${l3.name} is ${l3.state}`);
    if (l3.zoneUuid !== vm.zoneUuid) throw Errors.operationNotAllowed("Attaching this L3 network", `it is in zone ${l3.zoneUuid}, the VM in ${vm.zoneUuid}`);
    if (vm.vmNics.some((n) => n.l3NetworkUuid === l3NetworkUuid)) {
      throw Errors.operationNotAllowed("Attaching this L3 network", `the VM already has a NIC on L3 network ${l3.name}`);
    }
    const hostUuid = vm.hostUuid ?? vm.lastHostUuid;
    const clusterUuid = hostUuid ? (await this.prisma.host.findUnique({ where: { uuid: hostUuid } }))?.clusterUuid : vm.clusterUuid;
    if (clusterUuid && !l3.l2Network.clusters.some((c) => c.clusterUuid === clusterUuid)) {
      throw Errors.operationNotAllowed("Attaching this L3 network", `its L2 network ${l3.l2Network.name} is not attached to the VM's cluster ${clusterUuid}`);
    }
    const nicUuid = newUuid();
    try {
      await this.prisma.$transaction(async (tx) => {
        const deviceId = Math.max(-1, ...vm.vmNics.map((n) => n.deviceId)) + 1;
        const ip = await this.deps.ipam.allocate(tx, { l3NetworkUuid, staticIp, vmNicUuid: nicUuid });
        await tx.vmNic.create({
          data: {
            uuid: nicUuid, vmInstanceUuid: vmUuid, l3NetworkUuid, l2NetworkUuid: l3.l2NetworkUuid, usedIpUuid: ip.usedIpUuid,
            ip: ip.ip, netmask: ip.netmask, gateway: ip.gateway, mac: await this.vms.freeMac(tx, l3.l2NetworkUuid), deviceId,
            internalName: `vnic${deviceId}`,
          },
        });
        if (!vm.defaultL3NetworkUuid) await tx.vmInstance.update({ where: { uuid: vmUuid }, data: { defaultL3NetworkUuid: l3NetworkUuid } });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("A NIC with that MAC or device", nicUuid);
      throw err;
    }
    return this.jobs.submit(caller, req, NIC_JOBS.attach, { vmUuid, nicUuid });
  }

  /**
   * Detaches a NIC (its L3 network) from its VM. The NIC on the default L3 network goes last.
   * @throws SYS.1003 NIC or VM, SYS.1006 (409) VM state or the default L3 while others remain.
   */
  async detach(caller: Caller, req: JobRequest, nicUuid: string): Promise<ApiReply> {
    const nic = await this.prisma.vmNic.findUnique({ where: { uuid: nicUuid } });
    if (!nic) throw Errors.resourceNotFound("VmNic", nicUuid);
    const vm = await this.vms.get(caller, nic.vmInstanceUuid).catch(() => {
      throw Errors.resourceNotFound("VmNic", nicUuid);
    });
    assertVmState("detachL3NetworkFromVm", vm.state);
    if (nic.l3NetworkUuid === vm.defaultL3NetworkUuid && vm.vmNics.length > 1) {
      throw Errors.operationNotAllowed("Detaching this NIC", "it is on the VM's default L3 network; detach the VM's other NICs first");
    }
    return this.jobs.submit(caller, req, NIC_JOBS.detach, { vmUuid: vm.uuid, nicUuid });
  }

  private async performAttach(vmUuid: string, nicUuid: string) {
    const vm = (await this.vms.load(vmUuid))!;
    const nic = vm.vmNics.find((n) => n.uuid === nicUuid);
    if (!nic) throw Errors.resourceNotFound("VmNic", nicUuid);
    const hostUuid = vm.hostUuid ?? vm.lastHostUuid;
    try {
      if (hostUuid) {
        const bridges = await this.deps.flat.prepareHostNetworks(hostUuid, [nic.l3NetworkUuid]);
        const hostname = nic.l3NetworkUuid === vm.defaultL3NetworkUuid ? await this.hostname(vm.uuid, vm.name) : undefined;
        await this.deps.flat.applyDhcp(hostUuid, [{ l3NetworkUuid: nic.l3NetworkUuid, mac: nic.mac, ip: nic.ip!, hostname }]);
        if (vm.hostUuid && (vm.state === "Running" || vm.state === "Paused")) {
          const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } });
          await commandHostd(this.hosts.endpoint(host), "/vm/nic/attach",
            { vmInstanceUuid: vmUuid, mac: nic.mac, bridgeName: bridges[nic.l3NetworkUuid] }, 60_000);
        }
      }
    } catch (err) {
      await this.discardNic(vmUuid, nicUuid);
      throw err;
    }
    return { inventory: this.vms.inventory((await this.vms.load(vmUuid))!) };
  }

  private async performDetach(vmUuid: string, nicUuid: string) {
    const vm = (await this.vms.load(vmUuid))!;
    const nic = vm.vmNics.find((n) => n.uuid === nicUuid);
    if (!nic) return { inventory: this.vms.inventory(vm) }; // a resumed job that already finished
    if (vm.hostUuid && (vm.state === "Running" || vm.state === "Paused")) {
      const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } });
      await commandHostd(this.hosts.endpoint(host), "/vm/nic/detach", { vmInstanceUuid: vmUuid, mac: nic.mac }, 60_000);
    }
    await this.removeNic(vmUuid, nicUuid);
    return { inventory: this.vms.inventory((await this.vms.load(vmUuid))!) };
  }

  /** Best-effort undo of an attach: the NIC leaves the domain and DHCP, then the database. */
  private async discardNic(vmUuid: string, nicUuid: string): Promise<void> {
    const vm = await this.vms.load(vmUuid);
    const nic = vm?.vmNics.find((n) => n.uuid === nicUuid);
    if (!vm || !nic) return;
    if (vm.hostUuid) {
      const host = await this.prisma.host.findUnique({ where: { uuid: vm.hostUuid } });
      if (host) await commandHostd(this.hosts.endpoint(host), "/vm/nic/detach", { vmInstanceUuid: vmUuid, mac: nic.mac }, 30_000).catch(() => undefined);
    }
    await this.removeNic(vmUuid, nicUuid);
  }

  /** Stops DHCP for the NIC on the VM's host, then removes it and its IP in one transaction. */
  private async removeNic(vmUuid: string, nicUuid: string): Promise<void> {
    const vm = (await this.vms.load(vmUuid))!;
    const nic = vm.vmNics.find((n) => n.uuid === nicUuid);
    if (!nic) return;
    const hostUuid = vm.hostUuid ?? vm.lastHostUuid;
    if (hostUuid) await this.deps.flat.releaseDhcp(hostUuid, [{ l3NetworkUuid: nic.l3NetworkUuid, mac: nic.mac }]).catch(() => undefined);
    await this.events.transaction(this.prisma, async (tx) => {
      if (nic.usedIpUuid) await this.deps.ipam.release(tx, nic.usedIpUuid);
      await tx.vmNic.deleteMany({ where: { uuid: nicUuid } });
      if (vm.defaultL3NetworkUuid === nic.l3NetworkUuid) {
        const next = vm.vmNics.filter((n) => n.uuid !== nicUuid).sort((a, b) => a.deviceId - b.deviceId)[0];
        await tx.vmInstance.update({ where: { uuid: vmUuid }, data: { defaultL3NetworkUuid: next?.l3NetworkUuid ?? null } });
      }
    });
  }

  private async hostname(vmUuid: string, name: string): Promise<string> {
    const t = await this.prisma.systemTag.findFirst({ where: { resourceUuid: vmUuid, tag: { startsWith: "hostname::" } } });
    return t?.tag.slice("hostname::".length) ?? hostnameFrom(name);
  }
}
