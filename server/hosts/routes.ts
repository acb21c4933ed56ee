import { z } from "zod";
import type { Api, ApiRequest } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../http/common-schemas.ts";
import { AddKvmHostBody, AddSimulatorHostBody, CapacityReply, ChangeHostStateBody, HostInventory, UpdateHostBody } from "./schema.ts";
import type { HostService, JobRequest } from "./service.ts";

const Accepted = z.object({ location: z.string().describe("Poll GET <location> for the job's result") });
const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** `?zoneUuids=a,b` or repeated `?zoneUuids=a&zoneUuids=b`. */
const UuidList = z.union([z.string(), z.array(z.string())]).optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).filter(Boolean)))
  .pipe(z.array(Uuid).optional());

/** REST routes of hosts, following ZStack's `/v1/hosts` API. */
export function registerHostRoutes(api: Api, hosts: HostService): void {
  const tag = "hosts";
  api.route({
    method: "post", path: "/hosts/kvm", apiName: "AddKVMHost", tag, access: "admin", successStatus: 202,
    summary: "Add a KVM host",
    description: "ZStack APIAddKVMHostMsg (+ privateKey, hostdPort). A job: SSH to the host, check prerequisites " +
      "(virsh reaching libvirtd, qemu-img, /dev/kvm, CPU architecture = cluster's), install or upgrade hostd (with a " +
      "Node.js runtime when the host lacks one), start it, handshake, collect facts. The job fails with HOST.AUTH_FAILED, " +
      "HOST.UNREACHABLE, HOST.PREREQUISITE_MISSING (listing what is missing), HOST.ARCH_MISMATCH or HOST.DEPLOY_FAILED and " +
      "leaves no host and nothing running on the machine. Synchronous: SYS.1007, SYS.1003 cluster, SYS.1006 cluster not KVM, " +
      "SYS.1002 an agent already at managementIp:hostdPort. Credentials are stored encrypted and never returned.",
    body: AddKvmHostBody, response: Accepted,
    handler: (req) => hosts.addKvm(req.auth, jobRequest("AddKVMHost", req), req.body),
  });
  api.route({
    method: "post", path: "/hosts/simulators", apiName: "AddSimulatorHost", tag, access: "admin", successStatus: 202,
    summary: "Add a simulator host",
    description: "ZStack APIAddSimulatorHostMsg: a host whose agent is hostd's simulator, run inside the management node, " +
      "in a cluster of hypervisorType Simulator. cpuCapacity (threads), memoryCapacity (bytes). For demos and scale tests.",
    body: AddSimulatorHostBody, response: Accepted,
    handler: (req) => hosts.addSimulator(req.auth, jobRequest("AddSimulatorHost", req), req.body),
  });
  api.route({
    method: "get", path: "/hosts", apiName: "QueryHost", tag, access: "authenticated",
    summary: "Query hosts", description: "ZStack APIQueryHostMsg; joined fields cluster.<field>; format=csv exports the host list.",
    query: QueryParams, response: InventoriesReply(HostInventory),
    handler: (req) => hosts.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/hosts/capacities/cpu-memory", apiName: "GetCpuMemoryCapacity", tag, access: "authenticated",
    summary: "CPU and memory capacity of hosts",
    description: "ZStack APIGetCpuMemoryCapacityMsg: sums over Connected, Enabled hosts in zoneUuids/clusterUuids/hostUuids " +
      "(comma lists; all hosts when none). vCPUs and bytes, after over-provisioning.",
    query: z.object({ zoneUuids: UuidList, clusterUuids: UuidList, hostUuids: UuidList }).strict(), response: CapacityReply,
    handler: async (req) => ({ body: await hosts.capacity(req.auth, req.query) }),
  });
  api.route({
    method: "get", path: "/hosts/{uuid}", apiName: "GetHost", tag, access: "authenticated",
    summary: "Get a host", description: "`{ inventories: [host] }`; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(HostInventory),
    handler: async (req) => ({ body: { inventories: [hosts.inventory(await hosts.get(req.auth, req.params.uuid))] } }),
  });
  api.route({
    method: "get", path: "/hosts/{uuid}/capacity", apiName: "GetHostCapacity", tag, access: "authenticated",
    summary: "Capacity of one host", description: "Total and available vCPU and memory (bytes) of the host, after over-provisioning.",
    params: UuidParams, response: HostInventory.pick({
      totalCpuCapacity: true, availableCpuCapacity: true, totalMemoryCapacity: true, availableMemoryCapacity: true,
      cpuNum: true, totalPhysicalMemory: true,
    }),
    handler: async (req) => {
      const inv = hosts.inventory(await hosts.get(req.auth, req.params.uuid));
      return {
        body: {
          totalCpuCapacity: inv.totalCpuCapacity, availableCpuCapacity: inv.availableCpuCapacity, totalMemoryCapacity: inv.totalMemoryCapacity,
          availableMemoryCapacity: inv.availableMemoryCapacity, cpuNum: inv.cpuNum, totalPhysicalMemory: inv.totalPhysicalMemory,
        },
      };
    },
  });
  for (const action of ["updateHost", "updateKVMHost"] as const) {
    api.action("hosts", {
      action, apiName: action === "updateHost" ? "UpdateHost" : "UpdateKVMHost", access: "admin",
      summary: "Update a host", description: `ZStack API${action[0]!.toUpperCase()}${action.slice(1)}Msg: name, description, SSH port/username/credentials (used by reconnects).`,
      body: UpdateHostBody, response: InventoryReply(HostInventory),
      handler: async (req) => ({ body: { inventory: await hosts.update(req.auth, req.params.uuid, req.body) } }),
    });
  }
  api.action("hosts", {
    action: "changeHostState", apiName: "ChangeHostState", access: "admin",
    summary: "Enable, disable or maintain a host",
    description: "ZStack APIChangeHostStateMsg: enable | disable | preMaintain | maintain. A host in Maintenance is not pinged.",
    body: ChangeHostStateBody, response: InventoryReply(HostInventory),
    handler: async (req) => ({ body: { inventory: await hosts.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.action("hosts", {
    action: "reconnectHost", apiName: "ReconnectHost", access: "admin", successStatus: 202,
    summary: "Reconnect a host",
    description: "ZStack APIReconnectHostMsg, a job: reinstall/upgrade and restart hostd when needed, handshake, re-read facts. " +
      "SYS.1006 while the host is Connecting. On failure the host is Disconnected with lastConnectError.",
    body: z.object({}).strict(), response: Accepted,
    handler: (req) => hosts.reconnect(req.auth, jobRequest("ReconnectHost", req), req.params.uuid),
  });
  api.route({
    method: "delete", path: "/hosts/{uuid}", apiName: "DeleteHost", tag, access: "admin", successStatus: 202,
    summary: "Delete a host",
    description: "ZStack APIDeleteHostMsg, a job: stops managing the host and removes hostd from it. Permissive fails the job " +
      "when hostd cannot be removed (the host stays); Enforcing forgets the host anyway.",
    params: UuidParams, query: DeleteQuery, response: Accepted,
    handler: (req) => hosts.delete(req.auth, jobRequest("DeleteHost", req), req.params.uuid, req.query.deleteMode),
  });
}
