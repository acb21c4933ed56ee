#!/usr/bin/env bash
# Installs what the flat network service and its tests need on a host: dnsmasq (the DHCP server
# hostd runs in a per-L3 network namespace, like ZStack's flat network provider), iproute2 (`ip`
# for bridges, VLAN sub-interfaces, veth pairs, namespaces) and busybox (`udhcpc`, the DHCP
# client tests/hostd/network.test.ts runs inside a test namespace). Idempotent: runs
# `apt-get update` once and installs only what is missing. The Debian dnsmasq package's own
# service is neither started nor enabled: hostd starts one dnsmasq per L3 network itself.
set -euo pipefail

PACKAGES=(dnsmasq-base iproute2 busybox)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup-network: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Read whole outputs before cutting them: `cmd | head` can kill cmd with SIGPIPE, which
# pipefail turns into a failed CI run.
dnsmasq_version="$(dnsmasq --version)"; echo "${dnsmasq_version%%$'\n'*}"
busybox_banner="$(busybox 2>&1 || true)"; echo "${busybox_banner%%$'\n'*}"
