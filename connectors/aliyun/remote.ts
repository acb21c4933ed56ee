import type { DataCenter, PrismaClient } from "../../generated/prisma/client.ts";
import type { SecretCipher } from "../../server/secrets/cipher.ts";
import { AliyunEndpoints } from "./client/endpoints.ts";
import { ossClient, type OssClient } from "./client/oss.ts";
import { AliyunRpcClient, type AliyunCredentials, type CallStats, type RetryPolicy } from "./client/rpc-client.ts";
import { HybridErrors } from "./errors.ts";

/** A ready connection to Alibaba Cloud with one AccessKey. */
export interface AliyunConnection {
  keyUuid: string;
  credentials: AliyunCredentials;
  rpc: AliyunRpcClient;
  /** An OSS client for a region (and bucket). */
  oss(regionId: string, bucket?: string): OssClient;
}

/**
 * Hands out connections to Alibaba Cloud: picks the AccessKey (the data center's own, else
 * the account's current one), unseals its secret, and keeps one client per key so that
 * retries, keep-alive and call statistics are shared.
 */
export class AliyunRemote {
  private readonly connections = new Map<string, { sealed: string; conn: AliyunConnection }>();
  readonly endpoints: AliyunEndpoints;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: SecretCipher,
    opts: { endpoints?: AliyunEndpoints; retry?: Partial<RetryPolicy> } = {},
  ) {
    this.endpoints = opts.endpoints ?? new AliyunEndpoints(undefined);
    this.retry = opts.retry ?? {};
  }

  private retry: Partial<RetryPolicy>;

  /** Changes the retry policy of connections made from now on (tests shorten the backoff). */
  setRetryPolicy(policy: Partial<RetryPolicy>): void {
    this.retry = { ...this.retry, ...policy };
    this.connections.clear();
  }

  /** A connection with plain credentials (to check a key before it is stored). */
  withCredentials(credentials: AliyunCredentials): AliyunConnection {
    return this.build("unsaved", credentials);
  }

  /** The account's current key. @throws HYBRID.NO_KEY. */
  async forAccount(accountUuid: string): Promise<AliyunConnection> {
    const key = await this.prisma.aliyunKey.findFirst({ where: { accountUuid, current: true } })
      ?? await this.prisma.aliyunKey.findFirst({ where: { accountUuid }, orderBy: { createDate: "asc" } });
    if (!key) throw HybridErrors.noKey();
    return this.forKey(key.uuid, key.akey, key.secretEncrypted);
  }

  /** The key a data center was added with, or its account's current key once that is gone. */
  async forDataCenter(dc: Pick<DataCenter, "keyUuid" | "accountUuid">): Promise<AliyunConnection> {
    if (dc.keyUuid) {
      const key = await this.prisma.aliyunKey.findUnique({ where: { uuid: dc.keyUuid } });
      if (key) return this.forKey(key.uuid, key.akey, key.secretEncrypted);
    }
    return this.forAccount(dc.accountUuid);
  }

  /** Calls made, retried and failed by every connection since start. */
  stats(): CallStats {
    const s = { calls: 0, retries: 0, failures: 0 };
    for (const { conn } of this.connections.values()) {
      s.calls += conn.rpc.stats.calls;
      s.retries += conn.rpc.stats.retries;
      s.failures += conn.rpc.stats.failures;
    }
    return s;
  }

  private forKey(keyUuid: string, accessKeyId: string, sealed: string): AliyunConnection {
    const cached = this.connections.get(keyUuid);
    if (cached && cached.sealed === sealed) return cached.conn;
    const conn = this.build(keyUuid, { accessKeyId, accessKeySecret: this.cipher.decrypt(sealed) });
    this.connections.set(keyUuid, { sealed, conn });
    return conn;
  }

  private build(keyUuid: string, credentials: AliyunCredentials): AliyunConnection {
    const rpc = new AliyunRpcClient(credentials, this.endpoints, this.retry);
    return { keyUuid, credentials, rpc, oss: (regionId, bucket) => ossClient(credentials, this.endpoints, regionId, bucket) };
  }
}
