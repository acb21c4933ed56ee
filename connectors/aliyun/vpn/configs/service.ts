import type { Prisma, PrismaClient, VpcVpnIkeConfig, VpcVpnIpSecConfig } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { newUuid } from "../../../../server/ids.ts";
import { queryReply } from "../../../../server/query/run.ts";
import type { SecretCipher } from "../../../../server/secrets/cipher.ts";
import { TagService } from "../../../../server/tags/service.ts";
import type { AliyunIkeConfig, AliyunIpsecConfig } from "../wire.ts";
import { ikeConfigQuerySpec, ipsecConfigQuerySpec, type CreateIkeConfigInput, type CreateIpsecConfigInput } from "./schema.ts";

type Tx = Prisma.TransactionClient;

/** The IKE settings in Alibaba's form (the `IkeConfig` JSON of CreateVpnConnection). */
export function aliyunIke(c: VpcVpnIkeConfig, psk: string): AliyunIkeConfig {
  return {
    Psk: psk, IkeVersion: c.version, IkeMode: c.mode, IkeEncAlg: c.encodeAlgorithm, IkeAuthAlg: c.authAlgorithm, IkePfs: c.pfs,
    IkeLifetime: c.lifetime, ...(c.localIp ? { LocalId: c.localIp } : {}), ...(c.remoteIp ? { RemoteId: c.remoteIp } : {}),
  };
}

/** The IPsec settings in Alibaba's form (the `IpsecConfig` JSON). */
export function aliyunIpsec(c: VpcVpnIpSecConfig): AliyunIpsecConfig {
  return { IpsecEncAlg: c.encodeAlgorithm, IpsecAuthAlg: c.authAlgorithm, IpsecPfs: c.pfs, IpsecLifetime: c.lifetime };
}

/** Columns of an IKE config row from Alibaba's settings (sync). */
export function ikeFields(k: AliyunIkeConfig) {
  return {
    version: k.IkeVersion ?? "ikev1", mode: k.IkeMode ?? "main", encodeAlgorithm: k.IkeEncAlg ?? "aes", authAlgorithm: k.IkeAuthAlg ?? "sha1",
    pfs: k.IkePfs ?? "group2", lifetime: Number(k.IkeLifetime ?? 86_400), localIp: k.LocalId || null, remoteIp: k.RemoteId || null,
  };
}

/** Columns of an IPsec config row from Alibaba's settings (sync). */
export function ipsecFields(s: AliyunIpsecConfig) {
  return { encodeAlgorithm: s.IpsecEncAlg ?? "aes", authAlgorithm: s.IpsecAuthAlg ?? "sha1", pfs: s.IpsecPfs ?? "group2", lifetime: Number(s.IpsecLifetime ?? 86_400) };
}

/**
 * IKE and IPsec configurations of VPN connections (ZStack CreateVpnIkeConfig,
 * CreateVpnIpsecConfig, QueryVpcIkeConfigFromLocal, QueryVpcIpSecConfigFromLocal,
 * DeleteVpcIkeConfigLocal, DeleteVpcIpSecConfigLocal). They are Strata records that a VPN
 * connection create or update sends to Alibaba as its IkeConfig / IpsecConfig JSON. The PSK is
 * kept sealed with the node's cipher and shown to the owner in the inventory, as ZStack does.
 */
