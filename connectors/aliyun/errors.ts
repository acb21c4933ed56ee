import { ApiError } from "../../server/errors/catalogue.ts";
import { AliyunApiError } from "./client/errors.ts";

/**
 * Errors of the Alibaba Cloud connector as the REST API sends them. A refusal by Alibaba Cloud
 * keeps Alibaba's own code in ours (`ALIYUN.<Code>`, e.g. `ALIYUN.IncorrectInstanceStatus`)
 * with its message and RequestId, so an operator can look it up in Alibaba's documentation.
 */
export const HybridErrors = {
  /** HYBRID.NO_KEY, 409: the account has no current Alibaba AccessKey. */
  noKey: () => new ApiError("HYBRID.NO_KEY", 409,
    "No Alibaba Cloud AccessKey is current for your account; add one (POST /v1/hybrid/aliyun/key) or attach one (PUT /v1/hybrid/aliyun/key/{uuid}/attach)"),
  /** HYBRID.REMOTE_NOT_FOUND, 404: what the request names does not exist on Alibaba Cloud. */
  remoteNotFound: (what: string, id: string) => new ApiError("HYBRID.REMOTE_NOT_FOUND", 404,
    `Alibaba Cloud has no ${what} with that id in this region; check the id and region`, id),
  /**
   * HYBRID.REMOTE_NOT_READY, 504: Alibaba created the resource but did not report it ready
   * within the wait; Strata keeps a record with the status seen, and a sync updates it.
   */
  remoteNotReady: (what: string, id: string, status: string) => new ApiError("HYBRID.REMOTE_NOT_READY", 504,
    `Alibaba Cloud created the ${what} but did not report it Available in time; it is recorded with its current status and the next sync updates it`,
    `${id} is ${status}`),
  /** The user-facing form of a failed Alibaba call. */
  fromAliyun: (err: AliyunApiError) => new ApiError(`ALIYUN.${err.code}`, aliyunStatus(err.code),
    `Alibaba Cloud refused ${err.action}: ${err.message}`, err.requestId ? `RequestId ${err.requestId}` : undefined),
};

/** Maps an Alibaba code onto the HTTP status we answer with. */
function aliyunStatus(code: string): number {
  if (/^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidTimeStamp)/.test(code)) return 401;
  if (/NotFound/.test(code)) return 404;
  if (/^(Incorrect|DependencyViolation|OperationConflict|OperationDenied|IdempotentParameterMismatch|QuotaExceeded|Forbidden)/.test(code)) return 409;
  if (/^(Invalid|Missing|IllegalParam)/.test(code)) return 400;
  if (/^(Throttling|ServiceUnavailable)/.test(code)) return 503;
  return 502;
}

/** Runs a remote call and turns Alibaba failures into ApiErrors. */
export async function remote<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AliyunApiError) throw HybridErrors.fromAliyun(err);
    throw err;
  }
}

/**
 * Runs a remote delete, treating Alibaba's "not found" answer (`notFound` matched against the
 * code) as done: deleting what is already gone succeeds. Other refusals become ApiErrors.
 */
export async function deleteRemote(fn: () => Promise<unknown>, notFound: RegExp): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof AliyunApiError)) throw err;
    if (!notFound.test(err.code)) throw HybridErrors.fromAliyun(err);
  }
}
