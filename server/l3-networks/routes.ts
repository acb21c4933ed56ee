import { z } from "zod";
import type { Api } from "../http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../http/common-schemas.ts";
import {
  AddDnsBody, AddIpRangeBody, AddIpRangeByCidrBody, ChangeL3StateBody, CreateL3Body, DnsParams, FreeIpQuery, IpRangeInventory,
  L3NetworkInventory, L3Params, ReservedIpRangeBody, ReservedIpRangeParams, UpdateL3Body,
} from "./schema.ts";
import { l3NetworkInventory, type L3NetworkService } from "./service.ts";

const FreeIp = z.object({ ipRangeUuid: z.string(), ip: z.string(), netmask: z.string(), gateway: z.string() });
const ReservedRange = z.object({ l3NetworkUuid: z.string(), startIp: z.string(), endIp: z.string(), count: z.number() });

/** REST routes of L3 networks and IP ranges, following ZStack's `/v1/l3-networks` API. */
export function registerL3NetworkRoutes(api: Api, l3: L3NetworkService): void {
  const tag = "l3-networks";
  // Literal paths before `/l3-networks/{uuid}`, which would otherwise take "ip-ranges" for a uuid.
  api.route({
    method: "get", path: "/l3-networks/ip-ranges", apiName: "QueryIpRange", tag, access: "authenticated",
    summary: "Query IP ranges", description: "ZStack APIQueryIpRangeMsg.",
    query: QueryParams, response: InventoriesReply(IpRangeInventory),
    handler: (req) => l3.queryIpRanges(req.auth, req.rawQuery),
  });
  api.route({
    method: "delete", path: "/l3-networks/ip-ranges/{uuid}", apiName: "DeleteIpRange", tag, access: "admin",
    summary: "Delete an IP range",
    description: "ZStack APIDeleteIpRangeMsg. SYS.1004 while VM NICs hold addresses in it; its reservations go with it.",
    params: UuidParams,
    handler: async (req) => {
      await l3.deleteIpRange(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/l3-networks", apiName: "CreateL3Network", tag, access: "admin",
    summary: "Create an L3 network",
    description: "ZStack APICreateL3NetworkMsg: an IPv4 network on an L2 network. category Public|Private|System. Add IP ranges and " +
      "attach network services (DHCP) before VMs use it. Errors: SYS.1007 (field named), SYS.1003 L2 network.",
    body: CreateL3Body, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l3.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/l3-networks", apiName: "QueryL3Network", tag, access: "authenticated",
    summary: "Query L3 networks", description: "ZStack APIQueryL3NetworkMsg; joined fields ipRanges.<field>.",
    query: QueryParams, response: InventoriesReply(L3NetworkInventory),
    handler: (req) => l3.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/l3-networks/{uuid}", apiName: "GetL3Network", tag, access: "authenticated",
    summary: "Get an L3 network", description: "`{ inventories: [l3] }`; SYS.1003 (404) when missing or not yours.",
    params: UuidParams, response: InventoriesReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventories: [l3NetworkInventory(await l3.get(req.auth, req.params.uuid))] } }),
  });
  api.action("l3-networks", {
    action: "updateL3Network", apiName: "UpdateL3Network", access: "admin",
    summary: "Update an L3 network", description: "ZStack APIUpdateL3NetworkMsg: name, description, category, system, dnsDomain (null clears).",
    body: UpdateL3Body, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l3.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("l3-networks", {
    action: "changeL3NetworkState", apiName: "ChangeL3NetworkState", access: "admin",
    summary: "Enable or disable an L3 network",
    description: "ZStack APIChangeL3NetworkStateMsg: enable | disable. A Disabled L3 network hands out no IP address (SYS.1006).",
    body: ChangeL3StateBody, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l3.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/l3-networks/{uuid}", apiName: "DeleteL3Network", tag, access: "admin",
    summary: "Delete an L3 network",
    description: "ZStack APIDeleteL3NetworkMsg: deletes it with its IP ranges, reservations and service attachments. SYS.1004 " +
      "while VM NICs use it, whatever deleteMode.",
    params: UuidParams, query: z.object({ deleteMode: z.enum(["Permissive", "Enforcing"]).default("Permissive") }).strict(),
    handler: async (req) => {
      await l3.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/l3-networks/{l3NetworkUuid}/ip-ranges", apiName: "AddIpRange", tag, access: "admin",
    summary: "Add an IP range",
    description: "ZStack APIAddIpRangeMsg (IPv4). SYS.1007 (400) naming the field when: not IPv4, startIp after endIp, netmask not " +
      "contiguous, an address outside the gateway's subnet, network/broadcast address in the range, gateway inside the range, " +
      "overlap with another range of the L3, or a gateway/netmask different from the L3's other ranges.",
    params: L3Params, body: AddIpRangeBody, response: InventoryReply(IpRangeInventory),
    handler: async (req) => ({ body: { inventory: await l3.addIpRange(req.auth, req.params.l3NetworkUuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/l3-networks/{l3NetworkUuid}/ip-ranges/by-cidr", apiName: "AddIpRangeByNetworkCidr", tag, access: "admin",
    summary: "Add an IP range from a network CIDR",
    description: "ZStack APIAddIpRangeByNetworkCidrMsg: every usable address of networkCidr except the gateway (default: the first " +
      "usable address; if given, the first or the last). Same checks as AddIpRange.",
    params: L3Params, body: AddIpRangeByCidrBody, response: InventoryReply(IpRangeInventory),
    handler: async (req) => ({ body: { inventory: await l3.addIpRangeByCidr(req.auth, req.params.l3NetworkUuid, req.body) } }),
  });
  api.route({
    method: "post", path: "/l3-networks/{l3NetworkUuid}/dns", apiName: "AddDnsToL3Network", tag, access: "admin",
    summary: "Add a DNS server", description: "ZStack APIAddDnsToL3NetworkMsg: appended to the list handed to guests by DHCP. SYS.1002 when listed.",
    params: L3Params, body: AddDnsBody, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l3.addDns(req.auth, req.params.l3NetworkUuid, req.body.params.dns) } }),
  });
  api.route({
    method: "delete", path: "/l3-networks/{l3NetworkUuid}/dns/{dns}", apiName: "RemoveDnsFromL3Network", tag, access: "admin",
    summary: "Remove a DNS server", description: "ZStack APIRemoveDnsFromL3NetworkMsg. SYS.1007 when not listed.",
    params: DnsParams, response: InventoryReply(L3NetworkInventory),
    handler: async (req) => ({ body: { inventory: await l3.removeDns(req.auth, req.params.l3NetworkUuid, req.params.dns) } }),
  });
  api.route({
    method: "post", path: "/l3-networks/{l3NetworkUuid}/reserved-ip-ranges", apiName: "AddReservedIpRange", tag, access: "admin",
    summary: "Reserve addresses",
    description: "ZStack APIAddReservedIpRangeMsg: startIp..endIp (inside the L3's ranges, at most 65536) are never handed out. " +
      "All or nothing: IPAM.IP_IN_USE (409) when one is already used or reserved.",
    params: L3Params, body: ReservedIpRangeBody, response: InventoryReply(ReservedRange),
    handler: async (req) => ({
      body: { inventory: await l3.reserveIpRange(req.auth, req.params.l3NetworkUuid, req.body.params.startIp, req.body.params.endIp) },
    }),
  });
  api.route({
    method: "delete", path: "/l3-networks/{l3NetworkUuid}/reserved-ip-ranges/{startIp}/{endIp}", apiName: "DeleteReservedIpRange", tag,
    access: "admin", summary: "Free reserved addresses",
    description: "ZStack APIDeleteReservedIpRangeMsg (by address range): reserved addresses in startIp..endIp become free.",
    params: ReservedIpRangeParams, response: InventoryReply(ReservedRange),
    handler: async (req) => ({
      body: { inventory: await l3.unreserveIpRange(req.auth, req.params.l3NetworkUuid, req.params.startIp, req.params.endIp) },
    }),
  });
  api.route({
    method: "get", path: "/l3-networks/{l3NetworkUuid}/ip/free", apiName: "GetFreeIp", tag, access: "authenticated",
    summary: "Free IP addresses",
    description: "ZStack APIGetFreeIpMsg: up to `limit` (default 100, at most 10000) free addresses in ascending order, optionally " +
      "of one ipRangeUuid and from `start` on.",
    params: L3Params, query: FreeIpQuery, response: InventoriesReply(FreeIp),
    handler: async (req) => ({ body: { inventories: await l3.freeIps(req.auth, req.params.l3NetworkUuid, req.query) } }),
  });
  api.route({
    method: "get", path: "/l3-networks/{l3NetworkUuid}/ip-statistic", apiName: "GetL3NetworkIpStatistic", tag, access: "authenticated",
    summary: "IP address counts",
    description: "ZStack APIGetIpAddressCapacityMsg for one L3: totalCapacity, availableCapacity, usedIpAddressNumber and the used " +
      "addresses by purpose (VM NICs, reserved, DHCP server).",
    params: L3Params,
    response: z.object({
      totalCapacity: z.number(), availableCapacity: z.number(), usedIpAddressNumber: z.number(),
      vmNicIpAddressNumber: z.number(), reservedIpAddressNumber: z.number(), dhcpIpAddressNumber: z.number(),
    }),
    handler: async (req) => ({ body: await l3.ipStatistic(req.auth, req.params.l3NetworkUuid) }),
  });
}
