import { randomUUID } from "node:crypto";
import type { DataCenter, PrismaClient, VirtualBorderRouter, VpcVirtualRouter } from "../../../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../../../server/auth/context.ts";
import { Errors } from "../../../../server/errors/catalogue.ts";
import type { EventBus } from "../../../../server/events/service.ts";
import type { ApiReply } from "../../../../server/http/api.ts";
import type { JobRequest } from "../../../../server/hosts/service.ts";
import type { JobService } from "../../../../server/jobs/service.ts";
import { newUuid } from "../../../../server/ids.ts";
import type { Logger } from "../../../../server/logger.ts";
import { deleteRemote, HybridErrors, remote } from "../../errors.ts";
import type { AliyunConnection, AliyunRemote } from "../../remote.ts";
import type { VpcLocalRows } from "../../vpc/local-rows.ts";
import type { RouteEntryService } from "../../vpc/route-entries/service.ts";
import { routeEntryInventory } from "../../vpc/route-entries/service.ts";
import { describeRouteEntries } from "../../vpc/wire.ts";
import type { VirtualBorderRouterService } from "../border-routers/service.ts";
import { routerInterfaceInventory, type RouterInterfaceService } from "../router-interfaces/service.ts";
import { waitRouteEntry } from "../wire.ts";
import type { QuickExpressConnectInput } from "./schema.ts";

/** Job type of the quick Express Connect. */
export const QUICK_EXPRESS_CONNECT_JOB = "aliyun.express-connect.quick";

/** Input of the durable job: uuids and ClientTokens fixed at submit, so a rerun makes nothing twice. */
interface QuickJobInput {
  vbrUuid: string;
  vRouterUuid: string;
  localCidr: string;
  vpcCidr: string;
  spec: string;
  name: string;
  uuids: { vbrInterface: string; vrouterInterface: string; vbrRoute: string; vrouterRoute: string };
  tokens: { vbrInterface: string; vrouterInterface: string; vbrRoute: string; vrouterRoute: string };
}

/**
 * The quick Express Connect (seed 快速建立高速通道，配置双边路由): one durable job that
 * 1. creates the VBR's interface (initiating) and the VRouter's (accepting), each naming the other,
 * 2. connects them and waits until both are Active,
 * 3. adds the VBR route `vpcCidr → the VBR's interface` and waits until it is Available,
 * 4. adds the VRouter route `localCidr → the VRouter's interface` and waits likewise.
 * On failure everything it made is removed again, newest first: routes, then the interfaces
 * (deactivated first), on Alibaba and in Strata; the job fails with the step's error.
 */