export class VpnConfigService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly cipher: SecretCipher,
  ) {}

  /** ZStack VpcVpnIkeConfigInventory (with the PSK unsealed). */
  ikeInventory = (c: VpcVpnIkeConfig) => {
    const psk = this.cipher.decrypt(c.pskEncrypted);
    return {
      uuid: c.uuid, name: c.name, psk, version: c.version, mode: c.mode, encodeAlgorithm: c.encodeAlgorithm, authAlgorithm: c.authAlgorithm,
      pfs: c.pfs, lifetime: c.lifetime, localIp: c.localIp, remoteIp: c.remoteIp, description: c.description,
      aliyunIkeConfig: JSON.stringify(aliyunIke(c, psk)), accountUuid: c.accountUuid, createDate: c.createDate.toISOString(), lastOpDate: c.lastOpDate.toISOString(),
    };
  };

  /** ZStack VpcVpnIpSecConfigInventory. */
  ipsecInventory = (c: VpcVpnIpSecConfig) => ({
    uuid: c.uuid, name: c.name, encodeAlgorithm: c.encodeAlgorithm, authAlgorithm: c.authAlgorithm, pfs: c.pfs, lifetime: c.lifetime,
    description: c.description, aliyunIpsecConfig: JSON.stringify(aliyunIpsec(c)), accountUuid: c.accountUuid,
    createDate: c.createDate.toISOString(), lastOpDate: c.lastOpDate.toISOString(),
  });

  /** The IKE config if the caller can see it. @throws SYS.1003. */
  async getIke(caller: Caller, uuid: string): Promise<VpcVpnIkeConfig> {
    const c = await this.prisma.vpcVpnIkeConfig.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!c) throw Errors.resourceNotFound("VpcVpnIkeConfig", uuid);
    return c;
  }

  /** The IPsec config if the caller can see it. @throws SYS.1003. */
  async getIpsec(caller: Caller, uuid: string): Promise<VpcVpnIpSecConfig> {
    const c = await this.prisma.vpcVpnIpSecConfig.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!c) throw Errors.resourceNotFound("VpcVpnIpSecConfig", uuid);
    return c;
  }

  /** A PSK sealed for storage. */
  seal(psk: string): string {
    return this.cipher.encrypt(psk);
  }

  /** The unsealed PSK of an IKE config row. */
  psk(c: VpcVpnIkeConfig): string {
    return this.cipher.decrypt(c.pskEncrypted);
  }

  /** ZStack CreateVpnIkeConfig: a local record. */
  async createIke(caller: Caller, input: CreateIkeConfigInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const row = await this.events.transaction(this.prisma, (tx) => this.insertIke(tx, caller.accountUuid, p.resourceUuid ?? newUuid(), {
      name: p.name, psk: p.psk, version: p.version, mode: p.mode, encodeAlgorithm: p.encAlg, authAlgorithm: p.authAlg, pfs: p.pfs,
      lifetime: p.lifetime, localIp: p.localIp, remoteIp: p.remoteIp, description: p.description ?? null,
    }, input.systemTags, input.userTags));
    return this.ikeInventory(row);
  }

  /** Inserts an IKE config row inside `tx` (also used by sync and the quick VPN job). */
  async insertIke(tx: Tx, accountUuid: string, uuid: string, c: Omit<VpcVpnIkeConfig, "uuid" | "pskEncrypted" | "accountUuid" | "createDate" | "lastOpDate"> & { psk: string },
    systemTags?: string[], userTags?: string[]): Promise<VpcVpnIkeConfig> {
    const { psk, ...rest } = c;
    const row = await tx.vpcVpnIkeConfig.create({ data: { uuid, accountUuid, pskEncrypted: this.cipher.encrypt(psk), ...rest } });
    await this.tags.attachOnCreate(tx, { uuid, resourceType: "VpcVpnIkeConfig", accountUuid }, systemTags, userTags);
    return row;
  }

  /** ZStack CreateVpnIpsecConfig: a local record. */
  async createIpsec(caller: Caller, input: CreateIpsecConfigInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const row = await this.events.transaction(this.prisma, (tx) => this.insertIpsec(tx, caller.accountUuid, p.resourceUuid ?? newUuid(), {
      name: p.name, encodeAlgorithm: p.encAlg, authAlgorithm: p.authAlg, pfs: p.pfs, lifetime: p.lifetime, description: p.description ?? null,
    }, input.systemTags, input.userTags));
    return this.ipsecInventory(row);
  }

  /** Inserts an IPsec config row inside `tx`. */
  async insertIpsec(tx: Tx, accountUuid: string, uuid: string, c: Omit<VpcVpnIpSecConfig, "uuid" | "accountUuid" | "createDate" | "lastOpDate">,
    systemTags?: string[], userTags?: string[]): Promise<VpcVpnIpSecConfig> {
    const row = await tx.vpcVpnIpSecConfig.create({ data: { uuid, accountUuid, ...c } });
    await this.tags.attachOnCreate(tx, { uuid, resourceType: "VpcVpnIpSecConfig", accountUuid }, systemTags, userTags);
    return row;
  }

  /** ZStack QueryVpcIkeConfigFromLocal. */
  queryIke(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ikeConfigQuerySpec, delegate: this.prisma.vpcVpnIkeConfig as never, caller, raw,
      scope: ownedBy(caller), toInventory: this.ikeInventory, csvName: "vpn-ike-configs",
    });
  }

  /** ZStack QueryVpcIpSecConfigFromLocal. */
  queryIpsec(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ipsecConfigQuerySpec, delegate: this.prisma.vpcVpnIpSecConfig as never, caller, raw,
      scope: ownedBy(caller), toInventory: this.ipsecInventory, csvName: "vpn-ipsec-configs",
    });
  }

  /**
   * DeleteVpcIkeConfigLocal / DeleteVpcIpSecConfigLocal: refused (SYS.1004) while a VPN
   * connection record uses the config, unless deleteMode is Enforcing (the connection keeps
   * its settings on Alibaba, unlinked here).
   * @throws SYS.1003, SYS.1004.
   */
  async deleteConfig(caller: Caller, kind: "ike" | "ipsec", uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<void> {
    const row = kind === "ike" ? await this.getIke(caller, uuid) : await this.getIpsec(caller, uuid);
    const link = kind === "ike" ? { ikeConfigUuid: uuid } : { ipsecConfigUuid: uuid };
    const users = await this.prisma.vpcVpnConnection.findMany({ where: link, select: { uuid: true, name: true } });
    if (users.length && deleteMode !== "Enforcing") {
      throw Errors.deleteRefused("VPN connections use this configuration; delete them first or use deleteMode=Enforcing", users.map((u) => `${u.name} (${u.uuid})`).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.vpcVpnConnection.updateMany({ where: link, data: kind === "ike" ? { ikeConfigUuid: null } : { ipsecConfigUuid: null } });
      if (kind === "ike") await tx.vpcVpnIkeConfig.deleteMany({ where: { uuid } });
      else await tx.vpcVpnIpSecConfig.deleteMany({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: kind === "ike" ? "VpcVpnIkeConfig" : "VpcVpnIpSecConfig", accountUuid: row.accountUuid });
    });
  }
}
