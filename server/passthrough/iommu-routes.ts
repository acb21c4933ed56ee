import { z } from "zod";
import type { Api } from "../http/api.ts";
import { UuidParams } from "../http/common-schemas.ts";
import type { HostIommuService } from "./iommu.ts";

/** ZStack APIUpdateHostIommuStateMsg (`updateHostIommuState`). */
export const UpdateHostIommuStateBody = z.object({
  state: z.enum(["Enabled", "Disabled"]).describe("Enabled writes the IOMMU kernel arguments on the host (reboot to apply); Disabled only flips the switch"),
}).strict();

const IommuView = z.object({
  hostUuid: z.string(),
  state: z.enum(["Enabled", "Disabled"]).describe("The operator's switch; PCI attach needs Enabled"),
  status: z.enum(["Active", "Inactive"]).describe("Active: the host's kernel has the IOMMU on now (iommu groups at its last scan)"),
});

/** REST routes of the host IOMMU switch, following ZStack's `/v1/pci-device/hosts` API. */
export function registerHostIommuRoutes(api: Api, iommu: HostIommuService): void {
  const tag = "pci-devices";
  api.action("pci-device/hosts", {
    action: "updateHostIommuState", apiName: "UpdateHostIommuState", access: "admin",
    summary: "Switch a host's IOMMU on or off",
    description: "ZStack APIUpdateHostIommuStateMsg. Enabled: the host's agent adds intel_iommu=on/amd_iommu=on iommu=pt to the kernel " +
      "command line (grubby, or GRUB_CMDLINE_LINUX in /etc/default/grub) and `rebootNeeded` says whether the host must reboot. Disabled: " +
      "only the switch changes (attached GPUs keep working; new PCI attaches get PCI.IOMMU_DISABLED). HOST.AGENT_* (502) when the host cannot be reached.",
    body: UpdateHostIommuStateBody, response: z.object({ inventory: IommuView.extend({ rebootNeeded: z.boolean() }) }),
    handler: async (req) => ({ body: { inventory: await iommu.update(req.auth, req.params.uuid, req.body.state) } }),
  });
  api.route({
    method: "get", path: "/pci-device/hosts/{uuid}/state", apiName: "GetHostIommuState", tag, access: "authenticated",
    summary: "Get a host's IOMMU switch", description: "ZStack APIGetHostIommuStateMsg: `{ state: Enabled|Disabled }`.",
    params: UuidParams, response: z.object({ state: z.enum(["Enabled", "Disabled"]) }),
    handler: async (req) => ({ body: { state: (await iommu.get(req.auth, req.params.uuid)).state } }),
  });
  api.route({
    method: "get", path: "/pci-device/hosts/{uuid}/status", apiName: "GetHostIommuStatus", tag, access: "authenticated",
    summary: "Get whether a host's IOMMU is active", description: "ZStack APIGetHostIommuStatusMsg: `{ status: Active|Inactive }` from the host's last device scan.",
    params: UuidParams, response: z.object({ status: z.enum(["Active", "Inactive"]) }),
    handler: async (req) => ({ body: { status: (await iommu.get(req.auth, req.params.uuid)).status } }),
  });
}
