import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  cpuTopology,
  iommuEnabledOnCmdline,
  parseCpuInfo,
  parseMemInfo,
  parseNetDev,
  parseOsRelease,
  parseProcStatCpu,
} from "../../hostd/parsers/proc.ts";
import { parseDomstats, parseVirshVersion, vmStateFromLibvirt } from "../../hostd/parsers/virsh.ts";
import { decideDomainType } from "../../hostd/domain-type.ts";
import { parseConfig } from "../../hostd/config.ts";

/** 2 sockets x 2 cores x 2 threads (8 logical CPUs), as an Intel server prints it. */
function intelCpuinfo(): string {
  const blocks: string[] = [];
  let processor = 0;
  for (const socket of [0, 1]) {
    for (const thread of [0, 1]) {
      for (const core of [0, 1]) {
        blocks.push(
          [
            `processor\t: ${processor++}`,
            "vendor_id\t: GenuineIntel",
            "model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz",
            `physical id\t: ${socket}`,
            "siblings\t: 4",
            `core id\t\t: ${core}`,
            "cpu cores\t: 2",
            `apicid\t\t: ${socket * 8 + core * 2 + thread}`,
            "flags\t\t: fpu vme de pse tsc msr pae vmx ssse3 sse4_2 avx2",
          ].join("\n"),
        );
      }
    }
  }
  return blocks.join("\n\n") + "\n";
}

const AARCH64_CPUINFO = `processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid
CPU implementer\t: 0x41
CPU part\t: 0xd0c

processor\t: 1
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid
CPU implementer\t: 0x41
CPU part\t: 0xd0c
`;

