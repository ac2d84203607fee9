#!/usr/bin/env bash
# scripts/check-deployment.sh: the CI check of the deployment (docs/operations.md, "CI check").
#
# 1. Compose: docker-compose.yml alone and with docker-compose.cluster.yml (and the trainer profile)
#    pass `docker compose config` with compose/.env.example; the required secrets are enforced (the
#    files refuse to render without them); .env.example names every variable the files use; every
#    Dockerfile the files build exists and publishes its project with the command this script runs.
#    Needs a Compose client, not an engine: `docker compose` (v2 plugin) or Debian 12's docker-compose.
# 2. Publish: every executable project under src/ (found, not listed: OutputType Exe or the Web SDK,
#    unless IsPublishable is false) is published with `dotnet publish src/<P> -c Release -o DIR`, the
#    Dockerfiles' build step, and the published folder must start: a web host must answer /health/live
#    (probed with compose/mth-health, the images' HEALTHCHECK) and stop cleanly on SIGTERM; a command-line
#    program must print its help and exit 0.
#
# Usage: scripts/check-deployment.sh [--compose-only | --publish-only] [PROJECT_NAME...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

do_compose=1 do_publish=1 only=()
for arg in "$@"; do
  case "$arg" in
    --compose-only) do_publish=0 ;;
    --publish-only) do_compose=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "check-deployment: unknown option $arg" >&2; exit 2 ;;
    *) only+=("$arg") ;;
  esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mth-deploy-check.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "check-deployment: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "check-deployment: ok: $*"; }
started=$(date +%s)

