import { sendEmpty, sendXml, type OssCall } from "./call.ts";
import { OssErrors } from "./errors.ts";
import { requireObject } from "./repository.ts";

/** Object ACLs OSS knows; `default` defers to the bucket ACL. */
const OBJECT_ACLS = ["default", "private", "public-read", "public-read-write"];

/** GetObjectAcl (`GET /<key>?acl`) → `AccessControlPolicy{Owner, AccessControlList{Grant}}`; `default` means the bucket's. */
export function getObjectAcl(call: OssCall): void {
  const { accountId, object } = requireObject(call, "owner");
  sendXml(call, 200, "AccessControlPolicy", { Owner: { ID: accountId, DisplayName: accountId }, AccessControlList: { Grant: object.acl ?? "default" } });
}

/** PutObjectAcl (`PUT /<key>?acl`, header `x-oss-object-acl`). @throws OssError InvalidArgument for an unknown ACL. */
export function putObjectAcl(call: OssCall): void {
  const { object } = requireObject(call, "owner");
  object.acl = objectAclFrom(call) ?? "default";
  call.state.changed();
  sendEmpty(call, 200);
}

/** The `x-oss-object-acl` header of a write, if any. @throws OssError InvalidArgument for an unknown ACL. */
export function objectAclFrom(call: OssCall): string | undefined {
  const acl = call.req.headers["x-oss-object-acl"];
  if (acl === undefined) return undefined;
  if (!OBJECT_ACLS.includes(String(acl))) throw OssErrors.invalidArgument("x-oss-object-acl", String(acl), "no such object access control exists");
  return String(acl);
}

