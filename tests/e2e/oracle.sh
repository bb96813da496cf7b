#!/usr/bin/env bash
# sharebench against an independent implementation of docs/WORKLOAD.md (tests/reference/
# workload.py: Python's csv and re, no shared code): generated files of several kinds, with
# LF and CRLF line ends and rules that exercise ., $, brackets and alternation, must give the
# same results, rejected and checksum.
# usage: oracle.sh SHAREBENCH REFERENCE_DIR SPECS_DIR WORK
set -eu
SHAREBENCH=$1 REF=$2 SPECS=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

check() { # spec records
  local want
  want=$(python3 "$REF/workload.py" "$1" "$2")
  run_sb run --spec "$1" --input "$2"
  expect_eq "$(basename "$1") $(basename "$2") exit" 0 "$rc"
  expect_eq "$(basename "$1") $(basename "$2")" "$want" \
    "rows=$(summary_value rows) rejected=$(summary_value rejected) checksum=$(summary_value checksum)"
}

i=0
for spec in "$SPECS/default.csv" "$SPECS/tiny.csv" "$REF/spec-rules.csv"; do
  for ends in "" --crlf; do
    i=$((i + 1))
    "$SHAREBENCH" gen --spec "$spec" --rows 2500 --seed $i $ends --quiet --output "$WORK/g$i.csv"
    check "$spec" "$WORK/g$i.csv"
  done
done
finish
