import type { AliyunKey, PrismaClient } from "../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../server/db/errors.ts";
import { Errors } from "../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../server/events/service.ts";
import type { ApiReply } from "../../../server/http/api.ts";
import { newUuid } from "../../../server/ids.ts";
import { queryReply } from "../../../server/query/run.ts";
import type { SecretCipher } from "../../../server/secrets/cipher.ts";
import { TagService } from "../../../server/tags/service.ts";
import { remote } from "../errors.ts";
import type { AliyunRemote } from "../remote.ts";
import { aliyunKeyQuerySpec, type AddAliyunKeyInput } from "./schema.ts";

/** ZStack HybridAccountInventory of a stored key. */
export function aliyunKeyInventory(k: AliyunKey) {
  return {
    uuid: k.uuid, name: k.name, description: k.description, accountUuid: k.accountUuid, type: "aliyun" as const,
    akey: k.akey, current: k.current, createDate: k.createDate.toISOString(), lastOpDate: k.lastOpDate.toISOString(),
  };
}

/**
 * Alibaba Cloud AccessKeys (seed: 密钥管理; ZStack AddAliyunKeySecret, AttachAliyunKey, ...).
 * An account may hold several; one is current and used by its Alibaba calls. Secrets are
 * sealed with the node's SecretCipher and never returned.
 */
export class AliyunKeyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly cipher: SecretCipher,
    private readonly aliyun: AliyunRemote,
  ) {}

  /**
   * Adds a key after checking it works (ECS DescribeRegions). The account's first key becomes
   * current. @throws ALIYUN.InvalidAccessKeyId.NotFound / ALIYUN.SignatureDoesNotMatch (401)
   * for a wrong key or secret; SYS.1002 when the account already has this AccessKeyId.
   */
  async add(caller: Caller, input: AddAliyunKeyInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const conn = this.aliyun.withCredentials({ accessKeyId: p.key, accessKeySecret: p.secret });
    await remote(() => conn.rpc.call("Ecs", "cn-hangzhou", "DescribeRegions"));
    const uuid = p.resourceUuid ?? newUuid();
    try {
      const key = await this.events.transaction(this.prisma, async (tx, emit) => {
        const hasCurrent = await tx.aliyunKey.count({ where: { accountUuid: caller.accountUuid, current: true } });
        const row = await tx.aliyunKey.create({
          data: {
            uuid, name: p.name, description: p.description ?? null, akey: p.key, secretEncrypted: this.cipher.encrypt(p.secret),
            current: hasCurrent === 0, accountUuid: caller.accountUuid,
          },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "AliyunKey", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "AliyunKey", accountUuid: caller.accountUuid });
        return row;
      });
      return aliyunKeyInventory(key);
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("An Alibaba AccessKey with this AccessKeyId in your account", p.key);
      throw err;
    }
  }

  /** The key if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<AliyunKey> {
    const key = await this.prisma.aliyunKey.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!key) throw Errors.resourceNotFound("AliyunKey", uuid);
    return key;
  }

  /** ZStack QueryHybridKeySecret. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: aliyunKeyQuerySpec, delegate: this.prisma.aliyunKey as never, caller, raw,
      scope: ownedBy(caller), toInventory: aliyunKeyInventory, csvName: "aliyun-keys",
    });
  }

  /** Renames or re-describes a key (UpdateAliyunKeySecret). */
  async update(caller: Caller, uuid: string, p: { name?: string; description?: string }) {
    await this.get(caller, uuid);
    return aliyunKeyInventory(await this.prisma.aliyunKey.update({ where: { uuid }, data: p }));
  }

  /** Makes the key current for its account (AttachAliyunKey); the previous one stops being current. */
  async attach(caller: Caller, uuid: string) {
    const key = await this.get(caller, uuid);
    const row = await this.prisma.$transaction(async (tx) => {
      await tx.aliyunKey.updateMany({ where: { accountUuid: key.accountUuid, current: true, uuid: { not: uuid } }, data: { current: false } });
      return tx.aliyunKey.update({ where: { uuid }, data: { current: true } });
    });
    return aliyunKeyInventory(row);
  }

  /** Stops the key being current (DetachAliyunKey); calls then fail with HYBRID.NO_KEY until another is attached. */
  async detach(caller: Caller, uuid: string) {
    await this.get(caller, uuid);
    return aliyunKeyInventory(await this.prisma.aliyunKey.update({ where: { uuid }, data: { current: false } }));
  }

  /**
   * Deletes a key (DeleteAliyunKeySecret). Data centers added with it fall back to the
   * account's current key; when the deleted key was current, the oldest remaining key becomes
   * current so the account's sync keeps working.
   */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const key = await this.get(caller, uuid);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.aliyunKey.delete({ where: { uuid } });
      await tx.dataCenter.updateMany({ where: { keyUuid: uuid }, data: { keyUuid: null } });
      if (key.current) {
        const next = await tx.aliyunKey.findFirst({ where: { accountUuid: key.accountUuid }, orderBy: { createDate: "asc" } });
        if (next) await tx.aliyunKey.update({ where: { uuid: next.uuid }, data: { current: true } });
      }
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "AliyunKey", accountUuid: key.accountUuid });
    });
  }
}
