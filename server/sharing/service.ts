import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import { newUuid } from "../ids.ts";
import type { RevokeResourceSharingInput, ShareResourceInput } from "./schema.ts";

type Tx = Prisma.TransactionClient | PrismaClient;

/** The resource being shared: its type as stored on SharedResource, uuid and owner. */
export interface SharedTarget {
  resourceType: string;
  uuid: string;
  accountUuid: string;
}

/**
 * Resource sharing between accounts (ZStack SharedResourceVO, APIShareResourceMsg,
 * APIRevokeResourceSharingMsg). A shared resource stays owned by its account; the receivers
 * may see it in queries and use it (create a VM from a shared image or offering), not change
 * or delete it. Used by offerings and images; L3 networks may use it the same way.
 */
export class SharingService {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Prisma `where` fragment for the rows of `resourceType` the caller may see: everything
   * for an admin; otherwise its own, those shared with its account, and public ones.
   * Combine it with other conditions through `AND` (it may hold an `OR`).
   */
  async visibleScope(caller: Caller, resourceType: string): Promise<Record<string, unknown>> {
    if (caller.isAdmin) return {};
    const shared = await this.prisma.sharedResource.findMany({
      where: { resourceType, OR: [{ receiverAccountUuid: caller.accountUuid }, { toPublic: true }] },
      select: { resourceUuid: true },
      distinct: ["resourceUuid"],
    });
    if (shared.length === 0) return { accountUuid: caller.accountUuid };
    return { OR: [{ accountUuid: caller.accountUuid }, { uuid: { in: shared.map((s) => s.resourceUuid) } }] };
  }

  /**
   * Shares a resource with accounts and/or publicly (APIShareResourceMsg). Sharing twice is a
   * no-op; sharing with the owner itself is ignored.
   * @throws ApiError ID.1002 when the caller neither owns the resource nor is an admin,
   *   SYS.1003 for an unknown receiver account.
   */
  async share(caller: Caller, target: SharedTarget, input: ShareResourceInput): Promise<void> {
    this.assertOwner(caller, target);
    const receivers = [...new Set(input.accountUuids ?? [])].filter((a) => a !== target.accountUuid);
    await this.assertAccountsExist(receivers);
    await this.prisma.$transaction(async (tx) => {
      for (const receiverAccountUuid of receivers) {
        const exists = await tx.sharedResource.findFirst({ where: { resourceUuid: target.uuid, receiverAccountUuid } });
        if (!exists) await tx.sharedResource.create({ data: this.row(target, receiverAccountUuid, false) });
      }
      if (input.toPublic) {
        const exists = await tx.sharedResource.findFirst({ where: { resourceUuid: target.uuid, toPublic: true } });
        if (!exists) await tx.sharedResource.create({ data: this.row(target, null, true) });
      }
    });
  }

  /**
   * Withdraws sharing (APIRevokeResourceSharingMsg): from the listed accounts, the public
   * sharing (`toPublic`), or all of it (`all`). Revoking what was not shared is a no-op.
   * @throws ApiError ID.1002 when the caller neither owns the resource nor is an admin.
   */
  async revoke(caller: Caller, target: SharedTarget, input: RevokeResourceSharingInput): Promise<void> {
    this.assertOwner(caller, target);
    if (input.all) {
      await this.removeAll(this.prisma, target.uuid);
      return;
    }
    const or: Record<string, unknown>[] = [];
    if (input.accountUuids?.length) or.push({ receiverAccountUuid: { in: input.accountUuids } });
    if (input.toPublic) or.push({ toPublic: true });
    await this.prisma.sharedResource.deleteMany({ where: { resourceUuid: target.uuid, OR: or } });
  }

  /** Forgets every sharing of a resource; call it in the transaction that deletes the resource. */
  async removeAll(tx: Tx, resourceUuid: string): Promise<void> {
    await tx.sharedResource.deleteMany({ where: { resourceUuid } });
  }

  /** Whether the caller may change the resource's sharing: its owner or an admin. */
  private assertOwner(caller: Caller, target: SharedTarget): void {
    if (!caller.isAdmin && caller.accountUuid !== target.accountUuid) {
      throw Errors.permissionDenied(`only the owner of ${target.resourceType} ${target.uuid} or an admin may change its sharing`);
    }
  }

  private async assertAccountsExist(uuids: string[]): Promise<void> {
    if (uuids.length === 0) return;
    const found = await this.prisma.account.findMany({ where: { uuid: { in: uuids } }, select: { uuid: true } });
    const missing = uuids.find((u) => !found.some((f) => f.uuid === u));
    if (missing) throw Errors.resourceNotFound("Account", missing);
  }

  private row(target: SharedTarget, receiverAccountUuid: string | null, toPublic: boolean) {
    return {
      uuid: newUuid(), ownerAccountUuid: target.accountUuid, receiverAccountUuid, toPublic,
      resourceType: target.resourceType, resourceUuid: target.uuid,
    };
  }
}
