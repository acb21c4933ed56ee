/**
 * Volume snapshot commands (ZStack kvmagent's volume snapshot API), live resize and volume
 * export. Synchronous JSON POSTs answering `{ success: true, ...fields }` or a failure reply
 * (errors.ts).
 *
 * | path | body | reply fields |
 * |---|---|---|
 * | `/volume/snapshot/create` | `{ installPath, snapshotName, vmInstanceUuid? }` | `installPath, snapshotName, size, mode` |
 * | `/volume/snapshot/delete` | same | same; a missing snapshot is not an error |
 * | `/volume/snapshot/revert` | same; the VM must be shut off | same |
 * | `/volume/resize/live` | `{ installPath, size, vmInstanceUuid }` | `installPath, size, actualSize` |
 * | `/volume/export` | `{ installPath, snapshotName?, uploadUrl, token }` | `size, upload` |
 */
import { Router } from "express";
import type { HypervisorDriver } from "../../drivers/types.ts";
import { parseBody } from "../validate.ts";
import { HostSnapshots, SimSnapshots, type SnapshotBackend } from "./driver.ts";
import { ExportVolumeCmd, LiveResizeCmd, VolumeSnapshotCmd } from "./schema.ts";

/**
 * Routes for snapshot commands. The back end follows the hypervisor driver: the sim driver gets
 * {@link SimSnapshots}, the virsh driver {@link HostSnapshots}; tests may pass their own.
 */
export function snapshotRoutes(driver: Pick<HypervisorDriver, "kind" | "domainState">, backend?: SnapshotBackend, libvirtUri?: string): Router {
  const snapshots = backend ?? (driver.kind === "sim" ? new SimSnapshots() : new HostSnapshots(driver, libvirtUri));
  const router = Router();

  router.post("/volume/snapshot/create", async (req, res) => {
    res.json({ success: true, ...(await snapshots.create(parseBody(VolumeSnapshotCmd, req.body))) });
  });
  router.post("/volume/snapshot/delete", async (req, res) => {
    res.json({ success: true, ...(await snapshots.delete(parseBody(VolumeSnapshotCmd, req.body))) });
  });
  router.post("/volume/snapshot/revert", async (req, res) => {
    res.json({ success: true, ...(await snapshots.revert(parseBody(VolumeSnapshotCmd, req.body))) });
  });
  router.post("/volume/resize/live", async (req, res) => {
    res.json({ success: true, ...(await snapshots.liveResize(parseBody(LiveResizeCmd, req.body))) });
  });
  router.post("/volume/export", async (req, res) => {
    res.json({ success: true, ...(await snapshots.export(parseBody(ExportVolumeCmd, req.body))) });
  });
  return router;
}
