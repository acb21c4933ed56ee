/**
 * The one catalogue of API errors. Codes follow ZStack's namespaces (SysErrors `SYS.*`,
 * IdentityErrors `ID.*`; later `HOST.*`, `VM.*`, ...), so ZStack clients that branch on
 * `error.code` keep working. Each error carries the HTTP status it is sent with and a
 * description that tells the caller what to fix.
 *
 * Wire shape (ZStack's ErrorCode): `{ "error": { "code", "description", "details", "cause"? } }`.
 */
export class ApiError extends Error {
  constructor(
    /** Stable code, e.g. `SYS.1007`. */
    readonly code: string,
    /** HTTP status sent with it. */
    readonly httpStatus: number,
    /** What went wrong and how to fix it. */
    readonly description: string,
    /** Specifics: the field, the value, the state. */
    readonly details?: string,
    /** The error underneath (e.g. the hypervisor's), shown to the caller. */
    readonly errorCause?: ApiError,
  ) {
    super(details ? `${description}: ${details}` : description);
    this.name = "ApiError";
  }

  /** The `error` object of a response body. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      description: this.description,
      ...(this.details !== undefined ? { details: this.details } : {}),
      ...(this.errorCause ? { cause: this.errorCause.toJSON() } : {}),
    };
  }
}

/** Error constructors, one per failure a caller can meet. */
export const Errors = {
  /** SYS.1000, 500: a bug or an unexpected failure; no internals are shown. */
  internal: (requestId?: string) =>
    new ApiError("SYS.1000", 500, "An internal error happened in the management node; see its log",
      requestId ? `request id ${requestId}` : undefined),
  /** SYS.1003, 404: no such resource visible to the caller. */
  resourceNotFound: (resourceType: string, uuid: string) =>
    new ApiError("SYS.1003", 404, `No ${resourceType} with that uuid exists, or it is not visible to your account`,
      `${resourceType} ${uuid}`),
  /** SYS.1003, 404: no route for the method and path. */
  noSuchApi: (method: string, path: string) =>
    new ApiError("SYS.1003", 404, "No API at this method and path; see /v1/openapi.json", `${method} ${path}`),
  /** SYS.1006, 409: the operation is not allowed in the resource's current state. */
  operationNotAllowed: (what: string, details: string) =>
    new ApiError("SYS.1006", 409, `${what} is not allowed now`, details),
  /** SYS.1004, 409: deletion refused because other resources depend on this one. */
  deleteRefused: (description: string, details?: string) => new ApiError("SYS.1004", 409, description, details),
  /** SYS.1007, 400: the request does not have the right shape or values. */
  invalidArgument: (description: string, details?: string) => new ApiError("SYS.1007", 400, description, details),
  /** SYS.1008, 400: an action name that does not exist for this resource. */
  unknownAction: (collection: string, action: string, known: string[]) =>
    new ApiError("SYS.1008", 400, `Unknown action for ${collection}; send exactly one of the listed actions`,
      `got "${action}"; actions: ${known.join(", ")}`),
  /** SYS.1002, 409: a resource with the same unique key already exists. */
  duplicate: (what: string, details?: string) =>
    new ApiError("SYS.1002", 409, `${what} already exists; pick another value`, details),
  /** SYS.1017, 409: a job uuid picked by X-Job-UUID is already used. */
  duplicateJobUuid: (uuid: string) =>
    new ApiError("SYS.1002", 409, "The job uuid given in X-Job-UUID is already used; send a new one", uuid),
  /** ID.1000, 401: the credentials do not match. */
  authenticationFailed: (details?: string) =>
    new ApiError("ID.1000", 401, "Wrong account name, user name or password", details),
  /** ID.1000, 423: too many failed logins; the account is locked for a while. */
  accountLocked: (until: Date) =>
    new ApiError("ID.1000", 423, "Too many failed logins; the account is locked, try again later",
      `locked until ${until.toISOString()}`),
  /** ID.1001, 401: missing, unknown or expired session / access-key signature. */
  invalidSession: (details: string) =>
    new ApiError("ID.1001", 401,
      "Log in first: send 'Authorization: OAuth <session uuid>' or an access-key signature", details),
  /** ID.1002, 403: the caller may not do this. */
  permissionDenied: (details: string) =>
    new ApiError("ID.1002", 403, "Your account is not permitted to do this", details),
  /** ID.1003, 400: the account's quota would be exceeded. */
  quotaExceeded: (quotaName: string, used: bigint, requested: bigint, limit: bigint) =>
    new ApiError("ID.1003", 400, `Quota ${quotaName} would be exceeded; free resources or ask an admin to raise it`,
      `used ${used}, requested ${requested}, quota ${limit}`),
  /** PS.CAPACITY_EXCEEDED, 409: a primary storage cannot take a new volume (ZStack PrimaryStorageErrors). */
  primaryStorageCapacityExceeded: (storage: string, details: string) =>
    new ApiError("PS.CAPACITY_EXCEEDED", 409,
      `Primary storage ${storage} lacks the capacity for this volume; free space, attach more storage, or raise ` +
      "primaryStorage/overProvisioning.ratio or primaryStorage/usageThreshold", details),
  /** PS.NO_AVAILABLE_STORAGE, 409: no Enabled, Connected primary storage is attached to the host's cluster. */
  noPrimaryStorage: (details: string) =>
    new ApiError("PS.NO_AVAILABLE_STORAGE", 409,
      "No Enabled, Connected primary storage is attached to the host's cluster; attach one (POST /v1/clusters/{uuid}/primary-storage/{uuid})",
      details),
  /** PS.INIT_FAILED, 502: hosts could not prepare (mkdir/mount/statfs) a primary storage. */
  primaryStorageInitFailed: (storage: string, details: string) =>
    new ApiError("PS.INIT_FAILED", 502, `Hosts could not prepare primary storage ${storage}; fix the listed hosts and attach again`, details),
} as const;
