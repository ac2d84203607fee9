#!/usr/bin/env bash
# Starts and stops the real services that the tests and benchmarks use, on loopback,
# without systemd or Docker: a single Redis, a 3-master Redis Cluster and RabbitMQ.
#
#   scripts/services.sh start STATE_DIR   -> writes STATE_DIR/env (source it) and pid files
#   scripts/services.sh stop  STATE_DIR   -> stops what start started, by pid
#
# Ports come from the environment so that several checkouts can run side by side:
#   MTH_REDIS_PORT (6391), MTH_CLUSTER_BASE_PORT (7101: 7101-7103), MTH_AMQP_PORT (5673)
# Set MTH_SERVICES to a subset of "redis cluster rabbitmq" to start fewer.
# MTH_RABBITMQ_KEEP_DATA=1 starts RabbitMQ again on the data a stopped (or killed) node left:
# durable queues and persistent messages survive, as after a broker restart in production.
set -euo pipefail

cmd=${1:?usage: services.sh start|stop STATE_DIR}
state=${2:?usage: services.sh start|stop STATE_DIR}
mkdir -p "$state"
state=$(cd "$state" && pwd)

redis_port=${MTH_REDIS_PORT:-6391}
cluster_base=${MTH_CLUSTER_BASE_PORT:-7101}
amqp_port=${MTH_AMQP_PORT:-5673}
services=${MTH_SERVICES:-redis cluster rabbitmq}

wants() { [[ " $services " == *" $1 "* ]]; }

start_redis() { # port dir [extra args...]
  local port=$1 dir=$2; shift 2
  mkdir -p "$dir"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" "$@"
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis on port $port did not start; see $dir/redis.log" >&2
  return 1
}

stop_pidfile() { # file
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "$cmd" in
start)
  : > "$state/env"
  if wants redis; then
    start_redis "$redis_port" "$state/redis"
    echo "export MTH_TEST_REDIS=127.0.0.1:$redis_port" >> "$state/env"
  fi
  if wants cluster; then
    nodes=()
    for i in 0 1 2; do
      p=$((cluster_base + i))
      rm -rf "$state/cluster-$p"
      start_redis "$p" "$state/cluster-$p" --cluster-enabled yes \
        --cluster-config-file "$state/cluster-$p/nodes.conf" --cluster-node-timeout 5000
      nodes+=("127.0.0.1:$p")
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$state/cluster-create.log" 2>&1
    for _ in $(seq 1 100); do
      redis-cli -p "$cluster_base" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
    echo "export MTH_TEST_REDIS_CLUSTER=$(IFS=,; echo "${nodes[*]}")" >> "$state/env"
  fi
  if wants rabbitmq; then
    rq="$state/rabbitmq"
    # As root, rabbitmq-server drops to the rabbitmq user: its files must live where that user can write.
    if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
      rq="/var/lib/rabbitmq/mth-$amqp_port"
      [ "${MTH_RABBITMQ_KEEP_DATA:-}" = 1 ] || rm -rf "$rq"
      mkdir -p "$rq"; chown rabbitmq:rabbitmq "$rq"
    else
      mkdir -p "$rq"
    fi
    echo "$rq" > "$state/rabbitmq.dir"
    export RABBITMQ_NODENAME="mth-$amqp_port@localhost" RABBITMQ_NODE_PORT=$amqp_port \
      RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT=$((amqp_port + 20000)) \
      RABBITMQ_MNESIA_BASE="$rq/mnesia" RABBITMQ_LOG_BASE="$rq/log" \
      RABBITMQ_PID_FILE="$rq/rabbitmq.pid" RABBITMQ_ENABLED_PLUGINS_FILE="$rq/enabled_plugins" \
      RABBITMQ_CONFIG_FILE="$rq/rabbitmq" RABBITMQ_SERVER_START_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    echo "[]." > "$rq/enabled_plugins"
    : > "$rq/rabbitmq.conf"
    [ "$(id -u)" = 0 ] && chown -R rabbitmq:rabbitmq "$rq" 2>/dev/null || true
    epmd_before=$(pgrep -x epmd || true)
    rabbitmq-server -detached >"$rq/start.log" 2>&1
    # await_startup answers at once while the node has not registered with epmd yet: retry.
    started=no
    for _ in $(seq 1 60); do
      if rabbitmqctl -n "$RABBITMQ_NODENAME" await_startup --timeout 30 >>"$rq/start.log" 2>&1; then
        started=yes; break
      fi
      sleep 1
    done
    if [ "$started" != yes ]; then
      echo "rabbitmq did not start; see $rq" >&2
      exit 1
    fi
    echo "$RABBITMQ_NODENAME" > "$rq/nodename"
    # Stop epmd afterwards only if this start brought it up (other Erlang nodes may use it).
    if [ -z "$epmd_before" ]; then pgrep -x epmd | head -n 1 > "$rq/epmd.pid" || true; fi
    echo "export MTH_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:$amqp_port/" >> "$state/env"
    echo "export MTH_TEST_RABBITMQ_NODE=$RABBITMQ_NODENAME" >> "$state/env"
    echo "export MTH_TEST_RABBITMQ_PIDFILE=$rq/rabbitmq.pid" >> "$state/env"
  fi
  echo "export TCP_NODELAY=1" >> "$state/env"
  ;;
stop)
  if [ -f "$state/rabbitmq.dir" ]; then
    rq=$(cat "$state/rabbitmq.dir")
    stop_pidfile "$rq/rabbitmq.pid"
    stop_pidfile "$rq/epmd.pid"
  fi
  stop_pidfile "$state/redis/redis.pid"
  for d in "$state"/cluster-*/; do
    if [ -d "$d" ]; then stop_pidfile "$d/redis.pid"; fi
  done
  ;;
*)
  echo "usage: services.sh start|stop STATE_DIR" >&2; exit 2;;
esac
