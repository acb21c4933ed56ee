import { z } from "zod";
import { BaseInventory, createBody, Description, Name, StateEvent, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";
import { isIpv4 } from "./ipv4.ts";

/** A dotted IPv4 address. */
export const Ipv4 = z.string().refine(isIpv4, "must be an IPv4 address such as 10.0.0.1");
/** A DNS domain such as example.com. */
const DnsDomain = z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
  "must be a DNS domain such as example.com");

/** ZStack L3NetworkCategory. */
export const L3Category = z.enum(["Public", "Private", "System"]).describe("Public, Private or System (ZStack L3NetworkCategory)");

/** ZStack APICreateL3NetworkMsg. */
export const CreateL3Body = createBody(z.object({
  name: Name,
  description: Description.optional(),
  l2NetworkUuid: Uuid.describe("L2 network the L3 network runs on"),
  category: L3Category,
  type: z.literal("L3BasicNetwork").default("L3BasicNetwork"),
  dnsDomain: DnsDomain.optional(),
  system: z.boolean().default(false).describe("System networks carry no user VMs (ZStack L3NetworkVO.system)"),
}));
export type CreateL3Input = z.infer<typeof CreateL3Body>;

/** ZStack APIUpdateL3NetworkMsg. */
export const UpdateL3Body = z.object({
  name: Name.optional(), description: Description.optional(), category: L3Category.optional(), system: z.boolean().optional(),
  dnsDomain: DnsDomain.nullable().optional(),
}).strict();

/** ZStack APIChangeL3NetworkStateMsg. */
export const ChangeL3StateBody = z.object({ stateEvent: StateEvent }).strict();

/** ZStack APIAddIpRangeMsg (IPv4). */
export const AddIpRangeBody = z.object({
  params: z.object({
    name: Name,
    description: Description.optional(),
    startIp: Ipv4.describe("First address handed out"),
    endIp: Ipv4.describe("Last address handed out"),
    netmask: Ipv4.describe("Dotted netmask, e.g. 255.255.255.0"),
    gateway: Ipv4.describe("Default route of the guests; in the subnet, outside the range"),
    resourceUuid: Uuid.optional(),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();
export type AddIpRangeInput = z.infer<typeof AddIpRangeBody>;

/** ZStack APIAddIpRangeByNetworkCidrMsg. */
export const AddIpRangeByCidrBody = z.object({
  params: z.object({
    name: Name,
    description: Description.optional(),
    networkCidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/, "must be a network CIDR such as 10.0.0.0/24").describe("e.g. 10.0.0.0/24"),
    gateway: Ipv4.optional().describe("Default: the first address of the network; must be the first or last usable address"),
    resourceUuid: Uuid.optional(),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();

/** `{l3NetworkUuid}` path. */
export const L3Params = z.object({ l3NetworkUuid: Uuid });

/** ZStack APIAddDnsToL3NetworkMsg. */
export const AddDnsBody = z.object({ params: z.object({ dns: Ipv4.describe("DNS server handed to guests") }).strict() }).strict();
export const DnsParams = z.object({ l3NetworkUuid: Uuid, dns: Ipv4 });

/** Reserved addresses (ZStack APIAddReservedIpRangeMsg): IPAM never hands them out. */
export const ReservedIpRangeBody = z.object({ params: z.object({ startIp: Ipv4, endIp: Ipv4 }).strict() }).strict();
export const ReservedIpRangeParams = z.object({ l3NetworkUuid: Uuid, startIp: Ipv4, endIp: Ipv4 });

/** ZStack APIGetFreeIpMsg query. */
export const FreeIpQuery = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100).describe("Most addresses returned"),
  ipRangeUuid: Uuid.optional(),
  start: Ipv4.optional().describe("Lowest address to consider"),
}).strict();

/** ZStack IpRangeInventory. */
export const IpRangeInventory = z.object({
  ...BaseInventory,
  l3NetworkUuid: z.string(), startIp: z.string(), endIp: z.string(), netmask: z.string(), gateway: z.string(),
  networkCidr: z.string(), prefixLen: z.number(), ipVersion: z.number(),
});

/** ZStack L3NetworkInventory. */
export const L3NetworkInventory = z.object({
  ...BaseInventory,
  type: z.string(), category: z.string(), l2NetworkUuid: z.string(), zoneUuid: z.string(), state: z.enum(["Enabled", "Disabled"]),
  system: z.boolean(), dnsDomain: z.string().nullable(), dns: z.array(z.string()), ipVersion: z.number(),
  ipRanges: z.array(IpRangeInventory),
  networkServices: z.array(z.object({ l3NetworkUuid: z.string(), networkServiceProviderUuid: z.string(), networkServiceType: z.string() })),
});

export const ipRangeQuerySpec: QuerySpec = {
  resourceType: "IpRange",
  fields: {
    uuid: "string", name: "string", description: "string", l3NetworkUuid: "string", startIp: "string", endIp: "string",
    netmask: "string", gateway: "string", networkCidr: "string", ipVersion: "number", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "l3NetworkUuid", "startIp", "endIp", "netmask", "gateway", "networkCidr", "ipVersion", "accountUuid", "createDate", "lastOpDate"],
};

export const l3NetworkQuerySpec: QuerySpec = {
  resourceType: "L3Network",
  fields: {
    uuid: "string", name: "string", description: "string", type: "string", category: "string", l2NetworkUuid: "string",
    zoneUuid: "string", state: "string", system: "boolean", dnsDomain: "string", accountUuid: "string",
    createDate: "date", lastOpDate: "date",
  },
  relations: { ipRanges: { spec: () => ipRangeQuerySpec, many: true } },
  computedFields: ["dns", "ipRanges", "networkServices", "ipVersion"],
  notNull: ["uuid", "name", "type", "category", "l2NetworkUuid", "zoneUuid", "state", "system", "accountUuid", "createDate", "lastOpDate"],
};
