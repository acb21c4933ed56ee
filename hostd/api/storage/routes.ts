/**
 * /storage/* commands: prepare primary storage on this host and report its capacity, unmount
 * and list NFS exports, copy files (image caches), grow volumes. Each is a synchronous JSON
 * POST answering `{ success: true, ...fields }` or a failure reply (errors.ts).
 */
import { pipeline } from "node:stream/promises";
import { Router } from "express";
import type { HypervisorDriver } from "../../drivers/types.ts";
import { parseBody } from "../validate.ts";
import { HostStorage, SimStorage, type StorageBackend } from "./driver.ts";
import { CapacityCmd, ConvertVolumeCmd, CopyFileCmd, DownloadFileQuery, InitStorageCmd, PullFileCmd, ResizeVolumeCmd, UnmountStorageCmd } from "./schema.ts";

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

  // Detaching NFS primary storage from a cluster unmounts it from the cluster's hosts.
  router.post("/storage/unmount", async (req, res) => {
    const cmd = parseBody(UnmountStorageCmd, req.body);
    res.json({ success: true, ...(await storage.unmount(cmd.url, cmd.mountPath)) });
  });

  router.post("/storage/mounts", async (_req, res) => {
    res.json({ success: true, mounts: await storage.mounts() });
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

  router.post("/storage/volume/convert", async (req, res) => {
    const cmd = parseBody(ConvertVolumeCmd, req.body);
    res.json({ success: true, ...(await storage.convertVolume(cmd.src, cmd.dst)) });
  });

  // Host-to-host copies (local-storage migration): the target host pulls from the source's
  // download endpoint, authenticated with the source host's own secret like every command.
  router.get("/storage/file/download", async (req, res) => {
    const q = parseBody(DownloadFileQuery, req.query);
    const { stream, size } = await storage.openFile(q.path);
    res.setHeader("content-type", "application/octet-stream");
    res.setHeader("content-length", String(size));
    await pipeline(stream, res);
  });

  router.post("/storage/file/pull", async (req, res) => {
    const cmd = parseBody(PullFileCmd, req.body);
    res.json({ success: true, dst: cmd.dst, ...(await storage.pullFile(cmd.url, cmd.secret, cmd.dst)) });
  });

  return router;
}
