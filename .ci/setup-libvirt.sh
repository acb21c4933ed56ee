#!/usr/bin/env bash
# Installs and starts libvirt + QEMU for hostd's integration tests (tests/hostd/).
# Follows /work/shared/ENVIRONMENT.md. Idempotent: every step checks first, so running it twice
# (or on a machine where a developer already set libvirt up) changes nothing.
# CI runs it as root on a fresh Debian 12 before `npm test`.
set -euo pipefail

# genisoimage writes the NoCloud config drives (cloud-init CIDATA) hostd attaches to VMs.
PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils genisoimage)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup-libvirt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# libvirtd refuses to start until the libvirt-qemu user exists (the package's postinst would
# create it via systemd-sysusers, which does not run in these containers).
getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -G kvm libvirt-qemu

# Run QEMU as root without relabelling files: test disks live in temp dirs that the
# libvirt-qemu user could not read, and there is no security driver to fix that up.
QEMU_CONF=/etc/libvirt/qemu.conf
MARKER="# strata: run qemu as root (set by .ci/setup-libvirt.sh)"
conf_changed=0
if ! grep -qsF "$MARKER" "$QEMU_CONF"; then
  printf '\n%s\nuser = "root"\ngroup = "root"\ndynamic_ownership = 0\n' "$MARKER" >>"$QEMU_CONF"
  conf_changed=1
fi

# pgrep (procps) is not in minimal Debian images, so look at /proc directly.
running() {
  local comm
  for comm in /proc/[0-9]*/comm; do
    [[ "$(cat "$comm" 2>/dev/null)" == "$1" ]] && return 0
  done
  return 1
}

mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt

running virtlogd || virtlogd -d
# libvirtd reads qemu.conf only at start: if it was already running with the old settings,
# restart it (only in that case) so QEMU runs as root.
if ((conf_changed)) && running libvirtd && [[ -s /var/run/libvirtd.pid ]]; then
  echo "setup-libvirt: restarting libvirtd to apply $QEMU_CONF"
  kill "$(cat /var/run/libvirtd.pid)"
  for _ in $(seq 1 50); do running libvirtd || break; sleep 0.1; done
fi
running libvirtd || libvirtd -d

# libvirtd daemonises before its socket is ready; wait until a client can connect.
for _ in $(seq 1 50); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then
    virsh -c qemu:///system version
    exit 0
  fi
  sleep 0.2
done
echo "setup-libvirt: libvirtd did not become reachable at qemu:///system" >&2
exit 1
