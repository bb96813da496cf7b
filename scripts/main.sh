#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, generate the default
# dataset once (cached in datasets/cache/), and run the comparison on it.
# For now the comparison is one run of every strategy with 2 workers (per_task_serialize on
# the first 20000 records: it ships the whole model with every chunk); later issues add
# repeated measurements, plots and REPORT.md.
#
# usage: scripts/main.sh [--rows N]     (default 1000000 records)
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "main.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
bash scripts/install-deps

step "build (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
sb=build/release/harness/sharebench

spec=datasets/specs/default.csv
data=datasets/cache/default-${rows}.csv
step "dataset: $data"
if [ -s "$data" ]; then
  echo "cached: $data ($(du -h "$data" | cut -f1))"
else
  mkdir -p datasets/cache
  "$sb" gen --spec "$spec" --rows "$rows" --seed 1 --output "$data"
fi

step "every strategy, 2 workers (serial is the reference checksum)"
for strategy in $("$sb" list | awk '{print $1}'); do
  limit=()
  [ "$strategy" = per_task_serialize ] && limit=(--limit 20000)
  "$sb" run --spec "$spec" --input "$data" --strategy "$strategy" --workers 2 "${limit[@]}"
done
