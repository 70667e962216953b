#!/usr/bin/env bash
# Times culprit against ripgrep and lnav, in one run, on two input shapes of the same size:
#   scenario  the project's generated incident (`--family auth-config`, 45 files, long lines);
#   authdb    auth and database syslog plus the same events as JSON lines (short, repetitive
#             lines), made by an outside generator: set AUTHDB_GEN to its path
#             (`gen_authdb.py syslog|jsonl OUT BYTES`); without it this shape is skipped.
#
#   scripts/bench.sh [SIZE...]        e.g. scripts/bench.sh 1G   or   scripts/bench.sh 64M 256M 1G
#
# Needs: hyperfine, ripgrep (rg), GNU time (/usr/bin/time); lnav is timed when installed.
#   apt-get install hyperfine ripgrep time lnav
# Data goes to $BENCH_DIR (default: a fresh temporary folder), one shape at a time, and is deleted
# after its shape is measured unless KEEP_DATA=1 (two 1 GB shapes need not fit on disk together).
# Nothing is written next to the inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1G}")
out_dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/culprit-bench.XXXXXX")}
runs=${RUNS:-5}
mkdir -p "$out_dir"
echo "data in $out_dir; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

cargo build --release --bin culprit --example scenario
bin=target/release/culprit

# The rule pack's message patterns, one per line, for `rg -f` (named groups made plain).
patterns="$out_dir/patterns.txt"
"$bin" rules list --json | python3 -c '
import json, re, sys
for r in json.load(sys.stdin):
    for p in r.get("patterns", []):
        print(re.sub(r"\(\?P?<\w+>", "(?:", p))
' > "$patterns"

bytes_of() { numfmt --from=iec "$1"; }

# make_input SHAPE SIZE DIR: writes the inputs under DIR and prints them, space-separated.
make_input() {
  local shape=$1 size=$2 dir=$3
  mkdir -p "$dir"
  case $shape in
    scenario)
      [ -d "$dir/logs" ] || target/release/examples/scenario --family auth-config --seed 1 --size "$size" --out "$dir" >/dev/null
      echo "$dir/logs" ;;
    authdb)
      # The issue's mix: 62 % RFC 3164 syslog, 38 % JSON lines.
      local total; total=$(bytes_of "$size")
      [ -f "$dir/sys.log" ] || python3 "$AUTHDB_GEN" syslog "$dir/sys.log" $((total * 62 / 100)) >/dev/null
      [ -f "$dir/app.jsonl" ] || python3 "$AUTHDB_GEN" jsonl "$dir/app.jsonl" $((total * 38 / 100)) >/dev/null
      echo "$dir/sys.log $dir/app.jsonl" ;;
  esac
}

shapes=(scenario)
if [ -n "${AUTHDB_GEN:-}" ]; then shapes+=(authdb); else echo "AUTHDB_GEN not set: the authdb shape is skipped"; fi
has_lnav=$(command -v lnav >/dev/null 2>&1 && [ "${SKIP_LNAV:-}" = "" ] && echo 1 || true)

printf '\n%-8s %-6s %-11s %10s %10s %10s %10s %10s %9s %9s\n' shape size bytes culprit "rg -f" "rg -c ." lnav "c/rg -f" "lnav/c" "GB/s"
for shape in "${shapes[@]}"; do
  for size in "${sizes[@]}"; do
    dir="$out_dir/$shape-$size"
    read -r -a inputs <<< "$(make_input "$shape" "$size" "$dir")"
    bytes=$(du -sbc "${inputs[@]}" | tail -1 | cut -f1)
    lines=$(cat $(find "${inputs[@]}" -type f) | wc -l)   # also warms the page cache
    json="$out_dir/hyperfine-$shape-$size.json"
    cmds=(
      "$bin report --format json ${inputs[*]}"
      "rg -uu -c -f $patterns ${inputs[*]}"
      "rg -uu -c . ${inputs[*]}"
    )
    # lnav loads nothing from a folder given on its command line: list the files.
    [ -n "$has_lnav" ] && cmds+=("lnav -n -q $(find "${inputs[@]}" -type f | sort | tr '\n' ' ')")
    hyperfine -N --warmup 1 --runs "$runs" --ignore-failure --export-json "$json" "${cmds[@]}" >/dev/null
    python3 - "$json" "$shape" "$size" "$bytes" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
shape, size, nbytes = sys.argv[2], sys.argv[3], int(sys.argv[4])
t = [r["median"] for r in res]
lnav = f"{t[3]:.2f}s" if len(t) > 3 else "-"
ratio = f"{t[3]/t[0]:.1f}x" if len(t) > 3 else "-"
print(f"{shape:<8} {size:<6} {nbytes:<11} {t[0]:>9.2f}s {t[1]:>9.2f}s {t[2]:>9.2f}s {lnav:>10} {t[0]/t[1]:>10.2f} {ratio:>9} {nbytes/t[0]/1e9:>9.2f}")
PY
    /usr/bin/time -v "$bin" report --format json "${inputs[@]}" 2> "$out_dir/time-$shape-$size.txt" >/dev/null
    rss=$(grep 'Maximum resident set size' "$out_dir/time-$shape-$size.txt" | awk '{print $NF}')
    echo "         peak RSS ${rss} KiB for $bytes input bytes, $lines lines: $(( (rss * 1024 - bytes) / lines )) bytes a line above the input"
  done
  last="${sizes[-1]}"
  read -r -a inputs <<< "$(make_input "$shape" "$last" "$out_dir/$shape-$last")"
  echo "         $shape $last: rules per shape against every rule on every line; culprit inputs; 1 vs 2 threads"
  hyperfine -N --warmup 1 --runs "$runs" \
    "$bin report --format json ${inputs[*]}" \
    "$bin --rules-per-line report --format json ${inputs[*]}" \
    "$bin inputs ${inputs[*]}" \
    "$bin --threads 1 report --format json ${inputs[*]}" \
    "$bin --threads 2 report --format json ${inputs[*]}" \
    --export-json "$out_dir/hyperfine-$shape-more.json" >/dev/null
  python3 - "$out_dir/hyperfine-$shape-more.json" <<'PY'
import json, sys
t = [r["median"] for r in json.load(open(sys.argv[1]))["results"]]
print(f"         per shape {t[0]:.2f}s, per line {t[1]:.2f}s ({t[1]/t[0]:.2f}x); inputs {t[2]:.2f}s; "
      f"1 thread {t[3]:.2f}s, 2 threads {t[4]:.2f}s ({t[3]/t[4]:.2f}x)")
PY
  if [ "${KEEP_DATA:-}" = "" ]; then
    for size in "${sizes[@]}"; do rm -rf "${out_dir:?}/$shape-$size"; done
  fi
done
