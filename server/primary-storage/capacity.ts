import type { Prisma, PrismaClient } from "../../generated/prisma/client.ts";
import { Errors } from "../errors/catalogue.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";

/** Where a reservation is taken: a shared primary storage, or one host of a LocalStorage. */
export interface CapacityTarget {
  uuid: string;
  name: string;
  /** Set for LocalStorage: the host whose LocalStorageHostRef holds the capacity. */
  hostUuid?: string;
}

/** Basis points: the usage threshold as an integer, so the SQL compares integers only. */
const BP = 10_000n;

/**
 * Capacity bookkeeping of primary storage (ZStack PrimaryStorageCapacityUpdater and
 * PrimaryStorageOverProvisioningManager).
 *
 * Figures, all bytes: `totalCapacity` is the filesystem size; `availableCapacity` is what is
 * not reserved by volumes, volume snapshots and image caches. A volume of virtual size S reserves
 * ceil(S / primaryStorage/overProvisioning.ratio) at the ratio of the moment; what was reserved
 * is kept with the volume (Volume.reservedCapacity) and exactly that is released, so changing
 * the ratio in between cannot make availableCapacity drift. A reservation is refused (PS.CAPACITY_EXCEEDED)
 * when it does not fit in availableCapacity, when reserved capacity would pass
 * primaryStorage/usageThreshold of the total, or when the filesystem the hosts last reported is
 * already fuller than that threshold.
 *
 * Each reservation is one conditional UPDATE (`... WHERE availableCapacity >= r AND ...`), so
 * concurrent reservations, on one management node or several, never over-commit.
 * For LocalStorage the host's row is the one checked; the storage's totals follow it in the
 * same transaction.
 */
export class PrimaryStorageCapacity {
  constructor(private readonly prisma: PrismaClient, private readonly configs: GlobalConfigService) {}

  /** Bytes a volume of `size` virtual bytes reserves at the current over-provisioning ratio. */
  reservationFor(size: bigint): bigint {
    const ratio = this.configs.getNumber("primaryStorage", "overProvisioning.ratio");
    const scaled = BigInt(Math.round(ratio * 10_000));
    return (size * BP + scaled - 1n) / scaled;
  }

  /**
   * Bytes a volume holds reserved: what was recorded when its capacity was reserved, or for a
   * row from before reservations were recorded, its size at the current ratio.
   */
  reservedBy(v: { size: bigint; reservedCapacity: bigint | null }): bigint {
    return v.reservedCapacity ?? this.reservationFor(v.size);
  }

  /**
   * Where something kept on `primaryStorageUuid` holds its reservation: the storage, and for
   * LocalStorage also `hostUuid`'s row. Undefined when the storage is gone (nothing to give back).
   */
  async targetOf(primaryStorageUuid: string | null, hostUuid: string | null, db: Prisma.TransactionClient = this.prisma): Promise<CapacityTarget | undefined> {
    if (!primaryStorageUuid) return undefined;
    const ps = await db.primaryStorage.findUnique({ where: { uuid: primaryStorageUuid }, select: { uuid: true, name: true, type: true } });
    if (!ps) return undefined;
    return { uuid: ps.uuid, name: ps.name, hostUuid: ps.type === "LocalStorage" ? hostUuid ?? undefined : undefined };
  }

  private thresholdBp(): bigint {
    return BigInt(Math.round(this.configs.getNumber("primaryStorage", "usageThreshold") * 10_000));
  }

