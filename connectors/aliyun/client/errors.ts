/**
 * A failed Alibaba Cloud call, as the user sees it in a failed job: Alibaba's own code and
 * message (e.g. `IncorrectInstanceStatus`), the RequestId to quote to Alibaba support, and the
 * action that failed.
 */
export class AliyunApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly action: string,
    readonly requestId?: string,
    /** True for throttling, 5xx and network failures: the call may succeed when repeated. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = "AliyunApiError";
  }
}

const RETRYABLE_CODES = /^(Throttling.*|ServiceUnavailable|InternalError|UnknownError|OperationConflict|LastTokenProcessing|RequestTimeout)$/;

/** Whether an Alibaba error code is worth retrying (throttling, transient server errors). */
export function isRetryableCode(code: string): boolean {
  return RETRYABLE_CODES.test(code);
}
