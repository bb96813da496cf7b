#!/usr/bin/env bash
# Scale check (a benchmark, not a CI test): stream a generated input of about 10 GB through
# global_fork and shared_arrays, in both feeds, and report the parent's peak RSS, which must
# not grow with the input (record feed: a fixed read buffer and bounded chunks in flight;
# range feed: one planning block and a fixed window of ranges). Also runs the same on a 1 GB
# input so the two peaks can be compared in one sitting.
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
  for feed in records ranges; do
    for strategy in global_fork shared_arrays; do
      # %M is the largest RSS of the parent or of any one worker: the parent's, as it holds
      # the model too and the workers' own memory is flat.
      /usr/bin/time -f '%M' -o /tmp/scale-rss "$sb" run --spec "$spec" --input "$data" \
        --strategy "$strategy" --workers 2 --feed "$feed" --no-baseline --sample-ms 0 \
        >/tmp/scale-out
      printf '%s GB input (%s bytes): %-14s %-7s peak RSS %s KiB; %s\n' "$size" \
        "$(stat -c %s "$data")" "$strategy" "$feed" "$(cat /tmp/scale-rss)" \
        "$(tail -n 1 /tmp/scale-out | tr ' ' '\n' |
          grep -E '^(rows|checksum|rows_per_s|parent_cpu_s|cpu_us_per_record)=' | tr '\n' ' ')"
    done
  done
done | tee results/scale.txt
