#!/usr/bin/env bash
# Every conformance case of tests/conformance/EXPECTED.md must give its exact figures
# (results, rejected, checksum) and print the very rejection lines serial prints, with every
# strategy given, for every worker count in WORKERS (default 1 2 4), in both feeds: the
# record feed with every chunk size in CHUNKS (default 1 7 256), the range feed with every
# range size in RANGES (default 1 97 4096 and the default 1M), workers started as START says
# (fork, the default, or exec). FEEDS (default "records ranges") chooses the feeds.
# What a strategy is comes from what it does, never from its name: one that runs no workers
# (serial) has one run per case; one that ships the whole model with every task (more than half
# an image per task: per_task_serialize) runs the larger case with the default chunk and range
# size only; with START=exec, one that `sharebench list` marks [fork only] must refuse at once
# (exit 2, with the reason), and one whose workers are not processes (threads) is skipped (77).
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

# What the strategy is: sets no_workers, heavy (the model travels with every task) and
# processes (its workers are processes), from one run of the first case.
probe() { # strategy spec records
  run_sb run --spec "$DIR/$2" --input "$DIR/$3" --strategy "$1" --workers 1 --feed records \
    --chunk 256 --no-baseline --sample-ms 0 --scratch-dir "$WORK"
  expect_eq "$1 probe exit" 0 "$rc"
  no_workers=false heavy=false processes=false
  [ "$(summary_value workers)" = 0 ] && no_workers=true
  [ "$(summary_value start)" = fork ] && processes=true
  awk -v b="$(summary_value bytes_per_chunk)" -v i="$(summary_value image_mb)" \
    'BEGIN { exit !(b >= i * 1e6 / 2) }' && heavy=true
  return 0
}

# With START=exec, a strategy that needs fork must say so before building anything.
refuses_exec() { # strategy spec records
  "$SHAREBENCH" list | grep -q "^$1 .*\[fork only\]$" || return 1
  run_sb run --spec "$DIR/$2" --input "$DIR/$3" --strategy "$1" --workers 2 --start exec \
    --no-baseline
  expect_eq "$1 --start exec: exit" 2 "$rc"
  expect_contains "$1 --start exec: the reason" "$err" "$1 cannot work with --start exec"
  return 0
}

runs=0
check_run() { # what expected-rows expected-rejected expected-checksum expected-rejection-lines
  expect_eq "$1 exit" 0 "$rc"
  expect_eq "$1 rows" "$2" "$(summary_value rows)"
  expect_eq "$1 rejected" "$3" "$(summary_value rejected)"
  expect_eq "$1 checksum" "$4" "$(summary_value checksum)"
  expect_eq "$1 rejection lines" "$5" "$(rejections)"
  runs=$((runs + 1))
}

first_case=$(head -n 1 <<<"$cases" | awk -F'|' '{ print $2, $3 }')
for strategy in "$@"; do
  # shellcheck disable=SC2086 # two words: the first case's spec and records
  if [ "$START" = exec ] && refuses_exec "$strategy" $first_case; then
    echo "$strategy refuses --start exec, as it must"
    continue
  fi
  # shellcheck disable=SC2086
  probe "$strategy" $first_case
  if [ "$START" = exec ] && ! $processes; then
    echo "$strategy starts no worker processes: --start exec does not apply (skipped)"
    exit 77
  fi
  while IFS='|' read -r _ spec records rows rejected checksum _; do
    run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy serial --no-baseline
    check_run "serial $records" "$rows" "$rejected" "$checksum" "$(rejections)"
    want_rejections=$(rejections)
    if $no_workers; then # one run is the run
      run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy "$strategy" --no-baseline
      check_run "$strategy $records" "$rows" "$rejected" "$checksum" "$want_rejections"
      continue
    fi
    for workers in $WORKERS; do
      for feed in $FEEDS; do
        if [ "$feed" = records ]; then sizes=$CHUNKS flag=--chunk default=256; else sizes=$RANGES flag=--range-bytes default=1M; fi
        for size in $sizes; do
          if $heavy && [ "$records" != records-tiny.csv ] && [ "$size" != "$default" ]; then
            continue
          fi
          run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy "$strategy" \
            --workers "$workers" --feed "$feed" "$flag" "$size" --start "$START" --scratch-dir "$WORK"
          what="$strategy $records workers=$workers feed=$feed $flag=$size start=$START"
          check_run "$what" "$rows" "$rejected" "$checksum" "$want_rejections"
          expect_eq "$what feed" "$feed" "$(summary_value feed)"
          if $processes; then
            expect_eq "$what started by" "$START" "$(summary_value start)"
          fi
        done
      done
    done
  done <<<"$cases"
done
echo "$runs runs"
finish