# ---------------------------------------------------------------------------------------------- compose
check_compose() {
  local compose
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
  else
    fail "no Compose client: install Debian's docker-compose (scripts/install-deps.sh does) or the docker compose plugin"
    return
  fi
  echo "check-deployment: compose client: $("${compose[@]}" version 2>/dev/null | head -n 1)"

  local dir="$root/compose" env="$root/compose/.env.example"
  local -A variants=(
    [single]="-f $dir/docker-compose.yml"
    [cluster]="-f $dir/docker-compose.yml -f $dir/docker-compose.cluster.yml"
  )
  local -A expected=(
    [single]="encoder ingest models-init query rabbitmq redis trainer"
    [cluster]="encoder ingest models-init query rabbitmq redis redis-2 redis-3 redis-cluster-init trainer"
  )
  local variant services
  for variant in single cluster; do
    # `config --services` validates the whole file (schema, interpolation, merge of the override) before it lists.
    # shellcheck disable=SC2086
    if ! services=$("${compose[@]}" --project-directory "$dir" --env-file "$env" ${variants[$variant]} --profile trainer config --services); then
      fail "compose ($variant) does not validate"
      continue
    fi
    services=$(sort <<<"$services" | xargs)
    if [ "$services" != "${expected[$variant]}" ]; then
      fail "compose ($variant) has services [$services], expected [${expected[$variant]}]"
    else
      pass "compose ($variant) validates: $services"
    fi
    # Without .env the secrets are missing: rendering must refuse rather than start with defaults.
    : > "$work/empty.env"
    # shellcheck disable=SC2086
    if env -u MTH_RABBITMQ_PASSWORD -u MTH_QUERY_API_KEY "${compose[@]}" --project-directory "$dir" --env-file "$work/empty.env" \
        ${variants[$variant]} config -q >/dev/null 2>&1; then
      fail "compose ($variant) renders without MTH_RABBITMQ_PASSWORD and MTH_QUERY_API_KEY"
    else
      pass "compose ($variant) refuses to render without the secrets"
    fi
  done

  # Every variable the compose files use is documented in .env.example.
  local used missing=()
  used=$(grep -ohE '\$\{MTH_[A-Z0-9_]+' "$dir"/docker-compose*.yml | sed 's/^\${//' | sort -u)
  for var in $used; do
    grep -qE "^${var}=" "$env" || missing+=("$var")
  done
  if [ ${#missing[@]} -gt 0 ]; then fail ".env.example lacks ${missing[*]}"; else pass ".env.example names all $(echo "$used" | wc -w) variables"; fi

  # Every Dockerfile the compose files build exists and publishes its project the way this script does.
  local dockerfile project
  for dockerfile in $(grep -ohE 'dockerfile: *[^ ]+' "$dir"/docker-compose*.yml | awk '{print $2}' | sort -u); do
    if [ ! -f "$root/$dockerfile" ]; then fail "compose builds $dockerfile, which does not exist"; continue; fi
    project=$(basename "$(dirname "$dockerfile")")
    if grep -qxF "RUN dotnet publish src/$project -c Release -o /app" "$root/$dockerfile" \
        && grep -qE '^USER \$APP_UID' "$root/$dockerfile" && grep -q '^HEALTHCHECK' "$root/$dockerfile"; then
      pass "$dockerfile: publishes src/$project, runs as the app user, has a HEALTHCHECK"
    else
      fail "$dockerfile must run 'dotnet publish src/$project -c Release -o /app', switch to USER \$APP_UID and declare a HEALTHCHECK"
    fi
  done
}

# ---------------------------------------------------------------------------------------------- publish
executable_projects() {
  local csproj
  for csproj in "$root"/src/*/*.csproj; do
    grep -qiE '<IsPublishable>\s*false' "$csproj" && continue
    if grep -qE '<OutputType>\s*(Exe|WinExe)\s*</OutputType>|Sdk="Microsoft\.NET\.Sdk\.Web"' "$csproj"; then
      echo "$csproj"
    fi
  done
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A web host with every section pointed at throwaway, in-process infrastructure: what it proves is that the
# published folder has what the host needs to build its services, validate its options and serve HTTP.
start_web_host() {
  local dir=$1 dll=$2 name=$3 port log state
  port=$(free_port)
  state="$work/state-$name"
  log="$work/$name.log"
  mkdir -p "$state/instances"
  (
    cd "$state"
    exec env -u ASPNETCORE_HTTP_PORTS ASPNETCORE_URLS="http://127.0.0.1:$port" DOTNET_gcServer=0 \
      InstanceStore__Root="$state/instances" Ingest__Port=0 Ingest__BindAddress=127.0.0.1 \
      Index__Provider=Memory Index__Embedded__Folder="$state/index" Messaging__Transport=InMemory \
      Models__Registry="$root/models" Query__RequireApiKey=false Encoder__InferenceThreads=1 \
      dotnet "$dir/$dll" >"$log" 2>&1
  ) &
  local pid=$! deadline=$(( $(date +%s) + 90 ))
  pids+=("$pid")
  until "$root/compose/mth-health" live "$port" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail "$name: the published host exited before answering /health/live; its output:"; tail -n 20 "$log" >&2; return
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "$name: no answer on /health/live within 90 s; its output:"; tail -n 20 "$log" >&2; kill -KILL "$pid"; return
    fi
    sleep 0.5
  done
  local answered=$(( $(date +%s) - started_host ))
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$name: answered /health/live but exited with $rc on SIGTERM"; tail -n 20 "$log" >&2; return
  fi
  pass "$name: started, answered /health/live after ${answered} s, stopped cleanly on SIGTERM"
}

check_publish() {
  local csproj name assembly dir rc size t0
  local projects
  projects=$(executable_projects)
  [ -n "$projects" ] || { fail "no executable project under src/"; return; }
  for csproj in $projects; do
    name=$(basename "$csproj" .csproj)
    if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " =~ " $name " ]]; then continue; fi
    assembly=$(sed -n 's:.*<AssemblyName>\(.*\)</AssemblyName>.*:\1:p' "$csproj" | head -n 1)
    assembly=${assembly:-$name}
    dir="$work/publish/$name"
    t0=$(date +%s)
    rc=0
    dotnet publish "src/$name" -c Release -o "$dir" --nologo -v quiet -clp:ErrorsOnly >"$work/$name.publish.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] || [ ! -f "$dir/$assembly.dll" ]; then
      fail "$name: dotnet publish src/$name -c Release failed (exit $rc)"; tail -n 30 "$work/$name.publish.log" >&2; continue
    fi
    size=$(du -sm "$dir" | cut -f1)
    pass "$name: published in $(( $(date +%s) - t0 )) s, ${size} MB"
    started_host=$(date +%s)
    if grep -q 'Sdk="Microsoft.NET.Sdk.Web"' "$csproj"; then
      start_web_host "$dir" "$assembly.dll" "$name"
    else
      local out
      if out=$(cd "$work" && timeout 60 dotnet "$dir/$assembly.dll" --help 2>&1) && grep -qi 'usage' <<<"$out"; then
        pass "$name: the published program prints its help"
      else
        fail "$name: 'dotnet $assembly.dll --help' failed or printed no usage:"; echo "$out" | tail -n 20 >&2
      fi
    fi
    rm -rf "$dir"   # the next project's output needs the disk more (ONNX Runtime and LibTorch are large)
  done
}

[ "$do_compose" = 1 ] && check_compose
[ "$do_publish" = 1 ] && check_publish
echo "check-deployment: finished in $(( $(date +%s) - started )) s, $failures failure(s)"
[ "$failures" -eq 0 ]
