import { ApiError } from "../errors/catalogue.ts";

/**
 * Errors an image download job ends with (ZStack ImageErrors / BackupStorageErrors,
 * with Strata's stable codes). Each leaves no Image row and no file behind.
 */
export const ImageErrors = {
  /** IMAGE.DOWNLOAD_FAILED, 502: the URL could not be read (HTTP error, refused, missing file). */
  downloadFailed: (url: string, details: string) =>
    new ApiError("IMAGE.DOWNLOAD_FAILED", 502, "The image could not be downloaded from its URL; check that the URL is right and reachable from the management node",
      `${url}: ${details}`),
  /** IMAGE.FORMAT_MISMATCH, 400: qemu-img found another format than the declared one, or one that does not fit the mediaType. */
  formatMismatch: (details: string) =>
    new ApiError("IMAGE.FORMAT_MISMATCH", 400, "The image file's format is not the one declared; give the right format or leave it out to detect it", details),
  /** IMAGE.CORRUPT, 400: qemu-img cannot read the file as an image of its format. */
  corrupt: (details: string) =>
    new ApiError("IMAGE.CORRUPT", 400, "The image file is damaged or not an image of the declared format", details),
  /** IMAGE.UNSUPPORTED, 400: a valid image Strata does not accept (other formats, qcow2 with a backing file). */
  unsupported: (details: string) =>
    new ApiError("IMAGE.UNSUPPORTED", 400, "This kind of image file is not accepted; convert it to a standalone qcow2 or raw image", details),
} as const;
