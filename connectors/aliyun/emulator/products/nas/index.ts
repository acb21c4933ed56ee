import type { RpcProduct } from "../../core/rpc.ts";
import { vpcDependencies, vswitchDependencies } from "../vpc/index.ts";
import { createAccessGroup, createAccessRule, deleteAccessGroup, deleteAccessRule, describeAccessGroups, describeAccessRules } from "./access-groups.ts";
import { createFileSystem, deleteFileSystem, describeFileSystems, modifyFileSystem } from "./file-systems.ts";
import { createMountTarget, deleteMountTarget, describeMountTargets, modifyMountTarget } from "./mount-targets.ts";
import { mountTargets } from "./tables.ts";

export { nasBacking, mountTargetBacking, type MountTargetBacking } from "./backing.ts";
export { DEFAULT_NAS_REGION, DEFAULT_VPC_GROUP } from "./tables.ts";

// A mount target holds its VPC and VSwitch, as on Alibaba (DeleteVpc / DeleteVSwitch refuse).
vpcDependencies.push({
  code: "DependencyViolation.NasMountTarget",
  message: "Specified object has dependent resources",
  holds: (call, vpcId) => Object.values(mountTargets(call)).some((m) => m.VpcId === vpcId),
});
vswitchDependencies.push({
  code: "DependencyViolation",
  message: "Specified object has dependent resources.",
  holds: (call, vswitchId) => Object.values(mountTargets(call)).some((m) => m.VswId === vswitchId),
});

/**
 * Alibaba Cloud NAS API `2017-06-26` as the emulator serves it: general-purpose (`standard`) file
 * systems, access groups and rules (with the region's DEFAULT_VPC_GROUP_NAME seeded), and VPC mount
 * targets placed in the VPC product's VPCs and VSwitches. A mount target can be backed by a real
 * local NFS export (see backing.ts). Region: the RegionId param, else cn-hangzhou (tables.ts).
 */
export const nasProduct: RpcProduct = {
  product: "Nas",
  version: "2017-06-26",
  actions: {
    CreateFileSystem: createFileSystem,
    DescribeFileSystems: describeFileSystems,
    ModifyFileSystem: modifyFileSystem,
    DeleteFileSystem: deleteFileSystem,
    CreateAccessGroup: createAccessGroup,
    DescribeAccessGroups: describeAccessGroups,
    DeleteAccessGroup: deleteAccessGroup,
    CreateAccessRule: createAccessRule,
    DescribeAccessRules: describeAccessRules,
    DeleteAccessRule: deleteAccessRule,
    CreateMountTarget: createMountTarget,
    DescribeMountTargets: describeMountTargets,
    ModifyMountTarget: modifyMountTarget,
    DeleteMountTarget: deleteMountTarget,
  },
};
