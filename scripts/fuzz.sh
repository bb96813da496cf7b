#!/usr/bin/env bash
# Fuzz every parser with libFuzzer (clang, ASan + UBSan): the CSV reader, the spec parser, the
# image loader, and the byte-range split (checked against serial reading), each for SECONDS,
# starting from the seeds, as many at once as there are cores. A crashing input is kept in
# tests/fuzz/regressions/<target>/, where the normal test build replays it from then on (commit
# it with the fix).
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
# fuzz_one TARGET: fuzz it for $seconds; what it found goes to standard output, and a crash
# leaves $logs/TARGET.crashed.
fuzz_one() {
  local target=$1 corpus kept
  corpus=$(mktemp -d)
  kept="tests/fuzz/regressions/$target"
  mkdir -p "$kept"
  printf '\n== fuzz_%s for %s s\n' "$target" "$seconds"
  # shellcheck disable=SC2086
  if ! build/fuzz/tests/fuzz/fuzz_$target "$corpus" ${seeds[$target]} "$kept" \
      -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$kept/" 2>"$corpus.log"; then
    touch "$logs/$target.crashed"
    echo "fuzz_$target FOUND A CRASH: the input is kept in $kept/ (see below)"
    tail -n 40 "$corpus.log"
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$corpus.log" || tail -n 3 "$corpus.log"
  rm -rf "$corpus" "$corpus.log"
}

# One fuzzer per core at a time (each is single-threaded), reports printed in order.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
targets=(csv spec image split)
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n; done
  fuzz_one "$target" >"$logs/$target.report" 2>&1 &
done
wait
failed=0
for target in "${targets[@]}"; do
  cat "$logs/$target.report"
  [ ! -e "$logs/$target.crashed" ] || failed=1
done
exit $failed
