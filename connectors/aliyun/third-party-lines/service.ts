import type { HybridLocalRouteEntry, HybridThirdPartyConnection, PrismaClient } from "../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../server/auth/context.ts";
import { Errors } from "../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../server/events/service.ts";
import type { ApiReply } from "../../../server/http/api.ts";
import { newUuid } from "../../../server/ids.ts";
import { queryReply } from "../../../server/query/run.ts";
import { TagService } from "../../../server/tags/service.ts";
import {
  localRouteEntryQuerySpec, thirdPartyConnectionQuerySpec, type CreateLocalRouteEntryInput, type CreateThirdPartyConnectionInput,
  type UpdateThirdPartyConnectionInput,
} from "./schema.ts";

/** Inventory of a third-party line (CIDR lists as arrays). */
export function thirdPartyConnectionInventory(c: HybridThirdPartyConnection) {
  return {
    uuid: c.uuid, name: c.name, description: c.description, provider: c.provider, bandwidthMbps: c.bandwidthMbps,
    localCidrs: c.localCidrs.split(","), remoteCidrs: c.remoteCidrs.split(","), localEndpointId: c.localEndpointId, remoteEndpointId: c.remoteEndpointId,
    dataCenterUuid: c.dataCenterUuid, state: c.state, accountUuid: c.accountUuid, createDate: c.createDate.toISOString(), lastOpDate: c.lastOpDate.toISOString(),
  };
}

/** Inventory of a local route entry. */
export function localRouteEntryInventory(e: HybridLocalRouteEntry) {
  return {
    uuid: e.uuid, destinationCidrBlock: e.destinationCidrBlock, nextHopType: e.nextHopType, nextHopUuid: e.nextHopUuid, l3NetworkUuid: e.l3NetworkUuid,
    description: e.description, accountUuid: e.accountUuid, createDate: e.createDate.toISOString(), lastOpDate: e.lastOpDate.toISOString(),
  };
}

/** `a.b.c.d/n` → [network, prefix], or undefined when malformed. */
function parseCidr(text: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) return undefined;
  const prefix = Number(m[5]);
  const addr = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  return [Math.floor(addr / size) * size, prefix];
}

/** Whether block `inner` lies inside block `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i[1] < o[1]) return false;
  const size = 2 ** (32 - o[1]);
  return Math.floor(i[0] / size) * size === o[0];
}

/**
 * Third-party private lines (seed 第三方专线接入) and the local routes that go through them
 * (or through a VPN connection or local IPsec record). Neither is an Alibaba resource: a line
 * is ordered from a carrier or SD-WAN vendor and only recorded here, so Strata can show which
 * on-premise traffic takes it and refuse to forget a line routes still use.
 */
