import { AliyunError, Errors } from "../../core/errors.ts";
import type { RpcCall } from "../../core/rpc.ts";
import { oneOf } from "../../core/params.ts";

/** One region the emulator serves, with its zones (ids as Alibaba spells them). */
export interface RegionInfo {
  RegionId: string;
  /** Chinese and English display names, chosen by `AcceptLanguage`. */
  names: { "zh-CN": string; "en-US": string };
  /** VPC endpoint Alibaba documents for the region. */
  RegionEndpoint: string;
  zones: string[];
}

/**
 * The regions and zones of the emulated cloud — the same list the ECS product serves, so a
 * VSwitch zone and an instance zone always agree. Source: Alibaba's public region/zone list.
 */
export const REGIONS: readonly RegionInfo[] = [
  { RegionId: "cn-hangzhou", names: { "zh-CN": "华东1（杭州）", "en-US": "China (Hangzhou)" }, RegionEndpoint: "vpc.aliyuncs.com", zones: ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"] },
  { RegionId: "cn-shanghai", names: { "zh-CN": "华东2（上海）", "en-US": "China (Shanghai)" }, RegionEndpoint: "vpc.aliyuncs.com", zones: ["cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g"] },
  { RegionId: "cn-beijing", names: { "zh-CN": "华北2（北京）", "en-US": "China (Beijing)" }, RegionEndpoint: "vpc.aliyuncs.com", zones: ["cn-beijing-g", "cn-beijing-h", "cn-beijing-i"] },
  { RegionId: "cn-shenzhen", names: { "zh-CN": "华南1（深圳）", "en-US": "China (Shenzhen)" }, RegionEndpoint: "vpc.aliyuncs.com", zones: ["cn-shenzhen-d", "cn-shenzhen-e", "cn-shenzhen-f"] },
  { RegionId: "ap-southeast-1", names: { "zh-CN": "新加坡", "en-US": "Singapore" }, RegionEndpoint: "vpc.ap-southeast-1.aliyuncs.com", zones: ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"] },
  { RegionId: "us-west-1", names: { "zh-CN": "美国（硅谷）", "en-US": "US (Silicon Valley)" }, RegionEndpoint: "vpc.aliyuncs.com", zones: ["us-west-1a", "us-west-1b"] },
];

/**
 * The call's region, checked. VPC actions are regional, so every action except DescribeRegions
 * starts here.
 * @throws MissingParameter (no RegionId), InvalidRegionId.NotFound 404 (unknown region; CreateVpc's documented wording).
 */
export function requireRegion(call: RpcCall): RegionInfo {
  if (!call.regionId) throw Errors.missingParameter("RegionId");
  const region = REGIONS.find((r) => r.RegionId === call.regionId);
  if (!region) throw new AliyunError("InvalidRegionId.NotFound", `Specified value of "regionId" is not supported.`, 404);
  return region;
}

type Language = "zh-CN" | "en-US";

function language(call: RpcCall): Language {
  return oneOf(call, "AcceptLanguage", ["zh-CN", "en-US", "ja"] as const, "zh-CN") === "en-US" ? "en-US" : "zh-CN";
}

/** DescribeRegions → `{ Regions: { Region: [{ RegionId, LocalName, RegionEndpoint }] } }`. */
export function describeRegions(call: RpcCall): Record<string, unknown> {
  const lang = language(call);
  return { Regions: { Region: REGIONS.map((r) => ({ RegionId: r.RegionId, LocalName: r.names[lang], RegionEndpoint: r.RegionEndpoint })) } };
}

/**
 * DescribeZones (VPC variant) → `{ Zones: { Zone: [{ ZoneId, LocalName, ZoneType }] } }`.
 * Only `AvailabilityZone` zones exist here; asking for `EdgeZone` gives an empty list.
 */
export function describeZones(call: RpcCall): Record<string, unknown> {
  const region = requireRegion(call);
  const zoneType = oneOf(call, "ZoneType", ["AvailabilityZone", "EdgeZone"] as const, "AvailabilityZone");
  const lang = language(call);
  const zones = zoneType === "AvailabilityZone" ? region.zones : [];
  return {
    Zones: {
      Zone: zones.map((z) => {
        const letter = z.slice(z.lastIndexOf("-") + 1).replace(/^\d+/, "").toUpperCase();
        const LocalName = lang === "en-US" ? `${region.names["en-US"]} Zone ${letter}` : `${region.names["zh-CN"]} 可用区 ${letter}`;
        return { ZoneId: z, LocalName, ZoneType: "AvailabilityZone" };
      }),
    },
  };
}
