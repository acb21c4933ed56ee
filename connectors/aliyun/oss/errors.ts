import { ApiError } from "../../../server/errors/catalogue.ts";

/** What ali-oss rejects with: OSS's error code, HTTP status and RequestId (status < 0 for network failures). */
interface OssFailure {
  code?: string;
  name?: string;
  status?: number;
  requestId?: string;
  message?: string;
}

/** True when `err` is an ali-oss failure with OSS error `code` (e.g. NoSuchBucket). */
export function isOssError(err: unknown, code: string): boolean {
  return (err as OssFailure | null)?.code === code;
}

/**
 * The user-facing form of a failed OSS call: `ALIYUN.<OSS code>` (e.g. ALIYUN.BucketAlreadyExists
 * 409, ALIYUN.BucketNotEmpty 409, ALIYUN.NoSuchBucket 404) with OSS's message and RequestId, as
 * HybridErrors.fromAliyun does for the RPC products. Signature and key failures answer 401;
 * other 4xx keep OSS's status; network failures and 5xx answer 503.
 */
export function fromOss(err: unknown, operation: string): ApiError {
  const e = (err ?? {}) as OssFailure;
  const code = e.code || e.name || "UnknownError";
  const status = e.status ?? 0;
  let http: number;
  if (/^(InvalidAccessKeyId|SignatureDoesNotMatch)/.test(code)) http = 401;
  else if (status >= 400 && status < 500) http = status;
  else http = 503;
  return new ApiError(`ALIYUN.${code}`, http, `Alibaba Cloud OSS refused ${operation}: ${e.message ?? code}`,
    e.requestId ? `RequestId ${e.requestId}` : undefined);
}

/** Runs an ali-oss call and turns its failures into ApiErrors (see {@link fromOss}). */
export async function oss<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw fromOss(err, operation);
  }
}
