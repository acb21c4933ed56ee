/**
 * OSS errors as the emulator sends them: an XML body
 * `<Error><Code/><Message/><RequestId/><HostId/>...extra</Error>` with OSS's real HTTP status,
 * because ali-oss turns the body's `Code` into `err.code` and checks the status
 * (ali-sdk/ali-oss lib/client.js requestError). OSS errors differ from the RPC products' JSON
 * errors in core/errors.ts, hence a class of their own.
 */
export class OssError extends Error {
  constructor(
    /** OSS error code, e.g. `NoSuchBucket`. */
    readonly code: string,
    message: string,
    /** HTTP status sent with the body. */
    readonly status: number,
    /** Further elements real OSS adds, e.g. `BucketName`, `StringToSign`. */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Constructors for every OSS error the emulator raises (codes and statuses as real OSS). */
export const OssErrors = {
  accessDenied: (message = "You have no right to access this object because of bucket acl.") => new OssError("AccessDenied", message, 403),
  invalidAccessKeyId: (id: string) => new OssError("InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.", 403, { OSSAccessKeyId: id }),
  signatureDoesNotMatch: (id: string, provided: string, stringToSign: string) =>
    new OssError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403, {
      OSSAccessKeyId: id,
      SignatureProvided: provided,
      StringToSign: stringToSign,
      StringToSignBytes: Buffer.from(stringToSign).toString("hex").replace(/(..)(?!$)/g, "$1 "),
    }),
  requestTimeTooSkewed: (requestTime: string, serverTime: string) =>
    new OssError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, { RequestTime: requestTime, ServerTime: serverTime, MaxAllowedSkewMilliseconds: "900000" }),
  requestExpired: () => new OssError("AccessDenied", "Request has expired.", 403),
  noSuchBucket: (bucket: string) => new OssError("NoSuchBucket", "The specified bucket does not exist.", 404, { BucketName: bucket }),
  noSuchKey: (key: string) => new OssError("NoSuchKey", "The specified key does not exist.", 404, { Key: key }),
  noSuchUpload: (uploadId: string) => new OssError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404, { UploadId: uploadId }),
  bucketAlreadyExists: (bucket: string) => new OssError("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", 409, { BucketName: bucket }),
  bucketNotEmpty: (bucket: string) => new OssError("BucketNotEmpty", "The bucket you tried to delete is not empty.", 409, { BucketName: bucket }),
  invalidBucketName: (bucket: string) => new OssError("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: bucket }),
  invalidObjectName: (key: string) => new OssError("InvalidObjectName", "The length of object name must be between 1 and 1023 bytes.", 400, { ObjectName: key }),
  invalidArgument: (name: string, value: string, message: string) => new OssError("InvalidArgument", message, 400, { ArgumentName: name, ArgumentValue: value }),
  invalidPart: (partNumber: number) => new OssError("InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.", 400, { PartNumber: String(partNumber) }),
  invalidPartOrder: () => new OssError("InvalidPartOrder", "The list of parts was not in ascending order. Parts list must specified in order by part number.", 400),
  entityTooSmall: (partNumber: number) => new OssError("EntityTooSmall", "Your proposed upload smaller than the minimum allowed size.", 400, { PartNumber: String(partNumber) }),
  invalidDigest: () => new OssError("InvalidDigest", "The Content-MD5 you specified is not valid.", 400),
  badDigest: () => new OssError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400),
  invalidRange: (size: number) => new OssError("InvalidRange", "The requested range cannot be satisfied", 416, { ActualObjectSize: String(size) }),
  fileAlreadyExists: (key: string) => new OssError("FileAlreadyExists", "The object you specified already exists and can not be overwritten.", 409, { Key: key }),
  preconditionFailed: (condition: string) => new OssError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold.", 412, { Condition: condition }),
  malformedXml: () => new OssError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", 400),
  invalidBucketAcl: (acl: string) => new OssError("InvalidArgument", "no such bucket access control exists", 400, { ArgumentName: "x-oss-acl", ArgumentValue: acl }),
  methodNotAllowed: (method: string) => new OssError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405, { Method: method }),
  notImplemented: (what: string) => new OssError("NotImplemented", `The emulator does not implement ${what}.`, 501),
  missingBucket: () =>
    new OssError("InvalidArgument", "The request names no bucket: use a <bucket>.oss-<region>.aliyuncs.com Host, path style /<bucket>/<key> (ali-oss sldEnable: true), or an IP endpoint.", 400),
};
