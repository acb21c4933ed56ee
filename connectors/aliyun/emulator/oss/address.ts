import type { IncomingMessage } from "node:http";

/** Region the emulator reports when the Host names none (an IP or localhost endpoint). */
export const DEFAULT_OSS_REGION = "cn-hangzhou";

/** What an OSS request addresses, read from its Host and path. */
export interface OssTarget {
  /** Bucket name, undefined for service-level requests (ListBuckets). */
  bucket?: string;
  /** Object key, decoded; undefined for bucket-level requests. */
  key?: string;
  /** Standard region id, e.g. `cn-hangzhou`, from an `oss-<region>[-internal].aliyuncs.com` Host. */
  region: string;
  /** Query parameters, decoded; sub-resources such as `uploads` have the value "". */
  query: URLSearchParams;
}

const OSS_HOST = /^(?:([^.]*)\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/;

/**
 * Finds bucket, key and region the way ali-oss addresses them
 * (ali-sdk/ali-oss lib/common/utils/createRequest.js, lib/common/client/getReqUrl.js):
 * - virtual-hosted: Host `<bucket>.oss-<region>.aliyuncs.com`, path `/<key>`. ali-oss also sends
 *   this Host when its endpoint is an IP (`http://127.0.0.1:PORT`), taking the region from its
 *   `region` option; ListBuckets then has an empty first label (`.oss-cn-hangzhou.aliyuncs.com`).
 * - `<bucket>.localhost` Host, path `/<key>` (an endpoint of `http://localhost:PORT`).
 * - path style `/<bucket>/<key>` for any other Host (curl, other SDKs), region
 *   {@link DEFAULT_OSS_REGION}.
 * ali-oss with an IP endpoint and `sldEnable: true` sends both a bucket Host and a `/<bucket>/`
 * path, which reads either way; so this returns every reading, likeliest first, and the
 * signature decides (see handler.ts).
 */
export function resolveTargets(req: IncomingMessage): OssTarget[] {
  const url = new URL(req.url ?? "/", "http://emulator");
  const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
  const path = url.pathname;
  const query = url.searchParams;
  const m = OSS_HOST.exec(host);
  const region = m?.[2] ?? DEFAULT_OSS_REGION;
  let hostBucket = m?.[1];
  if (!m && host.endsWith(".localhost")) hostBucket = host.slice(0, -".localhost".length);
  const pathStyle = pathStyleTarget(path, region, query);
  if (!hostBucket) return [pathStyle];
  const virtual: OssTarget = { bucket: hostBucket, key: path === "/" ? undefined : decodeKey(path.slice(1)), region, query };
  return pathStyle.bucket === hostBucket ? [virtual, pathStyle] : [virtual];
}

function pathStyleTarget(path: string, region: string, query: URLSearchParams): OssTarget {
  const [, bucket, ...rest] = path.split("/");
  if (!bucket) return { region, query };
  // "/<bucket>" and "/<bucket>/" are both the bucket itself
  const key = rest.length === 0 || (rest.length === 1 && rest[0] === "") ? undefined : decodeKey(rest.join("/"));
  return { bucket: decodeKey(bucket), key, region, query };
}

/** Host names of a bucket, as GetBucketInfo/ListBuckets report them. */
export function endpoints(region: string): { extranet: string; intranet: string } {
  return { extranet: `oss-${region}.aliyuncs.com`, intranet: `oss-${region}-internal.aliyuncs.com` };
}

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * True when a request is OSS rather than RPC: an OSS Authorization scheme, an OSS Host, or
 * presigned-URL query parameters. The server asks after ruling out RPC (Action / x-acs-action).
 */
export function looksLikeOss(req: IncomingMessage): boolean {
  const auth = req.headers.authorization ?? "";
  if (auth.startsWith("OSS ") || auth.startsWith("OSS4-")) return true;
  const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
  if (OSS_HOST.test(host)) return true;
  const url = new URL(req.url ?? "/", "http://emulator");
  if (url.searchParams.has("OSSAccessKeyId") || url.searchParams.has("x-oss-credential")) return true;
  // anything not aimed at "/" cannot be an RPC call, whose path is always "/"
  return url.pathname !== "/";
}
