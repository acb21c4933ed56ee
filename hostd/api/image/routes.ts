/**
 * /storage/image/* commands: bring an image from the management node's image store onto this
 * host. Synchronous: the reply comes when the file is in place (large images hold the request
 * open; the management node's client timeout must allow for it).
 *
 * | path | body | reply fields |
 * |---|---|---|
 * | `/storage/image/download` | `{ url, token, installPath, sha256? }` | `installPath, size` (bytes) |
 *
 * Failures (HTTP 200, `success: false`): `IMAGE_DOWNLOAD_FAILED` (unreachable, HTTP error,
 * broken off), `IMAGE_CHECKSUM_MISMATCH`; no file is left at installPath or installPath.part.
 */
import { Router } from "express";
import type { Logger } from "pino";
import type { HypervisorDriver } from "../../drivers/types.ts";
import { parseBody } from "../validate.ts";
import { HttpImageDownloader, ImageCommandError, SimImageDownloader, type ImageDownloader } from "./downloader.ts";
import { DownloadImageCmd } from "./schema.ts";

/**
 * Routes for image commands. The downloader follows the hypervisor driver: the sim driver gets
 * {@link SimImageDownloader} (records the path, no I/O); tests may pass their own.
 */
export function imageRoutes(driver: Pick<HypervisorDriver, "kind">, log: Logger, downloader?: ImageDownloader): Router {
  const images = downloader ?? (driver.kind === "sim" ? new SimImageDownloader() : new HttpImageDownloader(log));
  const router = Router();

  router.post("/storage/image/download", async (req, res) => {
    const cmd = parseBody(DownloadImageCmd, req.body);
    try {
      res.json({ success: true, ...(await images.download(cmd)) });
    } catch (err) {
      if (!(err instanceof ImageCommandError)) throw err;
      log.info({ path: req.path, code: err.code, error: err.message }, "command failed");
      res.json({ success: false, error: err.message, code: err.code });
    }
  });

  return router;
}
