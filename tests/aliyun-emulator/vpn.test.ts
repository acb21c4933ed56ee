// The emulator's VPN gateways, customer gateways and IPsec connections (VPC API 2016-04-28),
// driven end to end through the HTTP server by the generated @alicloud/vpc20160428 client (ACS3)
// and @alicloud/pop-core (signature v1), as the Alibaba connector drives them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import VpcSdk from "@alicloud/vpc20160428";
import { vpnReachability } from "../../connectors/aliyun/emulator/products/vpc/index.ts";
import type { RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { eventually, failure, KEY_ID, KEY_SECRET, network, pop, REGION, start } from "./harness.ts";

/** Long enough to observe transitional statuses reliably, short enough to keep the suite quick. */
const SLOW_TRANSITION_MS = 500;

type Sdk = InstanceType<typeof VpcSdk.default>;

function sdkFor(url: string): Sdk {
  return new VpcSdk.default(new $OpenApiUtil.Config({
    accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, regionId: REGION, endpoint: new URL(url).host, protocol: "http",
  }));
}

describe("VPN emulator: gateways, customer gateways and IPsec connections", () => {
  let emulator: RunningEmulator;
  let sdk: Sdk;
  let vpc: ReturnType<typeof pop>;

  before(async () => {
    // Status windows long enough that "Pending right after create" holds on a loaded machine.
    emulator = await start({ transitionMs: SLOW_TRANSITION_MS });
    sdk = sdkFor(emulator.url);
    vpc = pop(emulator.url, { apiVersion: "2016-04-28" });
  });
  after(async () => { await emulator.close(); });

  const gatewayStatus = async (vpnGatewayId: string) =>
    (await sdk.describeVpnGateway(new VpcSdk.DescribeVpnGatewayRequest({ regionId: REGION, vpnGatewayId }))).body!.status;

  /** A VPN gateway in a fresh VPC, waited on until active. */
  async function activeGateway(cidr: string): Promise<{ vpcId: string; vpnGatewayId: string; internetIp: string }> {
    const { vpcId } = await network(emulator.url, cidr, cidr.replace(/\.0\.0\/16$/, ".1.0/24"));
    const { vpnGatewayId } = (await sdk.createVpnGateway(new VpcSdk.CreateVpnGatewayRequest({ regionId: REGION, vpcId, bandwidth: 10, enableIpsec: true, enableSsl: false }))).body!;
    await eventually(async () => (await gatewayStatus(vpnGatewayId!)) === "active" ? true : undefined);
    const gw = (await sdk.describeVpnGateway(new VpcSdk.DescribeVpnGatewayRequest({ regionId: REGION, vpnGatewayId }))).body!;
    return { vpcId, vpnGatewayId: vpnGatewayId!, internetIp: gw.internetIp! };
  }

  it("creates a gateway that is init, then provisioning, then active, with a public InternetIp and its spec", async () => {
    const { vpcId } = await network(emulator.url, "10.10.0.0/16", "10.10.1.0/24");
    const created = (await sdk.createVpnGateway(new VpcSdk.CreateVpnGatewayRequest({
      regionId: REGION, vpcId, bandwidth: 20, enableIpsec: true, enableSsl: true, sslConnections: 10, instanceChargeType: "POSTPAY", name: "to-idc",
    }))).body!;
    assert.match(created.vpnGatewayId!, /^vpn-/);
    assert.equal(created.name, "to-idc");
    assert.equal(typeof created.orderId, "number");
    const seen = new Set<string>();
    await eventually(async () => {
      const s = await gatewayStatus(created.vpnGatewayId!);
      seen.add(s!);
      return s === "active" ? true : undefined;
    });
    assert.ok(seen.has("init") || seen.has("provisioning"), `saw ${[...seen].join(", ")}`);

    const listed = (await sdk.describeVpnGateways(new VpcSdk.DescribeVpnGatewaysRequest({ regionId: REGION, vpcId }))).body!;
    assert.equal(listed.totalCount, 1);
    const gw = listed.vpnGateways!.vpnGateway![0]!;
    assert.equal(gw.spec, "20M");
    assert.equal(gw.ipsecVpn, "enable");
    assert.equal(gw.sslVpn, "enable");
    assert.equal(gw.sslMaxConnections, 10);
    assert.equal(gw.chargeType, "PostPay");
    assert.equal(typeof gw.createTime, "number");
    assert.match(gw.internetIp!, /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(!/^(10|192\.168|172\.(1[6-9]|2\d|3[01]))\./.test(gw.internetIp!));

    const renamed = (await sdk.modifyVpnGatewayAttribute(new VpcSdk.ModifyVpnGatewayAttributeRequest({ regionId: REGION, vpnGatewayId: gw.vpnGatewayId, name: "idc-gw", description: "to the office" }))).body!;
    assert.equal(renamed.name, "idc-gw");
    assert.equal(renamed.description, "to the office");
    assert.equal(renamed.internetIp, gw.internetIp);
  });

  it("refuses bad bandwidths, unknown VPCs and VSwitches of other VPCs with Alibaba's codes", async () => {
    const { vpcId } = await network(emulator.url, "10.11.0.0/16", "10.11.1.0/24");
    const other = await network(emulator.url, "10.12.0.0/16", "10.12.1.0/24");
    const create = (p: Record<string, unknown>) => sdk.createVpnGateway(new VpcSdk.CreateVpnGatewayRequest({ regionId: REGION, bandwidth: 10, ...p }));
    const bad = await failure(create({ vpcId, bandwidth: 7 }));
    assert.equal(bad.code, "InvalidParameter");
    assert.equal(bad.statusCode, 400);
    const missing = await failure(create({ vpcId: "vpc-nope" }));
    assert.equal(missing.code, "InvalidVpcId.NotFound");
    assert.equal(missing.statusCode, 404);
    assert.equal((await failure(create({ vpcId, vSwitchId: other.vswitchId }))).code, "InvalidVSwitchId.NotFound");
    const unknown = await failure(sdk.describeVpnGateway(new VpcSdk.DescribeVpnGatewayRequest({ regionId: REGION, vpnGatewayId: "vpn-nope" })));
    assert.equal(unknown.code, "InvalidVpnGatewayInstanceId.NotFound");
  });

  it("pages DescribeVpnGateways, filters by Status, and returns the first answer again for a repeated ClientToken", async () => {
    const { vpcId } = await network(emulator.url, "10.13.0.0/16", "10.13.1.0/24");
    const create = (clientToken?: string) => sdk.createVpnGateway(new VpcSdk.CreateVpnGatewayRequest({ regionId: REGION, vpcId, bandwidth: 5, clientToken }));
    const first = (await create("vpn-token-1")).body!;
    const again = (await create("vpn-token-1")).body!;
    assert.equal(again.vpnGatewayId, first.vpnGatewayId);
    await create();
    await create();
    const page2 = (await sdk.describeVpnGateways(new VpcSdk.DescribeVpnGatewaysRequest({ regionId: REGION, vpcId, pageSize: 2, pageNumber: 2 }))).body!;
    assert.equal(page2.totalCount, 3);
    assert.equal(page2.pageNumber, 2);
    assert.equal(page2.vpnGateways!.vpnGateway!.length, 1);
    const mismatch = await failure(sdk.createVpnGateway(new VpcSdk.CreateVpnGatewayRequest({ regionId: REGION, vpcId, bandwidth: 10, clientToken: "vpn-token-1" })));
    assert.equal(mismatch.code, "IdempotentParameterMismatch");
    await eventually(async () => {
      const active = (await sdk.describeVpnGateways(new VpcSdk.DescribeVpnGatewaysRequest({ regionId: REGION, vpcId, status: "active" }))).body!;
      return active.totalCount === 3 ? true : undefined;
    });
  });

  it("creates customer gateways for public addresses only, lists, modifies and describes them", async () => {
    const created = await vpc.request("CreateCustomerGateway", { RegionId: REGION, IpAddress: "203.0.113.10", Name: "office", Description: "HQ router", Asn: 65001 }) as Record<string, unknown>;
    assert.match(String(created.CustomerGatewayId), /^cgw-/);
    assert.equal(created.IpAddress, "203.0.113.10");
    assert.equal(typeof created.CreateTime, "number");
    for (const ip of ["192.168.1.1", "10.0.0.1", "100.64.0.1", "300.1.1.1", "1.2.3.0/24"]) {
      const e = await failure(vpc.request("CreateCustomerGateway", { RegionId: REGION, IpAddress: ip }));
      assert.equal(e.code, "InvalidParameter", ip);
    }
    const id = String(created.CustomerGatewayId);
    await sdk.modifyCustomerGatewayAttribute(new VpcSdk.ModifyCustomerGatewayAttributeRequest({ regionId: REGION, customerGatewayId: id, name: "office-2" }));
    const one = (await sdk.describeCustomerGateway(new VpcSdk.DescribeCustomerGatewayRequest({ regionId: REGION, customerGatewayId: id }))).body!;
    assert.equal(one.name, "office-2");
    assert.equal(one.asn, 65001);
    const listed = (await sdk.describeCustomerGateways(new VpcSdk.DescribeCustomerGatewaysRequest({ regionId: REGION, customerGatewayId: id }))).body!;
    assert.equal(listed.customerGateways!.customerGateway![0]!.ipAddress, "203.0.113.10");
    await sdk.deleteCustomerGateway(new VpcSdk.DeleteCustomerGatewayRequest({ regionId: REGION, customerGatewayId: id }));
    const gone = await failure(sdk.describeCustomerGateway(new VpcSdk.DescribeCustomerGatewayRequest({ regionId: REGION, customerGatewayId: id })));
    assert.equal(gone.code, "InvalidCustomerGatewayInstanceId.NotFound");
    assert.equal(gone.statusCode, 404);
  });

  it("creates an IPsec connection with JSON IKE/IPsec configs, shows them as objects, and negotiates to ipsec_sa_established", async () => {
    const { vpnGatewayId, internetIp } = await activeGateway("10.20.0.0/16");
    const { CustomerGatewayId } = await vpc.request("CreateCustomerGateway", { RegionId: REGION, IpAddress: "198.51.100.7" }) as { CustomerGatewayId: string };
    const created = (await sdk.createVpnConnection(new VpcSdk.CreateVpnConnectionRequest({
      regionId: REGION, vpnGatewayId, customerGatewayId: CustomerGatewayId, localSubnet: "10.20.0.0/16", remoteSubnet: "192.168.10.0/24,192.168.11.0/24",
      effectImmediately: true, name: "office-tunnel",
      ikeConfig: JSON.stringify({ IkeVersion: "ikev2", IkeEncAlg: "aes256", IkeAuthAlg: "sha256", IkePfs: "group14", IkeLifetime: 28800 }),
      ipsecConfig: JSON.stringify({ IpsecEncAlg: "aes256", IpsecAuthAlg: "sha256", IpsecPfs: "group14", IpsecLifetime: 3600 }),
    }))).body!;
    assert.match(created.vpnConnectionId!, /^vco-/);
    assert.equal(created.name, "office-tunnel");
    assert.equal(typeof created.createTime, "number");

    const describe = async () => (await sdk.describeVpnConnections(new VpcSdk.DescribeVpnConnectionsRequest({ regionId: REGION, vpnGatewayId }))).body!.vpnConnections!.vpnConnection![0]!;
    const first = await describe();
    assert.equal(first.status, "ike_sa_not_established");
    assert.equal(first.ikeConfig!.ikeVersion, "ikev2");
    assert.equal(first.ikeConfig!.ikeEncAlg, "aes256");
    assert.equal(first.ikeConfig!.ikePfs, "group14");
    assert.equal(first.ikeConfig!.ikeLifetime, 28800);
    assert.equal(first.ikeConfig!.ikeMode, "main");
    assert.match(first.ikeConfig!.psk!, /^[A-Za-z0-9]{16}$/);
    assert.equal(first.ikeConfig!.localId, internetIp);
    assert.equal(first.ikeConfig!.remoteId, "198.51.100.7");
    assert.equal(first.ipsecConfig!.ipsecPfs, "group14");
    assert.equal(first.ipsecConfig!.ipsecLifetime, 3600);
    assert.equal(first.remoteSubnet, "192.168.10.0/24,192.168.11.0/24");
    await eventually(async () => (await describe()).status === "ipsec_sa_established" ? true : undefined);

    // The same config through pop-core: plain JSON, objects too.
    const viaPop = await vpc.request("DescribeVpnConnection", { RegionId: REGION, VpnConnectionId: created.vpnConnectionId }) as { IkeConfig: Record<string, unknown>; IpsecConfig: Record<string, unknown> };
    assert.equal(viaPop.IkeConfig.IkeAuthAlg, "sha256");
    assert.equal(viaPop.IpsecConfig.IpsecEncAlg, "aes256");
  });

  it("rejects IKE/IPsec values outside Alibaba's sets, naming the field, and malformed subnets", async () => {
    const { vpnGatewayId } = await activeGateway("10.21.0.0/16");
    const { CustomerGatewayId } = await vpc.request("CreateCustomerGateway", { RegionId: REGION, IpAddress: "198.51.100.8" }) as { CustomerGatewayId: string };
    const create = (p: Record<string, unknown>) => vpc.request("CreateVpnConnection", {
      RegionId: REGION, VpnGatewayId: vpnGatewayId, CustomerGatewayId, LocalSubnet: "10.21.0.0/16", RemoteSubnet: "192.168.20.0/24", ...p,
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ IkeConfig: JSON.stringify({ IkeEncAlg: "blowfish" }) }, "IkeConfig.IkeEncAlg"],
      [{ IkeConfig: JSON.stringify({ IkeVersion: "ikev3" }) }, "IkeConfig.IkeVersion"],
      [{ IkeConfig: JSON.stringify({ IkeMode: "quick" }) }, "IkeConfig.IkeMode"],
      [{ IkeConfig: JSON.stringify({ IkeAuthAlg: "sha3" }) }, "IkeConfig.IkeAuthAlg"],
      [{ IkeConfig: JSON.stringify({ IkePfs: "group7" }) }, "IkeConfig.IkePfs"],
      [{ IkeConfig: JSON.stringify({ IkeLifetime: 86401 }) }, "IkeConfig.IkeLifetime"],
      [{ IpsecConfig: JSON.stringify({ IpsecPfs: "group3" }) }, "IpsecConfig.IpsecPfs"],
      [{ IpsecConfig: JSON.stringify({ IpsecEncAlg: "rc4" }) }, "IpsecConfig.IpsecEncAlg"],
      [{ IpsecConfig: JSON.stringify({ IpsecLifetime: -1 }) }, "IpsecConfig.IpsecLifetime"],
      [{ IkeConfig: "{not json" }, "IkeConfig"],
      [{ RemoteSubnet: "192.168.20.0/24,bogus" }, "RemoteSubnet"],
    ];
    for (const [params, field] of cases) {
      const e = await failure(create(params));
      assert.equal(e.code, "InvalidParameter", field);
      assert.match(e.message, new RegExp(`"${field.replace(".", "\\.")}"`), field);
    }
    // IpsecPfs "disabled" is allowed, as is every documented value.
    const ok = await create({ IpsecConfig: JSON.stringify({ IpsecPfs: "disabled", IpsecAuthAlg: "md5", IpsecEncAlg: "3des" }), IkeConfig: JSON.stringify({ IkeMode: "aggressive", IkeEncAlg: "des", IkeAuthAlg: "sha512", IkePfs: "group5", Psk: "s3cret-key" }) }) as { VpnConnectionId: string };
    const conn = await vpc.request("DescribeVpnConnection", { RegionId: REGION, VpnConnectionId: ok.VpnConnectionId }) as { IkeConfig: Record<string, unknown>; IpsecConfig: Record<string, unknown> };
    assert.equal(conn.IkeConfig.Psk, "s3cret-key");
    assert.equal(conn.IkeConfig.IkeMode, "aggressive");
    assert.equal(conn.IpsecConfig.IpsecPfs, "disabled");
  });

  it("serialises gateway changes, refuses duplicate pairs, and refuses deleting gateways and customer gateways still in use", async () => {
    const { vpnGatewayId } = await activeGateway("10.22.0.0/16");
    const cgw = async (ip: string) => (await vpc.request("CreateCustomerGateway", { RegionId: REGION, IpAddress: ip }) as { CustomerGatewayId: string }).CustomerGatewayId;
    const a = await cgw("198.51.100.21");
    const b = await cgw("198.51.100.22");
    const create = (customerGatewayId: string) => sdk.createVpnConnection(new VpcSdk.CreateVpnConnectionRequest({
      regionId: REGION, vpnGatewayId, customerGatewayId, localSubnet: "10.22.0.0/16", remoteSubnet: "192.168.30.0/24",
    }));
    const { vpnConnectionId } = (await create(a)).body!;
    assert.equal(await gatewayStatus(vpnGatewayId), "updating");
    assert.equal((await failure(create(b))).code, "VpnGateway.Configuring");
    await eventually(async () => (await gatewayStatus(vpnGatewayId)) === "active" ? true : undefined);
    assert.equal((await failure(create(a))).code, "InvalidVpnConnection.AlreadyExists");

    const delGw = await failure(sdk.deleteVpnGateway(new VpcSdk.DeleteVpnGatewayRequest({ regionId: REGION, vpnGatewayId })));
    assert.equal(delGw.code, "DependencyViolation.VpnConnection");
    const delCgw = await failure(sdk.deleteCustomerGateway(new VpcSdk.DeleteCustomerGatewayRequest({ regionId: REGION, customerGatewayId: a })));
    assert.equal(delCgw.code, "DependencyViolation.VpnConnection");

    await sdk.deleteVpnConnection(new VpcSdk.DeleteVpnConnectionRequest({ regionId: REGION, vpnConnectionId }));
    assert.equal((await failure(sdk.deleteVpnGateway(new VpcSdk.DeleteVpnGatewayRequest({ regionId: REGION, vpnGatewayId })))).code, "VpnGateway.Configuring");
    await eventually(async () => (await gatewayStatus(vpnGatewayId)) === "active" ? true : undefined);
    await sdk.deleteCustomerGateway(new VpcSdk.DeleteCustomerGatewayRequest({ regionId: REGION, customerGatewayId: a }));
    await sdk.deleteVpnGateway(new VpcSdk.DeleteVpnGatewayRequest({ regionId: REGION, vpnGatewayId }));
    assert.equal((await failure(gatewayStatus(vpnGatewayId))).code, "InvalidVpnGatewayInstanceId.NotFound");
  });

  it("keeps the gateway's VPC from being deleted with DependencyViolation.VpnGateway", async () => {
    const { VpcId } = await vpc.request("CreateVpc", { RegionId: REGION, CidrBlock: "10.23.0.0/16" }) as { VpcId: string };
    await eventually(async () => (await sdk.describeVpcAttribute(new VpcSdk.DescribeVpcAttributeRequest({ regionId: REGION, vpcId: VpcId }))).body!.status === "Available" ? true : undefined);
    const { vpnGatewayId } = (await sdk.createVpnGateway(new VpcSdk.CreateVpnGatewayRequest({ regionId: REGION, vpcId: VpcId, bandwidth: 5 }))).body!;
    assert.equal((await failure(vpc.request("DeleteVpc", { RegionId: REGION, VpcId }))).code, "DependencyViolation.VpnGateway");
    await eventually(async () => (await gatewayStatus(vpnGatewayId!)) === "active" ? true : undefined);
    await sdk.deleteVpnGateway(new VpcSdk.DeleteVpnGatewayRequest({ regionId: REGION, vpnGatewayId }));
    await vpc.request("DeleteVpc", { RegionId: REGION, VpcId });
  });

  it("modifies subnets and configs, renegotiating; a customer gateway that never answers stays ike_sa_not_established", async () => {
    const { vpnGatewayId } = await activeGateway("10.24.0.0/16");
    const { CustomerGatewayId } = await vpc.request("CreateCustomerGateway", { RegionId: REGION, IpAddress: "198.51.100.30" }) as { CustomerGatewayId: string };
    const { vpnConnectionId } = (await sdk.createVpnConnection(new VpcSdk.CreateVpnConnectionRequest({
      regionId: REGION, vpnGatewayId, customerGatewayId: CustomerGatewayId, localSubnet: "10.24.0.0/16", remoteSubnet: "192.168.40.0/24",
    }))).body!;
    const describe = async () => (await sdk.describeVpnConnection(new VpcSdk.DescribeVpnConnectionRequest({ regionId: REGION, vpnConnectionId }))).body!;
    const before = await describe();
    assert.equal(before.ikeConfig!.ikeVersion, "ikev1");
    assert.equal(before.ipsecConfig!.ipsecPfs, "group2");
    await eventually(async () => (await describe()).status === "ipsec_sa_established" && (await gatewayStatus(vpnGatewayId)) === "active" ? true : undefined);

    vpnReachability.unreachable.add("198.51.100.30");
    try {
      const modified = (await sdk.modifyVpnConnectionAttribute(new VpcSdk.ModifyVpnConnectionAttributeRequest({
        regionId: REGION, vpnConnectionId, remoteSubnet: "192.168.41.0/24", ipsecConfig: JSON.stringify({ IpsecPfs: "disabled" }), name: "renamed",
      }))).body!;
      assert.equal(modified.remoteSubnet, "192.168.41.0/24");
      assert.equal(modified.ipsecConfig!.ipsecPfs, "disabled");
      assert.equal(modified.ipsecConfig!.ipsecEncAlg, "aes", "keys not named keep their values");
      assert.equal(modified.ikeConfig!.psk, before.ikeConfig!.psk);
      assert.equal(modified.name, "renamed");
      await new Promise((r) => setTimeout(r, 3 * SLOW_TRANSITION_MS));
      assert.equal((await describe()).status, "ike_sa_not_established");
    } finally {
      vpnReachability.unreachable.delete("198.51.100.30");
    }
    const bad = await failure(sdk.modifyVpnConnectionAttribute(new VpcSdk.ModifyVpnConnectionAttributeRequest({ regionId: REGION, vpnConnectionId, ikeConfig: JSON.stringify({ IkeAuthAlg: "crc32" }) })));
    assert.equal(bad.code, "InvalidParameter");
  });
});
