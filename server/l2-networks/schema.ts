import { z } from "zod";
import { BaseInventory, createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";
import { IFNAME_PATTERN } from "../../hostd/network/names.ts";

/** Host interface an L2 network is uplinked to, e.g. eth0 (ZStack L2NetworkVO.physicalInterface). */
export const PhysicalInterface = z.string()
  .regex(IFNAME_PATTERN, "must be a Linux interface name of 1-15 characters: letters, digits, '_', '.', '-'")
  .describe("Host interface the L2 network's bridge is uplinked to, e.g. eth0; the same name on every host of attached clusters");

const L2Params = z.object({
  name: Name,
  description: Description.optional(),
  zoneUuid: Uuid.describe("Zone of the L2 network; it can be attached to that zone's clusters only"),
  physicalInterface: PhysicalInterface,
});

/** ZStack APICreateL2NoVlanNetworkMsg. */
export const CreateL2NoVlanBody = createBody(L2Params);
/** ZStack APICreateL2VlanNetworkMsg. */
export const CreateL2VlanBody = createBody(L2Params.extend({
  vlan: z.number().int().min(1).max(4094).describe("802.1Q VLAN id, 1-4094"),
}));
export type CreateL2Input = z.infer<typeof CreateL2VlanBody> | z.infer<typeof CreateL2NoVlanBody>;

/** ZStack APIUpdateL2NetworkMsg. */
export const UpdateL2Body = z.object({ name: Name.optional(), description: Description.optional() }).strict();

/** `{l2NetworkUuid}/clusters/{clusterUuid}` path (ZStack APIAttachL2NetworkToClusterMsg). */
export const L2ClusterParams = z.object({ l2NetworkUuid: Uuid, clusterUuid: Uuid });

/** ZStack L2NetworkInventory / L2VlanNetworkInventory. */
export const L2NetworkInventory = z.object({
  ...BaseInventory,
  type: z.enum(["L2NoVlanNetwork", "L2VlanNetwork"]),
  zoneUuid: z.string(),
  physicalInterface: z.string(),
  vlan: z.number().nullable().describe("VLAN id (L2VlanNetwork), null otherwise"),
  bridgeName: z.string().describe("Bridge on each host: br_<physicalInterface>[_<vlan>], shortened to 15 characters"),
  attachedClusterUuids: z.array(z.string()),
});

export const l2NetworkQuerySpec: QuerySpec = {
  resourceType: "L2Network",
  fields: {
    uuid: "string", name: "string", description: "string", type: "string", physicalInterface: "string", vlan: "number",
    zoneUuid: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  relations: { clusters: { spec: () => l2ClusterRefSpec, many: true } },
  computedFields: ["bridgeName", "attachedClusterUuids"],
  notNull: ["uuid", "name", "type", "physicalInterface", "zoneUuid", "accountUuid", "createDate", "lastOpDate"],
};

const l2ClusterRefSpec: QuerySpec = {
  resourceType: "L2NetworkClusterRef",
  fields: { clusterUuid: "string", l2NetworkUuid: "string", createDate: "date" },
  notNull: ["clusterUuid", "l2NetworkUuid", "createDate"],
};