  /**
   * Reserves capacity for a volume of `size` virtual bytes and returns the bytes reserved.
   * `exact` reserves `size` itself, without over-provisioning (image caches: real files).
   * `tx` runs the reservation in the caller's transaction, so it stands or falls with the row
   * that records it (a snapshot).
   * @throws ApiError PS.CAPACITY_EXCEEDED (409) naming the storage, the request and the figures.
   */
  async reserve(t: CapacityTarget, size: bigint, opts: { exact?: boolean; tx?: Prisma.TransactionClient } = {}): Promise<bigint> {
    const r = opts.exact ? size : this.reservationFor(size);
    const bp = this.thresholdBp();
    const run = async (tx: Prisma.TransactionClient) => {
      const n = t.hostUuid
        ? await tx.$executeRaw`
            UPDATE "LocalStorageHostRef" SET "availableCapacity" = "availableCapacity" - ${r}::bigint, "lastOpDate" = now()
            WHERE "primaryStorageUuid" = ${t.uuid} AND "hostUuid" = ${t.hostUuid}
              AND "availableCapacity" >= ${r}::bigint
              AND ("totalCapacity" - "availableCapacity" + ${r}::bigint)::numeric * ${BP}::bigint <= "totalCapacity"::numeric * ${bp}::bigint
              AND ("totalPhysicalCapacity" - "availablePhysicalCapacity")::numeric * ${BP}::bigint <= "totalPhysicalCapacity"::numeric * ${bp}::bigint`
        : await tx.$executeRaw`
            UPDATE "PrimaryStorage" SET "availableCapacity" = "availableCapacity" - ${r}::bigint, "lastOpDate" = now()
            WHERE "uuid" = ${t.uuid}
              AND "availableCapacity" >= ${r}::bigint
              AND ("totalCapacity" - "availableCapacity" + ${r}::bigint)::numeric * ${BP}::bigint <= "totalCapacity"::numeric * ${bp}::bigint
              AND ("totalPhysicalCapacity" - "availablePhysicalCapacity")::numeric * ${BP}::bigint <= "totalPhysicalCapacity"::numeric * ${bp}::bigint`;
      if (n === 0) return false;
      if (t.hostUuid) {
        await tx.$executeRaw`UPDATE "PrimaryStorage" SET "availableCapacity" = "availableCapacity" - ${r}::bigint WHERE "uuid" = ${t.uuid}`;
      }
      return true;
    };
    const ok = opts.tx ? await run(opts.tx) : await this.prisma.$transaction(run);
    if (!ok) throw await this.refusal(t, size, r);
    return r;
  }

  /**
   * Returns `reserved` bytes (what {@link reserve} returned) to the storage, never above its
   * total; in the caller's transaction `tx` when given.
   */
  async release(t: Omit<CapacityTarget, "name">, reserved: bigint, tx?: Prisma.TransactionClient): Promise<void> {
    if (reserved <= 0n) return;
    const run = async (tx: Prisma.TransactionClient) => {
      if (t.hostUuid) {
        await tx.$executeRaw`
          UPDATE "LocalStorageHostRef" SET "availableCapacity" = LEAST("totalCapacity", "availableCapacity" + ${reserved}::bigint), "lastOpDate" = now()
          WHERE "primaryStorageUuid" = ${t.uuid} AND "hostUuid" = ${t.hostUuid}`;
      }
      await tx.$executeRaw`
        UPDATE "PrimaryStorage" SET "availableCapacity" = LEAST("totalCapacity", "availableCapacity" + ${reserved}::bigint), "lastOpDate" = now()
        WHERE "uuid" = ${t.uuid}`;
    };
    if (tx) await run(tx);
    else await this.prisma.$transaction(run);
  }

  private async refusal(t: CapacityTarget, size: bigint, r: bigint) {
    const row = t.hostUuid
      ? await this.prisma.localStorageHostRef.findUnique({ where: { primaryStorageUuid_hostUuid: { primaryStorageUuid: t.uuid, hostUuid: t.hostUuid } } })
      : await this.prisma.primaryStorage.findUnique({ where: { uuid: t.uuid } });
    const threshold = this.configs.get("primaryStorage", "usageThreshold");
    const where = `${t.name} (${t.uuid})${t.hostUuid ? ` on host ${t.hostUuid}` : ""}`;
    if (!row) return Errors.primaryStorageCapacityExceeded(where, "it has no capacity record (not initialised on that host)");
    return Errors.primaryStorageCapacityExceeded(where,
      `requested ${size} bytes (reserving ${r} at over-provisioning ratio ${this.configs.get("primaryStorage", "overProvisioning.ratio")}); ` +
      `available ${row.availableCapacity} of total ${row.totalCapacity}; physical free ${row.availablePhysicalCapacity} of ` +
      `${row.totalPhysicalCapacity}; usage threshold ${threshold}`);
  }
}
