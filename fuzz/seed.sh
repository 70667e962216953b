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
