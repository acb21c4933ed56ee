import { createRequire } from "node:module";
import type { AliyunCredentials } from "./rpc-client.ts";
import type { AliyunEndpoints } from "./endpoints.ts";

/** The part of ali-oss the connector uses (ali-oss ships no types). */
export interface OssClient {
  listBuckets(query?: Record<string, unknown> | null, options?: Record<string, unknown>): Promise<{ buckets: { name: string; region: string; creationDate: string; storageClass?: string }[] | null }>;
  putBucket(name: string, options?: Record<string, unknown>): Promise<unknown>;
  deleteBucket(name: string, options?: Record<string, unknown>): Promise<unknown>;
  getBucketInfo(name: string): Promise<{ bucket: { Name: string; Location: string; Region?: string } }>;
  useBucket(name: string): void;
  multipartUpload(key: string, file: string, options?: { partSize?: number; progress?: (p: number) => void | Promise<void> }): Promise<unknown>;
  head(key: string): Promise<{ res: { headers: Record<string, string> } }>;
  delete(key: string): Promise<unknown>;
}

const OSS = createRequire(import.meta.url)("ali-oss") as new (opts: Record<string, unknown>) => OssClient;

/**
 * An ali-oss client for a region (and optionally a bucket). With the endpoint override it
 * talks to the emulator by path style; otherwise to `oss-<region>.aliyuncs.com` over HTTPS.
 */
export function ossClient(credentials: AliyunCredentials, endpoints: AliyunEndpoints, regionId: string, bucket?: string): OssClient {
  return new OSS({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    endpoint: endpoints.oss(regionId),
    region: `oss-${regionId}`,
    bucket,
    secure: !endpoints.overridden,
    timeout: 60_000,
    retryMax: 3,
  });
}
