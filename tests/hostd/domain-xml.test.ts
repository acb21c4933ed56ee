import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildDomainXml, escapeXml, virtioDiskName } from "../../hostd/domain-xml.ts";
import type { VmSpec } from "../../hostd/drivers/types.ts";

const base: VmSpec = {
  vmInstanceUuid: "0b0e1c8e11114222833344445555666a",
  cpuNum: 2,
  memorySize: 512 * 1024 * 1024,
  domainType: "qemu",
  rootDisk: { path: "/var/lib/strata/volumes/root.qcow2" },
  consoleLogPath: "/var/lib/strata-hostd/console/vm.log",
};

describe("buildDomainXml", () => {
  it("names the domain and sets its uuid after the VM uuid, memory in KiB", () => {
    const xml = buildDomainXml(base);
    assert.match(xml, /^<domain type='qemu'>/);
    assert.match(xml, /<name>0b0e1c8e11114222833344445555666a<\/name>/);
    assert.match(xml, /<uuid>0b0e1c8e11114222833344445555666a<\/uuid>/);
    assert.match(xml, /<memory unit='KiB'>524288<\/memory>/);
    assert.match(xml, /<vcpu placement='static'>2<\/vcpu>/);
  });

  it("gives hot-plug headroom when asked: current vCPUs of a maximum, maxMemory with one NUMA cell of the boot memory", () => {
    const xml = buildDomainXml({ ...base, domainType: "kvm", maxCpuNum: 8, maxMemorySize: 4 * 1024 ** 3 });
    assert.match(xml, /<vcpu placement='static' current='2'>8<\/vcpu>/);
    assert.match(xml, /<maxMemory slots='16' unit='KiB'>4194304<\/maxMemory>/);
    assert.match(xml, /<cpu mode='host-passthrough' check='none'>\s*<numa>\s*<cell id='0' cpus='0-7' memory='524288' unit='KiB'\/>/);
    const none = buildDomainXml({ ...base, maxCpuNum: 2, maxMemorySize: 512 * 1024 * 1024 });
    assert.doesNotMatch(none, /maxMemory|current=|<numa>/, "no headroom when the maximum is the size");
  });

  it("boots from the root disk and attaches data disks as vdb, vdc", () => {
    const xml = buildDomainXml({
      ...base,
      dataDisks: [{ path: "/d/1.qcow2" }, { path: "/d/2.raw", format: "raw" }],
    });
    assert.match(xml, /<source file='\/var\/lib\/strata\/volumes\/root.qcow2'\/>\s*<target dev='vda' bus='virtio'\/>\s*<boot order='1'\/>/);
    assert.match(xml, /<driver name='qemu' type='qcow2'\/>\s*<source file='\/d\/1.qcow2'\/>\s*<target dev='vdb'/);
    assert.match(xml, /<driver name='qemu' type='raw'\/>\s*<source file='\/d\/2.raw'\/>\s*<target dev='vdc'/);
    assert.equal(xml.match(/<boot /g)?.length, 1);
  });

  it("plugs NICs into bridges, or uses user-mode networking without a bridge", () => {
    const xml = buildDomainXml({
      ...base,
      nics: [{ mac: "52:54:00:AA:BB:01", bridgeName: "br_eth0_100" }, { mac: "52:54:00:aa:bb:02" }],
    });
    assert.match(xml, /<interface type='bridge'>\s*<source bridge='br_eth0_100'\/>\s*<mac address='52:54:00:aa:bb:01'\/>/);
    assert.match(xml, /<interface type='user'>\s*<mac address='52:54:00:aa:bb:02'\/>/);
  });

  it("logs the serial console to a file and keeps VNC on 127.0.0.1", () => {
    const xml = buildDomainXml(base);
    assert.match(xml, /<serial type='file'>\s*<source path='\/var\/lib\/strata-hostd\/console\/vm.log'\/>/);
    assert.match(xml, /<graphics type='vnc' autoport='yes' listen='127.0.0.1'>/);
    assert.doesNotMatch(xml, /0\.0\.0\.0/);
  });

  it("passes the host CPU through only for kvm domains", () => {
    assert.doesNotMatch(buildDomainXml(base), /host-passthrough/);
    assert.match(buildDomainXml({ ...base, domainType: "kvm" }), /<domain type='kvm'>[\s\S]*host-passthrough/);
  });

  it("escapes paths so they cannot break out of the XML", () => {
    const xml = buildDomainXml({ ...base, rootDisk: { path: "/tmp/a'b<c>&.qcow2" } });
    assert.match(xml, /<source file='\/tmp\/a&apos;b&lt;c&gt;&amp;.qcow2'\/>/);
    assert.equal(escapeXml(`"'<>&`), "&quot;&apos;&lt;&gt;&amp;");
  });

  it("rejects malformed uuids, MACs, bridge names, sizes and relative paths", () => {
    assert.throws(() => buildDomainXml({ ...base, vmInstanceUuid: "vm1'><evil/>" }), /vmInstanceUuid/);
    assert.throws(() => buildDomainXml({ ...base, nics: [{ mac: "nope" }] }), /MAC/);
    assert.throws(() => buildDomainXml({ ...base, nics: [{ mac: "52:54:00:00:00:01", bridgeName: "br0' x" }] }), /bridge/);
    assert.throws(() => buildDomainXml({ ...base, cpuNum: 0 }), /cpuNum/);
    assert.throws(() => buildDomainXml({ ...base, memorySize: -1 }), /memorySize/);
    assert.throws(() => buildDomainXml({ ...base, rootDisk: { path: "relative.qcow2" } }), /absolute/);
  });

  it("names virtio disks like the kernel does", () => {
    assert.deepEqual([0, 1, 25, 26, 27].map(virtioDiskName), ["vda", "vdb", "vdz", "vdaa", "vdab"]);
  });
});
