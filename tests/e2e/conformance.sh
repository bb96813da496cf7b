#!/usr/bin/env bash
# Every conformance case of tests/conformance/EXPECTED.md must give its exact figures
# (results, rejected, checksum) and print the very rejection lines serial prints, with every
# strategy given, for every worker count in WORKERS (default 1 2 4), in both feeds: the
# record feed with every chunk size in CHUNKS (default 1 7 256), the range feed with every
# range size in RANGES (default 1 97 4096 and the default 1M), workers started as START says
# (fork, the default, or exec). FEEDS (default "records ranges") chooses the feeds.
# per_task_serialize ships the whole model with every task, so on the larger case it runs
# with the default chunk and range size only (still once per worker count).
# usage: conformance.sh SHAREBENCH CONFORMANCE_DIR WORK STRATEGY...
set -eu
SHAREBENCH=$1 DIR=$2 WORK=$3
shift 3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
WORKERS=${WORKERS:-1 2 4}
CHUNKS=${CHUNKS:-1 7 256}
RANGES=${RANGES:-1 97 4096 1M}
FEEDS=${FEEDS:-records ranges}
START=${START:-fork}

cases=$(grep -E '^\| spec-' "$DIR/EXPECTED.md" | tr -d ' ')
[ -n "$cases" ] || { echo "no cases found in $DIR/EXPECTED.md" >&2; exit 1; }

# The rejection lines serial prints for a case: every other run must print the same.
rejections() { grep -E ': rejected: |more rejected' "$WORK/err" || true; }

runs=0
check_run() { # what expected-rows expected-rejected expected-checksum expected-rejection-lines
  expect_eq "$1 exit" 0 "$rc"
  expect_eq "$1 rows" "$2" "$(summary_value rows)"
  expect_eq "$1 rejected" "$3" "$(summary_value rejected)"
  expect_eq "$1 checksum" "$4" "$(summary_value checksum)"
  expect_eq "$1 rejection lines" "$5" "$(rejections)"
  runs=$((runs + 1))
}

for strategy in "$@"; do
  while IFS='|' read -r _ spec records rows rejected checksum _; do
    run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy serial --no-baseline
    check_run "serial $records" "$rows" "$rejected" "$checksum" "$(rejections)"
    want_rejections=$(rejections)
    [ "$strategy" = serial ] && continue # no workers: one run is the run
    for workers in $WORKERS; do
      for feed in $FEEDS; do
        if [ "$feed" = records ]; then sizes=$CHUNKS flag=--chunk default=256; else sizes=$RANGES flag=--range-bytes default=1M; fi
        for size in $sizes; do
          if [ "$strategy" = per_task_serialize ] && [ "$records" != records-tiny.csv ] &&
             [ "$size" != "$default" ]; then
            continue
          fi
          run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy "$strategy" \
            --workers "$workers" --feed "$feed" "$flag" "$size" --start "$START" --scratch-dir "$WORK"
          what="$strategy $records workers=$workers feed=$feed $flag=$size start=$START"
          check_run "$what" "$rows" "$rejected" "$checksum" "$want_rejections"
          expect_eq "$what feed" "$feed" "$(summary_value feed)"
          [ "$strategy" = threads ] || expect_eq "$what started by" "$START" "$(summary_value start)"
        done
      done
    done
  done <<<"$cases"
done
echo "$runs runs"
finish
