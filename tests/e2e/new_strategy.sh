#!/usr/bin/env bash
# Adding a strategy takes one step: scripts/new-strategy NAME writes strategies/NAME.c from the
# template and registers it with one line, and nothing else needs an edit. Checked in a copy of
# the source tree (the repository itself is left alone), with only the documented steps:
# scaffold, configure with plain CMake, build. The new strategy must then be listed by
# `sharebench list`, have its per-strategy tests in ctest, and fail `sharebench check` with the
# step to write next; the template itself must stay out of the build. Bad names are refused, and
# the plot style draws a strategy it does not know.
# usage: new_strategy.sh SOURCE_DIR C_COMPILER WORK
set -eu
SOURCE=$1 CC_PATH=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
rm -rf "$WORK"
mkdir -p "$WORK"
copy="$WORK/src"

# The tree as a student gets it: sources only, no build directories, no generated data.
mkdir -p "$copy"
tar -C "$SOURCE" --exclude=./build --exclude='./build-*' --exclude=./.git \
  --exclude=./datasets/cache --exclude=./results -cf - . | tar -C "$copy" -xf -

# Names the script must refuse, leaving the tree as it was.
before=$(cat "$copy/strategies/strategies.def")
for bad in "" "Upper" "9lives" "with-dash" "template" "serial"; do
  set +e
  "$copy/scripts/new-strategy" $bad >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  expect_eq "new-strategy '$bad' exit" 2 "$rc"
done
expect_eq "refused names leave strategies.def alone" "$before" "$(cat "$copy/strategies/strategies.def")"
[ ! -e "$copy/strategies/Upper.c" ] || fail "a refused name left a file behind"

# The one step.
"$copy/scripts/new-strategy" my_first >"$WORK/out"
expect_contains "new-strategy says what next" "$(cat "$WORK/out")" "check --strategy my_first"
[ -f "$copy/strategies/my_first.c" ] || fail "no strategies/my_first.c"
expect_eq "one line added" "STRATEGY(my_first)" "$(tail -n 1 "$copy/strategies/strategies.def")"
expect_eq "only the new file and that line changed" "$before" \
  "$(head -n -1 "$copy/strategies/strategies.def")"
grep -q "template" "$copy/strategies/my_first.c" && fail "strategies/my_first.c still says 'template'"

# Build it the documented way: plain CMake, only what the check needs.
build="$copy/build"
timeout 600 cmake -S "$copy" -B "$build" -DCMAKE_C_COMPILER="$CC_PATH" \
  -DSHAREBENCH_BENCHMARKS=OFF -DSHAREBENCH_WERROR=ON >"$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log" >&2; fail "configure failed"; finish; }
grep -q "not registered" "$WORK/configure.log" && fail "configure warns: $(grep -A1 'not registered' "$WORK/configure.log")"
timeout 900 cmake --build "$build" --target sharebench -j2 >"$WORK/build.log" 2>&1 ||
  { tail -n 30 "$WORK/build.log" >&2; fail "the scaffolded strategy does not build"; finish; }
grep -q "template\.c" "$WORK/build.log" && fail "the template was compiled"

SB="$build/harness/sharebench"
"$SB" list >"$WORK/list"
grep -q "^my_first " "$WORK/list" || fail "sharebench list does not show my_first"
grep -q "^template " "$WORK/list" && fail "sharebench list shows the template"
ctest --test-dir "$build" -N >"$WORK/tests"
for t in conformance_my_first conformance_exec_my_first check_my_first; do
  grep -q " $t\$" "$WORK/tests" || fail "ctest has no test $t"
done

# The autograder fails it, at the first run, with the step to write first.
set +e
timeout 300 "$SB" check --strategy my_first >"$WORK/check.out" 2>&1
rc=$?
set -e
cat "$WORK/check.out"
expect_eq "check of a fresh scaffold: exit" 1 "$rc"
check_out=$(cat "$WORK/check.out")
expect_contains "check: the first run fails" "$check_out" \
  "FAIL  conformance  records-tiny.csv workers=1 feed=records chunk=256 start=fork: expected exit 0"
expect_contains "check: says what to write first" "$check_out" \
  "my_first: step 1 of 6 in strategies/my_first.c: write my_first_prepare"
expect_contains "check: stops there" "$check_out" "STOP  the first run failed"

# The plot style gives a strategy it does not know the default look.
look=$(cd "$copy" && gnuplot -e "load 'plots/style.gp'; print lt_of('my_first')" 2>&1)
expect_eq "plot style of an unknown strategy" 10 "$look"

finish
