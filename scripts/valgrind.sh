#!/usr/bin/env bash
# valgrind memcheck over an end-to-end run of every strategy (release build, workers traced
# too): any memory error or any definitely/indirectly lost block fails.
# usage: scripts/valgrind.sh     (after a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
sb=build/release/harness/sharebench
conf=tests/conformance
failed=0
listing=$("$sb" list) # read once: each strategy's name, and which need a forkserver
# Every strategy with forked workers (range feed, the default for a file), then those that
# can have exec'd ones, then the record feed. A py: strategy's workers are python3, not our
# code, so for those valgrind checks the harness (the C side that starts and watches the
# Python program) and does not follow it into the interpreter.
for run in $(awk '{print $1}' <<<"$listing") shared_arrays:exec mapped_file:exec \
  per_task_serialize:exec per_worker_copy:exec global_fork/records shared_arrays:exec/records; do
  feed=ranges
  case "$run" in */records) feed=records ;; esac
  strategy=${run%/*} strategy=${strategy%:exec}
  start=fork
  case "$run" in *:exec*) start=exec ;; esac
  trace=yes
  case "$strategy" in py:*) trace=no feed=records ;; esac
  # An idiom that only works with a forkserver (sharebench list says so) runs with one.
  grep -q "^$strategy .*\[forkserver only\]" <<<"$listing" && start=forkserver
  set +e
  valgrind -q --trace-children=$trace --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    "$sb" run --spec "$conf/spec-small.csv" --input "$conf/records-small.csv" \
    --strategy "$strategy" --workers 2 --chunk 512 --range-bytes 64K --feed "$feed" \
    --no-baseline --start "$start" \
    --output /tmp/sharebench-valgrind-$$.csv >/tmp/sharebench-valgrind-$$.out 2>/tmp/sharebench-valgrind-$$.err
  rc=$?
  set -e
  checksum=$(tail -n 1 /tmp/sharebench-valgrind-$$.out | tr ' ' '\n' | sed -n 's/^checksum=//p')
  if [ "$rc" != 0 ] || [ "$checksum" != ab820bfec220a09b ]; then
    failed=1
    echo "valgrind: $run FAILED (exit $rc, checksum '$checksum')"
    grep -E '==[0-9]+==' /tmp/sharebench-valgrind-$$.err | head -n 30
  else
    echo "valgrind: $run clean"
  fi
done
rm -f /tmp/sharebench-valgrind-$$.*
exit $failed
