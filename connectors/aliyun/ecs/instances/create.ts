import { randomUUID } from "node:crypto";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { ApiError, Errors } from "../../../../server/errors/catalogue.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { AliyunContext } from "../../context.ts";
import { remote } from "../../errors.ts";
import { GiB, waitUntil } from "../common.ts";
import type { AliyunInstance } from "./mapping.ts";
import type { CreateEcsInstanceInput } from "./schema.ts";
import { ECS_INSTANCE_JOBS, ecsInstanceInventory, type EcsInstanceService } from "./service.ts";

/**
 * Input of the create job, stored before any call to Alibaba: the ClientToken and the uuids of
 * the new rows are fixed here, so a retry or a resume after a restart sends the very same
 * RunInstances request and gets the same instances back instead of new ones.
 */
interface CreateJobInput {
  dataCenterUuid: string;
  clientToken: string;
  /** One per instance of the batch, in the order RunInstances returns the ids. */
  uuids: string[];
  /** RunInstances params, except Password. */
  params: Record<string, unknown>;
  /** The root password sealed with the node's secret cipher (never stored in clear). */
  passwordSealed: string;
  vncPassword?: string;
  instanceOfferingUuid?: string;
}

/** Error of a request naming rows that do not fit together (VSwitch and group in different VPCs, ...). */
const mismatch = (description: string, details: string) => new ApiError("SYS.1007", 400, description, details);

/**
 * Creates ECS instances (ZStack CreateEcsInstanceFromEcsImage) as a durable job: checks are
 * synchronous (image Available, VSwitch and security group in one VPC, instance type, quotas
 * vm.num / vm.cpuNum / vm.memorySize), then the job calls RunInstances with a stored
 * ClientToken, records VmInstance + EcsInstance rows and waits until every instance is Running.
 */
export class EcsInstanceCreator {
  constructor(private readonly ctx: AliyunContext, private readonly instances: EcsInstanceService) {
    ctx.jobs.register<CreateJobInput>({
      name: ECS_INSTANCE_JOBS.create, resumable: true,
      // Throttling that outlasted the client's own retries: run again with the same token.
      retries: 3, backoffMs: 500,
      retryable: (err) => err instanceof ApiError && err.httpStatus === 503,
      perform: (i, jc) => this.perform(i, jc.caller),
    });
  }

