#!/usr/bin/env bash
# Builds and runs disk-probes (needs gcc) on FOLDER (default: the system temp folder).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
gcc -O2 -Wall -Wextra -o "$out/disk-probes" "$here/disk-probes.c" -lpthread
"$out/disk-probes" "${1:-${TMPDIR:-/tmp}}"
