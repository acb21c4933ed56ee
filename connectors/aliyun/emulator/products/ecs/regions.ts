import { oneOf } from "../../core/params.ts";
import type { RpcAction, RpcCall } from "../../core/rpc.ts";
import { REGIONS } from "../vpc/regions.ts";
import { requireRegion } from "./common.ts";
import { INSTANCE_TYPES } from "./instance-types.ts";

/*
 * DescribeRegions and DescribeZones. The region and zone list is the VPC product's
 * (products/vpc/regions.ts), so a VSwitch's zone is always one ECS knows.
 */

type Language = "zh-CN" | "en-US";

function language(call: RpcCall): Language {
  // Alibaba answers Chinese names unless asked otherwise; ja is served in English here.
  const v = oneOf(call, "AcceptLanguage", ["zh-CN", "en-US", "ja"] as const, "zh-CN");
  return v === "zh-CN" ? "zh-CN" : "en-US";
}

/** ECS endpoint of a region: the central one for older mainland regions, a regional one elsewhere. */
function ecsEndpoint(regionId: string): string {
  return ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-hongkong"].includes(regionId)
    ? "ecs.aliyuncs.com"
    : `ecs.${regionId}.aliyuncs.com`;
}

/** DescribeRegions → `{ Regions: { Region: [{ RegionId, LocalName, RegionEndpoint, Status }] } }`. */
export const describeRegions: RpcAction = (call) => {
  const lang = language(call);
  return {
    Regions: {
      Region: REGIONS.map((r) => ({ RegionId: r.RegionId, LocalName: r.names[lang], RegionEndpoint: ecsEndpoint(r.RegionId), Status: "available" })),
    },
  };
};

/** "cn-hangzhou-h" → "H", "ap-southeast-1a" → "A". */
function zoneLetter(zoneId: string): string {
  return (/-([a-z])$/.exec(zoneId)?.[1] ?? zoneId.slice(-1)).toUpperCase();
}

/** Disk categories every emulated zone offers. */
export const DISK_CATEGORIES = ["cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"] as const;

/**
 * DescribeZones (RegionId) → `{ Zones: { Zone: [{ ZoneId, LocalName, ZoneType, AvailableInstanceTypes,
 * AvailableDiskCategories, AvailableResourceCreation, ... }] } }`.
 */
export const describeZones: RpcAction = (call) => {
  const regionId = requireRegion(call);
  const region = REGIONS.find((r) => r.RegionId === regionId)!;
  const lang = language(call);
  const city = region.names[lang].replace(/^.*[（(]/, "").replace(/[）)]$/, "");
  return {
    Zones: {
      Zone: region.zones.map((zoneId) => ({
        ZoneId: zoneId,
        LocalName: lang === "zh-CN" ? `${city} 可用区${zoneLetter(zoneId)}` : `${city} Zone ${zoneLetter(zoneId)}`,
        ZoneType: "AvZone",
        AvailableInstanceTypes: { InstanceTypes: INSTANCE_TYPES.map((t) => t.InstanceTypeId) },
        AvailableDiskCategories: { DiskCategories: [...DISK_CATEGORIES] },
        AvailableVolumeCategories: { VolumeCategories: [] },
        AvailableResourceCreation: { ResourceTypes: ["VSwitch", "IoOptimized", "Instance", "Disk"] },
        AvailableDedicatedHostTypes: { DedicatedHostType: [] },
        DedicatedHostGenerations: { DedicatedHostGeneration: [] },
        AvailableResources: { ResourcesInfo: [] },
      })),
    },
  };
};

/** True when `zoneId` is a zone of `regionId`. */
export function isZoneOf(regionId: string, zoneId: string): boolean {
  return REGIONS.find((r) => r.RegionId === regionId)?.zones.includes(zoneId) ?? false;
}
