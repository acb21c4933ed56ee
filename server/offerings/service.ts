import type { z } from "zod";
import type { DiskOffering, InstanceOffering, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import { queryReply } from "../query/run.ts";
import type { RevokeResourceSharingInput, ShareResourceInput } from "../sharing/schema.ts";
import type { SharingService } from "../sharing/service.ts";
import { TagService } from "../tags/service.ts";
import {
  diskOfferingQuerySpec, instanceOfferingQuerySpec, type CreateDiskOfferingInput, type CreateInstanceOfferingInput,
  type UpdateDiskOfferingBody, type UpdateInstanceOfferingBody,
} from "./schema.ts";

/** Resource types of offerings, as stored on tags, events and SharedResource. */
export const OFFERING_TYPES = { instance: "InstanceOffering", disk: "DiskOffering" } as const;
type Kind = keyof typeof OFFERING_TYPES;

/** ZStack InstanceOfferingInventory as sent on the wire (sizes in bytes). */
export function instanceOfferingInventory(o: InstanceOffering) {
  return {
    uuid: o.uuid, name: o.name, description: o.description, cpuNum: o.cpuNum, memorySize: Number(o.memorySize),
    allocatorStrategy: o.allocatorStrategy, type: o.type, state: o.state, accountUuid: o.accountUuid,
    createDate: o.createDate.toISOString(), lastOpDate: o.lastOpDate.toISOString(),
  };
}

/** ZStack DiskOfferingInventory as sent on the wire (diskSize in bytes). */
export function diskOfferingInventory(o: DiskOffering) {
  return {
    uuid: o.uuid, name: o.name, description: o.description, diskSize: Number(o.diskSize),
    allocatorStrategy: o.allocatorStrategy, type: o.type, state: o.state, accountUuid: o.accountUuid,
    createDate: o.createDate.toISOString(), lastOpDate: o.lastOpDate.toISOString(),
  };
}

/** The Prisma delegate both offering tables share (rows differ only in their size columns). */
interface OfferingDelegate<Row> {
  findFirst(args: { where: Record<string, unknown> }): Promise<Row | null>;
  update(args: { where: { uuid: string }; data: Record<string, unknown> }): Promise<Row>;
}

/**
 * Instance and disk offerings (ZStack ConfigurationManager: InstanceOfferingVO, DiskOfferingVO):
 * named sizes VMs and data volumes are created from. Admins create and change them and share
 * them with accounts (APIShareResourceMsg); an account sees its own, shared and public ones.
 * A Disabled offering stays visible but cannot be used for new VMs or volumes.
 */
export class OfferingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly sharing: SharingService,
  ) {}

  /** Creates an instance offering (APICreateInstanceOfferingMsg), state Enabled. @throws SYS.1007, SYS.1002 (uuid taken). */
  async createInstanceOffering(caller: Caller, input: CreateInstanceOfferingInput) {
    const p = input.params;
    const row = await this.createRow("instance", caller, input, (tx, uuid) => tx.instanceOffering.create({
      data: {
        uuid, name: p.name, description: p.description ?? null, cpuNum: p.cpuNum, memorySize: BigInt(p.memorySize),
        allocatorStrategy: p.allocatorStrategy, type: p.type, state: "Enabled", accountUuid: caller.accountUuid,
      },
    }));
    return instanceOfferingInventory(row);
  }

  /** Creates a disk offering (APICreateDiskOfferingMsg), state Enabled. @throws SYS.1007, SYS.1002 (uuid taken). */
  async createDiskOffering(caller: Caller, input: CreateDiskOfferingInput) {
    const p = input.params;
    const row = await this.createRow("disk", caller, input, (tx, uuid) => tx.diskOffering.create({
      data: {
        uuid, name: p.name, description: p.description ?? null, diskSize: BigInt(p.diskSize),
        allocatorStrategy: p.allocatorStrategy, type: p.type, state: "Enabled", accountUuid: caller.accountUuid,
      },
    }));
    return diskOfferingInventory(row);
  }

  /** The instance offering if the caller can see it (own, shared or public). @throws ApiError SYS.1003. */
  async getInstanceOffering(caller: Caller, uuid: string): Promise<InstanceOffering> {
    return this.find("instance", caller, uuid);
  }

  /** The disk offering if the caller can see it (own, shared or public). @throws ApiError SYS.1003. */
  async getDiskOffering(caller: Caller, uuid: string): Promise<DiskOffering> {
    return this.find("disk", caller, uuid);
  }

  /**
   * The instance offering a VM is to be created from or changed to: visible to the caller and
   * Enabled. cpuNum is vCPUs, memorySize bytes.
   * @throws ApiError SYS.1003 (404) when missing or not visible, SYS.1006 (409) when Disabled.
   */
  async getInstanceOfferingForUse(caller: Caller, uuid: string): Promise<InstanceOffering> {
    return assertEnabled("InstanceOffering", await this.getInstanceOffering(caller, uuid));
  }

  /**
   * The disk offering a data volume is to be created from: visible to the caller and Enabled.
   * diskSize is bytes.
   * @throws ApiError SYS.1003 (404) when missing or not visible, SYS.1006 (409) when Disabled.
   */
  async getDiskOfferingForUse(caller: Caller, uuid: string): Promise<DiskOffering> {
    return assertEnabled("DiskOffering", await this.getDiskOffering(caller, uuid));
  }

  /** Queries instance offerings the caller can see (APIQueryInstanceOfferingMsg). */
  async queryInstanceOfferings(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: instanceOfferingQuerySpec, delegate: this.prisma.instanceOffering as never, caller, raw,
      scope: await this.sharing.visibleScope(caller, OFFERING_TYPES.instance), toInventory: instanceOfferingInventory,
      csvName: "instance-offerings",
    });
  }

  /** Queries disk offerings the caller can see (APIQueryDiskOfferingMsg). */
  async queryDiskOfferings(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: diskOfferingQuerySpec, delegate: this.prisma.diskOffering as never, caller, raw,
      scope: await this.sharing.visibleScope(caller, OFFERING_TYPES.disk), toInventory: diskOfferingInventory,
      csvName: "disk-offerings",
    });
  }

  /** Changes name, description or allocatorStrategy (APIUpdateInstanceOfferingMsg). @throws SYS.1003, ID.1002 (not the owner). */
  async updateInstanceOffering(caller: Caller, uuid: string, p: z.infer<typeof UpdateInstanceOfferingBody>) {
    await this.findOwned("instance", caller, uuid);
    return instanceOfferingInventory(await this.prisma.instanceOffering.update({ where: { uuid }, data: p }));
  }

  /** Changes name or description (APIUpdateDiskOfferingMsg). @throws SYS.1003, ID.1002 (not the owner). */
  async updateDiskOffering(caller: Caller, uuid: string, p: z.infer<typeof UpdateDiskOfferingBody>) {
    await this.findOwned("disk", caller, uuid);
    return diskOfferingInventory(await this.prisma.diskOffering.update({ where: { uuid }, data: p }));
  }

  /** Enables or disables an instance offering (APIChangeInstanceOfferingStateMsg), with a state event. */
  async changeInstanceOfferingState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    return instanceOfferingInventory(await this.changeState("instance", caller, uuid, stateEvent) as InstanceOffering);
  }

  /** Enables or disables a disk offering (APIChangeDiskOfferingStateMsg), with a state event. */
  async changeDiskOfferingState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    return diskOfferingInventory(await this.changeState("disk", caller, uuid, stateEvent) as DiskOffering);
  }

  /**
   * Shares an offering with accounts or publicly (APIShareResourceMsg) and returns it.
   * @throws ApiError SYS.1003 (offering or receiver account), ID.1002 (not the owner).
   */
  async share(kind: Kind, caller: Caller, uuid: string, input: ShareResourceInput) {
    const row = await this.find(kind, caller, uuid);
    await this.sharing.share(caller, { resourceType: OFFERING_TYPES[kind], uuid, accountUuid: row.accountUuid }, input);
    return this.present(kind, row);
  }

  /** Withdraws sharing of an offering (APIRevokeResourceSharingMsg) and returns it. @throws SYS.1003, ID.1002. */
  async revokeSharing(kind: Kind, caller: Caller, uuid: string, input: RevokeResourceSharingInput) {
    const row = await this.find(kind, caller, uuid);
    await this.sharing.revoke(caller, { resourceType: OFFERING_TYPES[kind], uuid, accountUuid: row.accountUuid }, input);
    return this.present(kind, row);
  }

  /**
   * Deletes an offering (APIDeleteInstanceOfferingMsg / APIDeleteDiskOfferingMsg) with its
   * tags and sharing. VMs and volumes keep the sizes they were created with, as in ZStack,
   * so nothing depends on the offering and both delete modes delete it.
   * @throws ApiError SYS.1003, ID.1002 (not the owner).
   */
  async delete(kind: Kind, caller: Caller, uuid: string): Promise<void> {
    const row = await this.findOwned(kind, caller, uuid);
    const resourceType = OFFERING_TYPES[kind];
    await this.events.transaction(this.prisma, async (tx, emit) => {
      if (kind === "instance") await tx.instanceOffering.delete({ where: { uuid } });
      else await tx.diskOffering.delete({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await this.sharing.removeAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType, oldState: row.state, accountUuid: row.accountUuid });
    });
  }

  private present(kind: Kind, row: InstanceOffering | DiskOffering) {
    return kind === "instance" ? instanceOfferingInventory(row as InstanceOffering) : diskOfferingInventory(row as DiskOffering);
  }

  private delegate(kind: Kind): OfferingDelegate<InstanceOffering | DiskOffering> {
    return (kind === "instance" ? this.prisma.instanceOffering : this.prisma.diskOffering) as unknown as OfferingDelegate<InstanceOffering | DiskOffering>;
  }

  private async createRow<Row>(kind: Kind, caller: Caller, input: { params: { resourceUuid?: string }; systemTags?: string[]; userTags?: string[] },
    insert: (tx: Parameters<Parameters<EventBus["transaction"]>[1]>[0], uuid: string) => Promise<Row>): Promise<Row> {
    TagService.validate(input.systemTags, input.userTags);
    const uuid = input.params.resourceUuid ?? newUuid();
    const resourceType = OFFERING_TYPES[kind];
    try {
      return await this.events.transaction(this.prisma, async (tx, emit) => {
        const row = await insert(tx, uuid);
        await this.tags.attachOnCreate(tx, { uuid, resourceType, accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType, newState: "Enabled", accountUuid: caller.accountUuid });
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate(`A ${resourceType} with uuid`, uuid);
      throw err;
    }
  }

  private async find(kind: "instance", caller: Caller, uuid: string): Promise<InstanceOffering>;
  private async find(kind: "disk", caller: Caller, uuid: string): Promise<DiskOffering>;
  private async find(kind: Kind, caller: Caller, uuid: string): Promise<InstanceOffering | DiskOffering>;
  private async find(kind: Kind, caller: Caller, uuid: string): Promise<InstanceOffering | DiskOffering> {
    const resourceType = OFFERING_TYPES[kind];
    const scope = await this.sharing.visibleScope(caller, resourceType);
    const row = await this.delegate(kind).findFirst({ where: { AND: [{ uuid }, scope] } });
    if (!row) throw Errors.resourceNotFound(resourceType, uuid);
    return row;
  }

  /** Like find, but the caller must own it (or be admin): receivers of a share may only use it. */
  private async findOwned(kind: Kind, caller: Caller, uuid: string): Promise<InstanceOffering | DiskOffering> {
    const row = await this.find(kind, caller, uuid);
    if (!caller.isAdmin && row.accountUuid !== caller.accountUuid) {
      throw Errors.permissionDenied(`${OFFERING_TYPES[kind]} ${uuid} is shared with your account; only its owner may change it`);
    }
    return row;
  }

  private async changeState(kind: Kind, caller: Caller, uuid: string, stateEvent: "enable" | "disable"): Promise<InstanceOffering | DiskOffering> {
    const before = await this.findOwned(kind, caller, uuid);
    const state = stateEvent === "enable" ? "Enabled" : "Disabled";
    if (before.state === state) return before;
    const resourceType = OFFERING_TYPES[kind];
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const row = kind === "instance"
        ? await tx.instanceOffering.update({ where: { uuid }, data: { state } })
        : await tx.diskOffering.update({ where: { uuid }, data: { state } });
      await emit({ type: "ResourceStateChanged", resourceUuid: uuid, resourceType, oldState: before.state, newState: state, accountUuid: row.accountUuid });
      return row;
    });
  }
}

function assertEnabled<T extends { state: string; uuid: string; name: string }>(resourceType: string, row: T): T {
  if (row.state !== "Enabled") {
    throw Errors.operationNotAllowed(`Using ${resourceType} ${row.name}`, `${resourceType} ${row.uuid} is ${row.state}; enable it first`);
  }
  return row;
}
