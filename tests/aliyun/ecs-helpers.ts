// Shared set-up of the ECS connector tests: a VPC, VSwitch and security group made on the
// emulator through pop-core (as an operator would in Alibaba's console), brought in by a sync.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import RPCClient from "@alicloud/pop-core";
import { newUuid } from "../../server/ids.ts";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, type HybridRig, REGION } from "../support/aliyun.ts";

export const ZONE = "cn-hangzhou-h";
export const UBUNTU = "ubuntu_22_04_x64_20G_alibase_20240926.vhd";
export const PASSWORD = "Strata-Test-1";

/** A pop-core client on the emulator with the rig's key (ECS by default). */
export function pop(rig: HybridRig, apiVersion = "2014-05-26"): RPCClient {
  return new RPCClient({ accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: rig.emulator.url, apiVersion });
}

/** Polls `check` until it returns something other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) assert.fail("condition not reached in time");
    await sleep(50);
  }
}

/** Local uuids and Alibaba ids of a network made on the emulator. */
export interface EcsNetwork {
  vpcId: string; vswitchId: string; groupId: string;
  vpcUuid: string; vswitchUuid: string; groupUuid: string;
}

/**
 * Makes a VPC, a VSwitch in {@link ZONE} and a security group on the emulator and syncs the data
 * center. While the VPC part has no sync steps, the rows are written directly instead.
 */
export async function ecsNetwork(rig: HybridRig, dc: { uuid: string }, cidr = "192.168.0.0/16", vswitchCidr = "192.168.1.0/24"): Promise<EcsNetwork> {
  const vpc = pop(rig, "2016-04-28");
  const { VpcId } = await vpc.request("CreateVpc", { RegionId: REGION, CidrBlock: cidr }, { method: "POST" }) as { VpcId: string };
  await eventually(async () => {
    const r = await vpc.request("DescribeVpcs", { RegionId: REGION, VpcId }, { method: "POST" }) as { Vpcs: { Vpc: { Status: string }[] } };
    return r.Vpcs.Vpc[0]?.Status === "Available" ? true : undefined;
  });
  const { VSwitchId } = await vpc.request("CreateVSwitch", { RegionId: REGION, VpcId, ZoneId: ZONE, CidrBlock: vswitchCidr }, { method: "POST" }) as { VSwitchId: string };
  const { SecurityGroupId } = await pop(rig).request("CreateSecurityGroup", { RegionId: REGION, VpcId }, { method: "POST" }) as { SecurityGroupId: string };
  await rig.sync(dc.uuid);
  const prisma = rig.t.node.services.db.prisma;
  const row = await prisma.dataCenter.findUniqueOrThrow({ where: { uuid: dc.uuid } });
  const zone = await prisma.identityZone.findFirst({ where: { dataCenterUuid: dc.uuid, zoneId: ZONE } });
  const base = { dataCenterUuid: dc.uuid, accountUuid: row.accountUuid };
  const v = await prisma.ecsVpc.findFirst({ where: { ...base, ecsVpcId: VpcId } })
    ?? await prisma.ecsVpc.create({ data: { uuid: newUuid(), ...base, ecsVpcId: VpcId, name: VpcId, cidrBlock: cidr, status: "Available" } });
  const s = await prisma.ecsVSwitch.findFirst({ where: { ...base, vSwitchId: VSwitchId } })
    ?? await prisma.ecsVSwitch.create({ data: { uuid: newUuid(), ...base, ecsVpcUuid: v.uuid, identityZoneUuid: zone?.uuid ?? null, vSwitchId: VSwitchId, name: VSwitchId, cidrBlock: vswitchCidr, status: "Available" } });
  const g = await prisma.ecsSecurityGroup.findFirst({ where: { ...base, securityGroupId: SecurityGroupId } })
    ?? await prisma.ecsSecurityGroup.create({ data: { uuid: newUuid(), ...base, ecsVpcUuid: v.uuid, securityGroupId: SecurityGroupId, name: SecurityGroupId } });
  return { vpcId: VpcId, vswitchId: VSwitchId, groupId: SecurityGroupId, vpcUuid: v.uuid, vswitchUuid: s.uuid, groupUuid: g.uuid };
}

/** The local uuid of an ECS image by Alibaba id. */
export async function imageUuid(rig: HybridRig, ecsImageId = UBUNTU): Promise<string> {
  const r = await rig.admin.get(`/v1/hybrid/aliyun/image?q=ecsImageId=${ecsImageId}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.inventories.length, 1, r.text);
  return r.body.inventories[0].uuid;
}