export class ThirdPartyLineService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly tags: TagService,
  ) {}

  /** The line if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<HybridThirdPartyConnection> {
    const c = await this.prisma.hybridThirdPartyConnection.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!c) throw Errors.resourceNotFound("HybridThirdPartyConnection", uuid);
    return c;
  }

  /** Records a line. @throws SYS.1003 unknown data center. */
  async create(caller: Caller, input: CreateThirdPartyConnectionInput) {
    TagService.validate(input.systemTags, input.userTags);
    const p = input.params;
    if (p.dataCenterUuid && !await this.prisma.dataCenter.findFirst({ where: { uuid: p.dataCenterUuid, ...ownedBy(caller) } })) {
      throw Errors.resourceNotFound("DataCenter", p.dataCenterUuid);
    }
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.hybridThirdPartyConnection.create({
        data: {
          uuid, name: p.name, description: p.description ?? null, provider: p.provider, bandwidthMbps: p.bandwidthMbps,
          localCidrs: p.localCidrs.join(","), remoteCidrs: p.remoteCidrs.join(","), localEndpointId: p.localEndpointId ?? null,
          remoteEndpointId: p.remoteEndpointId ?? null, dataCenterUuid: p.dataCenterUuid ?? null, accountUuid: caller.accountUuid,
        },
      });
      await this.tags.attachOnCreate(tx, { uuid, resourceType: "HybridThirdPartyConnection", accountUuid: caller.accountUuid }, input.systemTags, input.userTags);
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "HybridThirdPartyConnection", newState: "Enabled", accountUuid: caller.accountUuid });
      return r;
    });
    return thirdPartyConnectionInventory(row);
  }

  /** Lines the caller owns. */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: thirdPartyConnectionQuerySpec, delegate: this.prisma.hybridThirdPartyConnection as never, caller, raw,
      scope: ownedBy(caller), toInventory: thirdPartyConnectionInventory, csvName: "third-party-connections",
    });
  }

  /**
   * Changes a line. Narrowing remoteCidrs is refused (SYS.1006) while a route through the line
   * goes to a destination outside the new blocks.
   * @throws SYS.1003, SYS.1006.
   */
  async update(caller: Caller, uuid: string, input: UpdateThirdPartyConnectionInput) {
    await this.get(caller, uuid);
    if (input.remoteCidrs) {
      const routes = await this.prisma.hybridLocalRouteEntry.findMany({ where: { nextHopUuid: uuid } });
      const outside = routes.filter((r) => !input.remoteCidrs!.some((c) => cidrContains(c, r.destinationCidrBlock)));
      if (outside.length) throw Errors.operationNotAllowed("Narrowing the line's remote CIDRs", `routes through it go to ${outside.map((r) => r.destinationCidrBlock).join(", ")}`);
    }
    const row = await this.prisma.hybridThirdPartyConnection.update({
      where: { uuid },
      data: {
        name: input.name, description: input.description, bandwidthMbps: input.bandwidthMbps, state: input.state,
        localCidrs: input.localCidrs?.join(","), remoteCidrs: input.remoteCidrs?.join(","),
      },
    });
    return thirdPartyConnectionInventory(row);
  }

  /** Forgets a line. @throws SYS.1003, SYS.1004 while routes go through it (deleteMode=Enforcing deletes them too). */
  async delete(caller: Caller, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<void> {
    const c = await this.get(caller, uuid);
    const routes = await this.prisma.hybridLocalRouteEntry.findMany({ where: { nextHopUuid: uuid } });
    if (routes.length && deleteMode !== "Enforcing") {
      throw Errors.deleteRefused("Local routes go through this line; delete them first or use deleteMode=Enforcing", routes.map((r) => r.destinationCidrBlock).join(", "));
    }
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.hybridLocalRouteEntry.deleteMany({ where: { nextHopUuid: uuid } });
      await tx.hybridThirdPartyConnection.deleteMany({ where: { uuid } });
      await this.tags.detachAll(tx, uuid);
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "HybridThirdPartyConnection", oldState: c.state, accountUuid: c.accountUuid });
    });
  }

  /**
   * Adds a local route through a line, VPN connection or local IPsec record. Through a line, the
   * destination must lie in one of its remoteCidrs and the line must be Enabled.
   * @throws SYS.1003 unknown next hop, SYS.1006 disabled line, SYS.1007 destination outside the line's networks, SYS.1002 same destination twice.
   */
  async addRoute(caller: Caller, input: CreateLocalRouteEntryInput) {
    const p = input.params;
    if (p.nextHopType === "ThirdPartyConnection") {
      const line = await this.get(caller, p.nextHopUuid);
      if (line.state !== "Enabled") throw Errors.operationNotAllowed("Routing through the line", `${line.name} is ${line.state}`);
      if (!line.remoteCidrs.split(",").some((c) => cidrContains(c, p.destinationCidrBlock))) {
        throw Errors.invalidArgument(`${p.destinationCidrBlock} is not inside the line's remote networks`, line.remoteCidrs);
      }
    } else {
      const hop = p.nextHopType === "VpcVpnConnection"
        ? await this.prisma.vpcVpnConnection.findFirst({ where: { uuid: p.nextHopUuid, ...ownedBy(caller) } })
        : await this.prisma.iPsecConnection.findFirst({ where: { uuid: p.nextHopUuid, ...ownedBy(caller) } });
      if (!hop) throw Errors.resourceNotFound(p.nextHopType, p.nextHopUuid);
    }
    const same = await this.prisma.hybridLocalRouteEntry.findFirst({ where: { destinationCidrBlock: p.destinationCidrBlock, l3NetworkUuid: p.l3NetworkUuid ?? null, ...ownedBy(caller) } });
    if (same) throw Errors.duplicate(`A local route to ${p.destinationCidrBlock}`, same.uuid);
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const r = await tx.hybridLocalRouteEntry.create({
        data: {
          uuid, destinationCidrBlock: p.destinationCidrBlock, nextHopType: p.nextHopType, nextHopUuid: p.nextHopUuid,
          l3NetworkUuid: p.l3NetworkUuid ?? null, description: p.description ?? null, accountUuid: caller.accountUuid,
        },
      });
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "HybridLocalRouteEntry", accountUuid: caller.accountUuid });
      return r;
    });
    return localRouteEntryInventory(row);
  }

  /** Local routes the caller owns. */
  queryRoutes(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: localRouteEntryQuerySpec, delegate: this.prisma.hybridLocalRouteEntry as never, caller, raw,
      scope: ownedBy(caller), toInventory: localRouteEntryInventory, csvName: "local-route-entries",
    });
  }

  /** Deletes a local route. @throws SYS.1003. */
  async deleteRoute(caller: Caller, uuid: string): Promise<void> {
    const e = await this.prisma.hybridLocalRouteEntry.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!e) throw Errors.resourceNotFound("HybridLocalRouteEntry", uuid);
    await this.events.transaction(this.prisma, async (tx, emit) => {
      await tx.hybridLocalRouteEntry.deleteMany({ where: { uuid } });
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "HybridLocalRouteEntry", accountUuid: e.accountUuid });
    });
  }
}
