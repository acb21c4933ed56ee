import { randomInt, randomUUID } from "node:crypto";
import type { DataCenter, PrismaClient } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import type { Logger } from "../../../../server/logger.ts";
import type { SecretCipher } from "../../../../server/secrets/cipher.ts";
import { TagService } from "../../../../server/tags/service.ts";
import { deleteRemote, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import type { VpnConfigService } from "../configs/service.ts";
import type { VpnConnectionService } from "../connections/service.ts";
import { vpnConnectionInventory } from "../connections/service.ts";
import { localSideOf, type IPsecConnectionService } from "../ipsec-connections/service.ts";
import { CUSTOMER_GATEWAY_NOT_FOUND, userGatewayInventory, type UserVpnGatewayService } from "../user-gateways/service.ts";
import { describeVpnConnections } from "../wire.ts";
import type { QuickVpnConnectionInput } from "./schema.ts";

/** Job type of the quick VPN connection. */
export const QUICK_VPN_JOB = "aliyun.vpn-connection.quick";

/** A pre-shared key: 16 letters and digits without look-alikes, as Alibaba generates them. */
export function generatePsk(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  return Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** Input of the durable job: the uuids, ClientTokens and sealed PSK are fixed at submit, so a rerun makes nothing twice. */
interface QuickJobInput {
  accountUuid: string;
  vpnGatewayUuid: string;
  localIp: string;
  localCidrs: string;
  remoteCidrs: string;
  name: string;
  l3NetworkUuid?: string;
  ike: QuickVpnConnectionInput["params"]["ike"];
  ipsec: QuickVpnConnectionInput["params"]["ipsec"];
  pskSealed: string;
  uuids: { userGateway: string; ike: string; ipsec: string; connection: string; ipsecConnection: string };
  tokens: { customerGateway: string; connection: string };
}

/**
 * The quick VPN connection (seed 快速建立VPN连接): one durable job that
 * 1. creates the customer gateway for the local router's public IP (CreateCustomerGateway),
 * 2. records IKE and IPsec configurations with a generated PSK,
 * 3. creates the VPN connection on the gateway with them (CreateVpnConnection) and records it,
 * 4. reads back the settings Alibaba applied (DescribeVpnConnections) and records the local
 *    side's matching IPsec configuration (IPsecConnection: peer = the gateway's public IP).
 * If a step fails, what the job created is removed again — on Alibaba (connection, customer
 * gateway) and in Strata (records) — and the job fails with the step's error.
 */
export class QuickVpnService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly cipher: SecretCipher,
    private readonly log: Logger,
    private readonly userGateways: UserVpnGatewayService,
    private readonly configs: VpnConfigService,
    private readonly connections: VpnConnectionService,
    private readonly ipsecConnections: IPsecConnectionService,
  ) {
    jobs.register<QuickJobInput>({ name: QUICK_VPN_JOB, resumable: true, perform: (i) => this.perform(i) });
  }

  /**
   * Checks the gateway (known, active, with a public IP) and starts the job (202). Job result
   * `{inventory: {vpnConnection, userGateway, ikeConfig, ipsecConfig, ipsecConnection}}`.
   * @throws SYS.1003 unknown gateway, SYS.1006 gateway not active or without public IP.
   */
  async submit(caller: Caller, req: JobRequest, input: QuickVpnConnectionInput): Promise<ApiReply> {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    const gw = await this.prisma.vpcVpnGateway.findFirst({ where: { uuid: p.vpnGatewayUuid, ...ownedBy(caller) } });
    if (!gw) throw Errors.resourceNotFound("VpcVpnGateway", p.vpnGatewayUuid);
    if (!gw.publicIp) throw Errors.operationNotAllowed("Creating a VPN connection on this gateway", `${gw.gatewayId} has no public IP`);
    if (gw.status !== "active") throw Errors.operationNotAllowed("Creating a VPN connection on this gateway", `${gw.gatewayId} is ${gw.status}; sync once it is active`);
    const vpc = gw.vpcUuid ? await this.prisma.ecsVpc.findUnique({ where: { uuid: gw.vpcUuid } }) : null;
    const remoteCidrs = p.remoteCidrs ?? vpc?.cidrBlock;
    if (!remoteCidrs) throw Errors.invalidArgument("Give remoteCidrs: Strata does not know the CIDR block of the gateway's VPC (sync VPCs first)");
    return this.jobs.submit(caller, req, QUICK_VPN_JOB, {
      accountUuid: caller.accountUuid, vpnGatewayUuid: gw.uuid, localIp: p.localIp, localCidrs: p.localCidrs, remoteCidrs, name: p.name,
      l3NetworkUuid: p.l3NetworkUuid, ike: p.ike, ipsec: p.ipsec, pskSealed: this.cipher.encrypt(generatePsk()),
      uuids: { userGateway: newUuid(), ike: newUuid(), ipsec: newUuid(), connection: p.resourceUuid ?? newUuid(), ipsecConnection: newUuid() },
      tokens: { customerGateway: randomUUID(), connection: randomUUID() },
    } satisfies QuickJobInput);
  }

  private async perform(i: QuickJobInput) {
    const gateway = await this.prisma.vpcVpnGateway.findUnique({ where: { uuid: i.vpnGatewayUuid } });
    if (!gateway) throw Errors.resourceNotFound("VpcVpnGateway", i.vpnGatewayUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: gateway.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    const psk = this.cipher.decrypt(i.pskSealed);
    try {
      // 1. The customer gateway for the local router's public address.
      const userGateway = await this.userGateways.createRemote(conn, dc,
        { ip: i.localIp, name: `${i.name}-cgw`, description: `Local side of ${i.name}`, clientToken: i.tokens.customerGateway, uuid: i.uuids.userGateway });
      // 2. IKE / IPsec configurations (a rerun finds them).
      const [ike, ipsec] = await this.events.transaction(this.prisma, async (tx) => [
        await tx.vpcVpnIkeConfig.findUnique({ where: { uuid: i.uuids.ike } }) ?? await this.configs.insertIke(tx, i.accountUuid, i.uuids.ike, {
          name: `${i.name}-ike`, psk, version: i.ike.version, mode: i.ike.mode, encodeAlgorithm: i.ike.encAlg, authAlgorithm: i.ike.authAlg,
          pfs: i.ike.pfs, lifetime: i.ike.lifetime, localIp: gateway.publicIp, remoteIp: i.localIp, description: `IKE of ${i.name}`,
        }),
        await tx.vpcVpnIpSecConfig.findUnique({ where: { uuid: i.uuids.ipsec } }) ?? await this.configs.insertIpsec(tx, i.accountUuid, i.uuids.ipsec, {
          name: `${i.name}-ipsec`, encodeAlgorithm: i.ipsec.encAlg, authAlgorithm: i.ipsec.authAlg, pfs: i.ipsec.pfs, lifetime: i.ipsec.lifetime,
          description: `IPsec of ${i.name}`,
        }),
      ] as const);
      // 3. The connection on Alibaba.
      const connection = await this.connections.createRemote(conn, dc, {
        uuid: i.uuids.connection, name: i.name, gateway, userGateway, localSubnet: i.remoteCidrs, remoteSubnet: i.localCidrs, active: true,
        ike, ipsec, clientToken: i.tokens.connection,
      });
      // 4. The settings Alibaba applied, mirrored for the local side.
      const applied = (await remote(() => describeVpnConnections(conn, dc.regionId, connection.connectionId)))[0];
      if (!applied) throw Errors.resourceNotFound("VpnConnection on Alibaba Cloud", connection.connectionId);
      const local = await this.events.transaction(this.prisma, async (tx, emit) => {
        const existing = await tx.iPsecConnection.findUnique({ where: { uuid: i.uuids.ipsecConnection } });
        if (existing) return existing;
        const row = await tx.iPsecConnection.create({
          data: {
            uuid: i.uuids.ipsecConnection, name: i.name, description: `Local side of Alibaba VPN connection ${connection.connectionId}`,
            l3NetworkUuid: i.l3NetworkUuid ?? null, vpcVpnConnectionUuid: connection.uuid, localAddress: i.localIp, peerAddress: gateway.publicIp!,
            peerCidrs: applied.LocalSubnet, authKeyEncrypted: this.cipher.encrypt(applied.IkeConfig?.Psk || psk),
            ...localSideOf(applied.IkeConfig ?? {}, applied.IpsecConfig ?? {}), status: "Disconnected", accountUuid: i.accountUuid,
          },
        });
        await emit({ type: "ResourceCreated", resourceUuid: row.uuid, resourceType: "IPsecConnection", accountUuid: i.accountUuid });
        return row;
      });
      return {
        inventory: {
          vpnConnection: vpnConnectionInventory(connection), userGateway: userGatewayInventory(userGateway), ikeConfig: this.configs.ikeInventory(ike),
          ipsecConfig: this.configs.ipsecInventory(ipsec), ipsecConnection: this.ipsecConnections.inventory(local),
        },
      };
    } catch (err) {
      await this.rollback(conn, dc, i);
      throw err;
    }
  }

  /**
   * Undoes what a failed run made, newest first: the local IPsec record, the VPN connection
   * (Alibaba, then record), the configs, the customer gateway (Alibaba, then record). It finds
   * Alibaba's resources by what was recorded, or by the ClientToken-made ids it can describe,
   * so it also cleans up after a run that failed between an Alibaba call and its record.
   * Failures here are logged, not thrown: the job reports the step that failed.
   */
  private async rollback(conn: AliyunConnection, dc: DataCenter, i: QuickJobInput): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        this.log.warn({ err, what, job: QUICK_VPN_JOB }, "quick VPN connection: rollback step failed");
      }
    };
    await step("local IPsec record", () => this.prisma.iPsecConnection.deleteMany({ where: { uuid: i.uuids.ipsecConnection } }));
    const connection = await this.prisma.vpcVpnConnection.findUnique({ where: { uuid: i.uuids.connection } });
    const userGateway = await this.prisma.vpcUserVpnGateway.findUnique({ where: { uuid: i.uuids.userGateway } });
    // A connection Alibaba made but Strata did not record yet: find it by the customer gateway.
    const connectionId = connection?.connectionId ?? (userGateway
      ? (await describeVpnConnections(conn, dc.regionId).catch(() => [])).find((c) => c.CustomerGatewayId === userGateway.gatewayId)?.VpnConnectionId
      : undefined);
    if (connectionId) await step("VPN connection", () => this.connections.deleteOnAliyun(conn, dc, connectionId));
    if (connection) await step("VPN connection record", () => this.events.transaction(this.prisma, (tx, emit) => this.connections.removeRow(tx, emit, connection)));
    await step("IKE/IPsec configs", () => this.prisma.$transaction([
      this.prisma.vpcVpnIkeConfig.deleteMany({ where: { uuid: i.uuids.ike } }), this.prisma.vpcVpnIpSecConfig.deleteMany({ where: { uuid: i.uuids.ipsec } }),
    ]));
    if (userGateway) {
      await step("customer gateway", () => deleteRemote(() => conn.rpc.call("Vpc", dc.regionId, "DeleteCustomerGateway",
        { CustomerGatewayId: userGateway.gatewayId }, { clientToken: true }), CUSTOMER_GATEWAY_NOT_FOUND));
      await step("customer gateway record", () => this.events.transaction(this.prisma, (tx, emit) => this.userGateways.removeRow(tx, emit, userGateway)));
    }
  }
}
