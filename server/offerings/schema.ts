import { z } from "zod";
import { BaseInventory, createBody, Description, Name, StateEvent } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

const MiB = 1024 ** 2;

/** Host allocator strategies of ZStack's HostAllocatorConstant that Strata knows. */
export const HostAllocatorStrategy = z.enum([
  "DefaultHostAllocatorStrategy", "LeastVmPreferredHostAllocatorStrategy", "LastHostPreferredAllocatorStrategy",
]).describe("How a host is picked for VMs of this offering (ZStack HostAllocatorConstant)");

/** Primary-storage allocator strategies (ZStack PrimaryStorageConstant). */
export const PrimaryStorageAllocatorStrategy = z.enum(["DefaultPrimaryStorageAllocationStrategy"])
  .describe("How a primary storage is picked for volumes of this offering");

/** vCPUs of an instance offering (ZStack InstanceOfferingVO.cpuNum). */
const CpuNum = z.number().int().min(1).max(1024).describe("vCPUs, 1–1024");
/** Memory of an instance offering in bytes, at least 16 MiB (ZStack InstanceOfferingVO.memorySize). */
const MemorySize = z.number().int().min(16 * MiB).max(Number.MAX_SAFE_INTEGER).describe("Memory in bytes, at least 16 MiB (16777216)");
/** Size of a disk offering in bytes, at least 1 MiB (ZStack DiskOfferingVO.diskSize). */
const DiskSize = z.number().int().min(MiB).max(Number.MAX_SAFE_INTEGER).describe("Disk size in bytes, at least 1 MiB (1048576)");

/** ZStack APICreateInstanceOfferingMsg. */
export const CreateInstanceOfferingBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  cpuNum: CpuNum,
  memorySize: MemorySize,
  allocatorStrategy: HostAllocatorStrategy.default("DefaultHostAllocatorStrategy"),
  type: z.enum(["UserVm", "VirtualRouter"]).default("UserVm").describe("UserVm for tenants' VMs; VirtualRouter for appliance VMs"),
}));
export type CreateInstanceOfferingInput = z.infer<typeof CreateInstanceOfferingBody>;

/** ZStack APIUpdateInstanceOfferingMsg (size changes go through a VM's changeInstanceOffering, not here). */
export const UpdateInstanceOfferingBody = z.object({
  name: Name.optional(), description: Description.optional(), allocatorStrategy: HostAllocatorStrategy.optional(),
}).strict();

/** ZStack APICreateDiskOfferingMsg. */
export const CreateDiskOfferingBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  diskSize: DiskSize,
  allocatorStrategy: PrimaryStorageAllocatorStrategy.default("DefaultPrimaryStorageAllocationStrategy"),
  type: z.literal("DefaultDiskOfferingType").default("DefaultDiskOfferingType"),
}));
export type CreateDiskOfferingInput = z.infer<typeof CreateDiskOfferingBody>;

/** ZStack APIUpdateDiskOfferingMsg. */
export const UpdateDiskOfferingBody = z.object({ name: Name.optional(), description: Description.optional() }).strict();

/** ZStack APIChangeInstanceOfferingStateMsg / APIChangeDiskOfferingStateMsg. */
export const ChangeOfferingStateBody = z.object({ stateEvent: StateEvent }).strict();

const OfferingState = z.enum(["Enabled", "Disabled"]).describe("A Disabled offering cannot be used for new VMs or volumes");

/** ZStack InstanceOfferingInventory. */
export const InstanceOfferingInventory = z.object({
  ...BaseInventory,
  cpuNum: z.number().describe("vCPUs"),
  memorySize: z.number().describe("bytes"),
  allocatorStrategy: z.string(),
  type: z.string(),
  state: OfferingState,
});

/** ZStack DiskOfferingInventory. */
export const DiskOfferingInventory = z.object({
  ...BaseInventory,
  diskSize: z.number().describe("bytes"),
  allocatorStrategy: z.string(),
  type: z.string(),
  state: OfferingState,
});

const common = { uuid: "string", name: "string", description: "string", allocatorStrategy: "string", type: "string", state: "string",
  accountUuid: "string", createDate: "date", lastOpDate: "date" } as const;
const commonNotNull = ["uuid", "name", "allocatorStrategy", "type", "state", "accountUuid", "createDate", "lastOpDate"];

export const instanceOfferingQuerySpec: QuerySpec = {
  resourceType: "InstanceOffering",
  fields: { ...common, cpuNum: "number", memorySize: "bigint" },
  notNull: [...commonNotNull, "cpuNum", "memorySize"],
};

export const diskOfferingQuerySpec: QuerySpec = {
  resourceType: "DiskOffering",
  fields: { ...common, diskSize: "bigint" },
  notNull: [...commonNotNull, "diskSize"],
};
