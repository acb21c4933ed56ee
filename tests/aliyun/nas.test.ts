/**
 * NAS through Strata's REST API against the emulator, and an AliyunNAS primary storage that a
 * local VM keeps its volumes on. No NFS server can run in this container (no kernel nfsd), so
 * the emulated mount target is backed by a local directory, which the hosts use in place of the
 * NFS mount (as a SharedMountPoint). The first suite uses simulator hosts; the second this
 * machine as a real KVM host, where hostd prepares the storage and a running VM gets a qcow2
 * data volume file in the directory backing the mount target.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import RPCClient from "@alicloud/pop-core";
import { EmulatorAccessKeys } from "../../connectors/aliyun/emulator/core/access-keys.ts";
import { nasBacking } from "../../connectors/aliyun/emulator/products/nas/backing.ts";
import { type RunningEmulator, startEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { ALIYUN_ACCOUNT_ID, ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, REGION, type HybridRig, startHybridRig } from "../support/aliyun.ts";
import { settle } from "../support/jobs.ts";
import { setupKvmCloud, virsh, type KvmCloud } from "../support/kvm-cloud.ts";

type Body = Record<string, unknown>;
type Inv = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const GiB = 1024 ** 3;

describe("Alibaba NAS and the AliyunNAS primary storage through the REST API", () => {
  let rig: HybridRig;
  let nas: (action: string, params?: Body) => Promise<Body>;
  let dcUuid: string;
  const tmp = mkdtempSync(join(tmpdir(), "strata-nas-"));
  const backingDir = join(tmp, "nas-export");
  const ids: Record<string, string> = {};

  const ok = async (r: Promise<{ status: number; body: Inv; text: string }>): Promise<Inv> => {
    const x = await r;
    assert.ok(x.status < 300, `${x.status} ${x.text}`);
    if (x.status !== 202) return x.body;
    const s = await settle(rig.admin, x as never, 60_000);
    assert.equal(s.status, 200, s.text);
    return s.body;
  };
  const list = async (path: string): Promise<Inv[]> => (await ok(rig.admin.get(path))).inventories;

  before(async () => {
    nasBacking.defaultExport = backingDir;
    rig = await startHybridRig();
    const c = new RPCClient({ accessKeyId: ALIYUN_KEY_ID, accessKeySecret: ALIYUN_KEY_SECRET, endpoint: rig.emulator.url, apiVersion: "2017-06-26" });
    nas = (action, params = {}) => c.request(action, { RegionId: REGION, ...params }, { method: "POST" }) as Promise<Body>;
    dcUuid = (await rig.addRegion()).uuid;
    const zone = (await list(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dcUuid}&q=zoneId=cn-hangzhou-h`))[0]!;
    const vpc = (await ok(rig.admin.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dcUuid, cidrBlock: "172.16.0.0/16", name: "storage", vRouterName: "storage-router" } }))).inventory;
    ids.vswitch = (await ok(rig.admin.post("/v1/hybrid/aliyun/vswitch", {
      params: { vpcUuid: vpc.uuid, identityZoneUuid: zone.uuid, cidrBlock: "172.16.1.0/24", name: "nas-net" },
    }))).inventory.uuid;
  });
  after(async () => {
    nasBacking.defaultExport = undefined;
    await rig.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  let fs: Inv;
  it("creates a NAS file system as a job that ends Running", async () => {
    fs = (await ok(rig.admin.post("/v1/nas/aliyun", { params: { dataCenterUuid: dcUuid, storageType: "Performance", protocol: "NFS", name: "vm-data", description: "Volumes of local VMs" } }))).inventory;
    assert.deepEqual([fs.status, fs.protocol, fs.storageType, fs.type], ["Running", "NFS", "Performance", "AliyunNAS"]);
    assert.match(fs.fileSystemId, /^[0-9a-f]{10}$/);
    const remote = await nas("DescribeFileSystems", { FileSystemId: fs.fileSystemId }) as { FileSystems: { FileSystem: Body[] } };
    assert.equal(remote.FileSystems.FileSystem[0]!.Description, "Volumes of local VMs");
    const bad = await rig.admin.post("/v1/nas/aliyun", { params: { dataCenterUuid: dcUuid, storageType: "Performance", name: "x", description: "http://nope" } });
    assert.equal(bad.status, 400, bad.text);
  });

  let group: Inv;
  it("creates an access group with a rule, and picks the region's default group with its rule", async () => {
    group = (await ok(rig.admin.post("/v1/nas/aliyun/access", { params: { dataCenterUuid: dcUuid, name: "strata-hosts", description: "Hosts of the sim cluster" } }))).inventory;
    assert.deepEqual([group.type, group.rules], ["vpc", []]);
    const rule = (await ok(rig.admin.post("/v1/nas/aliyun/rule", { params: { accessGroupUuid: group.uuid, sourceCidrIp: "10.253.0.0/24", priority: 10 } }))).inventory;
    assert.deepEqual([rule.ruleId, rule.sourceCidr, rule.rule, rule.userAccess, rule.priority], ["1", "10.253.0.0/24", "RDWR", "no_squash", 10]);
    const [again] = await list(`/v1/nas/aliyun/access?q=uuid=${group.uuid}`);
    assert.equal(again!.rules.length, 1);
    const remoteRules = await nas("DescribeAccessRules", { AccessGroupName: "strata-hosts" }) as { AccessRules: { AccessRule: Body[] } };
    assert.deepEqual(remoteRules.AccessRules.AccessRule.map((r) => r.SourceCidrIp), ["10.253.0.0/24"]);
    const dup = await rig.admin.post("/v1/nas/aliyun/access", { params: { dataCenterUuid: dcUuid, name: "strata-hosts" } });
    assert.equal(dup.body.error.code, "ALIYUN.InvalidAccessGroup.AlreadyExist", dup.text);

    const picked = (await ok(rig.admin.put("/v1/nas/aliyun/access", { addAliyunNasAccessGroup: { dataCenterUuid: dcUuid, groupName: "DEFAULT_VPC_GROUP_NAME" } }))).inventory;
    assert.deepEqual(picked.rules.map((r: Inv) => [r.sourceCidr, r.rule]), [["0.0.0.0/0", "RDWR"]]);
    const remote = await ok(rig.admin.get(`/v1/nas/aliyun/access/remote?dataCenterUuid=${dcUuid}`));
    assert.deepEqual(remote.inventories.map((g: Inv) => g.groupName).sort(), ["DEFAULT_VPC_GROUP_NAME", "strata-hosts"]);
  });

  let target: Inv;
  it("creates a mount target in a VSwitch as a job that ends Active; the emulator says what backs it", async () => {
    target = (await ok(rig.admin.post("/v1/nas/aliyun/mount", {
      params: { nasFSUuid: fs.uuid, nasAccessGroupUuid: group.uuid, vSwitchUuid: ids.vswitch, name: "sim-hosts-mount" },
    }))).inventory;
    assert.equal(target.status, "Active");
    assert.match(target.mountDomain, new RegExp(`^${fs.fileSystemId}-\\w+\\.cn-hangzhou\\.nas\\.aliyuncs\\.com$`));
    assert.deepEqual([target.accessGroupUuid, target.vSwitchUuid], [group.uuid, ids.vswitch]);
    const renamed = (await ok(rig.admin.put(`/v1/primary-storage/nas/mount/${target.uuid}/actions`, { updateNasMountTarget: { name: "sim-mount" } }))).inventory;
    assert.equal(renamed.name, "sim-mount");
    const remote = await ok(rig.admin.get(`/v1/nas/aliyun/mount/remote?nasFSUuid=${fs.uuid}`));
    assert.deepEqual(remote.inventories.map((m: Inv) => [m.mountDomain, m.accessGroupName, m.status]), [[target.mountDomain, "strata-hosts", "Active"]]);
    const backing = await fetch(`${rig.emulator.url}/__emulator/nas/mount-targets/${target.mountDomain}`).then((r) => r.json()) as Body;
    assert.deepEqual([backing.fileSystemId, backing.localExport, backing.status], [fs.fileSystemId, backingDir, "Active"]);
  });

  let ps: Inv;
  it("adds an AliyunNAS primary storage from the file system and access group; a local VM's volumes live on it", async () => {
    const a = rig.admin;
    execFileSync("qemu-img", ["create", "-f", "qcow2", join(tmp, "tiny.qcow2"), "64M"]);
    ids.zone = (await ok(a.post("/v1/zones", { params: { name: "z" } }))).inventory.uuid;
    ids.cluster = (await ok(a.post("/v1/clusters", { params: { zoneUuid: ids.zone, name: "sims", hypervisorType: "Simulator" } }))).inventory.uuid;
    for (const name of ["sim-1", "sim-2"]) {
      await ok(a.post("/v1/hosts/simulators", { params: { clusterUuid: ids.cluster, name, cpuCapacity: 8, memoryCapacity: 16 * GiB } }));
    }
    ps = (await ok(a.post("/v1/primary-storage/aliyun/nas", {
      params: { nasUuid: fs.uuid, accessGroupUuid: group.uuid, url: "/", name: "nas-ps", zoneUuid: ids.zone },
    }))).inventory;
    assert.deepEqual([ps.type, ps.url, ps.mountPath, ps.state], ["AliyunNAS", `${target.mountDomain}:/`, backingDir, "Enabled"]);
    const attached = (await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ps.uuid}`, {}))).inventory;
    assert.deepEqual(attached.attachedClusterUuids, [ids.cluster]);
    assert.ok(attached.totalCapacity > 0, "hosts reported the storage's capacity");

    ids.bs = (await ok(a.post("/v1/backup-storage/image-store", { params: { name: "bs", url: join(tmp, "bs"), hostname: "127.0.0.1" } }))).inventory.uuid;
    await ok(a.post(`/v1/zones/${ids.zone}/backup-storage/${ids.bs}`, {}));
    ids.image = (await ok(a.post("/v1/images", {
      params: { name: "tiny", url: `file://${join(tmp, "tiny.qcow2")}`, format: "qcow2", mediaType: "RootVolumeTemplate", platform: "Linux", backupStorageUuids: [ids.bs] },
    }))).inventory.uuid;
    ids.offering = (await ok(a.post("/v1/instance-offerings", { params: { name: "1c1g", cpuNum: 1, memorySize: GiB } }))).inventory.uuid;
    ids.l2 = (await ok(a.post("/v1/l2-networks/no-vlan", { params: { name: "l2", zoneUuid: ids.zone, physicalInterface: "eth9" } }))).inventory.uuid;
    await ok(a.post(`/v1/l2-networks/${ids.l2}/clusters/${ids.cluster}`, {}));
    ids.l3 = (await ok(a.post("/v1/l3-networks", { params: { name: "flat", l2NetworkUuid: ids.l2, category: "Private" } }))).inventory.uuid;
    await ok(a.post(`/v1/l3-networks/${ids.l3}/ip-ranges`, { params: { name: "r", startIp: "10.253.0.10", endIp: "10.253.0.250", netmask: "255.255.255.0", gateway: "10.253.0.1" } }));

    const vm = (await ok(a.post("/v1/vm-instances", { params: { name: "vm-on-nas", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [ids.l3] } }))).inventory;
    assert.equal(vm.state, "Running");
    const volume = (await ok(a.post("/v1/volumes/data", { params: { name: "data-on-nas", size: 2 * GiB, primaryStorageUuid: ps.uuid } }))).inventory;
    await ok(a.post(`/v1/volumes/${volume.uuid}/vm-instances/${vm.uuid}`, {}));
    const [data] = await list(`/v1/volumes?q=uuid=${volume.uuid}`);
    assert.equal(data!.vmInstanceUuid, vm.uuid);
    assert.equal(data!.primaryStorageUuid, ps.uuid);
    assert.ok((data!.installPath as string).startsWith(`${backingDir}/`), `${data!.installPath} is below the NAS mount`);
    const [root] = await list(`/v1/volumes?q=vmInstanceUuid=${vm.uuid}&q=type=Root`);
    assert.equal(root!.primaryStorageUuid, ps.uuid, "the root volume too: it is the cluster's only storage");
  });

  it("refuses to delete the mount target or the file system while the primary storage uses them", async () => {
    const mt = await rig.admin.delete(`/v1/primary-storage/nas/mount/${target.uuid}`);
    assert.equal(mt.status, 409, mt.text);
    assert.equal(mt.body.error.code, "SYS.1004");
    const f = await rig.admin.delete(`/v1/primary-storage/nas/${fs.uuid}`);
    assert.equal(f.body.error.code, "SYS.1004", f.text);
    const group409 = await rig.admin.delete(`/v1/nas/access/${group.uuid}`);
    assert.equal(group409.status, 409, group409.text);
    assert.equal(group409.body.error.code, "ALIYUN.OperationDenied.AccessGroupInUse");
  });

  it("modifies, syncs, takes over and deletes file systems", async () => {
    const u = (await ok(rig.admin.put(`/v1/primary-storage/nas/${fs.uuid}/actions`, { updateNasFileSystem: { name: "vm-data-2", description: "Renamed volumes" } }))).inventory;
    assert.equal(u.name, "vm-data-2");
    const remote = await nas("DescribeFileSystems", { FileSystemId: fs.fileSystemId }) as { FileSystems: { FileSystem: Body[] } };
    assert.equal(remote.FileSystems.FileSystem[0]!.Description, "Renamed volumes");
    assert.equal((await list("/v1/primary-storage/nas")).length, 1);

    // A file system made elsewhere: listed remotely, taken over, then deleted on Alibaba.
    const { FileSystemId } = await nas("CreateFileSystem", { ProtocolType: "NFS", StorageType: "Capacity" }) as { FileSystemId: string };
    const listed = await ok(rig.admin.get(`/v1/nas/aliyun/remote?dataCenterUuid=${dcUuid}`));
    assert.ok(listed.inventories.some((f: Inv) => f.fileSystemId === FileSystemId));
    const taken = (await ok(rig.admin.put("/v1/nas/aliyun", { addAliyunNasFileSystem: { fileSystemId: FileSystemId, name: "legacy", dataCenterUuid: dcUuid } }))).inventory;
    assert.deepEqual([taken.storageType, taken.name], ["Capacity", "legacy"]);
    // Taken over while Pending: the data-center sync brings Alibaba's Running.
    for (let i = 0; ; i++) {
      const results = await rig.sync(dcUuid);
      assert.ok(results.AliyunNasFileSystem, "the data-center sync has a NAS step");
      if ((await list(`/v1/primary-storage/nas?q=uuid=${taken.uuid}`))[0]!.status === "Running") break;
      assert.ok(i < 50, "the file system never showed Running");
      await new Promise((r) => setTimeout(r, 100));
    }
    await ok(rig.admin.delete(`/v1/nas/aliyun/${taken.uuid}/remote`));
    const gone = await nas("DescribeFileSystems", { FileSystemId }) as { FileSystems: { FileSystem: Body[] } };
    assert.deepEqual(gone.FileSystems.FileSystem, []);
    const missing = await rig.admin.put("/v1/nas/aliyun", { addAliyunNasFileSystem: { fileSystemId: "0000000000", name: "ghost", dataCenterUuid: dcUuid } });
    assert.equal(missing.body.error.code, "HYBRID.REMOTE_NOT_FOUND", missing.text);
  });

  it("deletes an access rule and an unused access group on Alibaba", async () => {
    const spare = (await ok(rig.admin.post("/v1/nas/aliyun/access", { params: { dataCenterUuid: dcUuid, name: "spare" } }))).inventory;
    const rule = (await ok(rig.admin.post("/v1/nas/aliyun/rule", { params: { accessGroupUuid: spare.uuid, sourceCidrIp: "192.168.9.9", rwAccessType: "RDONLY" } }))).inventory;
    await ok(rig.admin.delete(`/v1/nas/access/rule/${rule.uuid}`));
    assert.deepEqual(((await nas("DescribeAccessRules", { AccessGroupName: "spare" })) as { AccessRules: { AccessRule: Body[] } }).AccessRules.AccessRule, []);
    await ok(rig.admin.delete(`/v1/nas/access/${spare.uuid}`));
    assert.deepEqual(await list(`/v1/nas/aliyun/access?q=uuid=${spare.uuid}`), []);
  });
});

describe("AliyunNAS primary storage on a real KVM host", () => {
  let emulator: RunningEmulator;
  let cloud: KvmCloud;
  const dir = mkdtempSync(join(tmpdir(), "strata-nas-kvm-"));
  const backingDir = join(dir, "nas-export");
  const vms: string[] = [];

  before(async () => {
    mkdirSync(backingDir);
    nasBacking.defaultExport = backingDir;
    emulator = await startEmulator({ accessKeys: EmulatorAccessKeys.parse(`${ALIYUN_KEY_ID}:${ALIYUN_KEY_SECRET}:${ALIYUN_ACCOUNT_ID}`), transitionMs: 200 });
    cloud = await setupKvmCloud("strata-nas0", { ALIYUN_ENDPOINT_OVERRIDE: emulator.url });
  });
  after(async () => {
    await cloud?.teardown(vms);
    await emulator?.close();
    nasBacking.defaultExport = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("hostd prepares the storage and a running VM's data volume is a qcow2 file in the NAS backing", async () => {
    const { ok, ids } = cloud;
    const a = cloud.t.admin;
    await ok(a.post("/v1/hybrid/aliyun/key", { params: { name: "k", key: ALIYUN_KEY_ID, secret: ALIYUN_KEY_SECRET } }));
    const dc = (await ok(a.post("/v1/hybrid/data-center", { params: { regionId: REGION, type: "aliyun", syncZones: true } }))).inventory;
    const zone = (await ok(a.get(`/v1/hybrid/identity-zone?q=dataCenterUuid=${dc.uuid}&q=zoneId=cn-hangzhou-h`))).inventories[0];
    const vpc = (await ok(a.post("/v1/hybrid/aliyun/vpc", { params: { dataCenterUuid: dc.uuid, cidrBlock: "172.16.0.0/16", name: "storage", vRouterName: "storage-router" } }))).inventory;
    const vsw = (await ok(a.post("/v1/hybrid/aliyun/vswitch", { params: { vpcUuid: vpc.uuid, identityZoneUuid: zone.uuid, cidrBlock: "172.16.1.0/24", name: "nas-net" } }))).inventory;
    const fs = (await ok(a.post("/v1/nas/aliyun", { params: { dataCenterUuid: dc.uuid, storageType: "Capacity", name: "kvm-data" } }))).inventory;
    const group = (await ok(a.post("/v1/nas/aliyun/access", { params: { dataCenterUuid: dc.uuid, name: "kvm-hosts" } }))).inventory;
    await ok(a.post("/v1/nas/aliyun/rule", { params: { accessGroupUuid: group.uuid, sourceCidrIp: "127.0.0.1/32" } }));
    await ok(a.post("/v1/nas/aliyun/mount", { params: { nasFSUuid: fs.uuid, nasAccessGroupUuid: group.uuid, vSwitchUuid: vsw.uuid, name: "kvm-mount" } }));
    const ps = (await ok(a.post("/v1/primary-storage/aliyun/nas", {
      params: { nasUuid: fs.uuid, accessGroupUuid: group.uuid, url: "/", name: "nas-ps", zoneUuid: ids.zone },
    }))).inventory;
    const attached = (await ok(a.post(`/v1/clusters/${ids.cluster}/primary-storage/${ps.uuid}`, {}))).inventory;
    assert.ok(attached.totalCapacity > 0, "hostd reported the backing directory's filesystem capacity");

    const l3 = await cloud.addFlatL3("nas-l3", { startIp: "10.93.0.10", endIp: "10.93.0.50", netmask: "255.255.255.0", gateway: "10.93.0.1" });
    const vm = (await ok(a.post("/v1/vm-instances", { params: { name: "vm-nas", instanceOfferingUuid: ids.offering, imageUuid: ids.image, l3NetworkUuids: [l3] } }))).inventory;
    vms.push(vm.uuid);
    assert.equal(vm.state, "Running");
    const volume = (await ok(a.post("/v1/volumes/data", { params: { name: "data-on-nas", size: GiB, primaryStorageUuid: ps.uuid } }))).inventory;
    await ok(a.post(`/v1/volumes/${volume.uuid}/vm-instances/${vm.uuid}`, {}));
    const data = (await ok(a.get(`/v1/volumes/${volume.uuid}`))).inventories[0];
    assert.equal(data.primaryStorageUuid, ps.uuid);
    assert.ok(data.installPath.startsWith(`${backingDir}/`), data.installPath);
    assert.ok(existsSync(data.installPath), "the qcow2 file exists in the NAS backing directory");
    assert.match(execFileSync("qemu-img", ["info", "-U", data.installPath]).toString(), /file format: qcow2/);
    assert.ok(virsh("domblklist", vm.uuid).includes(data.installPath), "the running domain has the NAS file as a disk");
  });
});