  /**
   * Validates and submits the create job.
   * @throws SYS.1003 unknown image/VSwitch/group/offering; SYS.1006 (409) image not Available;
   *   SYS.1007 (400) rows of different VPCs or data centers, unknown instance type, no type
   *   large enough for the offering; ID.1003 quota exceeded.
   */
  async create(caller: Caller, req: JobRequest, input: CreateEcsInstanceInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    if (Boolean(p.instanceOfferingUuid) === Boolean(p.instanceType)) throw Errors.invalidArgument("Give exactly one of instanceOfferingUuid and instanceType");
    if (p.privateIpAddress && p.amount > 1) throw Errors.invalidArgument("privateIpAddress only applies to a single instance (amount 1)");
    if (p.resourceUuid && p.amount > 1) throw Errors.invalidArgument("resourceUuid only applies to a single instance (amount 1)");
    const prisma = this.ctx.prisma;
    const scope = ownedBy(caller);
    const image = await prisma.ecsImage.findFirst({ where: { uuid: p.ecsImageUuid, ...scope } });
    if (!image) throw Errors.resourceNotFound("EcsImage", p.ecsImageUuid);
    if (image.status !== "Available") throw Errors.operationNotAllowed("Creating an instance from this image", `the image is ${image.status}; it must be Available`);
    const vswitch = await prisma.ecsVSwitch.findFirst({ where: { uuid: p.ecsVSwitchUuid, ...scope } });
    if (!vswitch) throw Errors.resourceNotFound("EcsVSwitch", p.ecsVSwitchUuid);
    const group = await prisma.ecsSecurityGroup.findFirst({ where: { uuid: p.ecsSecurityGroupUuid, ...scope } });
    if (!group) throw Errors.resourceNotFound("EcsSecurityGroup", p.ecsSecurityGroupUuid);
    if (group.ecsVpcUuid !== vswitch.ecsVpcUuid) {
      throw mismatch("The security group and the VSwitch must be in the same VPC", `group VPC ${group.ecsVpcUuid}, VSwitch VPC ${vswitch.ecsVpcUuid}`);
    }
    if (image.dataCenterUuid !== vswitch.dataCenterUuid) {
      throw mismatch("The image and the VSwitch must be in the same data center (region)", `image ${image.dataCenterUuid}, VSwitch ${vswitch.dataCenterUuid}`);
    }
    const dc = await prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vswitch.dataCenterUuid } });
    const zone = vswitch.identityZoneUuid ? await prisma.identityZone.findUnique({ where: { uuid: vswitch.identityZoneUuid } }) : null;
    const conn = await this.ctx.remote.forDataCenter(dc);
    const types = await remote(() => this.instances.typesIn(conn, dc.regionId, zone?.zoneId));
    let type = types.find((t) => t.InstanceTypeId === p.instanceType);
    if (p.instanceOfferingUuid) {
      const offering = await prisma.instanceOffering.findUnique({ where: { uuid: p.instanceOfferingUuid } });
      if (!offering) throw Errors.resourceNotFound("InstanceOffering", p.instanceOfferingUuid);
      // The smallest type with at least the offering's vCPUs and memory: fewest vCPUs, then least memory.
      type = types.filter((t) => t.CpuCoreCount >= offering.cpuNum && BigInt(Math.round(t.MemorySize * Number(GiB))) >= offering.memorySize)
        .sort((a, b) => a.CpuCoreCount - b.CpuCoreCount || a.MemorySize - b.MemorySize || a.InstanceTypeId.localeCompare(b.InstanceTypeId))[0];
      if (!type) throw Errors.invalidArgument("No ECS instance type in this zone has the offering's vCPUs and memory", `${offering.cpuNum} vCPU, ${offering.memorySize} bytes`);
    }
    if (!type) throw Errors.invalidArgument("Alibaba offers no such instance type in the VSwitch's zone", p.instanceType);
    const memory = BigInt(Math.round(type.MemorySize * Number(GiB)));
    await this.checkQuotas(caller, p.amount, type.CpuCoreCount, memory);
    const job: CreateJobInput = {
      dataCenterUuid: dc.uuid, clientToken: randomUUID(),
      uuids: p.amount === 1 && p.resourceUuid ? [p.resourceUuid] : Array.from({ length: p.amount }, () => newUuid()),
      params: {
        ImageId: image.ecsImageId, InstanceType: type.InstanceTypeId, VSwitchId: vswitch.vSwitchId, SecurityGroupId: group.securityGroupId,
        InstanceName: p.name, Description: p.description, InternetMaxBandwidthOut: p.ecsBandWidth, InternetChargeType: "PayByTraffic",
        InstanceChargeType: "PostPaid", "SystemDisk.Size": p.ecsRootVolumeGBSize, "SystemDisk.Category": p.ecsRootVolumeType ?? "cloud_efficiency",
        PrivateIpAddress: p.privateIpAddress, Amount: p.amount, MinAmount: p.createMode === "permissive" ? 1 : p.amount,
        UniqueSuffix: p.amount > 1 ? "true" : undefined,
      },
      passwordSealed: this.ctx.cipher.encrypt(p.ecsRootPassword), vncPassword: p.ecsConsolePassword,
      instanceOfferingUuid: p.instanceOfferingUuid,
    };
    return this.ctx.jobs.submit(caller, req, ECS_INSTANCE_JOBS.create, job);
  }

  /** Same rule as VmInstanceService: every VM of the account (KVM and ECS) counts. */
  private async checkQuotas(caller: Caller, amount: number, cpuNum: number, memorySize: bigint): Promise<void> {
    const live = { accountUuid: caller.accountUuid, state: { notIn: ["Expunging"] } };
    const count = await this.ctx.prisma.vmInstance.count({ where: live });
    const sums = await this.ctx.prisma.vmInstance.aggregate({ where: live, _sum: { cpuNum: true, memorySize: true } });
    const n = BigInt(amount);
    await this.ctx.quotas.check(caller, "vm.num", BigInt(count), n);
    await this.ctx.quotas.check(caller, "vm.cpuNum", BigInt(sums._sum.cpuNum ?? 0), BigInt(cpuNum) * n);
    await this.ctx.quotas.check(caller, "vm.memorySize", sums._sum.memorySize ?? 0n, memorySize * n);
  }

  /**
   * The job: RunInstances (same ClientToken every attempt), rows for each instance, then waits
   * until all are Running. @returns `{ inventory }` of the first and `inventories` of all.
   */
  private async perform(i: CreateJobInput, caller: Caller) {
    const prisma = this.ctx.prisma;
    const dc = await prisma.dataCenter.findUniqueOrThrow({ where: { uuid: i.dataCenterUuid } });
    const conn = await this.ctx.remote.forDataCenter(dc);
    const r = await remote(() => conn.rpc.call<{ InstanceIdSets?: { InstanceIdSet?: string[] } }>("Ecs", dc.regionId, "RunInstances",
      { ...i.params, Password: this.ctx.cipher.decrypt(i.passwordSealed) }, { clientToken: i.clientToken }));
    const ids = r.InstanceIdSets?.InstanceIdSet ?? [];
    const uuidOf = new Map(ids.map((id, n) => [id, i.uuids[n] ?? newUuid()]));
    const refs = await this.instances.localRefs(dc);
    const record = async (seen: AliyunInstance[]) => {
      for (const inst of seen) {
        const uuid = uuidOf.get(inst.InstanceId)!;
        if (!(await this.instances.record(dc, caller.accountUuid, inst, uuid, refs, { instanceOfferingUuid: i.instanceOfferingUuid }))) {
          const row = await prisma.ecsInstance.findUnique({ where: { dataCenterUuid_ecsInstanceId: { dataCenterUuid: dc.uuid, ecsInstanceId: inst.InstanceId } }, include: { vmInstance: true } });
          if (row) await this.instances.refresh(row, inst, refs);
        }
      }
    };
    await waitUntil(
      () => remote(() => this.instances.describe(conn, dc.regionId, ids)),
      (seen) => seen.length === ids.length && seen.every((x) => x.Status === "Running"),
      (seen) => ({ what: "ECS instances", id: ids.join(","), wanted: "Running", seen: seen.map((x) => `${x.InstanceId} ${x.Status}`).join(", ") || "not listed" }),
      this.instances.wait, record,
    );
    // Root-volume fields, and the console password when one was asked for.
    const disks = await remote(() => this.instances.systemDisks(conn, dc.regionId));
    const withDisks = { ...refs, systemDisks: new Map(disks.filter((d) => ids.includes(d.InstanceId)).map((d) => [d.InstanceId, d])) };
    const final = await remote(() => this.instances.describe(conn, dc.regionId, ids));
    for (const inst of final) {
      const row = await prisma.ecsInstance.findUnique({ where: { dataCenterUuid_ecsInstanceId: { dataCenterUuid: dc.uuid, ecsInstanceId: inst.InstanceId } }, include: { vmInstance: true } });
      if (row) await this.instances.refresh(row, inst, withDisks);
      if (i.vncPassword) await remote(() => conn.rpc.call("Ecs", dc.regionId, "ModifyInstanceVncPasswd", { InstanceId: inst.InstanceId, VncPassword: i.vncPassword }));
    }
    const rows = await prisma.ecsInstance.findMany({ where: { dataCenterUuid: dc.uuid, ecsInstanceId: { in: ids } } });
    const inventories = ids.map((id) => rows.find((x) => x.ecsInstanceId === id)).filter((x) => x !== undefined).map(ecsInstanceInventory);
    return { inventory: inventories[0], inventories };
  }
}
