/**
 * Decides which libvirt domain type VMs on this host use. Pure; unit-tested.
 */
import type { DomainType } from "./drivers/types.ts";

/** What the host probe found out. */
export interface DomainTypeEvidence {
  /** Operator's choice (`--domain-type`); "auto" or undefined means decide from evidence. */
  override?: DomainType | "auto";
  /** /dev/kvm exists. */
  kvmDevicePresent: boolean;
  /** CPU advertises vmx or svm. */
  hvmCpuFlag: boolean;
  /** CPU flags contain `hypervisor`: hostd itself runs inside a VM. */
  nested: boolean;
  /** `virsh domcapabilities --virttype kvm` succeeded. */
  libvirtKvmCapable: boolean;
}

/**
 * Picks `kvm` or `qemu` and says why.
 *
 * Why not just "kvm if /dev/kvm exists": on the project's build machines (themselves VMs)
 * /dev/kvm exists and libvirt happily starts a `kvm` domain, which then pauses with
 * "emulation failure" once the guest boot loader runs. The only sure test would be booting a
 * guest, which takes seconds and an image. So `auto` trusts KVM only on bare metal with VT-x/AMD-V
 * advertised and libvirt agreeing; nested hosts fall back to TCG (`qemu`), which is slow but
 * always works. An operator whose nested KVM does work passes `--domain-type kvm`.
 */
export function decideDomainType(e: DomainTypeEvidence): { domainType: DomainType; reason: string } {
  if (e.override === "kvm" || e.override === "qemu") {
    return { domainType: e.override, reason: `set by configuration (--domain-type ${e.override})` };
  }
  if (!e.kvmDevicePresent) return { domainType: "qemu", reason: "/dev/kvm is missing" };
  if (!e.hvmCpuFlag) return { domainType: "qemu", reason: "CPU advertises neither vmx nor svm" };
  if (e.nested) {
    return { domainType: "qemu", reason: "host is itself a VM; nested KVM is not trusted (override with --domain-type kvm)" };
  }
  if (!e.libvirtKvmCapable) return { domainType: "qemu", reason: "libvirt reports no kvm domain capability" };
  return { domainType: "kvm", reason: "hardware virtualisation available" };
}
