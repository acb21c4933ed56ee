import { z } from "zod";
import { BaseInventory, createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";
import { clusterQuerySpec } from "../clusters/schema.ts";

/** An IPv4 address or a DNS name (ZStack managementIp). */
export const ManagementIp = z.string().trim().min(1).max(255)
  .regex(/^(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*)$/, "must be an IPv4 address or a host name");

const Port = z.number().int().min(1).max(65535);

/**
 * ZStack APIAddKVMHostMsg, plus key authentication (`privateKey`, PEM) and the agent port.
 * Exactly one of password and privateKey.
 */
export const AddKvmHostBody = createBody(z.object({
  clusterUuid: Uuid,
  name: Name,
  description: Description.optional(),
  managementIp: ManagementIp.describe("Address the management node reaches the host at, over SSH and HTTP"),
  sshPort: Port.default(22),
  username: z.string().min(1).max(255).default("root"),
  password: z.string().min(1).max(1024).optional().describe("SSH password; stored encrypted, never returned"),
  privateKey: z.string().min(1).max(16_384).optional().describe("SSH private key (PEM/OpenSSH); stored encrypted, never returned"),
  hostdPort: Port.default(7070).describe("TCP port of the agent on the host"),
})).superRefine((b, ctx) => {
  if (Boolean(b.params.password) === Boolean(b.params.privateKey)) {
    ctx.addIssue({ code: "custom", path: ["params", "password"], message: "give exactly one of password and privateKey" });
  }
});
export type AddKvmHostInput = z.infer<typeof AddKvmHostBody>;

/**
 * ZStack APIAddSimulatorHostMsg: a host whose agent is hostd's simulator driver, run inside the
 * management node. For demos and scale tests; it runs no real VM.
 */
export const AddSimulatorHostBody = createBody(z.object({
  clusterUuid: Uuid,
  name: Name,
  description: Description.optional(),
  cpuCapacity: z.number().int().min(1).max(4096).default(32).describe("CPU threads the simulated host reports"),
  memoryCapacity: z.number().int().min(64 * 1024 ** 2).default(128 * 1024 ** 3).describe("Memory the simulated host reports, bytes"),
}));
export type AddSimulatorHostInput = z.infer<typeof AddSimulatorHostBody>;

/** ZStack APIUpdateHostMsg / APIUpdateKVMHostMsg (credentials can be changed for reconnects). */
export const UpdateHostBody = z.object({
  name: Name.optional(),
  description: Description.optional(),
  sshPort: Port.optional(),
  username: z.string().min(1).max(255).optional(),
  password: z.string().min(1).max(1024).optional(),
  privateKey: z.string().min(1).max(16_384).optional(),
}).strict();

/** ZStack APIChangeHostStateMsg. preMaintain and maintain both end in Maintenance (no VMs to move yet). */
export const ChangeHostStateBody = z.object({
  stateEvent: z.enum(["enable", "disable", "preMaintain", "maintain"]),
}).strict();

/** ZStack HostInventory (KVMHostInventory) with capacity; never carries credentials. */
export const HostInventory = z.object({
  ...BaseInventory,
  zoneUuid: z.string(), clusterUuid: z.string(), managementIp: z.string(), hypervisorType: z.enum(["KVM", "Simulator"]),
  state: z.enum(["Enabled", "Disabled", "PreMaintenance", "Maintenance"]),
  status: z.enum(["Connecting", "Connected", "Disconnected"]),
  architecture: z.string().nullable(), sshPort: z.number(), username: z.string(), hostdPort: z.number(),
  domainType: z.string().nullable().describe("libvirt domain type the host runs guests with: kvm or qemu"),
  cpuModelName: z.string().nullable(), cpuSockets: z.number().nullable(), cpuNum: z.number().describe("CPU threads"),
  totalCpuCapacity: z.number().describe("vCPUs offered: cpuNum × host/cpu.overProvisioning.ratio"),
  availableCpuCapacity: z.number().describe("vCPUs not allocated to VMs"),
  totalMemoryCapacity: z.number().describe("bytes offered: physical memory × host/memory.overProvisioning.ratio"),
  availableMemoryCapacity: z.number().describe("bytes not allocated to VMs"),
  totalPhysicalMemory: z.number().describe("bytes"),
  lastConnectError: z.string().nullable(),
  facts: z.object({
    hostname: z.string().nullable(), osDistribution: z.string().nullable(), osVersion: z.string().nullable(),
    kernelVersion: z.string().nullable(), libvirtVersion: z.string().nullable(), qemuVersion: z.string().nullable(),
    cpuThreads: z.number().nullable().describe("threads per core"), cpuCores: z.number().nullable().describe("cores per socket"),
    hvmCpuFlag: z.string().nullable().describe("vmx, svm or empty"),
    iommuEnabled: z.boolean().nullable().describe("IOMMU switched on in the kernel command line"),
    iommuReady: z.boolean().nullable().describe("IOMMU groups present"),
  }).describe("As reported by hostd at the last connect"),
});

/** Capacity sums (ZStack APIGetCpuMemoryCapacityReply). */
export const CapacityReply = z.object({
  totalCpu: z.number().describe("vCPUs"), availableCpu: z.number(), totalMemory: z.number().describe("bytes"),
  availableMemory: z.number(), managedCpuNum: z.number().describe("physical CPU threads of the counted hosts"),
  hostCount: z.number(),
});

export const hostQuerySpec: QuerySpec = {
  resourceType: "Host",
  fields: {
    uuid: "string", name: "string", description: "string", zoneUuid: "string", clusterUuid: "string",
    managementIp: "string", hypervisorType: "string", state: "string", status: "string", architecture: "string",
    sshPort: "number", username: "string", hostdPort: "number", domainType: "string", cpuModelName: "string",
    cpuSockets: "number", cpuNum: "number", totalPhysicalMemory: "bigint", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "zoneUuid", "clusterUuid", "managementIp", "hypervisorType", "state", "status", "sshPort",
    "username", "hostdPort", "cpuNum", "totalPhysicalMemory", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["totalCpuCapacity", "availableCpuCapacity", "totalMemoryCapacity", "availableMemoryCapacity", "lastConnectError", "facts"],
  relations: {
    cluster: { spec: () => clusterQuerySpec, many: false },
  },
};
