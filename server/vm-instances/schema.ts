import { z } from "zod";
import { BaseInventory, createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

const Ipv4 = z.string().regex(/^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/, "must be an IPv4 address");

/**
 * ZStack APICreateVmInstanceMsg. Userdata, hostname and SSH keys come as ZStack system tags
 * (`userdata::<base64>`, `hostname::<name>`, `sshkey::<public key>`, `staticIp::<l3Uuid>::<ip>`)
 * or as the convenience params userData (base64), sshKey and staticIp (for the default L3).
 */
export const CreateVmInstanceBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  instanceOfferingUuid: Uuid,
  imageUuid: Uuid,
  l3NetworkUuids: z.array(Uuid).min(1).max(16),
  defaultL3NetworkUuid: Uuid.optional().describe("Defaults to the first of l3NetworkUuids"),
  dataDiskOfferingUuids: z.array(Uuid).max(24).optional(),
  zoneUuid: Uuid.optional(),
  clusterUuid: Uuid.optional(),
  hostUuid: Uuid.optional(),
  primaryStorageUuidForRootVolume: Uuid.optional(),
  strategy: z.enum(["InstantStart", "JustCreate"]).default("InstantStart"),
  userData: z.string().max(16 * 1024 * 1024).regex(/^[A-Za-z0-9+/=\s]*$/, "must be base64").optional().describe("cloud-init user-data, base64"),
  sshKey: z.string().max(8192).optional().describe("OpenSSH public key line"),
  staticIp: Ipv4.optional().describe("Address on the default L3 network"),
}));
export type CreateVmInstanceInput = z.infer<typeof CreateVmInstanceBody>;

/** ZStack APIStopVmInstanceMsg. */
export const StopVmBody = z.object({
  type: z.enum(["grace", "cold"]).default("grace").describe("grace: ACPI power-off, forced after stopTimeout; cold: power cut"),
  stopTimeout: z.number().int().min(0).max(3600).default(60).describe("seconds"),
}).strict();

/** ZStack APIUpdateVmInstanceMsg (name, description). */
export const UpdateVmBody = z.object({ name: Name.optional(), description: Description.optional() }).strict();

export const Empty = z.object({}).strict();

/** ZStack VmNicInventory. */
export const VmNicInventory = z.object({
  uuid: z.string(), vmInstanceUuid: z.string(), l3NetworkUuid: z.string(), ip: z.string().nullable(),
  mac: z.string(), netmask: z.string().nullable(), gateway: z.string().nullable(), deviceId: z.number(), internalName: z.string(),
});

/** ZStack VmInstanceInventory. */
export const VmInstanceInventory = z.object({
  ...BaseInventory,
  zoneUuid: z.string().nullable().describe("Private-cloud zone; null for ECS instances"), clusterUuid: z.string().nullable(), hostUuid: z.string().nullable(), lastHostUuid: z.string().nullable(),
  instanceOfferingUuid: z.string().nullable(), imageUuid: z.string().nullable(), rootVolumeUuid: z.string().nullable(),
  defaultL3NetworkUuid: z.string().nullable(), type: z.string(), hypervisorType: z.string(),
  cpuNum: z.number().describe("vCPUs"), memorySize: z.number().describe("bytes"), allocatorStrategy: z.string(),
  platform: z.string(), architecture: z.string(), state: z.string(),
  provider: z.enum(["KVM", "Aliyun"]).describe("KVM: runs on a host of this private cloud; Aliyun: an ECS instance"),
  providerAttributes: z.object({
    ecsInstanceUuid: z.string(), ecsInstanceId: z.string(), ecsStatus: z.string().describe("Alibaba's status: Pending, Starting, Running, Stopping, Stopped"),
    regionId: z.string(), zoneId: z.string().nullable(), instanceType: z.string().describe("Alibaba InstanceType, e.g. ecs.g6.large"),
    vpcId: z.string().nullable(), vSwitchId: z.string().nullable(), chargeType: z.string().nullable().describe("PrePaid | PostPaid"),
    internetChargeType: z.string().nullable(), privateIpAddress: z.string().nullable(), publicIpAddress: z.string().nullable(),
  }).nullable().describe("Alibaba attributes of an ECS instance (DescribeInstances); null for KVM VMs"),
  vmNics: z.array(VmNicInventory),
  allVolumes: z.array(z.object({ uuid: z.string(), type: z.string(), installPath: z.string().nullable(), size: z.number(), deviceId: z.number().nullable() })),
});

export const vmQuerySpec: QuerySpec = {
  resourceType: "VmInstance",
  fields: {
    uuid: "string", name: "string", description: "string", zoneUuid: "string", clusterUuid: "string", hostUuid: "string",
    lastHostUuid: "string", instanceOfferingUuid: "string", imageUuid: "string", rootVolumeUuid: "string",
    defaultL3NetworkUuid: "string", type: "string", hypervisorType: "string", provider: "string", cpuNum: "number", memorySize: "bigint",
    platform: "string", architecture: "string", state: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "type", "hypervisorType", "provider", "cpuNum", "memorySize", "platform", "architecture", "state", "accountUuid", "createDate", "lastOpDate"],
  relations: {
    vmNics: {
      many: true,
      spec: () => ({
        resourceType: "VmNic",
        fields: { uuid: "string", l3NetworkUuid: "string", ip: "string", mac: "string", deviceId: "number" },
        notNull: ["uuid", "l3NetworkUuid", "mac", "deviceId"],
      }),
    },
    // Provider attributes of ECS instances: `q=ecsInstance.regionId=cn-hangzhou`.
    ecsInstance: {
      many: false,
      spec: () => ({
        resourceType: "EcsInstance",
        fields: {
          ecsInstanceId: "string", ecsStatus: "string", ecsInstanceType: "string", regionId: "string", zoneId: "string",
          vpcId: "string", vSwitchId: "string", chargeType: "string", privateIpAddress: "string", publicIpAddress: "string",
        },
        notNull: ["ecsInstanceId", "ecsStatus", "ecsInstanceType", "regionId"],
      }),
    },
  },
  computedFields: ["vmNics", "allVolumes", "providerAttributes"],
};
