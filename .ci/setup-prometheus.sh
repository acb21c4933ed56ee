#!/usr/bin/env bash
# Installs Debian's Prometheus (2.42) for the monitoring tests; they start their own instance on
# a spare loopback port with a temporary config (tests/support/prometheus.ts). The packaged
# service is not needed and not started here.
set -euo pipefail
if ! command -v prometheus >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
fi
prometheus --version 2>&1 | sed -n 1p
