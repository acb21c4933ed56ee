import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../http/common-schemas.ts";
import type { JobRequest } from "../hosts/service.ts";
import { CreateVmInstanceBody, Empty, StopVmBody, UpdateVmBody, VmInstanceInventory } from "./schema.ts";
import type { VmInstanceService } from "./service.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result: { inventory }") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** REST routes of VM instances, following ZStack's `/v1/vm-instances` API. */
export function registerVmInstanceRoutes(api: Api, vms: VmInstanceService): void {
  const tag = "vm-instances";
  api.route({
    method: "post", path: "/vm-instances", apiName: "CreateVmInstance", tag, access: "authenticated", successStatus: 202,
    summary: "Create a VM instance",
    description: "ZStack APICreateVmInstanceMsg. Synchronous checks: offering (Enabled), image (Ready root template), L3 networks " +
      "(yours or shared, Enabled, one zone), quotas vm.num/vm.cpuNum/vm.memorySize (ID.1003), IPs (IPAM: 409 when a network is " +
      "full or a staticIp is taken). The job picks a host (capacity after over-provisioning; strategies DefaultHostAllocatorStrategy, " +
      "LeastVmPreferredHostAllocatorStrategy, LastHostPreferredAllocatorStrategy from the offering), creates the root volume from " +
      "the image cache (qcow2 backing file) and data volumes, prepares bridges and DHCP, writes a NoCloud config drive " +
      "(userdata::<base64>, hostname::<name>, sshkey::<key> system tags or userData/sshKey params) and starts the domain. " +
      "It fails with VM.NO_AVAILABLE_HOST or the storage/host error, leaving no VM and nothing allocated.",
    body: CreateVmInstanceBody, response: Accepted,
    handler: (req) => vms.create(req.auth, jobRequest("CreateVmInstance", req), req.body),
  });
  api.route({
    method: "get", path: "/vm-instances", apiName: "QueryVmInstance", tag, access: "authenticated",
    summary: "Query VM instances", description: "ZStack APIQueryVmInstanceMsg; joined vmNics.<field> (e.g. q=vmNics.ip=10.0.0.5); format=csv exports.",
    query: QueryParams, response: InventoriesReply(VmInstanceInventory),
    handler: (req) => vms.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/vm-instances/{uuid}", apiName: "GetVmInstance", tag, access: "authenticated",
    summary: "Get a VM instance", description: "`{ inventories: [vm] }` with vmNics and allVolumes; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(VmInstanceInventory),
    handler: async (req) => ({ body: { inventories: [vms.inventory(await vms.get(req.auth, req.params.uuid))] } }),
  });
  const actions: { action: "startVmInstance" | "rebootVmInstance" | "pauseVmInstance" | "resumeVmInstance" | "expungeVmInstance"; api: string; from: string; text: string }[] = [
    { action: "startVmInstance", api: "StartVmInstance", from: "Stopped, Created", text: "Starts the VM on its host (local storage) or a host the allocator picks." },
    { action: "rebootVmInstance", api: "RebootVmInstance", from: "Running", text: "Reboots the guest." },
    { action: "pauseVmInstance", api: "PauseVmInstance", from: "Running", text: "Suspends the guest's vCPUs (state Paused)." },
    { action: "resumeVmInstance", api: "ResumeVmInstance", from: "Paused", text: "Resumes a paused VM." },
    { action: "expungeVmInstance", api: "ExpungeVmInstance", from: "Destroyed", text: "Removes a destroyed VM for good: domain, volume files, IPs." },
  ];
  for (const a of actions) {
    api.action("vm-instances", {
      action: a.action, apiName: a.api, access: "authenticated", successStatus: 202,
      summary: a.text, description: `ZStack API${a.api}Msg, a job. Allowed from: ${a.from}; otherwise SYS.1006 (409) naming the state.`,
      body: Empty, response: Accepted,
      handler: (req) => vms.action(req.auth, jobRequest(a.api, req), req.params.uuid, a.action),
    });
  }
  api.action("vm-instances", {
    action: "stopVmInstance", apiName: "StopVmInstance", access: "authenticated", successStatus: 202,
    summary: "Stop a VM", description: "ZStack APIStopVmInstanceMsg, a job: type grace (ACPI, forced after stopTimeout seconds) or cold. " +
      "Allowed from Running, Paused, Unknown; otherwise SYS.1006 (409).",
    body: StopVmBody, response: Accepted,
    handler: (req) => vms.action(req.auth, jobRequest("StopVmInstance", req), req.params.uuid, "stopVmInstance", req.body),
  });
  api.action("vm-instances", {
    action: "recoverVmInstance", apiName: "RecoverVmInstance", access: "authenticated",
    summary: "Recover a destroyed VM", description: "ZStack APIRecoverVmInstanceMsg: Destroyed → Stopped with its volumes and IPs.",
    body: Empty, response: InventoryReply(VmInstanceInventory),
    handler: (req) => vms.action(req.auth, jobRequest("RecoverVmInstance", req), req.params.uuid, "recoverVmInstance"),
  });
  api.action("vm-instances", {
    action: "updateVmInstance", apiName: "UpdateVmInstance", access: "authenticated",
    summary: "Rename a VM", description: "ZStack APIUpdateVmInstanceMsg: name, description.",
    body: UpdateVmBody, response: InventoryReply(VmInstanceInventory),
    handler: async (req) => ({ body: { inventory: await vms.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/volumes/{volumeUuid}/vm-instances/{vmInstanceUuid}", apiName: "AttachDataVolumeToVm", tag: "volumes",
    access: "authenticated", successStatus: 202,
    summary: "Attach a data volume to a VM",
    description: "ZStack APIAttachDataVolumeToVmMsg, a job: hot-plugs the volume into a Running/Paused VM (a Stopped VM gets it " +
      "at its next start); a NotInstantiated volume is created on the VM's host storage first. SYS.1006 (409) for a root " +
      "volume, an attached one, a VM state that does not allow it, or a local-storage volume on another host.",
    params: z.object({ volumeUuid: Uuid, vmInstanceUuid: Uuid }), body: Empty, response: Accepted,
    handler: (req) => vms.attachDataVolume(req.auth, jobRequest("AttachDataVolumeToVm", req), req.params.volumeUuid, req.params.vmInstanceUuid),
  });
  api.route({
    method: "delete", path: "/volumes/{uuid}/vm-instances", apiName: "DetachDataVolumeFromVm", tag: "volumes",
    access: "authenticated", successStatus: 202,
    summary: "Detach a data volume from its VM", description: "ZStack APIDetachDataVolumeFromVmMsg, a job: hot-unplugs it from a running VM.",
    params: UuidParams, response: Accepted,
    handler: (req) => vms.detachDataVolume(req.auth, jobRequest("DetachDataVolumeFromVm", req), req.params.uuid),
  });
  api.route({
    method: "delete", path: "/vm-instances/{uuid}", apiName: "DestroyVmInstance", tag, access: "authenticated", successStatus: 202,
    summary: "Destroy a VM",
    description: "ZStack APIDestroyVmInstanceMsg, a job: powers off and undefines the domain; with vm/deletionPolicy Delay (default) " +
      "or Never the VM goes to the recycle bin (Destroyed, volumes and IPs kept; recoverVmInstance brings it back), with Direct it is expunged.",
    params: UuidParams, response: Accepted,
    handler: (req) => vms.action(req.auth, jobRequest("DestroyVmInstance", req), req.params.uuid, "destroyVmInstance"),
  });
}
