/**
 * Request body of POST /storage/image/download.
 */
import { z } from "zod";

const AbsolutePath = z.string().min(2).max(4096).regex(/^\/[^\0]*$/, "must be an absolute path")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..'");

/** POST /storage/image/download (ZStack kvmagent's image-store download to primary storage). */
export const DownloadImageCmd = z.object({
  /** Where the management node serves the image: `http(s)://<mn>/image-store/<backupStorageUuid>/<imageUuid>`. */
  url: z.url({ protocol: /^https?$/ }),
  /** Bearer token the management node issued for this image (sent as `Authorization: Bearer <token>`). */
  token: z.string().min(1).max(512),
  /** Absolute path of the file to create on this host; parent directories are created. */
  installPath: AbsolutePath,
  /** Expected SHA-256 of the file (64 hex); a mismatch fails with IMAGE_CHECKSUM_MISMATCH. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters").optional(),
});
export type DownloadImageCmd = z.infer<typeof DownloadImageCmd>;
