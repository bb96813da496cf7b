#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, generate the default
# dataset once (cached in datasets/cache/), and run the comparison on it.
# For now the comparison is the serial reference run; later issues add the strategies, the
# measurements, the plots and REPORT.md.
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

step "serial run (the reference checksum)"
"$sb" run --spec "$spec" --input "$data" --strategy serial
