#!/bin/sh
# Runs fuzz targets one after another (never two at once), each for SECONDS
# (default 600), optimised but with overflow checks and debug assertions (-a).
# A crash does not stop the run (fork mode, one worker): every crashing input
# lands in fuzz/artifacts/TARGET/ to be turned into a regression test.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]    (from the repository root or fuzz/)
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"parse_formats pipeline rules_load json_lines gunzip envelopes clickhouse_response"}
for t in $targets; do
    mkdir -p "corpus/$t"
    echo "== $t for ${secs}s"
    # The pipeline indexes with rayon; one thread keeps the run on one core.
    RAYON_NUM_THREADS=1 RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a "$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
done
