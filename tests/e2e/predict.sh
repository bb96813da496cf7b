#!/usr/bin/env bash
# sharebench predict: the reference predictions of exercise 1 all hold (exact counts); a wrong
# one fails with the measured figure and the guide's pointer, exit 1; a template still holding
# '?', an unknown quantity and a prediction before any run stop with FILE:LINE, exit 2, before
# any run; a refusal is predicted as exit = 2; the private directory is removed.
# usage: predict.sh SHAREBENCH SOURCE_DIR WORK
set -eu
SHAREBENCH=$1 SOURCE=$2 WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK/tmp"
. "$(dirname "$0")/lib.sh"
export TMPDIR="$WORK/tmp"
cd "$SOURCE" # the predictions name their files from the root of the tree

run_sb predict docs/answers/predictions/01.txt
expect_eq "reference predictions: exit" 0 "$rc"
expect_contains "reference predictions: verdict" "$out" "predict: 8 of 8 predictions within tolerance"
expect_contains "reference predictions: exact bytes" "$out" "PASS  bytes_shipped        line 13: predicted 178448256, measured 178448256 (exact)"

sed 's/^bytes_shipped = 178448256/bytes_shipped = 178448000/' docs/answers/predictions/01.txt >"$WORK/wrong.txt"
run_sb predict "$WORK/wrong.txt"
expect_eq "a wrong prediction: exit" 1 "$rc"
expect_contains "a wrong prediction: line" "$out" "FAIL  bytes_shipped        line 13: predicted 178448000, measured 178448256 (exact); the guide explains it: docs/GUIDE.md section 4"
expect_contains "a wrong prediction: count" "$out" "predict: 7 of 8 predictions within tolerance"

run_sb predict docs/exercises/predictions/01.txt
expect_eq "template: exit" 2 "$rc"
expect_contains "template: message" "$err" "docs/exercises/predictions/01.txt:11: no prediction for chunks yet"
expect_eq "template: nothing run" "" "$out"

printf 'run --spec x --input y --strategy serial\nbogus = 3\n' >"$WORK/unknown.txt"
run_sb predict "$WORK/unknown.txt"
expect_eq "unknown quantity: exit" 2 "$rc"
expect_contains "unknown quantity: message" "$err" "$WORK/unknown.txt:2: 'bogus' is not a quantity"
printf 'rows = 3\n' >"$WORK/early.txt"
run_sb predict "$WORK/early.txt"
expect_contains "no run line: message" "$err" "$WORK/early.txt:1: a prediction before any 'run' line"

cat >"$WORK/refusal.txt" <<END
run --spec tests/conformance/spec-small.csv --input tests/conformance/records-tiny.csv --strategy registry --workers 2 --start exec
exit = 2
END
run_sb predict "$WORK/refusal.txt"
expect_eq "a refusal predicted: exit" 0 "$rc"
expect_contains "a refusal predicted: line" "$out" "PASS  exit                 line 2: predicted 2, measured 2 (exact)"

expect_eq "private directories removed" "" "$(ls -A "$WORK/tmp")"
finish
