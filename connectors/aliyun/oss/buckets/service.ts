import type { DataCenter, OssBucket, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { isUniqueViolation } from "../../../../server/db/errors.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { DataCenterService } from "../../data-centers/service.ts";
import { HybridErrors } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import { changedFields, reconcile, type ReconcileResult } from "../../sync/reconcile.ts";
import { fromOss, isOssError, oss } from "../errors.ts";
import { ossBucketQuerySpec, type OssBucketInput } from "./schema.ts";

/** ZStack OssBucketInventory. */
export function ossBucketInventory(b: OssBucket) {
  return {
    uuid: b.uuid, bucketName: b.bucketName, dataCenterUuid: b.dataCenterUuid, current: b.current, regionName: b.regionName,
    description: b.description, accountUuid: b.accountUuid, createDate: b.createDate.toISOString(), lastOpDate: b.lastOpDate.toISOString(),
  };
}

/** A bucket as ali-oss listBuckets returns it. */
interface ListedBucket { name: string; region: string }

/** `oss-cn-hangzhou` (OSS Location) → `cn-hangzhou`. */
const regionOf = (location: string) => location.replace(/^oss-/, "");

/**
 * OSS buckets (ZStack AddOssBucketFromRemote, CreateOssBucketRemote, DeleteOssBucketRemote,
 * DeleteOssBucketNameLocal, QueryOssBucketFileName, GetOssBucketNameFromRemote,
 * Attach/DetachOssBucketToEcsDataCenter, UpdateOssBucket), through ali-oss. As in ZStack,
 * buckets are added explicitly, never imported wholesale: a sync only refreshes or drops the
 * buckets already recorded. The data center's `current` bucket is where the ECS part stages
 * image uploads ({@link OssBucketService.bucketFor}).
 */
export class OssBucketService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly aliyun: AliyunRemote,
    private readonly dataCenters: DataCenterService,
  ) {}

  /** The bucket record if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<OssBucket> {
    const b = await this.prisma.ossBucket.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!b) throw Errors.resourceNotFound("OssBucket", uuid);
    return b;
  }

  /** ZStack QueryOssBucketFileName (the local bucket query). */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ossBucketQuerySpec, delegate: this.prisma.ossBucket as never, caller, raw,
      scope: ownedBy(caller), toInventory: ossBucketInventory, csvName: "oss-buckets",
    });
  }

  /** GetOssBucketNameFromRemote: the account's buckets in the data center's region (OSS ListBuckets). @throws SYS.1003, ALIYUN.*. */
  async listRemote(caller: Caller, dataCenterUuid: string): Promise<{ bucketName: string; regionId: string }[]> {
    const dc = await this.dataCenters.get(caller, dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    const buckets = await oss("ListBuckets", () => this.listBuckets(conn, dc.regionId));
    return buckets.filter((b) => regionOf(b.region) === dc.regionId).map((b) => ({ bucketName: b.name, regionId: regionOf(b.region) }));
  }

  /**
   * AddOssBucketFromRemote: records a bucket that exists on Alibaba (OSS GetBucketInfo) in the
   * data center of its region.
   * @throws HYBRID.REMOTE_NOT_FOUND (404) no such bucket of this account, SYS.1007 bucket of another region,
   *   SYS.1002 already recorded, ALIYUN.*.
   */
  async add(caller: Caller, input: OssBucketInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    const conn = await this.aliyun.forDataCenter(dc);
    let region: string;
    try {
      const info = await conn.oss(dc.regionId).getBucketInfo(p.bucketName);
      region = info.bucket.Region || regionOf(info.bucket.Location);
    } catch (err) {
      if (isOssError(err, "NoSuchBucket") || isOssError(err, "AccessDenied")) throw HybridErrors.remoteNotFound("OSS bucket of your account", p.bucketName);
      throw fromOss(err, "GetBucketInfo");
    }
    if (region !== dc.regionId) throw Errors.invalidArgument(`The bucket is in region ${region}; add it to that region's data center`, p.bucketName);
    return ossBucketInventory(await this.record(caller, dc, p.bucketName, region, input));
  }

  /**
   * CreateOssBucketRemote: OSS PutBucket in the data center's region, then the record. Should
   * recording fail, the new (empty) bucket is deleted again, so Alibaba holds nothing Strata
   * does not know of.
   * @throws SYS.1002 already recorded, ALIYUN.BucketAlreadyExists (409, the name is taken by anyone),
   *   ALIYUN.InvalidBucketName (400).
   */
  async createRemote(caller: Caller, input: OssBucketInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const dc = await this.dataCenters.get(caller, p.dataCenterUuid);
    if (await this.prisma.ossBucket.findFirst({ where: { dataCenterUuid: dc.uuid, bucketName: p.bucketName } })) {
      throw Errors.duplicate("A record of this bucket in the data center", p.bucketName);
    }
    const conn = await this.aliyun.forDataCenter(dc);
    const client = conn.oss(dc.regionId);
    await oss("PutBucket", () => client.putBucket(p.bucketName));
    try {
      return ossBucketInventory(await this.record(caller, dc, p.bucketName, dc.regionId, input));
    } catch (err) {
      await client.deleteBucket(p.bucketName).catch(() => undefined);
      throw err;
    }
  }

  private async record(caller: Caller, dc: DataCenter, bucketName: string, region: string,
    input: Pick<OssBucketInput, "systemTags" | "userTags"> & { params: { resourceUuid?: string; description?: string } }): Promise<OssBucket> {
    const uuid = input.params.resourceUuid ?? newUuid();
    try {
      return await this.events.transaction(this.prisma, async (tx, emit) => {
        const row = await tx.ossBucket.create({
          data: { uuid, dataCenterUuid: dc.uuid, bucketName, regionName: region, description: input.params.description ?? null, accountUuid: dc.accountUuid },
        });
        await this.tags.attachOnCreate(tx, { uuid, resourceType: "OssBucket", accountUuid: dc.accountUuid }, input.systemTags, input.userTags);
        await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "OssBucket", accountUuid: caller.accountUuid });
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.duplicate("A record of this bucket in the data center", bucketName);
      throw err;
    }
  }

  /** UpdateOssBucket: the description (Strata's only). @throws SYS.1003. */
  async update(caller: Caller, uuid: string, description: string | undefined) {
    await this.get(caller, uuid);
    return ossBucketInventory(await this.prisma.ossBucket.update({ where: { uuid }, data: { description } }));
  }

  /**
   * AttachOssBucketToEcsDataCenter: makes the bucket its data center's current one (where
   * image uploads are staged); any other current bucket of the data center is detached.
   */
  async attach(caller: Caller, uuid: string) {
    const b = await this.get(caller, uuid);
    const row = await this.prisma.$transaction(async (tx) => {
      await tx.ossBucket.updateMany({ where: { dataCenterUuid: b.dataCenterUuid, current: true, uuid: { not: uuid } }, data: { current: false } });
      return tx.ossBucket.update({ where: { uuid }, data: { current: true } });
    });
    return ossBucketInventory(row);
  }

  /** DetachOssBucketFromEcsDataCenter: the bucket stops being current. */
  async detach(caller: Caller, uuid: string) {
    await this.get(caller, uuid);
    return ossBucketInventory(await this.prisma.ossBucket.update({ where: { uuid }, data: { current: false } }));
  }

  /** DeleteOssBucketNameLocal: the record only; the bucket stays on Alibaba. @throws SYS.1003. */
  async deleteLocal(caller: Caller, uuid: string): Promise<void> {
    const b = await this.get(caller, uuid);
    await this.deleteRow(b);
  }

  /**
   * DeleteOssBucketRemote: OSS DeleteBucket, then the record. A bucket Alibaba no longer has is
   * just removed here.
   * @throws SYS.1003, ALIYUN.BucketNotEmpty (409) while it holds objects or unfinished multipart uploads.
   */
  async deleteRemote(caller: Caller, uuid: string): Promise<void> {
    const b = await this.get(caller, uuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: b.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    try {
      await conn.oss(dc.regionId).deleteBucket(b.bucketName);
    } catch (err) {
      if (!isOssError(err, "NoSuchBucket")) throw fromOss(err, "DeleteBucket");
    }
    await this.deleteRow(b);
  }

  private async deleteRow(b: OssBucket): Promise<void> {
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.ossBucket.deleteMany({ where: { uuid: b.uuid } });
      await this.tags.detachAll(tx, b.uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: b.uuid, resourceType: "OssBucket", accountUuid: b.accountUuid });
    });
  }

  /**
   * Sync step "OssBucket": recorded buckets Alibaba no longer lists in the region are removed and
   * changed regions refreshed; buckets never added are not imported (ZStack has no bucket sync;
   * one adds them with AddOssBucketFromRemote).
   */
  async syncDataCenter(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult> {
    const local = await this.prisma.ossBucket.findMany({ where: { dataCenterUuid: dc.uuid } });
    if (!local.length) return { created: 0, updated: 0, deleted: 0 };
    const recorded = new Set(local.map((b) => b.bucketName));
    const listed = (await oss("ListBuckets", () => this.listBuckets(conn, dc.regionId)))
      .filter((b) => recorded.has(b.name) && regionOf(b.region) === dc.regionId);
    return reconcile({
      remote: listed, remoteId: (b) => b.name, local, localId: (l) => l.bucketName,
      create: async () => undefined,
      changes: (l, b) => changedFields(l, { regionName: regionOf(b.region) }),
      update: async (l, data) => void await this.prisma.ossBucket.update({ where: { uuid: l.uuid }, data }),
      remove: (l) => this.deleteRow(l),
    });
  }

  /**
   * The bucket the ECS part stages image uploads in for a data center: its current bucket,
   * else any recorded one (oldest first), else a new one named
   * `strata-images-<first 8 of accountUuid>-<regionId>`, created on Alibaba (or adopted when
   * this account already owns it) and recorded as current.
   * @throws SYS.1003 unknown data center, HYBRID.NO_KEY, ALIYUN.<OSS code> (e.g. BucketAlreadyExists when another account owns the name).
   */
  async bucketFor(dataCenterUuid: string): Promise<OssBucket> {
    const dc = await this.prisma.dataCenter.findUnique({ where: { uuid: dataCenterUuid } });
    if (!dc) throw Errors.resourceNotFound("DataCenter", dataCenterUuid);
    const existing = await this.prisma.ossBucket.findFirst({ where: { dataCenterUuid }, orderBy: [{ current: "desc" }, { createDate: "asc" }] });
    if (existing) return existing;
    const name = `strata-images-${dc.accountUuid.slice(0, 8)}-${dc.regionId}`.toLowerCase();
    const conn = await this.aliyun.forDataCenter(dc);
    const client = conn.oss(dc.regionId);
    try {
      await client.putBucket(name);
    } catch (err) {
      // Ours already (a concurrent caller, or a record deleted locally): adopt it if this account owns it.
      if (!isOssError(err, "BucketAlreadyExists")) throw fromOss(err, "PutBucket");
      await oss("GetBucketInfo", () => client.getBucketInfo(name));
    }
    const uuid = newUuid();
    return this.events.transaction(this.prisma, async (tx, emit) => {
      const row = await tx.ossBucket.upsert({
        where: { dataCenterUuid_bucketName: { dataCenterUuid, bucketName: name } },
        create: { uuid, dataCenterUuid, bucketName: name, regionName: dc.regionId, current: true, description: "Staging bucket for image uploads", accountUuid: dc.accountUuid },
        update: {},
      });
      if (row.uuid === uuid) await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "OssBucket", accountUuid: dc.accountUuid });
      return row;
    });
  }

  /** Every bucket of the account (OSS ListBuckets, following NextMarker). */
  private async listBuckets(conn: AliyunConnection, regionId: string): Promise<ListedBucket[]> {
    const client = conn.oss(regionId);
    const out: ListedBucket[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await client.listBuckets({ "max-keys": 1000, ...(marker ? { marker } : {}) }) as { buckets: ListedBucket[] | null; isTruncated?: boolean; nextMarker?: string | null };
      out.push(...(r.buckets ?? []));
      if (!r.isTruncated || !r.nextMarker) return out;
      marker = r.nextMarker;
    }
  }
}
