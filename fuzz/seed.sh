#!/bin/sh
# Seeds fuzz/corpus/ from the repository's sample logs and rule files (the corpus is not committed).
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/parse_formats corpus/json_lines corpus/rules_load corpus/gunzip corpus/pipeline
i=0
for f in $(find ../sample-logs -type f ! -name '*.md' | sort); do
    i=$((i + 1))
    # parse_formats: the first byte picks the parser; seed several choices per file.
    for sel in 0 2 4 8 12; do
        { printf "\\$(printf %03o $(((i + sel) % 14)))"; head -c 3000 "$f"; } > "corpus/parse_formats/s$i-$sel"
    done
    { printf '\020'; head -c 6000 "$f"; } > "corpus/pipeline/s$i"
    head -c 3000 "$f" | gzip > "corpus/gunzip/s$i.gz"
done
head -c 6000 ../sample-logs/auth/auth-1.log > corpus/json_lines/auth
head -c 4000 ../sample-logs/audit/changes.jsonl > corpus/json_lines/audit
cp ../rules/*.toml corpus/rules_load/
# An incident the analysis ranks (and the input that once stalled it), so the pipeline target
# reaches window detection and ranking, not only indexing.
for f in ../tests/data/fuzz/*; do
    { printf '\020'; cat "$f"; } > "corpus/pipeline/regression-$(basename "$f")"
done

# envelopes: sample lines wrapped as CRI (full and partial pieces), Docker json-file and journald JSON.
mkdir -p corpus/envelopes corpus/clickhouse_response
i=0
for f in $(find ../sample-logs -type f ! -name '*.md' | sort); do
    i=$((i + 1))
    head -n 30 "$f" | awk '{ printf "2024-06-03T10:15:%02d.123456789Z %s %s %s\n", NR % 60, (NR % 2 ? "stdout" : "stderr"), (NR % 5 ? "F" : "P"), $0 }' \
        | { printf '\000'; cat; } > "corpus/envelopes/cri$i"
    json() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g'; }
    head -n 30 "$f" | json | awk '{ printf "{\"log\":\"%s\\n\",\"stream\":\"stderr\",\"time\":\"2024-06-03T10:15:%02d.1Z\"}\n", $0, NR % 60 }' \
        | { printf '\001'; cat; } > "corpus/envelopes/docker$i"
    head -n 30 "$f" | json | awk '{ printf "{\"__REALTIME_TIMESTAMP\":\"17174097%02d123456\",\"PRIORITY\":\"%d\",\"_HOSTNAME\":\"web-1\",\"SYSLOG_IDENTIFIER\":\"app\",\"_PID\":\"81\",\"MESSAGE\":\"%s\"}\n", NR % 60, NR % 8, $0 }' \
        | { printf '\002'; cat; } > "corpus/envelopes/journald$i"
done
printf '\002{"__REALTIME_TIMESTAMP":"1717409702123456","PRIORITY":"6","MESSAGE":[69,82,82,79,82,32,98,111,10]}\n' > corpus/envelopes/bytes

# clickhouse_response: an HTTP head, then a body read as DESCRIBE columns, a span row and grouped rows
# (count, first ms, last ms, level, host, service, key, first message, last message, first line, last line).
http_ok() { printf 'HTTP/1.0 200 OK\r\nContent-Type: text/tab-separated-values; charset=UTF-8\r\nX-ClickHouse-Format: TabSeparated\r\n\r\n'; }
{ printf '\001'; http_ok; printf 'Timestamp\tDateTime64(9)\nSeverityText\tLowCardinality(String)\nServiceName\tLowCardinality(String)\nBody\tString\nResourceAttributes\tMap(LowCardinality(String), String)\n'; } > corpus/clickhouse_response/describe
{ printf '\000'; http_ok; printf '1717409702123\t1717413302123\t4210\n'; } > corpus/clickhouse_response/span
{ printf '\001'; http_ok; printf '3\t1717409702123\t1717409712123\tERROR\tweb-1\tnginx\t/var/log/nginx/error.log\tconnect() failed (111: Connection refused)\\n\tconnect() failed (111: Connection refused)\t12\t19\n1\t1717409703000\t1717409703000\tINFO\tweb-2\tapi\t/var/log/api.log\tstarted \\t ok\tstarted\t1\t1\n'; } > corpus/clickhouse_response/rows
{ printf '\000'; http_ok; printf '2\t1717409702123\t1717409702999\t\\N\tdb-1\tpostgres\tdb-1\\tpostgres\tFATAL:  too many connections\tFATAL:  too many connections\t0\t0\n'; } > corpus/clickhouse_response/rows-by-time
{ printf '\000'; printf 'HTTP/1.0 500 Internal Server Error\r\n\r\nCode: 60. DB::Exception: Table db.logs does not exist.\n'; } > corpus/clickhouse_response/error
