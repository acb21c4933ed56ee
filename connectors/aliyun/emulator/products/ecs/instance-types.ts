import { list, str, tokenPage } from "../../core/params.ts";
import type { RpcAction } from "../../core/rpc.ts";

/** One instance type as DescribeInstanceTypes shows it (a subset of its fields). */
export interface InstanceTypeInfo {
  InstanceTypeId: string;
  InstanceTypeFamily: string;
  /** vCPUs. */
  CpuCoreCount: number;
  /** Memory in GiB (DescribeInstances shows the same memory in MiB as `Memory`). */
  MemorySize: number;
  InstanceFamilyLevel: "EntryLevel" | "EnterpriseLevel" | "CreditEntryLevel";
  CpuArchitecture: "X86" | "ARM";
  PhysicalProcessorModel: string;
  EniQuantity: number;
  EniPrivateIpAddressQuantity: number;
  /** Kbit/s. */
  InstanceBandwidthRx: number;
  InstanceBandwidthTx: number;
  GPUAmount: number;
  GPUSpec: string;
  LocalStorageAmount: number;
  InstanceCategory: string;
}

function type(id: string, cpu: number, memGiB: number, level: InstanceTypeInfo["InstanceFamilyLevel"], cpuModel: string, category: string, eni: number, bwMbps: number): InstanceTypeInfo {
  return {
    InstanceTypeId: id, InstanceTypeFamily: id.split(".").slice(0, 2).join(".").replace(/-[a-z0-9]+$/, ""),
    CpuCoreCount: cpu, MemorySize: memGiB, InstanceFamilyLevel: level, CpuArchitecture: id.includes(".g8y") ? "ARM" : "X86",
    PhysicalProcessorModel: cpuModel, EniQuantity: eni, EniPrivateIpAddressQuantity: 6,
    InstanceBandwidthRx: bwMbps * 1024, InstanceBandwidthTx: bwMbps * 1024, GPUAmount: 0, GPUSpec: "", LocalStorageAmount: 0,
    InstanceCategory: category,
  };
}

/**
 * The emulated catalogue: a few real types of burstable, general purpose, compute and memory
 * families with their documented vCPU / GiB sizes (Alibaba "Instance families" pages).
 */
export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  type("ecs.t5-lc1m1.small", 1, 1, "CreditEntryLevel", "Intel Xeon E5-2682v4 / Intel Xeon(Skylake) Platinum 8163", "Shared", 1, 100),
  type("ecs.t5-lc1m2.small", 1, 2, "CreditEntryLevel", "Intel Xeon E5-2682v4 / Intel Xeon(Skylake) Platinum 8163", "Shared", 1, 100),
  type("ecs.t6-c1m1.large", 2, 2, "CreditEntryLevel", "Intel Xeon(Cascade Lake) Platinum 8269CY", "Shared", 2, 100),
  type("ecs.g6.large", 2, 8, "EnterpriseLevel", "Intel Xeon(Cascade Lake) Platinum 8269CY", "General-purpose", 2, 1000),
  type("ecs.g6.xlarge", 4, 16, "EnterpriseLevel", "Intel Xeon(Cascade Lake) Platinum 8269CY", "General-purpose", 3, 1500),
  type("ecs.g7.large", 2, 8, "EnterpriseLevel", "Intel Xeon(Ice Lake) Platinum 8369B", "General-purpose", 3, 2000),
  type("ecs.c6.large", 2, 4, "EnterpriseLevel", "Intel Xeon(Cascade Lake) Platinum 8269CY", "Compute-optimized", 2, 1000),
  type("ecs.c6.xlarge", 4, 8, "EnterpriseLevel", "Intel Xeon(Cascade Lake) Platinum 8269CY", "Compute-optimized", 3, 1500),
  type("ecs.c7.2xlarge", 8, 16, "EnterpriseLevel", "Intel Xeon(Ice Lake) Platinum 8369B", "Compute-optimized", 4, 3000),
  type("ecs.r6.large", 2, 16, "EnterpriseLevel", "Intel Xeon(Cascade Lake) Platinum 8269CY", "Memory-optimized", 2, 1000),
  type("ecs.g8y.large", 2, 8, "EnterpriseLevel", "Yitian 710", "General-purpose", 3, 2000),
];

/** The catalogue entry of an instance type id, if the emulated cloud sells it. */
export function findInstanceType(id: string): InstanceTypeInfo | undefined {
  return INSTANCE_TYPES.find((t) => t.InstanceTypeId === id);
}

/**
 * DescribeInstanceTypes (InstanceTypes.N, InstanceTypeFamily, MaxResults ≤ 1600, NextToken) →
 * `{ InstanceTypes: { InstanceType: [...] }, NextToken }`.
 */
export const describeInstanceTypes: RpcAction = (call) => {
  const ids = list(call, "InstanceTypes");
  const family = str(call, "InstanceTypeFamily");
  const matching = INSTANCE_TYPES.filter((t) => (!ids.length || ids.includes(t.InstanceTypeId)) && (!family || t.InstanceTypeFamily === family));
  const { items, fields } = tokenPage(call, matching, { defaultMax: 1600, maxMax: 1600 });
  return { InstanceTypes: { InstanceType: items }, NextToken: fields.NextToken };
};
