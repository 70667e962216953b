#!/usr/bin/env bash
# A throwaway two-shard ClickHouse cluster on loopback, for trying culprit and measuring it.
#
#   scripts/clickhouse-cluster.sh start DIR   two clickhouse-server processes under DIR (run as root:
#                                             they run as user clickhouse); prints their HTTP ports
#   scripts/clickhouse-cluster.sh stop DIR    stops them (by the pids kept in DIR) and removes DIR
#
# Both servers know the cluster `culprit_logs` (shard 1 and shard 2) and log every query to
# system.query_log. Ports: HTTP 18123/18124, native 19000/19001, interserver 19009/19010
# (override the first with CH_PORT_BASE=N: HTTP N and N+1, native N+877 and N+878, …).
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
base="${CH_PORT_BASE:-18123}"

case "$cmd" in
start)
  bin="$(command -v clickhouse-server || echo /usr/bin/clickhouse-server)"
  [ -x "$bin" ] || { echo "$0: clickhouse-server is not installed" >&2; exit 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  chmod 755 "$dir"
  shards=""
  for i in 0 1; do
    shards+="<shard><replica><host>127.0.0.1</host><port>$((base + 877 + i))</port></replica></shard>"
  done
  for i in 0 1; do
    d="$dir/shard$i"
    mkdir -p "$d"/{data,tmp,log,user_files}
    cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$((base + i))</http_port>
  <tcp_port>$((base + 877 + i))</tcp_port>
  <interserver_http_port>$((base + 886 + i))</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>500</flush_interval_milliseconds></query_log>
  <remote_servers><culprit_logs>$shards</culprit_logs></remote_servers>
</yandex>
EOF
    cat >"$d/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
    chown -R clickhouse:clickhouse "$d"
    # setpriv execs the server, so $! is its pid (kept to stop it by; nothing is looked up by name).
    (cd "$d" && HOME="$d" TZ=UTC exec setpriv --reuid=clickhouse --regid=clickhouse --init-groups -- \
      "$bin" --config-file="$d/config.xml" </dev/null >"$d/log/stdout.log" 2>&1) &
    echo $! >"$d/server.pid"
  done
  for i in 0 1; do
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$((base + i))/ping" >/dev/null 2>&1 && break
      sleep 0.5
    done
    curl -sf "http://127.0.0.1:$((base + i))/ping" >/dev/null || { echo "$0: shard $i did not start; see $dir/shard$i/log" >&2; exit 1; }
  done
  echo "http://127.0.0.1:$base http://127.0.0.1:$((base + 1))"
  ;;
stop)
  for i in 0 1; do
    f="$dir/shard$i/server.pid"
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  done
  rm -rf "$dir"
  ;;
*)
  echo "$0: unknown command '$cmd' (start or stop)" >&2
  exit 2
  ;;
esac
