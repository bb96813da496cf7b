#!/usr/bin/env bash
# sharebench against an independent implementation of docs/WORKLOAD.md (tests/reference/
# workload.py: Python's csv and re, no shared code): generated files of several kinds (quoted
# fields holding commas, quotes and line ends), with LF and CRLF line ends and rules that
# exercise ., $, brackets and alternation, must give the same results, rejected and checksum,
# with every strategy (2 workers, ranges of 8K or chunks of 100 records so that each file is
# several tasks, but one or two for per_task_serialize; both feeds; the default spec's large
# model with three strategies only).
# usage: oracle.sh SHAREBENCH REFERENCE_DIR SPECS_DIR WORK
set -eu
SHAREBENCH=$1 REF=$2 SPECS=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

STRATEGIES="serial global_fork module_state registry shared_arrays mapped_file per_task_serialize
  per_worker_copy threads"

check() { # spec records feed strategies
  local want what strategy
  want=$(python3 "$REF/workload.py" "$1" "$2")
  for strategy in $4; do
    sizes="--range-bytes 8K --chunk 100"
    # It ships the whole model with every task: one task of each kind is enough.
    [ "$strategy" != per_task_serialize ] || sizes="--range-bytes 1M --chunk 1000"
    # shellcheck disable=SC2086 # two flags and their values
    run_sb run --spec "$1" --input "$2" --strategy "$strategy" --workers 2 --feed "$3" \
      $sizes --no-baseline --scratch-dir "$WORK"
    what="$(basename "$1") $(basename "$2") $strategy feed=$3"
    expect_eq "$what exit" 0 "$rc"
    expect_eq "$what" "$want" \
      "rows=$(summary_value rows) rejected=$(summary_value rejected) checksum=$(summary_value checksum)"
    checked=$((checked + 1))
  done
}

i=0 checked=0
for spec in "$SPECS/default.csv" "$SPECS/tiny.csv" "$REF/spec-rules.csv"; do
  for ends in "" --crlf; do
    i=$((i + 1))
    "$SHAREBENCH" gen --spec "$spec" --rows 2500 --seed $i $ends --quiet --output "$WORK/g$i.csv"
    grep -q '"[^"]*$' "$WORK/g$i.csv" || fail "g$i.csv has no quoted line end to test"
    # The default spec's model is large (34 MB): its files go through a few strategies only.
    strategies=$STRATEGIES
    [ "$spec" != "$SPECS/default.csv" ] || strategies="serial global_fork shared_arrays"
    check "$spec" "$WORK/g$i.csv" ranges "$strategies"
  done
done
check "$SPECS/tiny.csv" "$WORK/g4.csv" records "$STRATEGIES"
echo "$checked runs agree with the reference"
finish
