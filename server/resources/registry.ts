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
    this.register("L2Network", (uuid) => prisma.l2Network.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("L3Network", (uuid) => prisma.l3Network.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("IpRange", (uuid) => prisma.ipRange.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("InstanceOffering", (uuid) => prisma.instanceOffering.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("DiskOffering", (uuid) => prisma.diskOffering.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("BackupStorage", (uuid) => prisma.backupStorage.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("Image", (uuid) => prisma.image.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("PrimaryStorage", (uuid) => prisma.primaryStorage.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("Volume", (uuid) => prisma.volume.findUnique({ where: { uuid }, select: { accountUuid: true } }));
    this.register("VmInstance", (uuid) => prisma.vmInstance.findUnique({ where: { uuid }, select: { accountUuid: true } }));
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