describe("proc parsers", () => {
  it("counts sockets, cores per socket and threads per core from /proc/cpuinfo", () => {
    const cpus = parseCpuInfo(intelCpuinfo());
    assert.equal(cpus.length, 8);
    assert.equal(cpus[0]!.modelName, "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
    assert.ok(cpus[0]!.flags.includes("vmx"));
    assert.deepEqual(cpuTopology(cpus), { cpuNum: 8, cpuSockets: 2, cpuCores: 2, cpuThreads: 2 });
  });

  it("treats every aarch64 CPU as its own core when cpuinfo has no topology", () => {
    const cpus = parseCpuInfo(AARCH64_CPUINFO);
    assert.equal(cpus.length, 2);
    assert.equal(cpus[0]!.modelName, undefined);
    assert.ok(cpus[0]!.flags.includes("asimd"));
    assert.deepEqual(cpuTopology(cpus), { cpuNum: 2, cpuSockets: 1, cpuCores: 2, cpuThreads: 1 });
  });

  it("reads /proc/meminfo in bytes", () => {
    const mem = parseMemInfo("MemTotal:       24681616 kB\nMemFree:        23489012 kB\nMemAvailable:   24099844 kB\nHugePages_Total:       0\n");
    assert.equal(mem.MemTotal, 24681616 * 1024);
    assert.equal(mem.MemAvailable, 24099844 * 1024);
    assert.equal(mem.HugePages_Total, 0);
  });

  it("reads the aggregate cpu line of /proc/stat as seconds per mode", () => {
    const stat = "cpu  9193 10 5092 50364 461 1 105 27 0 0\ncpu0 3671 0 1952 26986 16 0 19 7 0 0\nintr 1 2 3\n";
    assert.deepEqual(parseProcStatCpu(stat), {
      user: 91.93,
      nice: 0.1,
      system: 50.92,
      idle: 503.64,
      iowait: 4.61,
      irq: 0.01,
      softirq: 1.05,
      steal: 0.27,
    });
  });

  it("reads rx/tx bytes per interface from /proc/net/dev", () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:   42004     565    0    0    0     0          0         0    42004     565    0    0    0     0       0          0
  eth0: 123456789 1000 0 0 0 0 0 0 987654 900 0 0 0 0 0 0
`;
    assert.deepEqual(parseNetDev(text), [
      { interface: "lo", rxBytes: 42004, txBytes: 42004 },
      { interface: "eth0", rxBytes: 123456789, txBytes: 987654 },
    ]);
  });

  it("reads /etc/os-release with quoted and bare values", () => {
    const rel = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n# comment\n');
    assert.equal(rel.ID, "debian");
    assert.equal(rel.VERSION_ID, "12");
    assert.equal(rel.PRETTY_NAME, "Debian GNU/Linux 12 (bookworm)");
  });

  it("detects IOMMU switches on the kernel command line", () => {
    assert.equal(iommuEnabledOnCmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on quiet"), true);
    assert.equal(iommuEnabledOnCmdline("root=/dev/sda1 amd_iommu=on"), true);
    assert.equal(iommuEnabledOnCmdline("root=/dev/sda1 iommu=pt"), true);
    assert.equal(iommuEnabledOnCmdline("root=/dev/sda1 intel_iommu=off quiet"), false);
    assert.equal(iommuEnabledOnCmdline(""), false);
  });
});

const DOMSTATS = `Domain: 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
  state.state=1
  state.reason=1
  cpu.time=405646000
  cpu.user=127906000
  cpu.system=277740000
  balloon.current=65536
  balloon.maximum=131072
  balloon.rss=44972
  vcpu.current=2
  vcpu.maximum=2
  vcpu.0.state=1
  net.count=1
  net.0.name=vnet0
  net.0.rx.bytes=1500
  net.0.rx.pkts=10
  net.0.tx.bytes=3000
  net.0.tx.pkts=20
  block.count=2
  block.0.name=vda
  block.0.path=/var/lib/strata/root.qcow2
  block.0.rd.reqs=12
  block.0.rd.bytes=49152
  block.0.wr.reqs=3
  block.0.wr.bytes=4096
  block.0.capacity=67108864
  block.1.name=vdb
  block.1.path=/var/lib/strata/data.qcow2
  block.1.rd.reqs=0
  block.1.rd.bytes=0
  block.1.wr.reqs=0
  block.1.wr.bytes=0

Domain: 'stopped-one'
  state.state=5
  state.reason=0
  balloon.current=65536
  balloon.maximum=65536
  vcpu.current=1
  vcpu.maximum=1

`;

describe("virsh parsers", () => {
  it("parses virsh domstats into per-domain stats in bytes and seconds", () => {
    const [a, b, ...rest] = parseDomstats(DOMSTATS);
    assert.equal(rest.length, 0);
    assert.equal(a!.name, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    assert.equal(a!.state, "Running");
    assert.equal(a!.cpuTimeSeconds, 0.405646);
    assert.equal(a!.vcpus, 2);
    assert.equal(a!.balloonCurrentBytes, 65536 * 1024);
    assert.equal(a!.balloonMaximumBytes, 131072 * 1024);
    assert.equal(a!.rssBytes, 44972 * 1024);
    assert.deepEqual(a!.blocks[0], {
      device: "vda",
      path: "/var/lib/strata/root.qcow2",
      readBytes: 49152,
      writeBytes: 4096,
      readRequests: 12,
      writeRequests: 3,
      capacityBytes: 67108864,
    });
    assert.equal(a!.blocks[1]!.device, "vdb");
    assert.deepEqual(a!.nets, [{ device: "vnet0", rxBytes: 1500, txBytes: 3000 }]);
    assert.equal(b!.name, "stopped-one");
    assert.equal(b!.state, "Stopped");
    assert.equal(b!.cpuTimeSeconds, undefined);
    assert.deepEqual(b!.blocks, []);
  });

  it("skips user-mode NICs, which have net.count but no per-NIC counters", () => {
    const [d] = parseDomstats("Domain: 'x'\n  state.state=1\n  net.count=1\n  block.count=0\n");
    assert.deepEqual(d!.nets, []);
  });

  it("returns nothing for empty output", () => {
    assert.deepEqual(parseDomstats("\n"), []);
  });

  it("maps libvirt states to ZStack VM states", () => {
    assert.equal(vmStateFromLibvirt(1), "Running");
    assert.equal(vmStateFromLibvirt(2), "Running");
    assert.equal(vmStateFromLibvirt(3), "Paused");
    assert.equal(vmStateFromLibvirt(4), "Stopping");
    assert.equal(vmStateFromLibvirt(5), "Stopped");
    assert.equal(vmStateFromLibvirt(6), "Crashed");
    assert.equal(vmStateFromLibvirt(7), "Suspended");
    assert.equal(vmStateFromLibvirt(0), "Unknown");
  });

  it("parses virsh version", () => {
    const text = `Compiled against library: libvirt 9.0.0
Using library: libvirt 9.0.0
Using API: QEMU 9.0.0
Running hypervisor: QEMU 7.2.22
`;
    assert.deepEqual(parseVirshVersion(text), { libvirtVersion: "9.0.0", qemuVersion: "7.2.22" });
    assert.deepEqual(parseVirshVersion(""), { libvirtVersion: undefined, qemuVersion: undefined });
  });
});

describe("decideDomainType", () => {
  const bareMetal = { kvmDevicePresent: true, hvmCpuFlag: true, nested: false, libvirtKvmCapable: true };

  it("uses kvm on bare metal with VT-x/AMD-V and libvirt support", () => {
    assert.equal(decideDomainType(bareMetal).domainType, "kvm");
  });

  it("falls back to qemu when nested, without /dev/kvm, without vmx/svm or without libvirt kvm", () => {
    assert.equal(decideDomainType({ ...bareMetal, nested: true }).domainType, "qemu");
    assert.equal(decideDomainType({ ...bareMetal, kvmDevicePresent: false }).domainType, "qemu");
    assert.equal(decideDomainType({ ...bareMetal, hvmCpuFlag: false }).domainType, "qemu");
    assert.equal(decideDomainType({ ...bareMetal, libvirtKvmCapable: false }).domainType, "qemu");
  });

  it("obeys an explicit override either way", () => {
    assert.equal(decideDomainType({ ...bareMetal, override: "qemu" }).domainType, "qemu");
    const forced = decideDomainType({ ...bareMetal, nested: true, override: "kvm" });
    assert.equal(forced.domainType, "kvm");
    assert.match(forced.reason, /configuration/);
  });
});

describe("parseConfig", () => {
  it("applies defaults, env and flags (flags win)", () => {
    const c = parseConfig(["--secret-file", "/s", "--port", "8080"], { HOSTD_PORT: "9090", HOSTD_DRIVER: "sim", HOSTD_HOST_UUID: "h1" });
    assert.equal(c.port, 8080);
    assert.equal(c.driver, "sim");
    assert.equal(c.hostUuid, "h1");
    assert.equal(c.listen, "0.0.0.0");
    assert.equal(c.libvirtUri, "qemu:///system");
    assert.equal(c.domainType, "auto");
    assert.equal(c.stateIntervalMs, 5000);
  });

  it("requires a secret file and rejects bad values", () => {
    assert.throws(() => parseConfig([], {}), /secret-file/);
    assert.throws(() => parseConfig(["--secret-file", "/s", "--driver", "xen"], {}), /driver/);
    assert.throws(() => parseConfig(["--secret-file", "/s", "--port", "http"], {}), /port/);
    assert.throws(() => parseConfig(["--secret-file", "/s", "--bogus"], {}), /bogus/);
  });
});
