/**
 * A host's IOMMU switch (ZStack APIUpdateHostIommuStateMsg, APIGetHostIommuStateMsg,
 * APIGetHostIommuStatusMsg). Two things are kept apart, as the seed does:
 * - state Enabled/Disabled: the operator's switch, kept by the management node. Enabling also
 *   writes the kernel arguments through hostd (grubby or the GRUB defaults) and says whether a
 *   reboot is needed; disabling changes only the switch — GPUs already attached keep working,
 *   new PCI attaches are refused;
 * - status Active/Inactive: whether the host's kernel has the IOMMU on now (iommu groups
 *   present at its last scan).
 */
import type { Host, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService } from "../hosts/service.ts";

/** What the IOMMU APIs answer. */
export interface HostIommuView {
  hostUuid: string;
  /** The operator's switch (ZStack HostIommuStateType). */
  state: "Enabled" | "Disabled";
  /** Active when the host's IOMMU is on now (ZStack HostIommuStatusType). */
  status: "Active" | "Inactive";
}

/** The IOMMU switch and status of hosts. */
export class HostIommuService {
  constructor(private readonly prisma: PrismaClient, private readonly hosts: HostService) {}

  /** The switch and status of a host the caller can see. @throws SYS.1003. */
  async get(caller: Caller, hostUuid: string): Promise<HostIommuView> {
    return view(await this.hosts.get(caller, hostUuid));
  }

  /**
   * Switches the IOMMU on or off for a host. Enabling asks the host's agent to add the kernel
   * arguments for the next boot and needs the host Connected.
   * @returns the new view plus `rebootNeeded` (true when the running kernel lacks the IOMMU).
   * @throws SYS.1003, HOST.AGENT_UNREACHABLE / HOST.AGENT_FAILED (502) when enabling fails on the host.
   */
  async update(caller: Caller, hostUuid: string, state: "Enabled" | "Disabled"): Promise<HostIommuView & { rebootNeeded: boolean }> {
    const h = await this.hosts.get(caller, hostUuid);
    let rebootNeeded = false;
    if (state === "Enabled") {
      const r = await commandHostd<{ rebootNeeded: boolean }>(this.hosts.endpoint(h), "/host/iommu/set", { enabled: true }, 120_000);
      rebootNeeded = r.rebootNeeded || !h.iommuReady;
    }
    const row = await this.prisma.host.update({ where: { uuid: hostUuid }, data: { iommuEnabled: state === "Enabled" } });
    return { ...view(row), rebootNeeded };
  }
}

function view(h: Host): HostIommuView {
  return { hostUuid: h.uuid, state: h.iommuEnabled ? "Enabled" : "Disabled", status: h.iommuReady ? "Active" : "Inactive" };
}