export class QuickExpressConnectService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly aliyun: AliyunRemote,
    private readonly jobs: JobService,
    private readonly log: Logger,
    private readonly interfaces: RouterInterfaceService,
    private readonly vbrs: VirtualBorderRouterService,
    private readonly routeEntries: RouteEntryService,
    private readonly vpcRows: VpcLocalRows,
  ) {
    jobs.register<QuickJobInput>({ name: QUICK_EXPRESS_CONNECT_JOB, resumable: true, perform: (i) => this.perform(i) });
  }

  /**
   * Checks the two routers (same data center, route tables known) and starts the job (202).
   * Result `{inventory: {vbrInterface, vrouterInterface, vbrRouteEntry, vrouterRouteEntry}}`.
   * @throws SYS.1003 unknown VBR / VRouter, SYS.1006 no route table or different data centers, SYS.1007 no vpcCidr known.
   */
  async submit(caller: Caller, req: JobRequest, input: QuickExpressConnectInput): Promise<ApiReply> {
    const p = input.params;
    const vbr = await this.prisma.virtualBorderRouter.findFirst({ where: { uuid: p.vbrUuid, ...ownedBy(caller) } });
    if (!vbr) throw Errors.resourceNotFound("VirtualBorderRouter", p.vbrUuid);
    const vr = await this.prisma.vpcVirtualRouter.findFirst({ where: { uuid: p.vRouterUuid, ...ownedBy(caller) } });
    if (!vr) throw Errors.resourceNotFound("VpcVirtualRouter", p.vRouterUuid);
    if (vbr.dataCenterUuid !== vr.dataCenterUuid) throw Errors.operationNotAllowed("Connecting these routers", "the VBR and the VRouter are in different data centers");
    if (!vbr.routeTableId || !vr.routeTableId) throw Errors.operationNotAllowed("Adding routes", "a router's route table is not known; sync it first");
    const vpc = vr.vpcUuid ? await this.prisma.ecsVpc.findUnique({ where: { uuid: vr.vpcUuid } }) : null;
    const vpcCidr = p.vpcCidr ?? vpc?.cidrBlock;
    if (!vpcCidr) throw Errors.invalidArgument("Give vpcCidr: the VRouter's VPC is not recorded");
    return this.jobs.submit(caller, req, QUICK_EXPRESS_CONNECT_JOB, {
      vbrUuid: vbr.uuid, vRouterUuid: vr.uuid, localCidr: p.localCidr, vpcCidr, spec: p.spec, name: p.name,
      uuids: { vbrInterface: newUuid(), vrouterInterface: newUuid(), vbrRoute: newUuid(), vrouterRoute: newUuid() },
      tokens: { vbrInterface: randomUUID(), vrouterInterface: randomUUID(), vbrRoute: randomUUID(), vrouterRoute: randomUUID() },
    } satisfies QuickJobInput);
  }

  private async perform(i: QuickJobInput) {
    const vbr = await this.prisma.virtualBorderRouter.findUnique({ where: { uuid: i.vbrUuid } });
    if (!vbr) throw Errors.resourceNotFound("VirtualBorderRouter", i.vbrUuid);
    const vr = await this.prisma.vpcVirtualRouter.findUnique({ where: { uuid: i.vRouterUuid } });
    if (!vr) throw Errors.resourceNotFound("VpcVirtualRouter", i.vRouterUuid);
    const dc = await this.prisma.dataCenter.findUniqueOrThrow({ where: { uuid: vbr.dataCenterUuid } });
    const conn = await this.aliyun.forDataCenter(dc);
    try {
      const vbrSide = await this.interfaces.createRemote(conn, dc, {
        uuid: i.uuids.vbrInterface, name: `${i.name}-vbr`, router: { kind: "VBR", row: vbr }, spec: i.spec,
        opposite: { kind: "VRouter", routerId: vr.vrId }, clientToken: i.tokens.vbrInterface,
      });
      const vrouterSide = await this.interfaces.createRemote(conn, dc, {
        uuid: i.uuids.vrouterInterface, name: `${i.name}-vrouter`, router: { kind: "VRouter", row: vr }, spec: "Negative",
        opposite: { kind: "VBR", routerId: vbr.vbrId, interfaceId: vbrSide.routerInterfaceId }, clientToken: i.tokens.vrouterInterface,
      });
      await this.interfaces.connectPair(conn, dc, vbrSide, vrouterSide);
      const vbrRoute = await this.addRoute(conn, dc, { kind: "vbr", row: vbr }, i.vpcCidr, vbrSide.routerInterfaceId, i.uuids.vbrRoute, i.tokens.vbrRoute);
      const vrouterRoute = await this.addRoute(conn, dc, { kind: "vrouter", row: vr }, i.localCidr, vrouterSide.routerInterfaceId, i.uuids.vrouterRoute, i.tokens.vrouterRoute);
      const fresh = (uuid: string) => this.prisma.aliyunRouterInterface.findUniqueOrThrow({ where: { uuid } });
      return {
        inventory: {
          vbrInterface: routerInterfaceInventory(await fresh(vbrSide.uuid)), vrouterInterface: routerInterfaceInventory(await fresh(vrouterSide.uuid)),
          vbrRouteEntry: routeEntryInventory(vbrRoute), vrouterRouteEntry: routeEntryInventory(vrouterRoute),
        },
      };
    } catch (err) {
      await this.rollback(conn, dc, vbr, vr, i);
      throw err;
    }
  }

  /** CreateRouteEntry `destination → interfaceId` in the router's table, a wait for Available, and the record. */
  private async addRoute(conn: AliyunConnection, dc: DataCenter, router: { kind: "vbr"; row: VirtualBorderRouter } | { kind: "vrouter"; row: VpcVirtualRouter },
    destination: string, interfaceId: string, uuid: string, clientToken: string) {
    const tableId = router.row.routeTableId!;
    const { RouteEntryId } = await remote(() => conn.rpc.call<{ RouteEntryId: string }>("Vpc", dc.regionId, "CreateRouteEntry",
      { RouteTableId: tableId, DestinationCidrBlock: destination, NextHopType: "RouterInterface", NextHopId: interfaceId }, { clientToken }));
    const { value, ready } = await remote(() => waitRouteEntry(conn, dc.regionId, tableId, RouteEntryId));
    if (!ready || !value) throw HybridErrors.remoteNotReady("route entry", RouteEntryId, value?.Status ?? "unknown");
    return this.events.transaction(this.prisma, (tx, emit) => router.kind === "vbr"
      ? this.vbrs.upsertEntry(tx, emit, dc, router.row, value, uuid)
      : this.routeEntries.upsert(tx, emit, dc, router.row, value, uuid));
  }

  /**
   * Undoes a failed run: the route entries through the pair's interfaces (found on Alibaba by
   * next hop, so also ones made but not yet recorded), then both interfaces (deactivated first),
   * each on Alibaba and in Strata. Failures are logged; the job reports the step that failed.
   */
  private async rollback(conn: AliyunConnection, dc: DataCenter, vbr: VirtualBorderRouter, vr: VpcVirtualRouter, i: QuickJobInput): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        this.log.warn({ err, what, job: QUICK_EXPRESS_CONNECT_JOB }, "quick Express Connect: rollback step failed");
      }
    };
    const sides = await this.prisma.aliyunRouterInterface.findMany({ where: { uuid: { in: [i.uuids.vbrInterface, i.uuids.vrouterInterface] } } });
    const ids = new Set(sides.map((s) => s.routerInterfaceId));
    for (const tableId of [vbr.routeTableId!, vr.routeTableId!]) {
      await step(`routes of ${tableId}`, async () => {
        for (const e of await describeRouteEntries(conn, dc.regionId, tableId)) {
          const hop = e.InstanceId || e.NextHops?.NextHop?.[0]?.NextHopId;
          if (e.Type !== "Custom" || !hop || !ids.has(hop)) continue;
          await waitRouteEntry(conn, dc.regionId, tableId, e.RouteEntryId);
          await deleteRemote(() => conn.rpc.call("Vpc", dc.regionId, "DeleteRouteEntry", { RouteTableId: tableId, RouteEntryId: e.RouteEntryId }), /^InvalidRouteEntry\.NotFound$/);
        }
      });
    }
    await step("route entry records", () => this.events.transaction(this.prisma, async (tx, emit) =>
      this.vpcRows.deleteRouteEntries(tx, emit, await tx.vpcVirtualRouteEntry.findMany({ where: { uuid: { in: [i.uuids.vbrRoute, i.uuids.vrouterRoute] } } }))));
    for (const side of sides) {
      await step(`router interface ${side.routerInterfaceId}`, () => this.interfaces.deleteOnAliyun(conn, dc, side.routerInterfaceId));
      await step("router interface record", () => this.events.transaction(this.prisma, (tx, emit) => this.interfaces.removeRow(tx, emit, side)));
    }
  }
}
