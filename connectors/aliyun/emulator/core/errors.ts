/**
 * Alibaba Cloud API errors as the emulator sends them. Body shape and codes follow
 * Alibaba's OpenAPI error responses: `{ RequestId, HostId, Code, Message, Recommend }`
 * (../shared/ALIBABA.md, "Errors"). HTTP statuses are the real ones, because the generated
 * SDKs (@alicloud/openapi-client) throw on 4xx/5xx and pop-core reads the body's Code.
 */
export class AliyunError extends Error {
  constructor(
    /** Alibaba error code, e.g. `InvalidInstanceId.NotFound`. */
    readonly code: string,
    message: string,
    /** HTTP status sent with the error body. */
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Constructors for the errors every product shares. */
export const Errors = {
  missingParameter: (name: string) => new AliyunError(`MissingParameter`, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`, 400),
  invalidParameter: (name: string, why = "is not valid") => new AliyunError(`InvalidParameter`, `The specified parameter "${name}" ${why}.`, 400),
  /** `<Kind>.NotFound` style errors, e.g. notFound("InvalidInstanceId", "i-1"). */
  notFound: (prefix: string, id: string, what = "resource") => new AliyunError(`${prefix}.NotFound`, `The specified ${what} "${id}" does not exist.`, 404),
  incorrectStatus: (code: string, message: string) => new AliyunError(code, message, 403),
  dependencyViolation: (code: string, message: string) => new AliyunError(code, message, 400),
  idempotentMismatch: () => new AliyunError("IdempotentParameterMismatch", "The request uses the same client token as a previous, but non-identical request.", 400),
  unsupportedOperation: (action: string) => new AliyunError("InvalidAction.NotFound", `Specified api "${action}" is not found, please check your url and method.`, 404),
  throttling: () => new AliyunError("Throttling", "Request was denied due to request throttling.", 400),
  serviceUnavailable: () => new AliyunError("ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503),
  internalError: () => new AliyunError("InternalError", "The request processing has failed due to some unknown error, exception or failure.", 500),
};
