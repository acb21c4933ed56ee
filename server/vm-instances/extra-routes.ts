import { z } from "zod";
import type { Services } from "../app.ts";
import type { Api } from "../http/api.ts";
import { HostInventory } from "../hosts/schema.ts";
import { InventoryReply, Uuid, UuidParams } from "../http/common-schemas.ts";
import type { SecretCipher } from "../secrets/cipher.ts";
import { CloneVmBody, VmCloneService } from "./clone.ts";
import { ConsoleAddressReply, SetConsolePasswordBody, VmConsoleService } from "./console.ts";
import { Errors } from "../errors/catalogue.ts";
import { assertVmState, jobRequest } from "./extra-states.ts";
import { HaLevelReply, SetHaLevelBody, VmHaService } from "./ha.ts";
import { VmLiveMigration } from "./live-migration.ts";
import { MigrateVmBody, VmMigrationService } from "./migration.ts";
import { AttachL3Body, VmNicService } from "./nics.ts";
import { ChangeOfferingBody, SetHostnameBody, SetUserDataBody, VmOfferingService } from "./offering.ts";
import { Empty, VmInstanceInventory } from "./schema.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });

/**
 * REST routes of the VM APIs beyond the lifecycle (ZStack's console, offering, boot-setting,
 * NIC, clone and migration messages). Builds their services from the node's, registering their
 * job types, so it must run before jobs start (app.ts calls it beside registerVmInstanceRoutes).
 */
