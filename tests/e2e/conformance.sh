#!/usr/bin/env bash
# Every conformance case of tests/conformance/EXPECTED.md must give its exact figures
# (results, rejected, checksum) with every strategy given on the command line.
# usage: conformance.sh SHAREBENCH CONFORMANCE_DIR WORK STRATEGY...
set -eu
SHAREBENCH=$1 DIR=$2 WORK=$3
shift 3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

cases=$(grep -E '^\| spec-' "$DIR/EXPECTED.md" | tr -d ' ')
[ -n "$cases" ] || { echo "no cases found in $DIR/EXPECTED.md" >&2; exit 1; }
for strategy in "$@"; do
  while IFS='|' read -r _ spec records rows rejected checksum _; do
    run_sb run --spec "$DIR/$spec" --input "$DIR/$records" --strategy "$strategy"
    what="$strategy $records"
    expect_eq "$what exit" 0 "$rc"
    expect_eq "$what rows" "$rows" "$(summary_value rows)"
    expect_eq "$what rejected" "$rejected" "$(summary_value rejected)"
    expect_eq "$what checksum" "$checksum" "$(summary_value checksum)"
  done <<<"$cases"
done
finish
