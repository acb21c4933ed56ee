import type { NetworkServiceProvider, PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { L3NetworkService } from "../l3-networks/service.ts";
import { l3NetworkInventory } from "../l3-networks/service.ts";
import { queryReply } from "../query/run.ts";
import type { QuerySpec } from "../query/spec.ts";

/** The flat network provider (ZStack FlatNetworkServiceProvider, type "Flat") and the services it offers. */
export const FLAT_PROVIDER = { type: "Flat", name: "Flat Network Service Provider", networkServiceTypes: ["DHCP", "Userdata", "DNS"] } as const;

/** ZStack NetworkServiceProviderInventory as sent on the wire. */
export function providerInventory(p: NetworkServiceProvider) {
  return {
    uuid: p.uuid, name: p.name, description: p.description, type: p.type, networkServiceTypes: p.networkServiceTypes,
    createDate: p.createDate.toISOString(), lastOpDate: p.lastOpDate.toISOString(),
  };
}

export const providerQuerySpec: QuerySpec = {
  resourceType: "NetworkServiceProvider",
  fields: { uuid: "string", name: "string", description: "string", type: "string", createDate: "date", lastOpDate: "date" },
  computedFields: ["networkServiceTypes"],
  notNull: ["uuid", "name", "type", "createDate", "lastOpDate"],
};

/**
 * Network service providers and their attachment to L3 networks (ZStack NetworkServiceManager).
 * One provider per service type on an L3 network (NetworkServiceL3NetworkRef's key).
 */
export class NetworkServiceService {
  constructor(private readonly prisma: PrismaClient, private readonly l3Networks: L3NetworkService) {}

  /** Creates the Flat provider if missing (management-node start); safe when several nodes start at once. */
  async init(): Promise<void> {
    await this.prisma.networkServiceProvider.createMany({
      data: [{ uuid: newUuid(), name: FLAT_PROVIDER.name, type: FLAT_PROVIDER.type, networkServiceTypes: [...FLAT_PROVIDER.networkServiceTypes],
        description: "DHCP, user data and DNS served on each host, in a network namespace per L3 network" }],
      skipDuplicates: true,
    });
  }

  /** The Flat provider row. */
  flatProvider(): Promise<NetworkServiceProvider> {
    return this.prisma.networkServiceProvider.findUniqueOrThrow({ where: { type: FLAT_PROVIDER.type } });
  }

  /** Queries providers (APIQueryNetworkServiceProviderMsg); providers belong to no account. */
  queryProviders(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: providerQuerySpec, delegate: this.prisma.networkServiceProvider as never, caller, raw,
      scope: {}, toInventory: providerInventory, csvName: "network-service-providers",
    });
  }

  /**
   * Attaches services of providers to an L3 network (APIAttachNetworkServiceToL3NetworkMsg),
   * `{ <providerUuid>: ["DHCP", ...] }`. Attaching what is attached is a no-op.
   * @throws SYS.1003 L3 or provider, SYS.1007 a type the provider does not offer, SYS.1006 the type
   * is attached from another provider.
   */
  async attach(caller: Caller, l3NetworkUuid: string, services: Record<string, string[]>) {
    const l3 = await this.l3Networks.get(caller, l3NetworkUuid);
    const rows = await this.resolve(services);
    for (const r of rows) {
      const other = l3.services.find((s) => s.networkServiceType === r.networkServiceType && s.networkServiceProviderUuid !== r.networkServiceProviderUuid);
      if (other) {
        throw Errors.operationNotAllowed(`Attaching ${r.networkServiceType}`, `the L3 network already has it from provider ${other.networkServiceProviderUuid}; detach that first`);
      }
    }
    await this.prisma.networkServiceL3NetworkRef.createMany({ data: rows.map((r) => ({ ...r, l3NetworkUuid })), skipDuplicates: true });
    return l3NetworkInventory(await this.l3Networks.get(caller, l3NetworkUuid));
  }

  /** Detaches services (APIDetachNetworkServiceFromL3NetworkMsg); detaching what is not attached is a no-op. */
  async detach(caller: Caller, l3NetworkUuid: string, services: Record<string, string[]>) {
    await this.l3Networks.get(caller, l3NetworkUuid);
    const rows = await this.resolve(services);
    await this.prisma.networkServiceL3NetworkRef.deleteMany({
      where: { l3NetworkUuid, OR: rows.map((r) => ({ networkServiceProviderUuid: r.networkServiceProviderUuid, networkServiceType: r.networkServiceType })) },
    });
    return l3NetworkInventory(await this.l3Networks.get(caller, l3NetworkUuid));
  }

  /** True when the L3 network has `type` (e.g. DHCP) from the Flat provider. */
  async hasFlatService(l3NetworkUuid: string, type: string): Promise<boolean> {
    const flat = await this.flatProvider();
    return (await this.prisma.networkServiceL3NetworkRef.count({
      where: { l3NetworkUuid, networkServiceType: type, networkServiceProviderUuid: flat.uuid },
    })) > 0;
  }

  private async resolve(services: Record<string, string[]>) {
    const out: Array<{ networkServiceProviderUuid: string; networkServiceType: string }> = [];
    for (const [providerUuid, types] of Object.entries(services)) {
      const provider = await this.prisma.networkServiceProvider.findUnique({ where: { uuid: providerUuid } });
      if (!provider) throw Errors.resourceNotFound("NetworkServiceProvider", providerUuid);
      for (const t of types) {
        if (!provider.networkServiceTypes.includes(t)) {
          throw Errors.invalidArgument(`networkServices: provider ${provider.name} does not offer ${t}`,
            `networkServices.${providerUuid}: offers ${provider.networkServiceTypes.join(", ")}`);
        }
        out.push({ networkServiceProviderUuid: providerUuid, networkServiceType: t });
      }
    }
    return out;
  }
}
