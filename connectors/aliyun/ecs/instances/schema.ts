import { z } from "zod";
import { createBody, Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";
import { isAliyunPassword } from "../common.ts";

const Ipv4 = z.string().regex(/^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/, "must be an IPv4 address");

/** An ECS root password: Alibaba's rule (8–30 characters, three of upper, lower, digit, special). */
export const EcsPassword = z.string().refine(isAliyunPassword,
  "must be 8 to 30 printable characters with three of: upper case, lower case, digits, special characters ()`~!@#$%^&*-_+=|{}[]:;'<>,.?/");

/** Alibaba instance / disk name: 2–128 characters, starting with a letter, not with http(s)://. */
export const EcsName = z.string().trim().min(2).max(128).regex(/^\p{L}/u, "must start with a letter").refine((s) => !/^https?:\/\//.test(s), "must not start with http:// or https://");

/**
 * ZStack CreateEcsInstanceFromEcsImageAction, plus `amount` (Alibaba RunInstances Amount) to
 * create a batch in one call. Give `instanceType` (an Alibaba type such as ecs.g6.large) or
 * `instanceOfferingUuid` (a local instance offering, mapped to the smallest ECS type with at
 * least its vCPUs and memory).
 */
export const CreateEcsInstanceBody = createBody(z.object({
  name: EcsName,
  description: z.string().min(2).max(256).optional().describe("Alibaba allows at most 256 characters (ZStack: 2–1024)"),
  ecsImageUuid: Uuid.describe("EcsImage (GET /v1/hybrid/aliyun/image); must be Available"),
  ecsVSwitchUuid: Uuid.describe("EcsVSwitch; the instance's zone is the VSwitch's"),
  ecsSecurityGroupUuid: Uuid.describe("EcsSecurityGroup in the VSwitch's VPC"),
  ecsRootPassword: EcsPassword,
  instanceOfferingUuid: Uuid.optional(),
  instanceType: z.string().regex(/^ecs\.[a-z0-9.-]+$/, "must be an ECS instance type such as ecs.g6.large").optional(),
  ecsBandWidth: z.number().int().min(0).max(200).optional().describe("Public bandwidth out in Mbit/s (InternetMaxBandwidthOut); 0 or absent: no public IP"),
  ecsRootVolumeGBSize: z.number().int().min(40).max(500).optional().describe("System disk in GiB (ZStack 40–500); default: Alibaba's (≥ the image size)"),
  ecsRootVolumeType: z.enum(["cloud_efficiency", "cloud_ssd", "cloud_essd"]).optional().describe("System disk category (default cloud_efficiency)"),
  privateIpAddress: Ipv4.optional().describe("Private address in the VSwitch (single instance only)"),
  allocatePublicIp: z.enum(["true", "false"]).optional().describe("Ignored unless ecsBandWidth > 0, as on Alibaba"),
  ecsConsolePassword: z.string().regex(/^[A-Za-z0-9]{6}$/, "must be 6 letters or digits").optional().describe("VNC password set after creation"),
  createMode: z.enum(["atomic", "permissive"]).optional().describe("atomic (default): all of a batch or nothing (MinAmount = amount); permissive: MinAmount 1"),
  amount: z.number().int().min(1).max(100).default(1).describe("Instances to create in one RunInstances call (names get suffixes 001, 002…)"),
}));
/** Input of EcsInstanceCreator.create. */
export type CreateEcsInstanceInput = z.infer<typeof CreateEcsInstanceBody>;

/** Body of each ECS action (StartEcsInstance, StopEcsInstance, RebootEcsInstance): empty. */
export const EcsActionBody = z.object({}).strict();

/** ZStack UpdateEcsInstanceAction → ModifyInstanceAttribute. */
export const UpdateEcsInstanceBody = z.object({
  params: z.object({
    name: EcsName.optional(),
    description: z.string().min(2).max(256).optional(),
    password: EcsPassword.optional().describe("New root password; takes effect at the next restart (Alibaba)"),
  }).strict(),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();
/** Input of EcsInstanceService.update. */
export type UpdateEcsInstanceInput = z.infer<typeof UpdateEcsInstanceBody>["params"];

/** ZStack UpdateEcsInstanceVncPasswordAction → ModifyInstanceVncPasswd. */
export const UpdateVncPasswordBody = z.object({
  params: z.object({ password: z.string().regex(/^[A-Za-z0-9]{6}$/, "must be 6 letters or digits") }).strict(),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack SyncEcsInstanceFromRemoteAction. */
export const SyncEcsInstanceBody = z.object({
  params: z.object({ onlyZstack: z.boolean().optional().describe("Accepted for ZStack compatibility; every instance of the region is synced") }).strict().default({}),
  systemTags: z.array(z.string()).optional(), userTags: z.array(z.string()).optional(),
}).strict();

/** ZStack GetEcsInstanceTypeAction query. */
export const EcsInstanceTypeQuery = z.object({ identityZoneUuid: Uuid, ecsImageUuid: Uuid.optional() }).strict();

/** ZStack EcsInstanceType. */
export const EcsInstanceTypeView = z.object({
  typeId: z.string(), cpu: z.number().int().describe("vCPUs"), memory: z.number().describe("bytes"),
  typeFamily: z.string(), generation: z.string(),
});

/** ZStack EcsInstanceInventory, plus Alibaba's region/zone, charge types and the account. */
export const EcsInstanceInventory = z.object({
  uuid: z.string(), localVmInstanceUuid: z.string().describe("The VmInstance row of this instance (same uuid)"),
  ecsInstanceId: z.string(), name: z.string(), description: z.string().nullable(),
  ecsStatus: z.string().describe("Alibaba's status: Pending, Starting, Running, Stopping, Stopped"),
  cpuCores: z.number().describe("vCPUs"), memorySize: z.number().describe("bytes"), ecsInstanceType: z.string(),
  ecsBandWidth: z.number().nullable().describe("Mbit/s"), ecsRootVolumeId: z.string().nullable(), ecsRootVolumeCategory: z.string().nullable(),
  ecsRootVolumeSize: z.number().nullable().describe("GiB"), privateIpAddress: z.string().nullable(), publicIpAddress: z.string().nullable(),
  ecsVpcUuid: z.string().nullable(), ecsVSwitchUuid: z.string().nullable(), ecsImageUuid: z.string().nullable(),
  ecsSecurityGroupUuid: z.string().nullable(), identityZoneUuid: z.string().nullable(), dataCenterUuid: z.string(),
  regionId: z.string(), zoneId: z.string().nullable(),
  chargeType: z.string().nullable().describe("Instance charge type: PostPaid | PrePaid"),
  internetChargeType: z.string().nullable().describe("PayByTraffic | PayByBandwidth"),
  expireDate: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Queryable fields of EcsInstance (QueryEcsInstanceFromLocal `q=`). */
export const ecsInstanceQuerySpec: QuerySpec = {
  resourceType: "EcsInstance",
  fields: {
    uuid: "string", ecsInstanceId: "string", name: "string", description: "string", ecsStatus: "string", cpuCores: "number",
    memorySize: "bigint", ecsInstanceType: "string", ecsBandWidth: "number", privateIpAddress: "string", publicIpAddress: "string",
    ecsVpcUuid: "string", ecsVSwitchUuid: "string", ecsImageUuid: "string", ecsSecurityGroupUuid: "string", identityZoneUuid: "string",
    dataCenterUuid: "string", regionId: "string", zoneId: "string", chargeType: "string", internetChargeType: "string",
    accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "ecsInstanceId", "name", "ecsStatus", "cpuCores", "memorySize", "ecsInstanceType", "dataCenterUuid", "regionId", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["localVmInstanceUuid"],
};
