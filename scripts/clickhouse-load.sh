#!/usr/bin/env bash
# Loads log files or folders into ClickHouse for `culprit report 'clickhouse://…'`.
#
#   scripts/clickhouse-load.sh [-d DATABASE] [-c CLUSTER] [-s HTTP_URL]... PATH...
#
# Creates the tables of scripts/clickhouse-tables.sql on every server named with -s (default
# http://localhost:8123), then posts `culprit export --format jsonl PATH...` to the first one as
# INSERT … FORMAT JSONEachRow; rows go through the Distributed table `DATABASE.logs` to the shards
# of CLUSTER (default: test_shard_localhost, which Debian's server config defines for one server).
# The user is $CLICKHOUSE_USER (default: default), the password $CULPRIT_CLICKHOUSE_PASSWORD; it is
# handed to curl on a pipe, never on the command line. The culprit binary is $CULPRIT, else
# target/release/culprit, else culprit on PATH. Afterwards:
#
#   culprit report 'clickhouse://localhost/DATABASE.logs?ms=ms'
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
db=culprit
cluster=test_shard_localhost
servers=()
while getopts "d:c:s:h" opt; do
  case "$opt" in
    d) db="$OPTARG" ;;
    c) cluster="$OPTARG" ;;
    s) servers+=("$OPTARG") ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-d DATABASE] [-c CLUSTER] [-s HTTP_URL]... PATH..." >&2; exit 2; }
[ ${#servers[@]} -gt 0 ] || servers=(http://localhost:8123)
# Names go into SQL unquoted: accept plain identifiers only.
for name in "$db" "$cluster"; do
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "$0: '$name' is not a plain identifier" >&2; exit 2; }
done

culprit="${CULPRIT:-}"
if [ -z "$culprit" ]; then
  if [ -x "$here/../target/release/culprit" ]; then culprit="$here/../target/release/culprit"; else culprit=culprit; fi
fi

# curl reads the credentials from a pipe (-K), so they never appear in the process list.
post() { # URL-QUERY-STRING, body on stdin
  local server="$1" query="$2"
  # -T - streams the body (chunked) instead of reading it whole into memory first.
  curl -sS --fail-with-body -K <(printf 'user = "%s:%s"\n' "${CLICKHOUSE_USER:-default}" "${CULPRIT_CLICKHOUSE_PASSWORD:-}") \
    -X POST -T - "$server/?$query"
}

statements() {
  grep -v '^\s*--' "$here/clickhouse-tables.sql" | sed "s/{db}/$db/g; s/{cluster}/$cluster/g" |
    awk 'BEGIN { RS = ";" } { gsub(/^[ \n]+|[ \n]+$/, ""); if (length($0)) printf "%s%c", $0, 0 }'
}

for server in "${servers[@]}"; do
  while IFS= read -r -d '' stmt; do
    printf '%s' "$stmt" | post "$server" "" >/dev/null
  done < <(statements)
done

start=$(date +%s)
"$culprit" export --format jsonl "$@" |
  post "${servers[0]}" "query=INSERT%20INTO%20$db.logs_in%20FORMAT%20JSONEachRow&input_format_skip_unknown_fields=1&insert_distributed_sync=1"
rows=$(printf 'SELECT count() FROM %s.logs' "$db" | post "${servers[0]}" "")
echo "loaded: $db.logs holds $rows rows ($(( $(date +%s) - start )) s); try:"
host="${servers[0]#*://}"
echo "  culprit report 'clickhouse://$host/$db.logs?ms=ms'"
