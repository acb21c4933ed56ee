import { AliyunError, Errors } from "../../core/errors.ts";
import { objects, str } from "../../core/params.ts";
import type { RpcCall } from "../../core/rpc.ts";
import type { StoredResource } from "../../core/state.ts";
import { REGIONS } from "../vpc/regions.ts";

/**
 * Shared plumbing of the ECS product: state tables, region checks, cross-region lookups and
 * tags. Table kinds (per account and region) and who owns them:
 * - "Instance", "Disk", "Image" (custom images only), "SecurityGroup", "Task": ECS (this product);
 * - "Vpc", "VSwitch", "EipAddress": the VPC product, read here (EIP rows are also released when
 *   their instance is deleted);
 * - "OssBucket", "OssObject" in region "global": OSS, read by ImportImage.
 * Rows hold Alibaba's response fields as the SDK models name them, already in wire shape
 * (`Tags: { Tag: [...] }`), plus `__` fields the API never shows.
 */

/** Default duration of a simulated status move when the server sets none, in ms. */
export const DEFAULT_TRANSITION_MS = 2000;

/** Duration of one simulated status move for this call, in ms. */
export function transitionMs(call: RpcCall): number {
  return call.transitionMs ?? DEFAULT_TRANSITION_MS;
}

/** A table of the call's account in `regionId` (default: the call's region), transitions applied. */
export function table<T extends StoredResource>(call: RpcCall, kind: string, regionId = call.regionId): Record<string, T> {
  return call.state.table(call.accountId, regionId, kind, call.now) as Record<string, T>;
}

/**
 * The call's region, checked against the emulated cloud's list.
 * @throws MissingParameter, InvalidRegionId.NotFound (404).
 */
export function requireRegion(call: RpcCall): string {
  if (!call.regionId) throw Errors.missingParameter("RegionId");
  if (!REGIONS.some((r) => r.RegionId === call.regionId)) {
    throw new AliyunError("InvalidRegionId.NotFound", `The specified RegionId "${call.regionId}" does not exist.`, 404);
  }
  return call.regionId;
}

/**
 * Finds a resource by id in the call's region, or — for actions such as StartInstance that take
 * no RegionId — in any region of the account.
 * @throws the error made by `notFound`.
 */
export function findAnywhere<T extends StoredResource>(call: RpcCall, kind: string, id: string, notFound: () => AliyunError): { row: T; regionId: string } {
  const regions = call.regionId ? [call.regionId] : call.state.regionsWith(call.accountId, kind);
  for (const regionId of regions) {
    const row = table<T>(call, kind, regionId)[id];
    if (row) return { row, regionId };
  }
  throw notFound();
}

/** Alibaba's tag shape in responses. */
export interface Tag {
  TagKey: string;
  TagValue: string;
}

/**
 * `Tag.N.Key` / `Tag.N.Value` params (N = 1..20).
 * @throws InvalidParameter on an empty key, a reserved `aliyun`/`acs:` prefix or more than 20 tags.
 */
export function tagsParam(call: RpcCall): Tag[] {
  const tags = objects(call, "Tag").filter((t) => t.Key !== undefined || t.Value !== undefined);
  if (tags.length > 20) throw Errors.invalidParameter("Tag", "has more than 20 tags");
  return tags.map((t) => {
    const key = t.Key ?? "";
    if (!key) throw new AliyunError("InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid.", 400);
    if (/^(aliyun|acs:)/i.test(key)) throw new AliyunError("InvalidTagKey.Malformed", "The specified Tag.n.Key must not start with aliyun or acs:.", 400);
    return { TagKey: key, TagValue: t.Value ?? "" };
  });
}

/** True when a row's `Tags.Tag` holds every `Tag.N` filter of the call (a filter without Value matches any value). */
export function matchesTagFilter(call: RpcCall, row: { Tags?: { Tag?: Tag[] } }): boolean {
  const wanted = objects(call, "Tag").filter((t) => t.Key);
  const have = row.Tags?.Tag ?? [];
  return wanted.every((w) => have.some((h) => h.TagKey === w.Key && (w.Value === undefined || h.TagValue === w.Value)));
}

/**
 * A name param (InstanceName, DiskName, ImageName, SecurityGroupName): 2–128 characters, starting
 * with a letter, not with http(s)://, as Alibaba documents for every ECS name. @throws InvalidParameter.
 */
export function checkName(call: RpcCall, param: string): string | undefined {
  const v = str(call, param);
  if (v === undefined) return undefined;
  if (v.length < 2 || v.length > 128 || /^(https?:\/\/)/.test(v) || !/^[\p{L}]/u.test(v)) {
    throw Errors.invalidParameter(param, "must be 2 to 128 characters, start with a letter and not with http:// or https://");
  }
  return v;
}

/** A Description-style param: at most 256 characters, not starting with http(s)://. @throws InvalidParameter. */
export function checkDescription(call: RpcCall, param = "Description"): string | undefined {
  const v = str(call, param);
  if (v !== undefined && (v.length > 256 || /^(https?:\/\/)/.test(v))) {
    throw Errors.invalidParameter(param, "must be at most 256 characters and not start with http:// or https://");
  }
  return v;
}

/** DryRun=true: Alibaba checks the request and answers DryRunOperation instead of acting. */
export function dryRunStop(call: RpcCall): void {
  if (call.params.DryRun === "true") throw new AliyunError("DryRunOperation", "Request validation has been passed with DryRun flag set.", 400);
}

/** The status error every ECS lifecycle action uses (403). */
export function incorrectInstanceStatus(): AliyunError {
  return Errors.incorrectStatus("IncorrectInstanceStatus", "The current status of the resource does not support this operation.");
}

/** The status error of disk actions (403). */
export function incorrectDiskStatus(): AliyunError {
  return Errors.incorrectStatus("IncorrectDiskStatus", "The current disk status does not support this operation.");
}
