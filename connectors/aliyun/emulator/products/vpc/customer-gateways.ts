import { AliyunError, Errors } from "../../core/errors.ts";
import { int, page, str } from "../../core/params.ts";
import { newResourceId, withClientToken, type RpcCall } from "../../core/rpc.ts";
import { parseCidr, PRIVATE_BLOCKS, contains, SERVICE_BLOCK } from "./cidr.ts";
import { requireRegion } from "./regions.ts";
import { checkText, customerGateways, defaultResourceGroupId, idFilter, vpnConnections, type CustomerGatewayRow } from "./tables.ts";

/** The customer gateway, or InvalidCustomerGatewayInstanceId.NotFound 404 (CreateVpnConnection error table). */
export function findCustomerGateway(call: RpcCall, id: string): CustomerGatewayRow {
  const cgw = customerGateways(call)[id];
  if (!cgw) throw new AliyunError("InvalidCustomerGatewayInstanceId.NotFound", "The specified customer gateway instance id does not exist.", 404);
  return cgw;
}

/**
 * A public IPv4 address: dotted quad, not RFC 1918, not 100.64.0.0/10, not loopback, link-local,
 * multicast or 0.0.0.0 — the VPN gateway reaches the customer gateway over the Internet.
 */
function publicAddress(text: string): string {
  const a = parseCidr(text, { allowBareAddress: true });
  if (!a || a.prefix !== 32 || text.includes("/")) throw Errors.invalidParameter("IpAddress", "is not a valid IPv4 address");
  const first = Math.floor(a.base / 2 ** 24);
  const reserved = [...PRIVATE_BLOCKS, SERVICE_BLOCK, parseCidr("169.254.0.0/16")!].some((b) => contains(b, a))
    || first === 0 || first === 127 || first >= 224;
  if (reserved) throw Errors.invalidParameter("IpAddress", "must be a public IP address");
  return text.trim();
}

/**
 * CreateCustomerGateway(IpAddress, Name, Description, Asn, AuthKey, ClientToken) →
 * `{ CustomerGatewayId, IpAddress, Name, Description, CreateTime }` (CreateTime epoch ms).
 * @throws MissingParameter, InvalidParameter (IpAddress not a public IPv4 address, Asn out of range).
 */
export async function createCustomerGateway(call: RpcCall): Promise<Record<string, unknown>> {
  requireRegion(call);
  const ip = publicAddress(str(call, "IpAddress", { required: true }));
  const name = str(call, "Name", { default: "" })!;
  const description = str(call, "Description", { default: "" })!;
  checkText(name, 128, "InvalidName", "The name is not valid.");
  checkText(description, 256, "InvalidDescription", "The description is not valid.");
  const asn = int(call, "Asn", { min: 1, max: 4_294_967_295 });
  return withClientToken(call, () => {
    const CustomerGatewayId = newResourceId("cgw");
    const row: CustomerGatewayRow = {
      CustomerGatewayId, IpAddress: ip, Name: name, Description: description, ...(asn === undefined ? {} : { Asn: asn }),
      AuthKey: str(call, "AuthKey", { default: "" })!, CreateTime: call.now,
      ResourceGroupId: str(call, "ResourceGroupId") ?? defaultResourceGroupId(call.accountId),
    };
    customerGateways(call)[CustomerGatewayId] = row;
    call.state.changed();
    return { CustomerGatewayId, IpAddress: ip, Name: name, Description: description, CreateTime: call.now };
  });
}

function presentCustomerGateway(c: CustomerGatewayRow): Record<string, unknown> {
  return {
    CustomerGatewayId: c.CustomerGatewayId, IpAddress: c.IpAddress, Name: c.Name, Description: c.Description,
    CreateTime: c.CreateTime, ...(c.Asn === undefined ? {} : { Asn: c.Asn }), AuthKey: c.AuthKey, ResourceGroupId: c.ResourceGroupId,
    Tags: { Tag: [] },
  };
}

/**
 * DescribeCustomerGateways(CustomerGatewayId, PageNumber, PageSize ≤ 50) →
 * `{ TotalCount, PageNumber, PageSize, CustomerGateways: { CustomerGateway: [...] } }`.
 */
export function describeCustomerGateways(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const ids = idFilter(str(call, "CustomerGatewayId"));
  const matching = Object.values(customerGateways(call)).filter((c) => !ids || ids.has(c.CustomerGatewayId));
  const { items, fields } = page(call, matching, { defaultSize: 10, maxSize: 50 });
  return { ...fields, CustomerGateways: { CustomerGateway: items.map(presentCustomerGateway) } };
}

/** DescribeCustomerGateway(CustomerGatewayId) → its fields at the top level. */
export function describeCustomerGateway(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  return presentCustomerGateway(findCustomerGateway(call, str(call, "CustomerGatewayId", { required: true })));
}

/** ModifyCustomerGatewayAttribute(CustomerGatewayId, Name, Description, AuthKey) → `{ CustomerGatewayId, IpAddress, Name, Description, CreateTime, ResourceGroupId }`. */
export function modifyCustomerGatewayAttribute(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const cgw = findCustomerGateway(call, str(call, "CustomerGatewayId", { required: true }));
  const name = str(call, "Name");
  const description = str(call, "Description");
  checkText(name, 128, "InvalidName", "The name is not valid.");
  checkText(description, 256, "InvalidDescription", "The description is not valid.");
  if (name !== undefined) cgw.Name = name;
  if (description !== undefined) cgw.Description = description;
  const authKey = str(call, "AuthKey");
  if (authKey !== undefined) cgw.AuthKey = authKey;
  call.state.changed();
  return {
    CustomerGatewayId: cgw.CustomerGatewayId, IpAddress: cgw.IpAddress, Name: cgw.Name, Description: cgw.Description,
    CreateTime: cgw.CreateTime, ResourceGroupId: cgw.ResourceGroupId,
  };
}

/**
 * DeleteCustomerGateway(CustomerGatewayId, ClientToken) → `{}`.
 * @throws InvalidCustomerGatewayInstanceId.NotFound 404, DependencyViolation.VpnConnection while a connection uses it.
 */
export function deleteCustomerGateway(call: RpcCall): Record<string, unknown> {
  requireRegion(call);
  const cgw = findCustomerGateway(call, str(call, "CustomerGatewayId", { required: true }));
  if (Object.values(vpnConnections(call)).some((c) => c.CustomerGatewayId === cgw.CustomerGatewayId)) {
    throw Errors.dependencyViolation("DependencyViolation.VpnConnection", "There are vpn connections on specified customer gateway not deleted.");
  }
  delete customerGateways(call)[cgw.CustomerGatewayId];
  call.state.changed();
  return {};
}
