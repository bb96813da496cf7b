#!/usr/bin/env bash
# A worker killed from outside (kill -9 by pid) in the middle of a run stops the run at once:
# exit status 1, a message naming the worker, its pid and the signal, no results file, and
# no process left behind. For every process strategy.
# usage: kill.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

data="$WORK/input.csv"
"$SHAREBENCH" gen --spec "$SPEC" --rows 400000 --seed 9 --quiet --output "$data"

for strategy in global_fork module_state registry shared_arrays per_worker_copy; do
  rm -f "$WORK/results.csv"
  set +e
  "$SHAREBENCH" run --spec "$SPEC" --input "$data" --strategy "$strategy" --workers 2 \
    --chunk 16 --no-baseline --output "$WORK/results.csv" >"$WORK/out" 2>"$WORK/err" &
  parent=$!
  set -e
  victim=""
  for _ in $(seq 1 200); do # wait (up to 10 s) until the workers exist
    victim=$(pgrep -P "$parent" | head -n 1 || true)
    [ -n "$victim" ] && break
    sleep 0.05
  done
  [ -n "$victim" ] || { fail "$strategy: no worker appeared"; kill "$parent"; continue; }
  sleep 0.2
  kill -9 "$victim"
  killed=$(date +%s.%N)
  set +e
  for _ in $(seq 1 200); do kill -0 "$parent" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$parent" 2>/dev/null; then
    fail "$strategy: the run did not stop within 10 s of the kill"
    kill -9 "$parent"
  fi
  wait "$parent"
  rc=$?
  set -e
  stopped=$(date +%s.%N)
  echo "$strategy: stopped $(python3 -c "print(round($stopped - $killed, 3))") s after the kill"
  expect_eq "$strategy exit" 1 "$rc"
  expect_contains "$strategy stderr" "$(cat "$WORK/err")" "(pid $victim) was killed by signal 9"
  [ ! -e "$WORK/results.csv" ] || fail "$strategy: a results file was left"
  leftovers=$(pgrep -P "$parent" || true)
  [ -z "$leftovers" ] || fail "$strategy: processes left behind: $leftovers"
done
finish
