import type { RpcProduct } from "../../core/rpc.ts";
import {
  attachDisk, createDisk, deleteDisk, describeDisks, detachDisk, modifyDiskAttribute,
} from "./disks.ts";
import { deleteImage, describeImages, importImage, modifyImageAttribute } from "./images.ts";
import { deleteInstance, deleteInstances, rebootInstance, startInstance, stopInstance } from "./instance-lifecycle.ts";
import { describeInstanceTypes } from "./instance-types.ts";
import {
  createInstance, describeInstances, describeInstanceStatus, describeInstanceVncUrl, modifyInstanceAttribute, modifyInstanceVncPasswd, runInstances,
} from "./instances.ts";
import { describeRegions, describeZones } from "./regions.ts";
import {
  authorizeSecurityGroup, authorizeSecurityGroupEgress, createSecurityGroup, deleteSecurityGroup, describeSecurityGroupAttribute,
  describeSecurityGroups, modifySecurityGroupAttribute, revokeSecurityGroup, revokeSecurityGroupEgress,
} from "./security-groups.ts";
import { describeTaskAttribute, describeTasks } from "./tasks.ts";

/**
 * Elastic Compute Service, API version 2014-05-26: regions and zones, instance types,
 * instances, images (with ImportImage from OSS), disks and security groups. Response field
 * names follow the @alicloud/ecs20140526 response models, which parse the JSON by name.
 */
export const ecsProduct: RpcProduct = {
  product: "Ecs",
  version: "2014-05-26",
  actions: {
    DescribeRegions: describeRegions,
    DescribeZones: describeZones,
    DescribeInstanceTypes: describeInstanceTypes,
    RunInstances: runInstances,
    CreateInstance: createInstance,
    DescribeInstances: describeInstances,
    DescribeInstanceStatus: describeInstanceStatus,
    StartInstance: startInstance,
    StopInstance: stopInstance,
    RebootInstance: rebootInstance,
    DeleteInstance: deleteInstance,
    DeleteInstances: deleteInstances,
    ModifyInstanceAttribute: modifyInstanceAttribute,
    DescribeInstanceVncUrl: describeInstanceVncUrl,
    ModifyInstanceVncPasswd: modifyInstanceVncPasswd,
    DescribeImages: describeImages,
    ImportImage: importImage,
    DeleteImage: deleteImage,
    ModifyImageAttribute: modifyImageAttribute,
    DescribeTasks: describeTasks,
    DescribeTaskAttribute: describeTaskAttribute,
    CreateDisk: createDisk,
    DescribeDisks: describeDisks,
    AttachDisk: attachDisk,
    DetachDisk: detachDisk,
    DeleteDisk: deleteDisk,
    ModifyDiskAttribute: modifyDiskAttribute,
    CreateSecurityGroup: createSecurityGroup,
    DescribeSecurityGroups: describeSecurityGroups,
    DescribeSecurityGroupAttribute: describeSecurityGroupAttribute,
    ModifySecurityGroupAttribute: modifySecurityGroupAttribute,
    AuthorizeSecurityGroup: authorizeSecurityGroup,
    AuthorizeSecurityGroupEgress: authorizeSecurityGroupEgress,
    RevokeSecurityGroup: revokeSecurityGroup,
    RevokeSecurityGroupEgress: revokeSecurityGroupEgress,
    DeleteSecurityGroup: deleteSecurityGroup,
  },
};
