#!/usr/bin/env bash
# Times culprit against ripgrep and lnav on the same generated incident, in one run.
#
#   scripts/bench.sh [SIZE...]        e.g. scripts/bench.sh 1G   or   scripts/bench.sh 64M 256M 1G 4G
#
# Needs: hyperfine, ripgrep (rg), GNU time (/usr/bin/time); lnav is timed when installed.
#   apt-get install hyperfine ripgrep time lnav
# Data goes to $BENCH_DIR (default ./bench-data, git-ignored). Nothing is written next to the inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1G}")
out_dir=${BENCH_DIR:-bench-data}
runs=${RUNS:-5}
mkdir -p "$out_dir"

cargo build --release --bin culprit --example scenario
bin=target/release/culprit

# The rule pack's message patterns, one per line, for `rg -f`.
patterns="$out_dir/patterns.txt"
"$bin" rules list --json | python3 -c '
import json, re, sys
for r in json.load(sys.stdin):
    for p in r.get("patterns", []):
        print(re.sub(r"\(\?P?<\w+>", "(?:", p))
' > "$patterns"

printf '\n%-6s %-10s %12s %12s %12s %12s %10s %10s\n' size bytes culprit "rg -f rules" "rg -c ." lnav "vs rg -f" "GB/s"
for size in "${sizes[@]}"; do
  dir="$out_dir/scenario-$size"
  if [ ! -d "$dir/logs" ]; then
    target/release/examples/scenario --family auth-config --seed 1 --size "$size" --out "$dir" >/dev/null
  fi
  bytes=$(du -sb "$dir/logs" | cut -f1)
  # Warm the page cache.
  cat $(find "$dir/logs" -type f) > /dev/null
  json="$out_dir/hyperfine-$size.json"
  cmds=(
    "$bin report --format json $dir/logs"
    "rg -uu -c -f $patterns $dir/logs"
    "rg -uu -c . $dir/logs"
  )
  if command -v lnav >/dev/null 2>&1 && [ "${SKIP_LNAV:-}" = "" ]; then
    cmds+=("lnav -n -r -c ';SELECT count(*) FROM all_logs' $dir/logs")
  fi
  hyperfine --warmup 1 --runs "$runs" --ignore-failure --export-json "$json" "${cmds[@]}" >/dev/null
  python3 - "$json" "$size" "$bytes" <<'PY'
import json, re, sys
res = json.load(open(sys.argv[1]))["results"]
size, nbytes = sys.argv[2], int(sys.argv[3])
t = [r["median"] for r in res]
lnav = f"{t[3]:.2f}s" if len(t) > 3 else "-"
print(f"{size:<6} {nbytes:<10} {t[0]:>11.2f}s {t[1]:>11.2f}s {t[2]:>11.2f}s {lnav:>12} {t[0]/t[1]:>10.2f} {nbytes/t[0]/1e9:>10.2f}")
if len(t) > 3:
    print(f"       lnav / culprit = {t[3]/t[0]:.1f}x")
PY
  /usr/bin/time -v "$bin" report --format json "$dir/logs" 2> "$out_dir/time-$size.txt" >/dev/null
  rss=$(grep 'Maximum resident set size' "$out_dir/time-$size.txt" | awk '{print $NF}')
  echo "       peak RSS ${rss} KiB (includes mapped file pages touched)"
done

echo
echo "threads: 1 vs 2 on the largest size"
last="${sizes[-1]}"
hyperfine --warmup 1 --runs "$runs" \
  "$bin --threads 1 report --format json $out_dir/scenario-$last/logs" \
  "$bin --threads 2 report --format json $out_dir/scenario-$last/logs"
