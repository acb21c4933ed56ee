#!/usr/bin/env bash
# Installs OpenSSH's server and client for the SSH deployer's integration tests
# (tests/hosts/deployer.test.ts, rig in tests/support/sshd.ts). The tests run their own sshd on
# 127.0.0.1 with a private config, so this script neither starts the system sshd nor touches
# /etc/ssh. Idempotent: installs only what is missing. CI runs it as root on Debian 12.
set -euo pipefail

PACKAGES=(openssh-server openssh-client)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup-sshd: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # policy-rc.d exit 101 keeps the package's postinst from starting the system sshd.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# sshd refuses to start without its privilege-separation directory.
mkdir -p /run/sshd
chmod 0755 /run/sshd

/usr/sbin/sshd -V 2>&1 | head -n 1 || true
