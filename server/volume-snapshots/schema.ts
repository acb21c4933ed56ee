import { z } from "zod";
import { BaseInventory, createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** ZStack APICreateVolumeSnapshotMsg (the volume is the path's `volumeUuid`). */
export const CreateVolumeSnapshotBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
}));
export type CreateVolumeSnapshotInput = z.infer<typeof CreateVolumeSnapshotBody>;

/** Path of APICreateVolumeSnapshotMsg. */
export const VolumeParams = z.object({ volumeUuid: Uuid });

/** ZStack APIUpdateVolumeSnapshotMsg. */
export const UpdateVolumeSnapshotBody = z.object({ name: Name.optional(), description: Description.optional() }).strict();
export type UpdateVolumeSnapshotInput = z.infer<typeof UpdateVolumeSnapshotBody>;

/** ZStack APIRevertVolumeFromSnapshotMsg (the snapshot is the path's uuid). */
export const RevertVolumeFromSnapshotBody = z.object({}).strict();

/** ZStack VolumeSnapshotInventory. */
export const VolumeSnapshotInventory = z.object({
  ...BaseInventory,
  volumeUuid: z.string(),
  volumeType: z.enum(["Root", "Data"]),
  primaryStorageUuid: z.string().nullable(),
  primaryStorageInstallPath: z.string().nullable().describe("The volume's qcow2 file holding the internal snapshot"),
  hostUuid: z.string().nullable().describe("Host the snapshot was taken on"),
  type: z.literal("Hypervisor"),
  format: z.literal("qcow2"),
  state: z.enum(["Enabled", "Disabled"]),
  status: z.enum(["Creating", "Ready", "Deleting"]),
  size: z.number().int().describe("Virtual size of the volume when the snapshot was taken, bytes"),
  parentUuid: z.string().nullable().describe("The volume's latest snapshot when this one was taken"),
  latest: z.boolean().describe("The volume's current state descends from this snapshot (newest, or the one last reverted to)"),
});

export const volumeSnapshotQuerySpec: QuerySpec = {
  resourceType: "VolumeSnapshot",
  fields: {
    uuid: "string", name: "string", description: "string", volumeUuid: "string", volumeType: "string", primaryStorageUuid: "string",
    primaryStorageInstallPath: "string", hostUuid: "string", type: "string", format: "string", state: "string", status: "string",
    size: "bigint", parentUuid: "string", latest: "boolean", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "volumeUuid", "volumeType", "type", "format", "state", "status", "size", "latest", "accountUuid", "createDate", "lastOpDate"],
};
