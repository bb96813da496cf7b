#!/usr/bin/env bash
# Scale check (a benchmark, not a CI test): stream a generated input of about 10 GB through
# global_fork and shared_arrays and report the parent's peak RSS, which must not grow with
# the input (fixed read buffer, bounded chunks in flight). Also runs the same on a 1 GB input
# so the two peaks can be compared in one sitting.
# usage: scripts/scale.sh [GB]     (default 10; needs that much free disk in datasets/cache)
set -euo pipefail
cd "$(dirname "$0")/.."
gb=${1:-10}
sb=build/release/harness/sharebench
spec=datasets/specs/default.csv
cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null
mkdir -p datasets/cache results
for size in 1 "$gb"; do
  rows=$(( size * 1000000000 / 164 )) # the default spec's records average 164 bytes
  data=datasets/cache/scale-${size}g.csv
  [ -s "$data" ] || "$sb" gen --spec "$spec" --rows "$rows" --seed 11 --output "$data"
  for strategy in global_fork shared_arrays; do
    /usr/bin/time -f '%M' -o /tmp/scale-rss "$sb" run --spec "$spec" --input "$data" \
      --strategy "$strategy" --workers 2 --no-baseline --sample-ms 0 >/tmp/scale-out
    printf '%s GB input (%s bytes): %-14s parent peak RSS %s KiB; %s\n' "$size" \
      "$(stat -c %s "$data")" "$strategy" "$(cat /tmp/scale-rss)" \
      "$(tail -n 1 /tmp/scale-out | tr ' ' '\n' | grep -E '^(rows|checksum|rows_per_s)=' | tr '\n' ' ')"
  done
done | tee results/scale.txt
