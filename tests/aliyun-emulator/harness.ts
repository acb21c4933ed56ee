// Shared set-up for the emulator's RPC tests: an in-process emulator on an ephemeral port,
// driven by the real clients — @alicloud/pop-core (signature v1) and @alicloud/ecs20140526
// (ACS3-HMAC-SHA256) — exactly as the Alibaba connector will drive Alibaba Cloud.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import * as $Ecs from "@alicloud/ecs20140526";
import { Config } from "@alicloud/openapi-client";
import RPCClient from "@alicloud/pop-core";
import { EmulatorAccessKeys } from "../../connectors/aliyun/emulator/core/access-keys.ts";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../connectors/aliyun/emulator/server.ts";

export { $Ecs };

export const KEY_ID = "LTAI5tEmulatorTest01";
export const KEY_SECRET = "emulator-test-secret-01";
export const ACCOUNT_ID = "1111222233334444";
export const REGION = "cn-hangzhou";
/** Short status moves keep the tests quick; real Alibaba takes seconds to minutes. */
export const TRANSITION_MS = 150;

export type Body = Record<string, unknown>;

/** The emulator with one known key, in memory unless `dataDir` is given. */
export function start(opts: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  return startEmulator({
    accessKeys: EmulatorAccessKeys.parse(`${KEY_ID}:${KEY_SECRET}:${ACCOUNT_ID}`),
    transitionMs: TRANSITION_MS,
    ...opts,
  });
}

/** A pop-core RPC client for `apiVersion` (ECS by default). */
export function pop(url: string, opts: { apiVersion?: string; id?: string; secret?: string } = {}): RPCClient {
  return new RPCClient({
    accessKeyId: opts.id ?? KEY_ID, accessKeySecret: opts.secret ?? KEY_SECRET, endpoint: url, apiVersion: opts.apiVersion ?? "2014-05-26",
  });
}

/** The generated client class: `default` of the CommonJS module, which is itself the ESM `default`. */
export type EcsClient = InstanceType<typeof $Ecs.default.default>;

/** The official generated ECS client, pointed at the emulator over plain HTTP. */
export function ecs(url: string, opts: { id?: string; secret?: string } = {}): EcsClient {
  const config = new Config({
    accessKeyId: opts.id ?? KEY_ID, accessKeySecret: opts.secret ?? KEY_SECRET, endpoint: new URL(url).host, protocol: "http", regionId: REGION,
  });
  return new $Ecs.default.default(config as never);
}

/** The Alibaba error a client call failed with (pop-core and generated SDKs both set `code`). */
export async function failure(p: Promise<unknown>): Promise<Error & { code: string; statusCode?: number; data?: Body; retryAfter?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code: string; statusCode?: number; data?: Body };
  }
  assert.fail("expected the call to fail");
}

/** Polls `check` until it returns a value other than undefined (or `timeoutMs` passes). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) assert.fail("condition not reached in time");
    await sleep(25);
  }
}

/** A VPC with one VSwitch in cn-hangzhou-h, made through the emulator's VPC API. */
export async function network(url: string, cidr = "192.168.0.0/16", vswitchCidr = "192.168.1.0/24"): Promise<{ vpcId: string; vswitchId: string }> {
  const vpc = pop(url, { apiVersion: "2016-04-28" });
  const { VpcId } = await vpc.request("CreateVpc", { RegionId: REGION, CidrBlock: cidr }) as { VpcId: string };
  await eventually(async () => {
    const r = await vpc.request("DescribeVpcs", { RegionId: REGION, VpcId }) as { Vpcs: { Vpc: { Status: string }[] } };
    return r.Vpcs.Vpc[0]?.Status === "Available" ? true : undefined;
  });
  const { VSwitchId } = await vpc.request("CreateVSwitch", { RegionId: REGION, VpcId, ZoneId: "cn-hangzhou-h", CidrBlock: vswitchCidr }) as { VSwitchId: string };
  return { vpcId: VpcId, vswitchId: VSwitchId };
}

export const IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd";

/** A network and a security group in it: what RunInstances needs. */
export async function launchTarget(url: string): Promise<{ vpcId: string; vswitchId: string; securityGroupId: string }> {
  const net = await network(url);
  const { SecurityGroupId } = await pop(url).request("CreateSecurityGroup", { RegionId: REGION, VpcId: net.vpcId, SecurityGroupName: "web" }) as { SecurityGroupId: string };
  return { ...net, securityGroupId: SecurityGroupId };
}

/** Instance status as DescribeInstances shows it. */
export async function statusOf(url: string, instanceId: string): Promise<string | undefined> {
  const r = await pop(url).request("DescribeInstances", { RegionId: REGION, InstanceIds: JSON.stringify([instanceId]) }) as { Instances: { Instance: { Status: string }[] } };
  return r.Instances.Instance[0]?.Status;
}

/** Waits until the instance shows `status`. */
export function reach(url: string, instanceId: string, status: string): Promise<true> {
  return eventually(async () => (await statusOf(url, instanceId)) === status ? true : undefined);
}
