#!/usr/bin/env bash
# Runs every test against real services started here on loopback (Redis, a 3-master
# Redis Cluster, RabbitMQ) and dcmtk, then stops what it started. Extra arguments go to
# `dotnet test` (for example: --filter FullyQualifiedName~Mth.Core).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TCP_NODELAY=1
"$root/scripts/install-deps.sh"
state=$(mktemp -d "${TMPDIR:-/tmp}/mth-test.XXXXXX")
chmod 755 "$state"
cleanup() { "$root/scripts/services.sh" stop "$state" || true; rm -rf "$state"; }
trap cleanup EXIT
"$root/scripts/services.sh" start "$state"
# shellcheck disable=SC1091
source "$state/env"
dotnet test "$root/Mth.sln" -c Release --nologo "$@"
