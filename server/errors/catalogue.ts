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
  /** SYS.DATABASE_UNAVAILABLE, 503: PostgreSQL is down or restarting; nothing was changed. */
  databaseUnavailable: () =>
    new ApiError("SYS.DATABASE_UNAVAILABLE", 503, "The management node's database is unreachable right now (restarting or down); retry in a few seconds"),
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
  // ZWatch and SNS (monitoring/zwatch, monitoring/sns)
  /** ZWATCH.UNKNOWN_METRIC, 400: namespace/metricName is not in the catalog (GET /v1/zwatch/all/metrics). */
  zwatchUnknownMetric: (namespace: string, metricName: string) =>
    new ApiError("ZWATCH.UNKNOWN_METRIC", 400, "No such metric; pick a namespace and metricName from GET /v1/zwatch/all/metrics",
      `${namespace}/${metricName}`),
  /** ZWATCH.UNKNOWN_LABEL, 400: a label the metric or event does not carry. */
  zwatchUnknownLabel: (label: string, known: string[]) =>
    new ApiError("ZWATCH.UNKNOWN_LABEL", 400, "The metric or event has no such label; use one of the listed labels",
      `got "${label}"; labels: ${known.join(", ")}`),
  /** ZWATCH.UNKNOWN_EVENT, 400: namespace/eventName is not in the event catalog (GET /v1/zwatch/all/events). */
  zwatchUnknownEvent: (namespace: string, eventName: string) =>
    new ApiError("ZWATCH.UNKNOWN_EVENT", 400, "No such event; pick a namespace and eventName from GET /v1/zwatch/all/events",
      `${namespace}/${eventName}`),
  /** ZWATCH.PROMETHEUS_UNAVAILABLE, 503: PROMETHEUS_URL is unset or Prometheus did not answer. */
  prometheusUnavailable: (details: string) =>
    new ApiError("ZWATCH.PROMETHEUS_UNAVAILABLE", 503,
      "Prometheus is not configured or did not answer; set PROMETHEUS_URL and check that Prometheus runs", details),
  /** SNS.ENDPOINT_TYPE_MISMATCH, 400: an action that needs another endpoint type. */
  snsEndpointTypeMismatch: (expected: string, actual: string) =>
    new ApiError("SNS.ENDPOINT_TYPE_MISMATCH", 400, `This API works on ${expected} endpoints only`, `endpoint type ${actual}`),
} as const;
