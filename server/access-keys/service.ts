import { randomBytes } from "node:crypto";
import type { AccessKey, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import { queryReply } from "../query/run.ts";
import type { QuerySpec } from "../query/spec.ts";
import type { SecretCipher } from "../secrets/cipher.ts";
import { MAX_CLOCK_SKEW_MS, signaturesEqual, signRequest } from "./signature.ts";

/** ZStack AccessKeyInventory; the secret is shown only once, in the create reply. */
export function accessKeyInventory(k: AccessKey) {
  return {
    uuid: k.uuid, accountUuid: k.accountUuid, userUuid: k.userUuid, AccessKeyID: k.accessKeyId, state: k.state,
    description: k.description, createDate: k.createDate.toISOString(), lastOpDate: k.lastOpDate.toISOString(),
  };
}

export const accessKeyQuerySpec: QuerySpec = {
  resourceType: "AccessKey",
  notNull: ["uuid", "accountUuid", "accessKeyId", "state", "createDate", "lastOpDate"],
  fields: {
    uuid: "string", accountUuid: "string", userUuid: "string", accessKeyId: "string", state: "string",
    description: "string", createDate: "date", lastOpDate: "date",
  },
};

/**
 * Access keys for scripts (ZStack AccessKeyManager): an AccessKeyID/AccessKeySecret pair per
 * account or user. The secret is kept encrypted, because verifying an HMAC needs it.
 */
export class AccessKeyService {
  constructor(private readonly prisma: PrismaClient, private readonly cipher: SecretCipher) {}

  /**
   * Creates a key for the caller, or as admin for any account/user (APICreateAccessKeyMsg).
   * The reply carries `AccessKeySecret` this once.
   */
  async create(caller: Caller, p: { accountUuid?: string; userUuid?: string; description?: string }) {
    let accountUuid = caller.accountUuid;
    let userUuid = caller.userUuid;
    if (p.accountUuid && p.accountUuid !== caller.accountUuid) {
      if (!caller.isAdmin) throw Errors.permissionDenied("only admin may create access keys for another account");
      accountUuid = p.accountUuid;
      userUuid = undefined;
      if (!(await this.prisma.account.findUnique({ where: { uuid: accountUuid } }))) throw Errors.resourceNotFound("Account", accountUuid);
    }
    if (p.userUuid) {
      const user = await this.prisma.user.findFirst({ where: { uuid: p.userUuid, accountUuid } });
      if (!user || (caller.userUuid && caller.userUuid !== p.userUuid)) throw Errors.resourceNotFound("User", p.userUuid);
      userUuid = p.userUuid;
    }
    const accessKeyId = randomBytes(15).toString("base64url").toUpperCase().replace(/[^A-Z0-9]/g, "X").slice(0, 20);
    const secret = randomBytes(30).toString("base64url");
    const k = await this.prisma.accessKey.create({
      data: {
        uuid: newUuid(), accountUuid, userUuid: userUuid ?? null, accessKeyId, description: p.description ?? null,
        secretEncrypted: this.cipher.encrypt(secret),
      },
    });
    return { ...accessKeyInventory(k), AccessKeySecret: secret };
  }

  private scope(caller: Caller): Record<string, unknown> {
    if (caller.isAdmin && !caller.userUuid) return {};
    return caller.userUuid ? { userUuid: caller.userUuid } : { accountUuid: caller.accountUuid };
  }

  /** An access key the caller may see. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<AccessKey> {
    const k = await this.prisma.accessKey.findFirst({ where: { uuid, ...this.scope(caller) } });
    if (!k) throw Errors.resourceNotFound("AccessKey", uuid);
    return k;
  }

  /** Queries access keys (APIQueryAccessKeyMsg); never returns secrets. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: accessKeyQuerySpec, delegate: this.prisma.accessKey as never, caller, raw,
      scope: this.scope(caller), toInventory: accessKeyInventory, csvName: "access-keys",
    });
  }

  /** Enables or disables a key (APIChangeAccessKeyStateMsg). */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    await this.get(caller, uuid);
    const k = await this.prisma.accessKey.update({ where: { uuid }, data: { state: stateEvent === "enable" ? "Enabled" : "Disabled" } });
    return accessKeyInventory(k);
  }

  /** Deletes a key (APIDeleteAccessKeyMsg). */
  async delete(caller: Caller, uuid: string): Promise<void> {
    await this.get(caller, uuid);
    await this.prisma.accessKey.delete({ where: { uuid } });
  }

  /**
   * Verifies a signed request and returns its caller, or the reason it is refused.
   * @param date the request's `Date` header
   */
  async authenticate(accessKeyId: string, signature: string, method: string, path: string, date: string | undefined,
    now = Date.now()): Promise<Caller | { reason: string }> {
    if (!date) return { reason: "a signed request needs a Date header" };
    const t = Date.parse(date);
    if (Number.isNaN(t)) return { reason: "the Date header is not a valid HTTP date" };
    if (Math.abs(now - t) > MAX_CLOCK_SKEW_MS) return { reason: "the Date header is more than 15 minutes from the server's clock" };
    const k = await this.prisma.accessKey.findUnique({ where: { accessKeyId }, include: { account: true } });
    if (!k) return { reason: `unknown AccessKeyId ${accessKeyId}` };
    if (k.state !== "Enabled") return { reason: `access key ${accessKeyId} is disabled` };
    const expected = signRequest(this.cipher.decrypt(k.secretEncrypted), method, date, path);
    if (!signaturesEqual(expected, signature)) return { reason: "the signature does not match; sign METHOD\\nDate\\npath with the AccessKeySecret" };
    return {
      kind: "accessKey", accountUuid: k.accountUuid, accountName: k.account.name, accountType: k.account.type,
      userUuid: k.userUuid ?? undefined, isAdmin: k.account.type === "SystemAdmin",
    };
  }
}
