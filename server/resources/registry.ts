import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";

type Finder = (uuid: string) => Promise<{ accountUuid: string } | null>;

/**
 * Resource types by name, so that generic features (tags, events, quotas) can check that a
 * resource exists and who owns it. Each resource module registers its type once.
 */
export class ResourceRegistry {
  private readonly finders = new Map<string, Finder>();

  constructor(prisma: PrismaClient) {
    this.register("Zone", (uuid) => prisma.zone.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("Cluster", (uuid) => prisma.cluster.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("Host", (uuid) => prisma.host.findUnique({ where: { uuid }, select: { accountUuid: true } }));
  }

  register(resourceType: string, find: Finder): void {
    this.finders.set(resourceType, find);
  }

  /** Known resource type names. */
  types(): string[] {
    return [...this.finders.keys()];
  }

  /**
   * The owning account of a resource the caller can see.
   * @throws ApiError SYS.1007 for an unknown type, SYS.1003 when missing or not visible.
   */
  async ownerOf(caller: Caller, resourceType: string, uuid: string): Promise<string> {
    const find = this.finders.get(resourceType);
    if (!find) throw Errors.invalidArgument(`Unknown resource type '${resourceType}'`, `types: ${this.types().join(", ")}`);
    const row = await find(uuid);
    if (!row || (!caller.isAdmin && row.accountUuid !== caller.accountUuid)) throw Errors.resourceNotFound(resourceType, uuid);
    return row.accountUuid;
  }
}
