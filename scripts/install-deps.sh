#!/usr/bin/env bash
# Installs the Debian packages that the tests and benchmarks need, where they are missing.
# Safe to run again: it asks apt only for what is not installed yet.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have redis-server || need+=(redis-server)
have rabbitmq-server || [ -x /usr/sbin/rabbitmq-server ] || need+=(rabbitmq-server)
have storescu || need+=(dcmtk)
# GDCM: a second independent DICOM implementation, for the colour conversions where dcmtk departs from PS3.3.
have gdcmconv || need+=(libgdcm-tools)
have python3 || need+=(python3)
# A Compose client for scripts/check-deployment.sh (`config` needs no engine): Debian 12 has no compose v2
# plugin, its docker-compose (1.29) validates the same files.
docker compose version >/dev/null 2>&1 || have docker-compose || need+=(docker-compose)
# The web page's tests drive Debian's headless Chromium through Playwright (tests/Mth.Web.Tests).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ "${MTH_BENCH_DEPS:-0}" = 1 ]; then
  python3 -c 'import faiss, numpy' 2>/dev/null || need+=(python3-faiss python3-numpy)
fi
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  if have sudo; then sudo=sudo; else echo "install these packages as root: ${need[*]}" >&2; exit 1; fi
fi
echo "install-deps: apt-get install ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
