import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import RPCClient from "@alicloud/pop-core";
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, REGION, type HybridRig, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";

type Body = Record<string, unknown>;
type Inv = Record<string, unknown> & { uuid: string };

/** Alibaba's VPC API called directly on the emulator, as the console would. */
function vpcApi(url: string) {
  const c = new RPCClient({ accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: url, apiVersion: "2016-04-28" });
  return (action: string, params: Body = {}) => c.request(action, { RegionId: REGION, ...params }, { method: "POST" }) as Promise<Body>;
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Alibaba VPN gateways, customer gateways and VPN connections through the REST API", () => {
  let rig: HybridRig;
  let api: ReturnType<typeof vpcApi>;
  let dcUuid: string;
  let gateway: Inv;
  const list = async (path: string): Promise<Inv[]> => {
    const r = await rig.admin.get(path);
    assert.equal(r.status, 200, r.text);
    return r.body.inventories;
  };
  const remoteConnections = async () => ((await api("DescribeVpnConnections")) as { VpnConnections: { VpnConnection: Body[] } }).VpnConnections.VpnConnection;
  const remoteCustomerGateways = async () => ((await api("DescribeCustomerGateways")) as { CustomerGateways: { CustomerGateway: Body[] } }).CustomerGateways.CustomerGateway;

  before(async () => {
    rig = await startHybridRig();
    api = vpcApi(rig.emulator.url);
    dcUuid = (await rig.addRegion()).uuid;
    const vpc = await settle(rig.admin, await rig.admin.post("/v1/hybrid/aliyun/vpc", {
      params: { dataCenterUuid: dcUuid, cidrBlock: "192.168.0.0/16", name: "cloud", vRouterName: "cloud-router" },
    }));
    assert.equal(vpc.status, 200, vpc.text);
    // VPN gateways are bought on Alibaba's console: made directly on the emulator.
    const { VpnGatewayId } = await api("CreateVpnGateway", { VpcId: vpc.body.inventory.ecsVpcId, Bandwidth: 10, Name: "gw-1" }) as { VpnGatewayId: string };
    await until(async () => ((await api("DescribeVpnGateway", { VpnGatewayId })).Status === "active" ? true : undefined));
  });
  after(async () => { await rig.destroy(); });

  it("syncs VPN gateways with Alibaba's status and public IP, linked to the VPC record", async () => {
    const r = await rig.admin.put(`/v1/hybrid/vpc-vpn/${dcUuid}/sync`, {});
    assert.equal(r.status, 200, r.text);
    [gateway] = r.body.inventories;
    assert.equal(gateway!.status, "active");
    assert.equal(gateway!.spec, "10M");
    assert.match(gateway!.publicIp as string, /^118\.\d+\.\d+\.\d+$/);
    assert.ok(gateway!.vpcUuid);
    assert.equal((await list(`/v1/hybrid/vpc-vpn?q=name=gw-1`)).length, 1);
  });

  let quick: { vpnConnection: Inv; userGateway: Inv; ikeConfig: Inv; ipsecConfig: Inv; ipsecConnection: Inv };
  it("quick VPN connection: customer gateway, connection with a generated PSK, and the matching local IPsec record", async () => {
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/vpn-connection/quick", {
      params: { vpnGatewayUuid: gateway.uuid, localIp: "203.0.113.10", localCidrs: "10.10.0.0/16", name: "office" },
    }));
    assert.equal(done.status, 200, done.text);
    quick = done.body.inventory;
    const psk = quick.ikeConfig.psk as string;
    assert.match(psk, /^[A-Za-z0-9]{16}$/);
    assert.equal(quick.userGateway.ip, "203.0.113.10");
    assert.deepEqual([quick.vpnConnection.localSubnet, quick.vpnConnection.remoteSubnet], ["192.168.0.0/16", "10.10.0.0/16"]);
    // On Alibaba: the connection holds the same PSK and settings.
    const [remote] = await remoteConnections();
    assert.equal(remote!.VpnConnectionId, quick.vpnConnection.connectionId);
    assert.deepEqual({ ...(remote!.IkeConfig as Body) }, {
      Psk: psk, IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha1", IkePfs: "group2", IkeLifetime: 86400,
      LocalId: gateway.publicIp, RemoteId: "203.0.113.10",
    });
    assert.deepEqual((await remoteCustomerGateways()).map((g) => g.IpAddress), ["203.0.113.10"]);
    // The local side mirrors it: peer is the gateway, same key and algorithms in ZStack's names.
    const ipsec = quick.ipsecConnection;
    assert.deepEqual([ipsec.peerAddress, ipsec.localAddress, ipsec.peerCidrs, ipsec.authKey], [gateway.publicIp, "203.0.113.10", ["192.168.0.0/16"], psk]);
    assert.deepEqual([ipsec.ikeEncryptionAlgorithm, ipsec.ikeAuthAlgorithm, ipsec.ikeDhGroup, ipsec.pfs, ipsec.lifeTime], ["aes-128", "sha1", 2, "dh-group2", 86400]);
    assert.deepEqual([ipsec.localId, ipsec.remoteId], ["203.0.113.10", gateway.publicIp]);
    assert.equal((await list(`/v1/ipsec?q=vpcVpnConnectionUuid=${quick.vpnConnection.uuid}`)).length, 1);
  });

  it("shows the IKE and IPsec settings in ZStack's inventories and Alibaba's JSON form; status as Alibaba reports it", async () => {
    const [ike] = await list(`/v1/hybrid/vpn-connection/ike?q=uuid=${quick.vpnConnection.ikeConfigUuid}`);
    assert.deepEqual([ike!.encodeAlgorithm, ike!.authAlgorithm, ike!.pfs, ike!.lifetime, ike!.version, ike!.mode], ["aes", "sha1", "group2", 86400, "ikev1", "main"]);
    assert.equal(JSON.parse(ike!.aliyunIkeConfig as string).Psk, quick.ikeConfig.psk);
    const [ipsec] = await list(`/v1/hybrid/vpn-connection/ipsec?q=uuid=${quick.vpnConnection.ipsecConfigUuid}`);
    assert.deepEqual(JSON.parse(ipsec!.aliyunIpsecConfig as string), { IpsecEncAlg: "aes", IpsecAuthAlg: "sha1", IpsecPfs: "group2", IpsecLifetime: 86400 });
    const status = await until(async () => {
      const r = await rig.admin.put(`/v1/hybrid/vpn-connection/${dcUuid}/sync`, {});
      const c = (r.body.inventories as Inv[]).find((x) => x.uuid === quick.vpnConnection.uuid);
      return c?.status === "ipsec_sa_established" ? c.status : undefined;
    });
    assert.equal(status, "ipsec_sa_established");
  });

  it("modifies the connection on Alibaba: subnets, name and a new IKE configuration", async () => {
    const ike = await rig.admin.post("/v1/hybrid/vpn-connection/ike", {
      params: { name: "strong", psk: "n3w-Secret-Key", encAlg: "aes-256", authAlg: "sha256", pfs: "group14", localIp: gateway.publicIp, remoteIp: "203.0.113.10" },
    });
    assert.equal(ike.status, 200, ike.text);
    assert.equal(ike.body.inventory.encodeAlgorithm, "aes256", "ZStack's aes-256 is stored as Alibaba's aes256");
    const r = await rig.admin.put(`/v1/hybrid/vpn-connection/${quick.vpnConnection.uuid}/actions`, {
      updateVpcVpnConnectionRemote: { name: "office-2", remoteCidr: "10.10.0.0/16,10.20.0.0/16", ikeConfUuid: ike.body.inventory.uuid },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.inventory.remoteSubnet, "10.10.0.0/16,10.20.0.0/16");
    const [remote] = await remoteConnections();
    assert.deepEqual([remote!.Name, remote!.RemoteSubnet], ["office-2", "10.10.0.0/16,10.20.0.0/16"]);
    assert.deepEqual([(remote!.IkeConfig as Body).Psk, (remote!.IkeConfig as Body).IkeEncAlg, (remote!.IkeConfig as Body).IkePfs], ["n3w-Secret-Key", "aes256", "group14"]);
    const inUse = await rig.admin.delete(`/v1/hybrid/vpn-connection/ike/${ike.body.inventory.uuid}`);
    assert.equal(inUse.status, 409, inUse.text);
    assert.equal(inUse.body.error.code, "SYS.1004");
  });

  it("deletes the connection on Alibaba, then the customer gateway locally only, which a sync brings back", async () => {
    const d = await rig.admin.delete(`/v1/hybrid/vpn-connection/${quick.vpnConnection.uuid}/remote`);
    assert.equal(d.status, 200, d.text);
    assert.deepEqual(await remoteConnections(), []);
    assert.deepEqual(await list(`/v1/hybrid/vpn-connection?q=uuid=${quick.vpnConnection.uuid}`), []);

    const local = await rig.admin.delete(`/v1/hybrid/user-gateway/${quick.userGateway.uuid}`);
    assert.equal(local.status, 200, local.text);
    assert.deepEqual(await list(`/v1/hybrid/user-vpn?q=uuid=${quick.userGateway.uuid}`), []);
    assert.equal((await remoteCustomerGateways()).length, 1, "still on Alibaba");
    const synced = await rig.admin.put(`/v1/hybrid/user-vpn/${dcUuid}/sync`, {});
    assert.deepEqual((synced.body.inventories as Inv[]).map((g) => g.ip), ["203.0.113.10"]);
    const back = synced.body.inventories[0] as Inv;
    const remoteDelete = await rig.admin.delete(`/v1/hybrid/user-gateway/${back.uuid}/remote`);
    assert.equal(remoteDelete.status, 200, remoteDelete.text);
    assert.deepEqual(await remoteCustomerGateways(), []);
  });

  it("creates a customer gateway and a connection the ZStack way, and refuses a private address with Alibaba's code", async () => {
    const bad = await rig.admin.post("/v1/hybrid/user-vpn", { params: { dataCenterUuid: dcUuid, ip: "10.0.0.1", name: "private" } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.code, "ALIYUN.InvalidParameter");
    const cgw = await rig.admin.post("/v1/hybrid/user-vpn", { params: { dataCenterUuid: dcUuid, ip: "198.51.100.7", name: "branch" } });
    assert.equal(cgw.status, 200, cgw.text);
    const ike = await rig.admin.post("/v1/hybrid/vpn-connection/ike", { params: { name: "branch-ike", psk: "branchKey1", localIp: gateway.publicIp, remoteIp: "198.51.100.7" } });
    const ipsec = await rig.admin.post("/v1/hybrid/vpn-connection/ipsec", { params: { name: "branch-ipsec", pfs: "disabled" } });
    assert.deepEqual([ike.body.inventory.encodeAlgorithm, ike.body.inventory.pfs], ["3des", "group1"], "ZStack's SDK defaults");
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/vpn-connection", {
      params: {
        userGatewayUuid: cgw.body.inventory.uuid, vpnGatewayUuid: gateway.uuid, name: "branch", localCidr: "192.168.0.0/16", remoteCidr: "172.20.0.0/16",
        active: true, ikeConfUuid: ike.body.inventory.uuid, ipsecConfUuid: ipsec.body.inventory.uuid,
      },
    }));
    assert.equal(done.status, 200, done.text);
    const [remote] = await remoteConnections();
    assert.deepEqual([(remote!.IkeConfig as Body).IkeEncAlg, (remote!.IpsecConfig as Body).IpsecPfs], ["3des", "disabled"]);
    const again = await rig.admin.post("/v1/hybrid/vpn-connection", {
      params: {
        userGatewayUuid: cgw.body.inventory.uuid, vpnGatewayUuid: gateway.uuid, name: "branch-2", localCidr: "192.168.0.0/16", remoteCidr: "172.20.0.0/16",
        active: false, ikeConfUuid: ike.body.inventory.uuid, ipsecConfUuid: ipsec.body.inventory.uuid,
      },
    });
    assert.equal(again.status, 400, again.text);
    assert.equal(again.body.error.code, "ALIYUN.InvalidVpnConnection.AlreadyExists");
    // Forgotten locally, it stays on Alibaba; a sync brings it back with config records of Alibaba's settings.
    assert.equal((await rig.admin.delete(`/v1/hybrid/vpn-connection/${done.body.inventory.uuid}`)).status, 200);
    assert.equal((await remoteConnections()).length, 1);
    const synced = (await rig.admin.put(`/v1/hybrid/vpn-connection/${dcUuid}/sync`, {})).body.inventories as Inv[];
    assert.equal(synced.length, 1);
    const [syncedIke] = await list(`/v1/hybrid/vpn-connection/ike?q=uuid=${synced[0]!.ikeConfigUuid}`);
    assert.deepEqual([syncedIke!.psk, syncedIke!.encodeAlgorithm], ["branchKey1", "3des"]);
    // The first configs are unused now: deleted without Enforcing.
    assert.equal((await rig.admin.delete(`/v1/hybrid/vpn-connection/ike/${ike.body.inventory.uuid}`)).status, 200);
    assert.equal((await rig.admin.delete(`/v1/hybrid/vpn-connection/ipsec/${ipsec.body.inventory.uuid}`)).status, 200);
    // Clean up for the rollback test.
    assert.equal((await rig.admin.delete(`/v1/hybrid/vpn-connection/${synced[0]!.uuid}/remote`)).status, 200);
    assert.equal((await rig.admin.delete(`/v1/hybrid/user-gateway/${cgw.body.inventory.uuid}/remote`)).status, 200);
  });

  it("quick VPN connection rolls back everything when its last step fails", async () => {
    const before = {
      cgw: (await list("/v1/hybrid/user-vpn")).length, conn: (await list("/v1/hybrid/vpn-connection")).length,
      ike: (await list("/v1/hybrid/vpn-connection/ike")).length, ipsec: (await list("/v1/hybrid/vpn-connection/ipsec")).length,
      local: (await list("/v1/ipsec")).length,
    };
    // The second DescribeVpnConnections is the last step (reading back what Alibaba applied).
    rig.emulator.faults.failNext({ action: "DescribeVpnConnections", skip: 1, count: 1, code: "Forbidden.RAM", status: 403, message: "injected" });
    const done = await settle(rig.admin, await rig.admin.post("/v1/hybrid/vpn-connection/quick", {
      params: { vpnGatewayUuid: gateway.uuid, localIp: "203.0.113.99", localCidrs: "10.99.0.0/16", name: "doomed" },
    }));
    assert.notEqual(done.status, 200, done.text);
    assert.match(done.text, /Forbidden\.RAM/);
    assert.deepEqual(await remoteConnections(), []);
    assert.deepEqual(await remoteCustomerGateways(), []);
    assert.deepEqual({
      cgw: (await list("/v1/hybrid/user-vpn")).length, conn: (await list("/v1/hybrid/vpn-connection")).length,
      ike: (await list("/v1/hybrid/vpn-connection/ike")).length, ipsec: (await list("/v1/hybrid/vpn-connection/ipsec")).length,
      local: (await list("/v1/ipsec")).length,
    }, before);
  });

  it("deletes a VPN gateway record locally; the data-center sync brings it back", async () => {
    assert.equal((await rig.admin.delete(`/v1/hybrid/vpn-gateway/${gateway.uuid}`)).status, 200);
    assert.deepEqual(await list(`/v1/hybrid/vpc-vpn?q=uuid=${gateway.uuid}`), []);
    const results = await rig.sync(dcUuid);
    assert.equal(results.VpcVpnGateway!.created, 1);
    assert.equal((await list("/v1/hybrid/vpc-vpn")).length, 1);
  });
});
