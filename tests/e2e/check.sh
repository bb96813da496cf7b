#!/usr/bin/env bash
# sharebench check, the autograder, on what it must catch: bad usage (exit 2), cases it cannot
# find, cases that disagree with the harness (the reference fails and the check stops), and a
# strategy whose runs fail (a planted poison record): one FAIL line saying what was expected and
# what came back, a STOP line, exit 1; a strategy that claims to share the model but copies
# it fails the memory verdict; SIGTERM mid-check: exit 143, no verdict on the runs it cut short.
# (That every registered strategy passes is check_NAME.)
# usage: check.sh SHAREBENCH CONFORMANCE_DIR WORK
set -eu
SHAREBENCH=$1 DIR=$2 WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK" "$WORK/tmp"
. "$(dirname "$0")/lib.sh"
export TMPDIR="$WORK/tmp" # where each check makes its directory: it must be empty at the end

run_sb check
expect_eq "no --strategy: exit" 2 "$rc"
expect_contains "no --strategy: message" "$err" "sharebench check: --strategy is required"
run_sb check --strategy no_such_thing
expect_eq "unknown strategy: exit" 2 "$rc"
expect_contains "unknown strategy: message" "$err" "no strategy 'no_such_thing'"
run_sb check --strategy serial --cases "$WORK/nowhere"
expect_eq "missing cases: exit" 2 "$rc"
expect_contains "missing cases: message" "$err" "$WORK/nowhere/EXPECTED.md: cannot open"
run_sb check --help
expect_eq "help: exit" 0 "$rc"
expect_contains "help names every check" "$out" "reference    serial gives"

# The cases as given: serial passes, and every line says PASS or SKIP.
run_sb check --strategy serial --cases "$DIR"
expect_eq "serial: exit" 0 "$rc"
expect_contains "serial: closing line" "$out" "serial: 5 passed, 0 failed, 3 skipped"
bad=$(grep -vE '^(PASS|SKIP)  |^sharebench check: |^serial: ' "$WORK/out" || true)
expect_eq "serial: only PASS and SKIP lines" "" "$bad"

# The memory verdict against memory of known size: test_known is shared_arrays (one copy,
# model_shared) and, asked to, makes every worker write half a model of its own: 4 workers
# then hold about 3 copies, and check must say so, whatever number of attempts it takes.
run_sb check --strategy test_known --cases "$DIR"
expect_contains "test_known: memory passes" "$out" "PASS  memory       4 workers hold at most 1.1"
SHAREBENCH_TEST_KNOWN=private=0.5 run_sb check --strategy test_known --cases "$DIR"
expect_eq "test_known with private memory: exit" 1 "$rc"
expect_contains "test_known with private memory: memory fails" "$out" \
  "FAIL  memory       4 workers hold at most 1.1 copies of the model: expected at most 1.10 copies"

# Cases whose expected checksum is wrong: the reference fails, and nothing else runs.
mkdir -p "$WORK/cases"
cp "$DIR"/*.csv "$WORK/cases/"
sed 's/bf882334fc882df9/0000000000000000/' "$DIR/EXPECTED.md" >"$WORK/cases/EXPECTED.md"
run_sb check --strategy global_fork --cases "$WORK/cases"
expect_eq "wrong cases: exit" 1 "$rc"
expect_contains "wrong cases: expected vs got" "$out" \
  "FAIL  reference    serial on records-tiny.csv: rows=2000 rejected=0 checksum=0000000000000000: expected rows=2000 rejected=0 checksum=0000000000000000; got rows=2000 rejected=0 checksum=bf882334fc882df9"
expect_contains "wrong cases: stop" "$out" "STOP  serial disagrees with EXPECTED.md"
grep -qE "^(PASS|FAIL)  conformance" "$WORK/out" && fail "wrong cases: conformance ran after the reference failed"

# A strategy whose workers die on a record (id 5 is in the first chunk): its first run fails
# with the run's own message, and the check stops there.
SHAREBENCH_TEST_POISON=5 run_sb check --strategy global_fork --cases "$DIR"
expect_eq "poisoned: exit" 1 "$rc"
expect_contains "poisoned: the failing run, expected vs got" "$out" \
  "FAIL  conformance  records-tiny.csv workers=1 feed=records chunk=256 start=fork: expected exit 0 with rows=2000 rejected=0 checksum=bf882334fc882df9; got exit 1: sharebench run: "
expect_contains "poisoned: stop" "$out" "STOP  the first run failed, so every other one would"
expect_contains "poisoned: closing line" "$out" "global_fork: 2 passed, 1 failed"

# SIGTERM once the conformance runs have begun: exit 143, 'interrupted', and no verdict on the
# runs the signal cut short (each said FAIL: 'got exit 137', 'interrupted').
"$SHAREBENCH" check --strategy global_fork --cases "$DIR" >"$WORK/out" 2>"$WORK/err" &
checker=$!
for _ in $(seq 1 1200); do # until a conformance verdict is out (60 s at most)
  grep -q "^PASS  conformance" "$WORK/out" && break
  kill -0 $checker 2>/dev/null || break
  sleep 0.05
done
kill -TERM $checker 2>/dev/null || fail "SIGTERM: check ended before its first conformance verdict"
reap $checker
expect_eq "SIGTERM: exit" 143 "$rc"
expect_contains "SIGTERM: message" "$(cat "$WORK/err")" "sharebench check: interrupted"
expect_eq "SIGTERM: no verdict after the signal" "" "$(grep -E '^(FAIL|STOP)' "$WORK/out" || true)"

# Nothing is left behind: the check's directory and every run's scratch files are gone.
expect_eq "nothing left in TMPDIR" "" "$(ls -A "$WORK/tmp")"
finish
