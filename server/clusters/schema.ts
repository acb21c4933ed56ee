import { z } from "zod";
import { BaseInventory, createBody, Description, Name, StateEvent, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";
import { linkClusterSpec, zoneQuerySpec } from "../zones/schema.ts";

/** CPU architectures a cluster can hold (ZStack ClusterVO.architecture). */
export const Architecture = z.enum(["x86_64", "aarch64"]);

/** ZStack APICreateClusterMsg. hypervisorType KVM, or Simulator for simulated hosts (demos, scale tests). */
export const CreateClusterBody = createBody(z.object({
  zoneUuid: Uuid,
  name: Name,
  description: Description.optional(),
  hypervisorType: z.enum(["KVM", "Simulator"]).describe("Hypervisor of the cluster's hosts: KVM, or Simulator (ZStack's simulator hosts)"),
  type: z.literal("zstack").default("zstack"),
  architecture: Architecture.default("x86_64").describe("CPU architecture every host of the cluster must have"),
}));
export type CreateClusterInput = z.infer<typeof CreateClusterBody>;

/** ZStack APIUpdateClusterMsg. */
export const UpdateClusterBody = z.object({ name: Name.optional(), description: Description.optional() }).strict();

/** ZStack APIChangeClusterStateMsg. */
export const ChangeClusterStateBody = z.object({ stateEvent: StateEvent }).strict();

/** ZStack ClusterInventory. */
export const ClusterInventory = z.object({
  ...BaseInventory,
  zoneUuid: z.string(),
  state: z.enum(["Enabled", "Disabled"]),
  hypervisorType: z.string(),
  type: z.string(),
  architecture: Architecture,
});

export const clusterQuerySpec: QuerySpec = {
  resourceType: "Cluster",
  fields: {
    uuid: "string", name: "string", description: "string", state: "string", hypervisorType: "string",
    type: "string", architecture: "string", zoneUuid: "string", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  relations: { zone: { spec: () => zoneQuerySpec, many: false } },
  notNull: ["uuid", "name", "state", "hypervisorType", "type", "architecture", "zoneUuid", "accountUuid", "createDate", "lastOpDate"],
};
linkClusterSpec(() => clusterQuerySpec);
