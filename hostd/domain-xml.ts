/**
 * Builds libvirt domain XML from a VmSpec. Pure (no I/O), unit-tested in
 * tests/hostd/domain-xml.test.ts; drivers/virsh.ts feeds the result to `virsh define`.
 */
import { hostDevicesXml } from "./devices/hostdev-xml.ts";
import type { DiskSpec, NicSpec, VmSpec } from "./drivers/types.ts";

const UUID_RE = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const MAC_RE = /^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
/** Linux interface names: at most 15 bytes, no slash or whitespace. */
const BRIDGE_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** Escapes text for use in XML attribute values and element content. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * Returns the domain XML for `spec`.
 *
 * Choices worth knowing:
 * - name and uuid are both the vmInstanceUuid, so the management node can address a domain by
 *   either and a re-created VM keeps its libvirt identity;
 * - memory is given in KiB (rounded up from bytes), the unit libvirt stores;
 * - hot-plug headroom (ZStack's NUMA setting): `<vcpu current='n'>max</vcpu>`, and for memory
 *   `<maxMemory slots='16'>` with one NUMA cell holding the boot memory, so DIMMs can be added;
 * - `kvm` domains get `host-passthrough` CPUs (best performance, same host family is assumed for
 *   migration as in ZStack's default); `qemu` (TCG) domains keep QEMU's default model because
 *   TCG cannot emulate an arbitrary host CPU;
 * - on_crash=preserve keeps a crashed domain in the crashed state so the state reporter can
 *   tell the management node "Crashed" instead of a bare "Stopped";
 * - the serial console goes to a file so boot output survives without a client attached; VNC
 *   listens on 127.0.0.1 only (reach it through an SSH tunnel or a console proxy).
 *
 * @throws Error when the uuid, a MAC address or a bridge name is malformed, or sizes are not
 *   positive — the XML would otherwise be rejected later by libvirt with a vaguer message.
 */
export function buildDomainXml(spec: VmSpec): string {
  if (!UUID_RE.test(spec.vmInstanceUuid)) throw new Error(`invalid vmInstanceUuid: ${spec.vmInstanceUuid}`);
  if (!Number.isInteger(spec.cpuNum) || spec.cpuNum < 1) throw new Error(`invalid cpuNum: ${spec.cpuNum}`);
  if (!Number.isInteger(spec.memorySize) || spec.memorySize < 1) {
    throw new Error(`invalid memorySize: ${spec.memorySize}`);
  }
  const arch = spec.arch ?? "x86_64";
  const memoryKiB = Math.ceil(spec.memorySize / 1024);
  const maxCpu = Math.max(spec.cpuNum, spec.maxCpuNum ?? 0);
  const maxMemoryKiB = Math.max(memoryKiB, Math.ceil((spec.maxMemorySize ?? 0) / 1024));
  // Memory hot-plug adds DIMMs into NUMA node 0, which must hold the boot memory and every vCPU.
  const numa = maxMemoryKiB > memoryKiB ? [`    <numa>`, `      <cell id='0' cpus='0-${maxCpu - 1}' memory='${memoryKiB}' unit='KiB'/>`, `    </numa>`] : [];
  const cpuMode = spec.domainType === "kvm" ? ` mode='host-passthrough' check='none'` : "";
  const disks = [spec.rootDisk, ...(spec.dataDisks ?? [])];

  const lines = [
    `<domain type='${spec.domainType}'>`,
    `  <name>${escapeXml(spec.vmInstanceUuid)}</name>`,
    `  <uuid>${escapeXml(spec.vmInstanceUuid)}</uuid>`,
    ...(maxMemoryKiB > memoryKiB ? [`  <maxMemory slots='16' unit='KiB'>${maxMemoryKiB}</maxMemory>`] : []),
    `  <memory unit='KiB'>${memoryKiB}</memory>`,
    `  <currentMemory unit='KiB'>${memoryKiB}</currentMemory>`,
    maxCpu > spec.cpuNum ? `  <vcpu placement='static' current='${spec.cpuNum}'>${maxCpu}</vcpu>` : `  <vcpu placement='static'>${spec.cpuNum}</vcpu>`,
    `  <os>`,
    `    <type arch='${arch}' machine='${arch === "aarch64" ? "virt" : "pc"}'>hvm</type>`,
    `  </os>`,
    `  <features>`,
    `    <acpi/>`,
    ...(arch === "x86_64" ? [`    <apic/>`] : []),
    `  </features>`,
    ...(numa.length ? [`  <cpu${cpuMode}>`, ...numa, `  </cpu>`] : cpuMode ? [`  <cpu${cpuMode}/>`] : []),
    `  <clock offset='utc'/>`,
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>preserve</on_crash>`,
    `  <devices>`,
    ...disks.flatMap((disk, i) => diskXml(disk, i)),
    ...(spec.configDrivePath ? configDriveXml(spec.configDrivePath, disks.length) : []),
    ...(spec.nics ?? []).flatMap((nic) => nicXml(nic)),
    `    <serial type='file'>`,
    `      <source path='${escapeXml(spec.consoleLogPath)}'/>`,
    `      <target port='0'/>`,
    `    </serial>`,
    `    <console type='file'>`,
    `      <source path='${escapeXml(spec.consoleLogPath)}'/>`,
    `      <target type='serial' port='0'/>`,
    `    </console>`,
    ...graphicsXml(spec.consolePassword),
    ...hostDevicesXml(spec.hostDevices),
    `    <memballoon model='virtio'/>`,
    `  </devices>`,
    `</domain>`,
  ];
  return lines.join("\n") + "\n";
}

/**
 * The VNC graphics device, on 127.0.0.1 only; `passwd` when a console password is set. `port`
 * pins the running domain's port, which `virsh update-device` needs to match the live device.
 */
export function graphicsXml(password?: string, port?: number): string[] {
  const attrs = [`type='vnc'`, port ? `port='${port}' autoport='no'` : `autoport='yes'`, `listen='127.0.0.1'`,
    ...(password !== undefined ? [`passwd='${escapeXml(password)}'`] : [])];
  return [
    `    <graphics ${attrs.join(" ")}>`,
    `      <listen type='address' address='127.0.0.1'/>`,
    `    </graphics>`,
  ];
}

/** virtio disk names: vda, vdb, ... vdz, vdaa (as the kernel names them). */
export function virtioDiskName(index: number): string {
  let name = "";
  let n = index;
  do {
    name = String.fromCharCode(97 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `vd${name}`;
}

function diskXml(disk: DiskSpec, index: number): string[] {
  if (!disk.path.startsWith("/")) throw new Error(`disk path must be absolute: ${disk.path}`);
  return [
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='${disk.format ?? "qcow2"}'/>`,
    `      <source file='${escapeXml(disk.path)}'/>`,
    `      <target dev='${virtioDiskName(index)}' bus='virtio'/>`,
    ...(index === 0 ? [`      <boot order='1'/>`] : []),
    `    </disk>`,
  ];
}

/**
 * The config drive as a read-only virtio disk after the volumes. cloud-init finds NoCloud by
 * the filesystem label (cidata) on any block device; virtio is there as soon as the guest's
 * virtio drivers load, where an emulated IDE CD-ROM can still be probing under software
 * emulation when early-boot code looks for it.
 */
function configDriveXml(path: string, index: number): string[] {
  if (!path.startsWith("/")) throw new Error(`config drive path must be absolute: ${path}`);
  return [
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='raw'/>`,
    `      <source file='${escapeXml(path)}'/>`,
    `      <target dev='${virtioDiskName(index)}' bus='virtio'/>`,
    `      <readonly/>`,
    `    </disk>`,
  ];
}

function nicXml(nic: NicSpec): string[] {
  if (!MAC_RE.test(nic.mac)) throw new Error(`invalid MAC address: ${nic.mac}`);
  if (nic.bridgeName !== undefined && !BRIDGE_RE.test(nic.bridgeName)) {
    throw new Error(`invalid bridge name: ${nic.bridgeName}`);
  }
  const head =
    nic.bridgeName === undefined
      ? [`    <interface type='user'>`]
      : [`    <interface type='bridge'>`, `      <source bridge='${nic.bridgeName}'/>`];
  return [
    ...head,
    `      <mac address='${nic.mac.toLowerCase()}'/>`,
    `      <model type='virtio'/>`,
    `    </interface>`,
  ];
}
