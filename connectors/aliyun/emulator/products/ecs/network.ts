import { randomInt } from "node:crypto";
import { AliyunError } from "../../core/errors.ts";
import type { RpcCall } from "../../core/rpc.ts";
import type { StoredResource } from "../../core/state.ts";
import { table } from "./common.ts";
import type { InstanceRow } from "./instance-row.ts";

/** VSwitch fields this product reads from the VPC product's "VSwitch" table. */
export type VSwitchView = StoredResource & { VSwitchId: string; VpcId: string; ZoneId: string; CidrBlock: string; Status?: string };

/** The VSwitch `id` in `regionId`. @throws InvalidVSwitchId.NotFound (404). */
export function requireVSwitch(call: RpcCall, id: string, regionId: string): VSwitchView {
  const v = table<VSwitchView>(call, "VSwitch", regionId)[id];
  if (!v) throw new AliyunError("InvalidVSwitchId.NotFound", `The specified VSwitchId "${id}" does not exist.`, 404);
  return v;
}

function toNumber(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * Picks `count` free private addresses in the VSwitch, lowest first. Alibaba reserves the first
 * and the last three addresses of every VSwitch block, so those are never handed out.
 * @throws InvalidVSwitchId.IpNotEnough (400) when fewer than `min` addresses are free.
 */
export function allocatePrivateIps(call: RpcCall, regionId: string, vswitch: VSwitchView, count: number, min = count): string[] {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(vswitch.CidrBlock);
  if (!m) throw new AliyunError("InvalidVSwitchId.IpNotEnough", "The specified VSwitch does not have enough IP addresses.", 400);
  const size = 2 ** (32 - Number(m[2]));
  const base = toNumber(m[1]!) - (toNumber(m[1]!) % size);
  const used = new Set(Object.values(table<InstanceRow>(call, "Instance", regionId))
    .filter((i) => i.VpcAttributes.VSwitchId === vswitch.VSwitchId)
    .flatMap((i) => i.VpcAttributes.PrivateIpAddress.IpAddress));
  const out: string[] = [];
  for (let n = base + 1; n <= base + size - 4 && out.length < count; n++) {
    const ip = toIp(n);
    if (!used.has(ip)) out.push(ip);
  }
  if (out.length < min) throw new AliyunError("InvalidVSwitchId.IpNotEnough", "The specified VSwitch does not have enough IP addresses.", 400);
  return out;
}

/** A public address for instances created with InternetMaxBandwidthOut > 0 (from 47.96.0.0/11, an Alibaba block). */
export function publicIp(): string {
  return toIp(toNumber("47.96.0.0") + randomInt(1, 2 ** 21 - 1));
}
