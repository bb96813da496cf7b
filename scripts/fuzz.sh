#!/usr/bin/env bash
# Fuzz every parser with libFuzzer (clang, ASan + UBSan): the CSV reader, the spec parser, the
# image loader, and the byte-range split (checked against serial reading), each for SECONDS,
# starting from the seeds. A crashing input is kept in tests/fuzz/regressions/<target>/, where
# the normal test build replays it from then on (commit it with the fix).
#
# usage: scripts/fuzz.sh [SECONDS]     (default 60 per target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

bash scripts/install-deps
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)" --target fuzz_csv fuzz_spec fuzz_image fuzz_split

declare -A seeds=(
  [csv]="datasets/malformed tests/conformance"
  [spec]="datasets/specs tests/reference"
  [image]="tests/fuzz/seeds/image"
  [split]="datasets/malformed tests/conformance"
)
failed=0
for target in csv spec image split; do
  corpus=$(mktemp -d)
  kept="tests/fuzz/regressions/$target"
  mkdir -p "$kept"
  printf '\n== fuzz_%s for %s s\n' "$target" "$seconds"
  # shellcheck disable=SC2086
  if ! build/fuzz/tests/fuzz/fuzz_$target "$corpus" ${seeds[$target]} "$kept" \
      -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$kept/" 2>"$corpus.log"; then
    failed=1
    echo "fuzz_$target FOUND A CRASH: the input is kept in $kept/ (see below)"
    tail -n 40 "$corpus.log"
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$corpus.log" || tail -n 3 "$corpus.log"
  rm -rf "$corpus" "$corpus.log"
done
exit $failed
