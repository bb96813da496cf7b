#!/usr/bin/env bash
# scripts/demo --non-interactive --quick: every step asks its question and prints its figures,
# the killed parent's image is seen in /dev/shm and removed, and nothing of the demo's runs is
# left there; the timeline figure is drawn where gnuplot is installed.
# usage: demo.sh SHAREBENCH SOURCE_DIR WORK
set -eu
SB=$1 SOURCE=$2 WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

SHAREBENCH=$SB "$SOURCE/scripts/demo" --non-interactive --quick --out "$WORK/out" >"$WORK/demo.out" 2>&1 ||
  fail "demo exit $?"
cat "$WORK/demo.out"
for n in 1 2 3 4 5; do
  grep -q "^== step $n: " "$WORK/demo.out" || fail "no step $n"
done
[ "$(grep -c '^PREDICT: ' "$WORK/demo.out")" = 5 ] || fail "not one question per step"
[ "$(grep -c 'model_copies=[0-9]' "$WORK/demo.out")" -ge 6 ] || fail "fewer than 6 runs with model_copies"
grep -q 'parent_cpu_s=[0-9].*chunks=[0-9]' "$WORK/demo.out" || fail "no feed figures"
grep -q '^  after kill -9: /dev/shm/sharebench-[0-9]*-0.img is still there' "$WORK/demo.out" ||
  fail "the killed parent's image was not seen"
pid=$(sed -n 's|^  after kill -9: /dev/shm/sharebench-\([0-9]*\)-0.img.*|\1|p' "$WORK/demo.out")
[ -z "$pid" ] || ! ls /dev/shm | grep -q "^sharebench-$pid-" || fail "the demo left /dev/shm/sharebench-$pid-*"
grep -q "Killed" "$WORK/demo.out" && fail "the shell's Killed notice shows"
if command -v gnuplot >/dev/null; then
  [ -s "$WORK/out/timeline.png" ] || fail "no timeline.png though gnuplot is installed"
fi
grep -q '^demo: 5 steps in [0-9]* s' "$WORK/demo.out" || fail "no closing line"
if [ "$failures" -ne 0 ]; then
  echo "$failures demo check(s) failed" >&2
  exit 1
fi
echo "the demo runs its five steps"
