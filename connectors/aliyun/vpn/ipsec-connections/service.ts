import type { IPsecConnection, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import { queryReply } from "../../../../server/query/run.ts";
import type { SecretCipher } from "../../../../server/secrets/cipher.ts";
import type { TagService } from "../../../../server/tags/service.ts";
import type { AliyunIkeConfig, AliyunIpsecConfig } from "../wire.ts";
import { ipsecConnectionQuerySpec } from "./schema.ts";

/** Alibaba's encryption names → ZStack IPsec's. */
const ENC: Record<string, string> = { aes: "aes-128", aes192: "aes-192", aes256: "aes-256", des: "des", "3des": "3des" };

/**
 * The local side's IPsec settings matching an Alibaba connection's: same PSK and algorithms,
 * the ids swapped (Alibaba's LocalId is our remote end), in ZStack IPsecConnection's vocabulary.
 */
export function localSideOf(ike: AliyunIkeConfig, ipsec: AliyunIpsecConfig) {
  const group = (pfs: string | undefined) => Number(/^group(\d+)$/.exec(pfs ?? "")?.[1] ?? 2);
  return {
    ikeVersion: ike.IkeVersion ?? "ikev1", ikeAuthAlgorithm: ike.IkeAuthAlg ?? "sha1", ikeEncryptionAlgorithm: ENC[ike.IkeEncAlg ?? "aes"] ?? ike.IkeEncAlg ?? "aes-128",
    ikeDhGroup: group(ike.IkePfs), ikeLifeTime: Number(ike.IkeLifetime ?? 86_400), policyAuthAlgorithm: ipsec.IpsecAuthAlg ?? "sha1",
    policyEncryptionAlgorithm: ENC[ipsec.IpsecEncAlg ?? "aes"] ?? ipsec.IpsecEncAlg ?? "aes-128",
    pfs: !ipsec.IpsecPfs || ipsec.IpsecPfs === "disabled" ? "disabled" : `dh-group${group(ipsec.IpsecPfs)}`,
    lifeTime: Number(ipsec.IpsecLifetime ?? 86_400), localId: ike.RemoteId || null, remoteId: ike.LocalId || null,
  };
}

/**
 * Records of the on-premise IPsec side (ZStack QueryIPSecConnection, DeleteIPsecConnection):
 * written by the quick VPN connection so an operator (or a later driver for local VPC routers)
 * has exactly what to configure. Strata runs no IPsec endpoint itself, so status stays Disconnected.
 */
export class IPsecConnectionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
    private readonly cipher: SecretCipher,
  ) {}

  /** ZStack IPsecConnectionInventory with the key unsealed. */
  inventory = (c: IPsecConnection) => ({
    uuid: c.uuid, name: c.name, description: c.description, l3NetworkUuid: c.l3NetworkUuid, vpcVpnConnectionUuid: c.vpcVpnConnectionUuid,
    localAddress: c.localAddress, peerAddress: c.peerAddress, peerCidrs: c.peerCidrs.split(",").filter(Boolean), authMode: c.authMode,
    authKey: this.cipher.decrypt(c.authKeyEncrypted), ikeVersion: c.ikeVersion, ikeAuthAlgorithm: c.ikeAuthAlgorithm,
    ikeEncryptionAlgorithm: c.ikeEncryptionAlgorithm, ikeDhGroup: c.ikeDhGroup, ikeLifeTime: c.ikeLifeTime, policyAuthAlgorithm: c.policyAuthAlgorithm,
    policyEncryptionAlgorithm: c.policyEncryptionAlgorithm, pfs: c.pfs, policyMode: c.policyMode, transformProtocol: c.transformProtocol,
    lifeTime: c.lifeTime, localId: c.localId, remoteId: c.remoteId, state: c.state, status: c.status, accountUuid: c.accountUuid,
    createDate: c.createDate.toISOString(), lastOpDate: c.lastOpDate.toISOString(),
  });

  /** ZStack QueryIPSecConnection. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: ipsecConnectionQuerySpec, delegate: this.prisma.iPsecConnection as never, caller, raw,
      scope: ownedBy(caller), toInventory: this.inventory, csvName: "ipsec-connections",
    });
  }

  /** ZStack DeleteIPsecConnection: the record (and local routes through it). @throws SYS.1003. */
  async delete(caller: Caller, uuid: string): Promise<void> {
    const c = await this.prisma.iPsecConnection.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!c) throw Errors.resourceNotFound("IPsecConnection", uuid);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.hybridLocalRouteEntry.deleteMany({ where: { nextHopUuid: uuid } });
      await tx.iPsecConnection.deleteMany({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "IPsecConnection", accountUuid: c.accountUuid });
    });
  }
}
