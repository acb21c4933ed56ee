import type { EcsSecurityGroup, EcsVpc, EcsVSwitch, Prisma, VpcVirtualRouteEntry, VpcVirtualRouter } from "../../../generated/prisma/client.ts";
import type { NewEvent } from "../../../server/events/service.ts";
import type { TagService } from "../../../server/tags/service.ts";

type Tx = Prisma.TransactionClient;
type Emit = (e: NewEvent) => Promise<void>;

/**
 * Removal of Strata's records of VPC resources, shared by local deletes, remote deletes and
 * sync. Each removes the rows that hang below (a VPC's VSwitches, VRouter, route entries and
 * security groups), detaches tags, emits ResourceDeleted, and unsets the references ECS
 * instance rows hold, so nothing is left pointing at a row that is gone. Call inside
 * `events.transaction`.
 */
export class VpcLocalRows {
  constructor(private readonly tags: TagService) {}

  /** Route entry records. */
  async deleteRouteEntries(tx: Tx, emit: Emit, rows: VpcVirtualRouteEntry[]): Promise<void> {
    for (const e of rows) {
      await tx.vpcVirtualRouteEntry.deleteMany({ where: { uuid: e.uuid } });
      await this.tags.detachAll(tx, e.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: e.uuid, resourceType: "VpcVirtualRouteEntry", accountUuid: e.accountUuid });
    }
  }

  /** VRouter records with their route entries. */
  async deleteVRouters(tx: Tx, emit: Emit, rows: VpcVirtualRouter[]): Promise<void> {
    for (const r of rows) {
      await this.deleteRouteEntries(tx, emit, await tx.vpcVirtualRouteEntry.findMany({ where: { virtualRouterUuid: r.uuid } }));
      await tx.vpcVirtualRouter.deleteMany({ where: { uuid: r.uuid } });
      await this.tags.detachAll(tx, r.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: r.uuid, resourceType: "VpcVirtualRouter", accountUuid: r.accountUuid });
    }
  }

  /** VSwitch records; ECS instances in them keep their rows with the VSwitch unset. */
  async deleteVSwitches(tx: Tx, emit: Emit, rows: EcsVSwitch[]): Promise<void> {
    for (const v of rows) {
      await tx.ecsInstance.updateMany({ where: { ecsVSwitchUuid: v.uuid }, data: { ecsVSwitchUuid: null } });
      await tx.ecsVSwitch.deleteMany({ where: { uuid: v.uuid } });
      await this.tags.detachAll(tx, v.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: v.uuid, resourceType: "EcsVSwitch", accountUuid: v.accountUuid });
    }
  }

  /** Security groups and (by the schema's cascade) their rules. */
  async deleteSecurityGroups(tx: Tx, emit: Emit, rows: EcsSecurityGroup[]): Promise<void> {
    for (const g of rows) {
      await tx.ecsInstance.updateMany({ where: { ecsSecurityGroupUuid: g.uuid }, data: { ecsSecurityGroupUuid: null } });
      await tx.ecsSecurityGroup.deleteMany({ where: { uuid: g.uuid } });
      await this.tags.detachAll(tx, g.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: g.uuid, resourceType: "EcsSecurityGroup", accountUuid: g.accountUuid });
    }
  }

  /** A VPC with everything Strata recorded below it. */
  async deleteVpc(tx: Tx, emit: Emit, vpc: EcsVpc): Promise<void> {
    await this.deleteVSwitches(tx, emit, await tx.ecsVSwitch.findMany({ where: { ecsVpcUuid: vpc.uuid } }));
    await this.deleteSecurityGroups(tx, emit, await tx.ecsSecurityGroup.findMany({ where: { ecsVpcUuid: vpc.uuid } }));
    await this.deleteVRouters(tx, emit, await tx.vpcVirtualRouter.findMany({ where: { vpcUuid: vpc.uuid } }));
    await tx.ecsInstance.updateMany({ where: { ecsVpcUuid: vpc.uuid }, data: { ecsVpcUuid: null } });
    await tx.ecsVpc.deleteMany({ where: { uuid: vpc.uuid } });
    await this.tags.detachAll(tx, vpc.uuid);
    await emit({ type: "ResourceDeleted", resourceUuid: vpc.uuid, resourceType: "EcsVpc", accountUuid: vpc.accountUuid });
  }
}
