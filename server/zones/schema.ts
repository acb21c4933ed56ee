import { z } from "zod";
import { BaseInventory, createBody, Description, Name, StateEvent } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** ZStack APICreateZoneMsg. */
export const CreateZoneBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  isDefault: z.boolean().optional().describe("Marks the zone used when a request names none"),
}));
export type CreateZoneInput = z.infer<typeof CreateZoneBody>;

/** ZStack APIUpdateZoneMsg. */
export const UpdateZoneBody = z.object({ name: Name.optional(), description: Description.optional(), isDefault: z.boolean().optional() }).strict();

/** ZStack APIChangeZoneStateMsg. */
export const ChangeZoneStateBody = z.object({ stateEvent: StateEvent }).strict();

/** ZStack ZoneInventory. */
export const ZoneInventory = z.object({
  ...BaseInventory,
  state: z.enum(["Enabled", "Disabled"]),
  type: z.string(),
  isDefault: z.boolean(),
});

export const zoneQuerySpec: QuerySpec = {
  resourceType: "Zone",
  fields: {
    uuid: "string", name: "string", description: "string", state: "string", type: "string",
    isDefault: "boolean", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  relations: { clusters: { spec: () => clusterSpecRef(), many: true } },
  notNull: ["uuid", "name", "state", "type", "isDefault", "accountUuid", "createDate", "lastOpDate"],
};

// Late import to avoid a module cycle between zones and clusters.
let clusterSpecRef: () => QuerySpec = () => { throw new Error("cluster query spec not loaded"); };
/** Called by clusters/schema.ts so that `q=clusters.name=...` works on zones. */
export function linkClusterSpec(get: () => QuerySpec): void {
  clusterSpecRef = get;
}
