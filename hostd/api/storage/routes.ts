/**
 * /storage/* commands: prepare primary storage on this host and report its capacity, copy
 * files (image caches), grow volumes. Each is a synchronous JSON POST answering
 * `{ success: true, ...fields }` or a failure reply (errors.ts).
 */
import { Router } from "express";
import type { HypervisorDriver } from "../../drivers/types.ts";
import { parseBody } from "../validate.ts";
import { HostStorage, SimStorage, type StorageBackend } from "./driver.ts";
import { CapacityCmd, CopyFileCmd, InitStorageCmd, ResizeVolumeCmd } from "./schema.ts";

/**
 * Routes for storage commands. The back end follows the hypervisor driver: the sim driver
 * gets {@link SimStorage} (no disk I/O), the virsh driver the real filesystem; tests may pass
 * their own back end.
 */
export function storageRoutes(driver: Pick<HypervisorDriver, "kind">, backend?: StorageBackend): Router {
  const storage = backend ?? (driver.kind === "sim" ? new SimStorage() : new HostStorage());
  const router = Router();

  router.post("/storage/init", async (req, res) => {
    const cmd = parseBody(InitStorageCmd, req.body);
    res.json({ success: true, ...(await storage.init(cmd)) });
  });

  router.post("/storage/capacity", async (req, res) => {
    const cmd = parseBody(CapacityCmd, req.body);
    res.json({ success: true, ...(await storage.capacity(cmd.path)) });
  });

  router.post("/storage/file/copy", async (req, res) => {
    const cmd = parseBody(CopyFileCmd, req.body);
    res.json({ success: true, dst: cmd.dst, ...(await storage.copyFile(cmd.src, cmd.dst)) });
  });

  router.post("/storage/volume/resize", async (req, res) => {
    const cmd = parseBody(ResizeVolumeCmd, req.body);
    res.json({ success: true, ...(await storage.resizeVolume(cmd.installPath, cmd.size)) });
  });

  return router;
}
