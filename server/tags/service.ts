import type { PrismaClient, Prisma } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import { newUuid } from "../ids.ts";
import type { ResourceRegistry } from "../resources/registry.ts";

type Tx = Prisma.TransactionClient | PrismaClient;

/** A system tag is `key` or `key::value` (ZStack's `hostname::web-1`, `userdata::<base64>`). */
const SYSTEM_TAG = /^[A-Za-z][\w.-]*(::[\s\S]*)?$/;
const MAX_TAG_LENGTH = 65_535;

/**
 * User tags and system tags (ZStack TagManager). Any resource can carry either; queries filter
 * on them with `q=__userTag__=...` / `q=__systemTag__=...`.
 */
export class TagService {
  constructor(private readonly prisma: PrismaClient, private readonly resources: ResourceRegistry) {}

  /**
   * Validates the `systemTags`/`userTags` of a create call before anything is written.
   * @throws ApiError SYS.1007 naming the malformed tag.
   */
  static validate(systemTags: string[] = [], userTags: string[] = []): void {
    for (const t of systemTags) {
      if (!SYSTEM_TAG.test(t) || t.length > MAX_TAG_LENGTH) {
        throw Errors.invalidArgument("A system tag must look like key or key::value (key: letters, digits, . _ -)",
          JSON.stringify(t.slice(0, 80)));
      }
    }
    for (const t of userTags) {
      if (t.trim() === "" || t.length > MAX_TAG_LENGTH) throw Errors.invalidArgument("A user tag must be non-empty text", JSON.stringify(t));
    }
  }

  /** Attaches the tags given at creation, inside the creating transaction. */
  async attachOnCreate(tx: Tx, resource: { uuid: string; resourceType: string; accountUuid: string },
    systemTags: string[] = [], userTags: string[] = []): Promise<void> {
    const base = { resourceUuid: resource.uuid, resourceType: resource.resourceType, accountUuid: resource.accountUuid };
    if (systemTags.length) {
      await tx.systemTag.createMany({ data: [...new Set(systemTags)].map((tag) => ({ uuid: newUuid(), tag, ...base })) });
    }
    if (userTags.length) {
      await tx.userTag.createMany({ data: [...new Set(userTags)].map((tag) => ({ uuid: newUuid(), tag, ...base })) });
    }
  }

  /** Removes every tag of a deleted resource. */
  async detachAll(tx: Tx, resourceUuid: string): Promise<void> {
    await tx.systemTag.deleteMany({ where: { resourceUuid } });
    await tx.userTag.deleteMany({ where: { resourceUuid } });
  }

  /**
   * Creates a user or system tag on a resource the caller can see (ZStack APICreateUserTagMsg /
   * APICreateSystemTagMsg).
   * @throws ApiError SYS.1003 when the resource is not visible, SYS.1002 for a duplicate tag.
   */
  async create(caller: Caller, table: "userTag" | "systemTag",
    p: { resourceType: string; resourceUuid: string; tag: string }) {
    if (table === "systemTag") TagService.validate([p.tag], []);
    else TagService.validate([], [p.tag]);
    const owner = await this.resources.ownerOf(caller, p.resourceType, p.resourceUuid);
    const existing = await (this.prisma[table] as PrismaClient["userTag"]).findFirst({
      where: { resourceUuid: p.resourceUuid, tag: p.tag },
    });
    if (existing) throw Errors.duplicate("That tag on that resource", `${p.resourceType} ${p.resourceUuid}: ${p.tag}`);
    return (this.prisma[table] as PrismaClient["userTag"]).create({
      data: { uuid: newUuid(), resourceUuid: p.resourceUuid, resourceType: p.resourceType, tag: p.tag, accountUuid: owner },
    });
  }
}
