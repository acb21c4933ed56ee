import type { Host, Image, PrismaClient } from "../../generated/prisma/client.ts";
import { Errors } from "../errors/catalogue.ts";
import { commandHostd, type HostdEndpoint } from "../hosts/hostd-client.ts";

/** What an {@link ImageFetcher} is asked to do: put one image's file at `installPath` on a host. */
export interface ImageFetchRequest {
  image: Image;
  host: Host;
  /** The host's agent. */
  endpoint: HostdEndpoint;
  /** Absolute path on the host (inside the primary storage) the file must end up at. */
  installPath: string;
  /** How hostds reach this management node, e.g. `http://192.0.2.1:8080`. */
  baseUrl: string;
  /** Zone of the primary storage: backup storage attached to it is preferred. */
  zoneUuid: string;
}

/**
 * Copies an image onto primary storage for the image cache (ZStack's
 * DownloadImageToPrimaryStorageCacheMsg). The default implementation downloads from the
 * image's backup storage; tests hand VolumeService a fake that copies a local file.
 */
export interface ImageFetcher {
  /** @returns the size of the file written, bytes. @throws ApiError */
  fetch(req: ImageFetchRequest): Promise<{ size: bigint }>;
}

/** The part of the image store (server/backup-storage ImageStoreService) the fetcher uses. */
export interface ImageDownloadUrlSource {
  downloadUrl(imageUuid: string, backupStorageUuid: string, baseUrl: string): { url: string; token: string } | Promise<{ url: string; token: string }>;
}

/** Time a host may take to download one image, ms. */
const DOWNLOAD_TIMEOUT_MS = 3_600_000;

/**
 * Downloads an image from one of its backup storages through hostd
 * `POST /storage/image/download { url, token, installPath, sha256? } → { installPath, size }`.
 * Backup storage attached to the primary storage's zone is preferred.
 */
export class BackupStorageImageFetcher implements ImageFetcher {
  constructor(private readonly prisma: PrismaClient, private readonly source: ImageDownloadUrlSource) {}

  async fetch(req: ImageFetchRequest): Promise<{ size: bigint }> {
    const refs = await this.prisma.imageBackupStorageRef.findMany({
      where: { imageUuid: req.image.uuid }, include: { backupStorage: { include: { zones: true } } },
    });
    const usable = refs.filter((r) => r.status === "Ready" && r.backupStorage.state === "Enabled" && r.backupStorage.status === "Connected");
    const ref = usable.find((r) => r.backupStorage.zones.some((z) => z.zoneUuid === req.zoneUuid)) ?? usable[0];
    if (!ref) {
      throw Errors.operationNotAllowed("Copying the image to primary storage",
        `image ${req.image.name} (${req.image.uuid}) has no Ready copy on an Enabled, Connected backup storage`);
    }
    const { url, token } = await this.source.downloadUrl(req.image.uuid, ref.backupStorageUuid, req.baseUrl);
    const r = await commandHostd<{ installPath: string; size: number }>(req.endpoint, "/storage/image/download",
      { url, token, installPath: req.installPath, ...(req.image.sha256 ? { sha256: req.image.sha256 } : {}) }, DOWNLOAD_TIMEOUT_MS);
    return { size: BigInt(Math.floor(r.size)) };
  }
}
