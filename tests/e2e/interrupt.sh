#!/usr/bin/env bash
# SIGINT or SIGTERM in the middle of a run stops it cleanly, for every strategy, both start
# methods and both feeds: exit 130 or 143, the file the message names (FILE.partial, never
# FILE) holds exactly the results it reports, no temporary file is left (results,
# mapped_file's image), and no process survives the run (forked or exec'd workers). At the
# end of a run a signal gets one answer: after the results are committed the run has finished
# (exit 0, FILE whole, no FILE.partial); once every result is in but before the commit it is
# interrupted (130/143, FILE untouched, every result in FILE.partial).
#
# Every round lands its signal where it means to, whatever the machine's speed (the test
# hooks of harness/pool/test_hooks.h): in the middle, the process that meets a record chosen
# at random (a worker, or the run itself for serial and threads) stops there
# (SHAREBENCH_TEST_STOP), so the run is streaming and cannot end before the signal; at the
# end, the run stops itself after its last result or after its commit (SHAREBENCH_TEST_PAUSE).
# Each round has its own files (spec copy, results, output, scratch directory), so a failed
# round cannot fail the ones after it.
# usage: interrupt.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

records=100000
data="$WORK/input-$records.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$2" --rows "$records" --seed 4 --quiet --output "$data"
seed=${INTERRUPT_SEED:-$$}
RANDOM=$seed
echo "records to stop on from seed $seed"

# start_round RUN SIG: a fresh folder for the round ($dir, $results, $what) and the run's
# strategy, start method and feed ($strategy, $start, $feed) from RUN, strategy[:start][/feed]
# (a py: strategy: its name alone, the defaults).
start_round() {
  feed=ranges
  case "$1" in */records) feed=records ;; esac
  strategy=${1%/*} strategy=${strategy%:*}
  start=fork
  case "$1" in *:exec*) start=exec ;; py:*) strategy=$1 start= ;; esac
  round=$((round + 1))
  dir="$WORK/round-$round"
  rm -rf "$dir"
  mkdir -p "$dir/scratch" "$dir/stops"
  cp "$2" "$dir/spec.csv" # every process of this round, exec'd workers too, names it
  results="$dir/results.csv" what="$1 SIG$sig"
}

# start_run: the round's run, in the background (its pid in $parent).
start_run() {
  "$SHAREBENCH" run --spec "$dir/spec.csv" --input "$data" --strategy "$strategy" --workers 2 \
    ${start:+--start "$start" --feed "$feed"} --scratch-dir "$dir/scratch" --output "$results" \
    --no-baseline >"$dir/out" 2>"$dir/err" &
  parent=$!
}

# end_run: wait for the run; no process of the round may be left.
end_run() {
  local left
  wait_or_kill "$parent" 60
  [ "$rc" != timeout ] || fail "$what: still running 60 s after the signal"
  left=$(pgrep -f -- "$dir/" || true)
  [ -z "$left" ] || { kill -9 $left 2>/dev/null || true; fail "$what: processes left: $left"; }
}

# check_interrupted: what an interrupted run must leave (and not leave).
check_interrupted() {
  local want reported kept
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  expect_eq "$what exit" "$want" "$rc"
  expect_contains "$what says so" "$(cat "$dir/err")" "interrupted by"
  reported=$(sed -n 's/.*interrupted by .* after \([0-9]*\) results.*/\1/p' "$dir/err")
  kept=$(sed -n 's/.*results so far in \(.*\)$/\1/p' "$dir/err")
  [ ! -e "$results" ] || fail "$what: interrupted, yet $results exists"
  if [ -n "$kept" ]; then
    expect_eq "$what kept in" "$results.partial" "$kept"
    expect_eq "$what results file lines" "$((reported + 1))" "$(wc -l <"$kept")"
  else
    expect_eq "$what results with no file" 0 "$reported"
  fi
  ! compgen -G "$results.tmp*" >/dev/null || fail "$what: a temporary file was left"
  [ -z "$(ls "$dir/scratch")" ] || fail "$what: left in the scratch directory: $(ls "$dir/scratch")"
  echo "$what: exit $rc after $reported results"
}

# Other programs on the machine use /dev/shm too (MPI does): only sharebench's names count.
shm_ours() { ls /dev/shm 2>/dev/null | grep -i -e sharebench -e memfd | sort || true; }
shm_before=$(shm_ours)
round=0
# In the middle of the run: the signal goes to the run while a process of it is stopped on
# its record, then that process goes on.
for run in serial global_fork module_state registry shared_arrays mapped_file \
  per_task_serialize per_worker_copy threads shared_arrays:exec mapped_file:exec \
  per_worker_copy:exec global_fork/records shared_arrays:exec/records; do
  for sig in INT TERM; do
    start_round "$run" "$2"
    id=$((20000 + RANDOM % (records - 22000))) # past the first ranges: some results are in
    SHAREBENCH_TEST_STOP=$id SHAREBENCH_TEST_STOP_DIR=$dir/stops start_run
    if stopped=$(wait_test_stop "$dir/stops" "$id" "$parent" 60); then
      kill -"$sig" "$parent"
      kill -CONT "$stopped" 2>/dev/null || true
    else
      fail "$what: no process stopped on record $id"
    fi
    end_run
    check_interrupted
  done
done

# At the end. Committed, then signalled: finished. Every result in, then signalled:
# interrupted, with every result kept. A py: run's results are committed by the harness too,
# once the Python program has finished (harness/run/python_run.c).
at_the_end="serial global_fork threads shared_arrays:exec/records"
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  at_the_end="$at_the_end py:serial"
else
  echo "python3-numpy is not installed: the py: rounds are skipped"
fi
for run in $at_the_end; do
  for sig in INT TERM; do
    start_round "$run" "$2"
    SHAREBENCH_TEST_PAUSE=committed start_run
    wait_state "$parent" T 60 || fail "$what: the run did not stop after its commit"
    kill -"$sig" "$parent"
    kill -CONT "$parent"
    end_run
    expect_eq "$what after the commit: exit (stderr: $(tail -n 1 "$dir/err"))" 0 "$rc"
    expect_contains "$what after the commit: says so" "$(cat "$dir/err")" "came once the run had finished"
    expect_eq "$what after the commit: results file lines" "$((records + 1))" "$(wc -l <"$results" 2>/dev/null || echo none)"
    [ ! -e "$results.partial" ] || fail "$what after the commit: finished, yet $results.partial exists"
    echo "$what after the commit: exit $rc, $results whole"
    case $run in serial | py:*) continue ;; esac # no pool of ours: no last result to stop at

    start_round "$run" "$2"
    SHAREBENCH_TEST_PAUSE=last_result start_run
    wait_state "$parent" T 60 || fail "$what: the run did not stop after its last result"
    kill -"$sig" "$parent"
    kill -CONT "$parent"
    end_run
    check_interrupted
    expect_eq "$what after the last result: every result kept" "$((records + 1))" "$(wc -l <"$results.partial" 2>/dev/null || echo none)"
  done
done
echo "$round rounds, each signalled where it meant to be"
# shared_arrays uses an anonymous memfd: nothing may appear in /dev/shm, interrupted or not.
expect_eq "/dev/shm after every interrupted run" "$shm_before" "$(shm_ours)"
finish
