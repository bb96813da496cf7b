#!/usr/bin/env bash
# sharebench predict: right predictions all hold (exact counts); a wrong
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

# Predictions whose truth the documents state (WORKLOAD.md's known answers, the registry's
# 16-byte handle), so that the test holds without the exercises' answers.
S="--spec tests/conformance/spec-small.csv --input tests/conformance/records-small.csv"
cat >"$WORK/right.txt" <<END
# a comment, then a blank line

run $S --strategy serial
rows = 5001
rejected = 3   # trailing comment
run $S --strategy registry --workers 2 --feed records --chunk 1000 --no-baseline
chunks = 6
bytes_per_chunk = 16
bytes_shipped = 96
END
run_sb predict "$WORK/right.txt"
expect_eq "right predictions: exit" 0 "$rc"
expect_contains "right predictions: verdict" "$out" "predict: 5 of 5 predictions within tolerance: every prediction held"
expect_contains "right predictions: exact bytes" "$out" "PASS  bytes_shipped        line 9: predicted 96, measured 96 (exact)"

sed 's/^bytes_shipped = 96/bytes_shipped = 112/' "$WORK/right.txt" >"$WORK/wrong.txt"
run_sb predict "$WORK/wrong.txt"
expect_eq "a wrong prediction: exit" 1 "$rc"
expect_contains "a wrong prediction: line" "$out" "FAIL  bytes_shipped        line 9: predicted 112, measured 96 (exact); the guide explains it: docs/GUIDE.md section 4"
expect_contains "a wrong prediction: count" "$out" "predict: 4 of 5 predictions within tolerance"

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
