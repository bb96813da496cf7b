#!/usr/bin/env bash
# check-answers.sh - every code answer in docs/answers/code builds and does what its answer says.
#
# In a copy of the source tree (the repository is left alone), with the documented steps only:
# scripts/new-strategy for each new strategy, then the answer's file in its place, or `patch -p1`
# for a change to an existing one; plain CMake; then:
#   my_first, huge_image, shm_posix   pass `sharebench check`
#   registry-exec.patch               registry passes `check` with exec'd workers (no refusal)
#   shm_posix.c, killed parent        leaves /dev/shm/sharebench-PID behind (removed here)
#   shm_posix-fix.patch               leaves nothing, and still passes `check`
#   global_fork-write.patch           fails `check` on memory, and only there
#   memfd_share.c                     a process nobody forked classifies through the server's
#                                     memfd and prints the serial figures
# usage: docs/answers/check-answers.sh SOURCE_DIR C_COMPILER WORK   (ctest runs it as `answers`)
set -eu
SOURCE=$1 CC_PATH=$2 WORK=$3
ANSWERS="$SOURCE/docs/answers/code"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
rm -rf "$WORK"
mkdir -p "$WORK/src"
src="$WORK/src"
tar -C "$SOURCE" --exclude=./build --exclude='./build-*' --exclude=./.git \
  --exclude=./datasets/cache --exclude=./results -cf - . | tar -C "$src" -xf -

# The answers, put in place the way a student would.
for name in my_first huge_image shm_posix; do
  "$src/scripts/new-strategy" "$name" >/dev/null
  cp "$ANSWERS/$name.c" "$src/strategies/$name.c"
done
(cd "$src" && patch -s -p1 <"$ANSWERS/registry-exec.patch")

build() {
  cmake -S "$src" -B "$src/build" -DCMAKE_C_COMPILER="$CC_PATH" -DSHAREBENCH_BENCHMARKS=OFF \
    -DSHAREBENCH_WERROR=ON >"$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log" >&2; return 1; }
  timeout 900 cmake --build "$src/build" --target sharebench -j2 >"$WORK/build.log" 2>&1 ||
    { tail -n 30 "$WORK/build.log" >&2; return 1; }
}
build || { echo "FAIL: the answers do not build" >&2; exit 1; }
SB="$src/build/harness/sharebench"
cases="$src/tests/conformance"

check() { # strategy: sharebench check's output into $WORK/check.out; returns its status
  timeout 900 "$SB" check --strategy "$1" --cases "$cases" >"$WORK/check.out" 2>&1
}
for name in my_first huge_image shm_posix registry; do
  check "$name" || { cat "$WORK/check.out" >&2; fail "$name does not pass sharebench check"; }
done
grep -q "^PASS  exec         records-small.csv workers=4 feed=ranges" "$WORK/check.out" ||
  fail "registry: no exec run passed (is it still refused?)"

# A run that cannot end by itself: its input is a pipe the shell keeps open.
start_held_run() { # strategy: sets run (its pid) and holder (the pipe's writer)
  mkfifo "$WORK/fifo"
  "$SB" run --spec "$cases/spec-small.csv" --input - --strategy "$1" --workers 2 \
    --no-baseline --sample-ms 0 <"$WORK/fifo" >/dev/null 2>&1 &
  run=$!
  { head -n 2000 "$cases/records-small.csv"; exec sleep 60; } >"$WORK/fifo" &
  holder=$! # after the records, it is the sleep that holds the pipe open
  for _ in $(seq 1 300); do # up to 30 s for the workers to start
    [ -n "$(pgrep -P "$run")" ] && break
    sleep 0.1
  done
  [ -n "$(pgrep -P "$run")" ] || fail "$1: the run started no workers"
}
stop_held_run() {
  kill -9 "$run" 2>/dev/null || true
  wait "$run" 2>/dev/null || true
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  rm -f "$WORK/fifo"
}

# The named object outlives a parent killed with SIGKILL ...
start_held_run shm_posix
object="/dev/shm/sharebench-$run"
[ -e "$object" ] || fail "shm_posix: no $object while the run is going"
stop_held_run
if [ -e "$object" ]; then
  echo "shm_posix: $object is left behind by the killed parent, as the answer says"
  rm -f "$object"
else
  fail "shm_posix: the killed parent left nothing; the answer says it leaves $object"
fi

# ... and not once the name is unlinked at once.
(cd "$src" && patch -s -p1 <"$ANSWERS/shm_posix-fix.patch")
build || fail "shm_posix-fix.patch does not build"
start_held_run shm_posix
object="/dev/shm/sharebench-$run"
stop_held_run
[ -e "$object" ] && { rm -f "$object"; fail "shm_posix (fixed): $object left behind"; }
check shm_posix || { cat "$WORK/check.out" >&2; fail "shm_posix (fixed) does not pass check"; }

# Writing to the inherited model copies it: check catches the broken promise, on memory only.
(cd "$src" && patch -s -p1 <"$ANSWERS/global_fork-write.patch")
build || fail "global_fork-write.patch does not build"
if check global_fork; then
  fail "global_fork writing its model still passes check"
fi
grep -q "^FAIL  memory " "$WORK/check.out" || fail "global_fork writing: no memory failure"
[ "$(grep -c '^FAIL' "$WORK/check.out")" = 1 ] || fail "global_fork writing: more than memory failed"
grep "^FAIL  memory" "$WORK/check.out"

# The memfd handed to a process nobody forked.
"$CC_PATH" -std=c11 -D_DEFAULT_SOURCE -ffp-contract=off -Wall -Wextra -Werror \
  -I"$src/harness/support" -I"$src/harness/workload" -I"$src/harness/io" \
  "$ANSWERS/memfd_share.c" "$src/build/harness/libsharebench_core.a" -lcsv -luuid -lm -lpthread \
  -o "$WORK/memfd_share" || fail "memfd_share.c does not build"
socket="@sharebench-answers-$$"
"$WORK/memfd_share" serve "$cases/spec-small.csv" "$socket" 1 >"$WORK/serve.out" 2>&1 &
server=$!
got=""
for _ in $(seq 1 100); do # the server needs a moment to build the image and listen
  got=$(timeout 60 "$WORK/memfd_share" classify "$socket" "$cases/records-small.csv" 2>/dev/null) && break
  sleep 0.1
done
wait "$server" || fail "memfd_share serve failed: $(cat "$WORK/serve.out")"
want=$(grep -E '^\| spec-small.csv' "$cases/EXPECTED.md" | tr -d ' ' | awk -F'|' '{ print "rows=" $4 " rejected=" $5 " checksum=" $6 }')
[ "$got" = "$want" ] || fail "memfd_share: expected '$want', got '$got'"
echo "memfd_share: $got"

if [ "$failures" -ne 0 ]; then
  echo "$failures answer check(s) failed" >&2
  exit 1
fi
echo "every code answer builds and does what it says"
