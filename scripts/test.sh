#!/usr/bin/env bash
# Runs every test against real services started here on loopback (Redis, a 3-master
# Redis Cluster, RabbitMQ) and dcmtk, then stops what it started. Extra arguments go to
# `dotnet test` (for example: --filter FullyQualifiedName~Mth.Core).
#
# Tests over the shared sample corpus (Category=SharedCorpus: the 45 DICOM samples, real
# images) run when that corpus is found: $MTH_SHARED_DATA, else ../shared/data beside the
# checkout. Without it they are left out by filter, and the run says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TCP_NODELAY=1
"$root/scripts/install-deps.sh"

if [ -z "${MTH_SHARED_DATA:-}" ]; then
  for candidate in "$root/../shared/data" /work/shared/data; do
    if [ -d "$candidate/dicom" ]; then MTH_SHARED_DATA=$(cd "$candidate" && pwd); break; fi
  done
fi
args=("$@")
if [ -n "${MTH_SHARED_DATA:-}" ]; then
  export MTH_SHARED_DATA
  echo "test: shared corpus at $MTH_SHARED_DATA: SharedCorpus tests included" >&2
else
  echo "test: no shared corpus (set MTH_SHARED_DATA): SharedCorpus tests left out" >&2
  exclude='Category!=SharedCorpus'
  filtered=no
  for i in "${!args[@]}"; do
    if [ "${args[$i]}" = "--filter" ] && [ $((i + 1)) -lt ${#args[@]} ]; then
      args[$((i + 1))]="(${args[$((i + 1))]})&$exclude"; filtered=yes
    fi
  done
  [ "$filtered" = yes ] || args+=(--filter "$exclude")
fi

state=$(mktemp -d "${TMPDIR:-/tmp}/mth-test.XXXXXX")
chmod 755 "$state"
cleanup() { "$root/scripts/services.sh" stop "$state" || true; rm -rf "$state"; }
trap cleanup EXIT
"$root/scripts/services.sh" start "$state"
# shellcheck disable=SC1091
source "$state/env"
dotnet test "$root/Mth.sln" -c Release --nologo "${args[@]}"
