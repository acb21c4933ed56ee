import { z } from "zod";
import { Uuid } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/** ZStack CreateAliyunNasMountTargetAction `params`. */
export const CreateNasMountTargetBody = z.object({
  params: z.object({
    nasFSUuid: Uuid.describe("The AliyunNasFileSystem"),
    nasAccessGroupUuid: Uuid.describe("The AliyunNasAccessGroup (a vpc group)"),
    vSwitchUuid: Uuid.describe("The EcsVSwitch the mount target is placed in (ZStack: optional; Alibaba needs it for a VPC mount target)"),
    name: z.string().trim().min(1).max(255),
    description: z.string().max(1024).optional(),
    resourceUuid: Uuid.optional(),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();
/** Validated body of {@link CreateNasMountTargetBody}. */
export type CreateNasMountTargetInput = z.infer<typeof CreateNasMountTargetBody>;

/** ZStack AddAliyunNasMountTargetAction (`addAliyunNasMountTarget`). */
export const AddNasMountTargetBody = z.object({
  addAliyunNasMountTarget: z.object({
    nasFSUuid: Uuid, name: z.string().trim().min(1).max(255), mountDomain: z.string().trim().min(1).max(255), resourceUuid: Uuid.optional(),
  }).strict(),
}).strict();

/** ZStack UpdateNasMountTargetAction (`updateNasMountTarget`): Strata's name and description. */
export const UpdateNasMountTargetBody = z.object({
  updateNasMountTarget: z.object({ name: z.string().trim().min(1).max(255).optional(), description: z.string().max(1024).optional() }).strict(),
}).strict();

/** `?nasFSUuid=&mountDomain=` of GetAliyunNasMountTargetRemote. */
export const RemoteMountTargetQuery = z.object({ nasFSUuid: Uuid, mountDomain: z.string().max(255).optional() }).strict();

/** A mount target as Alibaba lists it. */
export const NasMountTargetProperty = z.object({
  mountDomain: z.string(), vpcId: z.string().nullable(), vSwitchId: z.string().nullable(), accessGroupName: z.string().nullable(), status: z.string(),
});

/** ZStack NasMountTargetInventory + AliyunNasMountTargetInventory (plus vSwitchUuid, accountUuid). */
export const NasMountTargetInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), mountDomain: z.string().describe("The NFS server name hosts mount"),
  nasFileSystemUuid: z.string(), accessGroupUuid: z.string().nullable(), vSwitchUuid: z.string().nullable(),
  status: z.string().describe("Alibaba: Pending, Active, Inactive"), type: z.literal("AliyunNAS"),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** Fields a query may name. */
export const nasMountTargetQuerySpec: QuerySpec = {
  resourceType: "AliyunNasMountTarget",
  fields: {
    uuid: "string", name: "string", description: "string", mountDomain: "string", nasFileSystemUuid: "string", accessGroupUuid: "string",
    vSwitchUuid: "string", status: "string", type: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "mountDomain", "nasFileSystemUuid", "status", "type", "accountUuid", "createDate", "lastOpDate"],
};
