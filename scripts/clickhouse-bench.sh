#!/usr/bin/env bash
# Measures culprit on a ClickHouse table against the same logs as files (docs/performance.md).
#
#   scripts/clickhouse-bench.sh [WORKDIR] [SIZE]
#
# Generates the db-disk-full scenario (seed 1, SIZE of logs, default 2450M: about 10 M timed
# records), starts a two-shard cluster (scripts/clickhouse-cluster.sh, as root), loads the logs
# through the Distributed table (scripts/clickhouse-load.sh), then runs `culprit report` on the
# files and on the table under `/usr/bin/time -v`, and reads both servers' system.query_log: rows
# stored, rows read and rows returned per query. Prints the figures and whether the incident window
# and top cause agree; WORKDIR (default a new temp folder) is removed at the end.
# Needs target/release/culprit and target/release/examples/scenario
# (`cargo build --release --example scenario`).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
work="${1:-$(mktemp -d /tmp/culprit-chbench.XXXXXX)}"
size="${2:-2450M}"
culprit="$root/target/release/culprit"
scenario="$root/target/release/examples/scenario"
base="${CH_PORT_BASE:-18123}"
mkdir -p "$work"
cleanup() { CH_PORT_BASE="$base" "$here/clickhouse-cluster.sh" stop "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

q() { curl -sS --fail-with-body "http://127.0.0.1:$1/" --data-binary "$2"; }

"$scenario" --family db-disk-full --seed 1 --out "$work/gen" --size "$size" >/dev/null
logs="$work/gen/logs"
echo "logs: $(du -sh "$logs" | cut -f1), $(find "$logs" -type f -print0 | xargs -0 cat | wc -l) lines"

CH_PORT_BASE="$base" "$here/clickhouse-cluster.sh" start "$work/cluster" >/dev/null
CULPRIT="$culprit" "$here/clickhouse-load.sh" -d bench -c culprit_logs \
  -s "http://127.0.0.1:$base" -s "http://127.0.0.1:$((base + 1))" "$logs" | head -1
for p in "$base" $((base + 1)); do echo "stored on :$p: $(q "$p" 'SELECT count() FROM bench.logs_local') rows"; done

run() { # NAME INPUT
  /usr/bin/time -v "$culprit" report --format json "$2" >"$work/$1.json" 2>"$work/$1.time"
  grep -E "Elapsed|Maximum resident|User time|System time" "$work/$1.time" | sed "s/^\s*/$1: /"
}
run local "$logs"
sleep 2
since="$(q "$base" 'SELECT now()')"
run table "clickhouse://127.0.0.1:$base/bench.logs?ms=ms"
sleep 2
for p in "$base" $((base + 1)); do
  q "$p" 'SYSTEM FLUSH LOGS' >/dev/null 2>&1 || sleep 2
  echo "query_log on :$p (initial: the query culprit sent; otherwise a shard's part of it):"
  q "$p" "SELECT is_initial_query AS initial, read_rows, result_rows, query_duration_ms AS ms,
      formatReadableSize(memory_usage) AS memory, substring(replaceAll(query, '\n', ' '), 1, 40) AS query
    FROM system.query_log WHERE type = 2 AND event_time >= toDateTime('$since')
      AND query NOT LIKE '%system.query_log%' ORDER BY event_time FORMAT PrettyCompactMonoBlock"
done

python3 - "$work/local.json" "$work/table.json" <<'EOF'
import json, sys
def verdict(path):
    f = json.load(open(path))
    i, c = f["incident"] or {}, (f["causes"] or [{}])[0]
    return ((i.get("start"), i.get("onset"), i.get("end")),
            (c.get("verdict"), c.get("subsystem"), c.get("service"), sorted(c.get("hosts", [])), c.get("onset")))
local, table = verdict(sys.argv[1]), verdict(sys.argv[2])
print("local:", local)
print("table:", table)
print("same incident window and top cause:", local == table)
EOF
