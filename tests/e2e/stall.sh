#!/usr/bin/env bash
# A worker that stops making progress (here: SIGSTOP) must not hold the run for ever: with
# --task-timeout T, a worker process that has held its oldest task for more than T seconds is
# killed and replaced, its tasks are sent again, stderr says so, worker_restarts counts it,
# and the checksum is still exact. With --task-timeout 0 nothing is killed: the run waits
# for the stopped worker and finishes, with no restart, once it is continued.
# usage: stall.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

data="$WORK/input.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows 300000 --seed 5 --quiet --output "$data"
run_sb run --spec "$SPEC" --input "$data" --strategy serial --no-baseline
want=$(summary_value checksum)

# start_run ARGS...: starts sharebench run in the background; sets parent.
start_run() {
  set +e
  "$SHAREBENCH" run --spec "$SPEC" --input "$data" --workers 2 --no-baseline "$@" \
    >"$WORK/out" 2>"$WORK/err" &
  parent=$!
  set -e
}

# stop_a_worker: waits for the workers to be at work, then stops one; sets victim ("" if the
# run ended first).
stop_a_worker() {
  victim=
  for _ in $(seq 1 300); do
    [ -n "$(pgrep -P "$parent")" ] || ! kill -0 "$parent" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.3
  victim=$(pgrep -P "$parent" | head -n 1 || true)
  [ -n "$victim" ] && kill -STOP "$victim" 2>/dev/null || victim=
}

# finish_run: waits for the run (at most 120 s); sets rc and out/err.
finish_run() {
  if ! wait_gone "$parent" 120; then
    fail "the run did not end within 120 s"
    pkill -9 -P "$parent" 2>/dev/null || true
    kill -9 "$parent" 2>/dev/null || true
  fi
  reap "$parent"
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}

for run in global_fork/ranges shared_arrays:exec/records registry/records; do
  strategy=${run%/*} strategy=${strategy%:*} feed=${run#*/} start=fork
  case "$run" in *:exec*) start=exec ;; esac
  victim=
  for _ in 1 2 3; do # a run that ends before the stop tests nothing: try again
    start_run --strategy "$strategy" --start "$start" --feed "$feed" --chunk 64 \
      --range-bytes 64K --task-timeout 2
    stop_a_worker
    finish_run
    [ -n "$victim" ] && break
  done
  if [ -z "$victim" ]; then
    fail "$run: every run ended before a worker could be stopped"
    continue
  fi
  expect_eq "$run: exit status" 0 "$rc"
  expect_eq "$run: checksum" "$want" "$(summary_value checksum)"
  restarts=$(summary_value worker_restarts)
  [ "${restarts:-0}" -ge 1 ] || fail "$run: worker_restarts=$restarts, expected at least 1"
  expect_contains "$run: stderr" "$err" "more than --task-timeout 2: killing it"
  kill -0 "$victim" 2>/dev/null && fail "$run: the stopped worker $victim is still there"
done

# --task-timeout 0: the stopped worker is waited for, and the run ends once it continues.
victim=
for _ in 1 2 3; do
  start_run --strategy global_fork --feed ranges --range-bytes 64K --task-timeout 0
  stop_a_worker
  [ -n "$victim" ] && break
  finish_run
done
if [ -n "$victim" ]; then
  sleep 4 # past what a timeout of 2 s would have allowed
  kill -0 "$victim" 2>/dev/null || fail "timeout 0: the stopped worker was killed"
  kill -CONT "$victim" 2>/dev/null || true
  finish_run
  expect_eq "timeout 0: exit status" 0 "$rc"
  expect_eq "timeout 0: checksum" "$want" "$(summary_value checksum)"
  expect_eq "timeout 0: worker_restarts" 0 "$(summary_value worker_restarts)"
else
  fail "timeout 0: every run ended before a worker could be stopped"
fi

finish