export function registerVmExtraRoutes(api: Api, s: Services, cipher: SecretCipher): void {
  const vms = s.vmInstances;
  const consoles = new VmConsoleService(s.db.prisma, vms, s.hosts, s.jobs, cipher);
  const offerings = new VmOfferingService(s.db.prisma, vms, s.hosts, s.quotas, s.offerings);
  const nics = new VmNicService(s.db.prisma, s.events, vms, s.hosts, s.jobs, { ipam: s.ipam, flat: s.flatNetwork });
  const clones = new VmCloneService(s.db.prisma, s.events, vms, s.hosts, s.jobs, s.quotas, s.primaryStorage, { ipam: s.ipam });
  const liveMigration = new VmLiveMigration(s.db.prisma, s.events, vms, s.hosts, s.jobs, { flat: s.flatNetwork });
  const migrations = new VmMigrationService(s.db.prisma, s.events, vms, s.hosts, s.jobs, s.primaryStorage, { flat: s.flatNetwork }, liveMigration);
  const ha = new VmHaService(s.db.prisma, s.events, vms, s.hosts, s.jobs, s.configs, s.log);
  const tag = "vm-instances";
  const state = (from: string) => `Allowed from: ${from}; otherwise SYS.1006 (409) naming the state.`;

  api.route({
    method: "get", path: "/vm-instances/{uuid}/console-addresses", apiName: "GetVmConsoleAddress", tag, access: "authenticated",
    summary: "Where the VM's VNC console listens",
    description: `ZStack APIGetVmConsoleAddressMsg, asked of hostd (virsh vncdisplay). VNC listens on the host's 127.0.0.1 only: reach it with an SSH tunnel to hostIp. ${state("Running, Paused")}`,
    params: UuidParams, response: ConsoleAddressReply,
    handler: async (req) => ({ body: await consoles.address(req.auth, req.params.uuid) }),
  });
  api.action("vm-instances", {
    action: "setVmConsolePassword", apiName: "SetVmConsolePassword", access: "authenticated", successStatus: 202,
    summary: "Set the VM's VNC password",
    description: "ZStack APISetVmConsolePasswordMsg, a job: stored encrypted (never returned), given at every start (graphics " +
      "passwd) and changed live (virsh update-device) when the running VM's console already has a password; a first password " +
      "for a running VM waits for its next start (QEMU cannot turn VNC authentication on live). VNC uses at most 8 characters. " +
      state("Created, Stopped, Running, Paused"),
    body: SetConsolePasswordBody, response: Accepted,
    handler: (req) => consoles.setPassword(req.auth, jobRequest("SetVmConsolePassword", req), req.params.uuid, req.body.consolePassword),
  });
  api.action("vm-instances", {
    action: "deleteVmConsolePassword", apiName: "DeleteVmConsolePassword", access: "authenticated", successStatus: 202,
    summary: "Remove the VM's VNC password",
    description: `ZStack APIDeleteVmConsolePasswordMsg, a job; fully effective at the VM's next start. ${state("Created, Stopped, Running, Paused")}`,
    body: Empty, response: Accepted,
    handler: (req) => consoles.setPassword(req.auth, jobRequest("DeleteVmConsolePassword", req), req.params.uuid, undefined),
  });

  const haText = "The level is the ha::<level> system tag (ZStack HaManagerImpl). After a host is lost (Disconnected), its VMs " +
    "with a level whose volumes are all on shared primary storage (NFS, SharedMountPoint, AliyunNAS) of their cluster start on " +
    "another host of the cluster after ha/neverStopVm.retryDelay seconds (job HaStartVmInstance); others stay Unknown until the " +
    "host returns. NeverStop VMs that stop on their own are started again.";
  api.route({
    method: "post", path: "/vm-instances/{uuid}/ha-levels", apiName: "SetVmInstanceHaLevel", tag, access: "authenticated",
    summary: "Set the VM's HA level",
    description: `ZStack APISetVmInstanceHaLevelMsg (SDK SetVmInstanceHaLevelAction): level NeverStop or OnHostFailure. ${haText} ` +
      "VM.HA_NOT_SUPPORTED (409) for ECS instances; SYS.1006 (409) for a Destroyed VM.",
    params: UuidParams, body: SetHaLevelBody, response: z.object({ level: SetHaLevelBody.shape.params.shape.level }),
    handler: async (req) => ({ body: await ha.setLevel(req.auth, req.params.uuid, req.body.params.level) }),
  });
  api.route({
    method: "get", path: "/vm-instances/{uuid}/ha-levels", apiName: "GetVmInstanceHaLevel", tag, access: "authenticated",
    summary: "Get the VM's HA level", description: "ZStack APIGetVmInstanceHaLevelMsg: `{ level }`, null when the VM has none.",
    params: UuidParams, response: HaLevelReply,
    handler: async (req) => ({ body: await ha.getLevel(req.auth, req.params.uuid) }),
  });
  api.route({
    method: "delete", path: "/vm-instances/{uuid}/ha-levels", apiName: "DeleteVmInstanceHaLevel", tag, access: "authenticated",
    summary: "Remove the VM's HA level", description: "ZStack APIDeleteVmInstanceHaLevelMsg: the VM is no longer restarted by HA; no level is no error.",
    params: UuidParams, response: z.object({}),
    handler: async (req) => ({ body: await ha.deleteLevel(req.auth, req.params.uuid) }),
  });

  api.action("vm-instances", {
    action: "changeInstanceOffering", apiName: "ChangeInstanceOffering", access: "authenticated",
    summary: "Give a VM another instance offering (online growth for a running VM)",
    description: "ZStack APIChangeInstanceOfferingMsg: cpuNum and memorySize from the offering; quotas vm.cpuNum/vm.memorySize (ID.1003). " +
      "Created/Stopped VM: effective (and reserved on a host) at the next start. Running/Paused VM: growth only, reserved on its host " +
      "(VM.NO_AVAILABLE_HOST 409 when it lacks room) and hot-plugged at once (vCPUs with setvcpus, memory as one DIMM); this needs " +
      "the headroom the VM got at start with global config vm/numa = true, else 409 (stop the VM first). A shrink of a running VM: " +
      `409. ${state("Created, Stopped, Running, Paused")}`,
    body: ChangeOfferingBody, response: InventoryReply(VmInstanceInventory),
    handler: async (req) => ({ body: { inventory: await offerings.changeOffering(req.auth, req.params.uuid, req.body.instanceOfferingUuid) } }),
  });
  const bootTags = [
    { action: "setVmHostname", api: "SetVmHostname", key: "hostname", body: SetHostnameBody, value: (b: Record<string, string>) => b.hostname },
    { action: "deleteVmHostname", api: "DeleteVmHostname", key: "hostname", body: Empty, value: () => undefined },
    { action: "setVmUserData", api: "SetVmUserData", key: "userdata", body: SetUserDataBody, value: (b: Record<string, string>) => b.userData!.replace(/\s+/g, "") },
    { action: "deleteVmUserData", api: "DeleteVmUserData", key: "userdata", body: Empty, value: () => undefined },
  ] as const;
  for (const t of bootTags) {
    api.action("vm-instances", {
      action: t.action, apiName: t.api, access: "authenticated",
      summary: `${t.action.startsWith("set") ? "Set" : "Remove"} the VM's ${t.key === "hostname" ? "hostname" : "cloud-init user-data"}`,
      description: `ZStack API${t.api}Msg: the ${t.key}:: system tag, written to the config drive at the VM's next start. ` +
        state("any state but Destroyed"),
      body: t.body as z.ZodType<Record<string, string>>, response: InventoryReply(VmInstanceInventory),
      handler: async (req) => ({ body: { inventory: await offerings.setBootTag(req.auth, req.params.uuid, t.key, t.value(req.body)) } }),
    });
  }

  api.route({
    method: "post", path: "/vm-instances/{vmInstanceUuid}/l3-networks/{l3NetworkUuid}", apiName: "AttachL3NetworkToVm", tag,
    access: "authenticated", successStatus: 202,
    summary: "Attach an L3 network to a VM (a new NIC)",
    description: "ZStack APIAttachL3NetworkToVmMsg. Synchronously: the L3 (yours or shared, Enabled, the VM's zone, its L2 attached " +
      "to the VM's cluster, not already on the VM) and its IP (IPAM; optional params.staticIp) and MAC. The job prepares the bridge " +
      `and DHCP on the VM's host and hot-plugs the NIC into a running VM (virsh attach-interface --live). ${state("Created, Stopped, Running, Paused")}`,
    params: z.object({ vmInstanceUuid: Uuid, l3NetworkUuid: Uuid }), body: AttachL3Body, response: Accepted,
    handler: (req) => nics.attach(req.auth, jobRequest("AttachL3NetworkToVm", req), req.params.vmInstanceUuid, req.params.l3NetworkUuid,
      req.body.params?.staticIp),
  });
  api.route({
    method: "delete", path: "/vm-instances/nics/{uuid}", apiName: "DetachL3NetworkFromVm", tag, access: "authenticated", successStatus: 202,
    summary: "Detach a NIC (its L3 network) from its VM",
    description: "ZStack APIDetachL3NetworkFromVmMsg, a job: hot-unplugs it from a running VM (the guest must support ACPI PCI " +
      "hot-unplug), stops its DHCP entry and frees its IP. The NIC on the default L3 network cannot go while others remain (409). " +
      state("Created, Stopped, Running, Paused"),
    params: UuidParams, response: Accepted,
    handler: (req) => nics.detach(req.auth, jobRequest("DetachL3NetworkFromVm", req), req.params.uuid),
  });

  api.action("vm-instances", {
    action: "cloneVmInstance", apiName: "CloneVmInstance", access: "authenticated", successStatus: 202,
    summary: "Clone a VM",
    description: "ZStack APICloneVmInstanceMsg, a job: one new VM per name with the source's CPU, memory and L3 networks (new IPs " +
      "and MACs, taken synchronously) and a full flattened copy of its root volume (qemu-img convert on the same primary storage; " +
      "a running source is copied crash-consistently); each clone starts. Data volumes are not cloned. Result `{ inventories }`; " +
      `quotas for all clones are checked first (ID.1003). ${state("Stopped, Running")}`,
    body: CloneVmBody, response: z.object({ inventories: z.array(VmInstanceInventory) }),
    handler: (req) => clones.clone(req.auth, jobRequest("CloneVmInstance", req), req.params.uuid, req.body.names),
  });
  api.action("vm-instances", {
    action: "migrateVm", apiName: "MigrateVm", access: "authenticated", successStatus: 202,
    summary: "Move a VM to another host: live when it runs on shared storage, with its volumes when stopped on local storage",
    description: "ZStack APIMigrateVmMsg, a job. Running or Paused VM (live): every volume must be on shared primary storage " +
      "(NFS, SharedMountPoint, AliyunNAS), else 409; the VM keeps running while the source host's libvirtd moves it " +
      "(peer-to-peer virsh migrate --live) to hostUuid, or to the candidate host with most free memory (see " +
      "GET /vm-instances/{vmInstanceUuid}/migration-target-hosts); CPU and memory are reserved on the target first; the VM ends " +
      "in its former state on the target, or on the source if the migration failed (the job then fails with the host's error). " +
      "Stopped VM on LocalStorage (APILocalStorageMigrateVolumeMsg): flattened copies of its volumes go host to host (the " +
      "target's hostd pulls them from the source's), capacity moves with them, and lastHostUuid becomes the target (hostUuid, " +
      `or the host of the same cluster with most free memory that fits). VMs with pass-through devices: 409. ${state("Stopped, Running, Paused")}`,
    body: MigrateVmBody, response: Accepted,
    handler: (req) => migrations.migrate(req.auth, jobRequest("MigrateVm", req), req.params.uuid, req.body.hostUuid),
  });
  api.route({
    method: "get", path: "/vm-instances/{uuid}/migration-target-hosts", apiName: "GetVmMigrationCandidateHosts", tag, access: "authenticated",
    summary: "Hosts a running VM could live-migrate to",
    description: "ZStack APIGetVmMigrationCandidateHostsMsg: Connected, Enabled hosts other than the VM's own, in clusters of the same " +
      "hypervisor and architecture to which every primary storage of its volumes and every L2 network of its NICs is attached, " +
      "with the CPU and memory (over-provisioned) to run it; most free memory first. The VM must be Running or Paused on " +
      "shared primary storage, else SYS.1006 (409) saying why.",
    params: UuidParams, response: z.object({ inventories: z.array(HostInventory) }),
    handler: async (req) => {
      const vm = await vms.get(req.auth, req.params.uuid);
      assertVmState("migrateVm", vm.state);
      if (vm.state !== "Running" && vm.state !== "Paused") throw Errors.operationNotAllowed("Live-migrating this VM", `it is ${vm.state}; only a Running or Paused VM live-migrates`);
      const { candidates } = await liveMigration.candidateHosts(vm);
      return { body: { inventories: candidates.map((h) => s.hosts.inventory(h)) } };
    },
  });
}
