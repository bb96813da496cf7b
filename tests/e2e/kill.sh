#!/usr/bin/env bash
# Workers killed from outside (kill -9 by pid, several times in one run) are replaced and
# their tasks sent again: every process strategy still prints the serial figures exactly
# (rows, rejected and checksum, on an input with rejected records in every range), in both
# feeds, and reports one restart per worker killed. A worker killed as the input ends does not
# fail the run: holding the last task (it is sent again), or after the last result is in
# (nothing to send again). A poison record (test-only SHAREBENCH_TEST_POISON) that kills
# every worker it meets is given up after three attempts: its chunk's (or range's) records
# are reported failed with their lines, records read = results + rejected + failed, exit
# status 1. With --start exec the victims are `sharebench worker` processes and so are their
# replacements.
#
# Every kill lands where it means to, whatever the machine's speed: the victim is a worker
# stopped by the test hook SHAREBENCH_TEST_STOP on a chosen record (so it holds that record's
# task, unfinished, and the run cannot end without it), or the parent is stopped by
# SHAREBENCH_TEST_PAUSE=last_result once every result is in (harness/pool/test_hooks.h).
# usage: kill.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

records=120000
data="$WORK/input-$records.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows "$records" --seed 9 --quiet --output "$data"
# The same records with a rejected one (three fields) after every 97th: every 64K range holds
# some. A record ends at a line end where the quotes seen so far are even.
bad="$WORK/input-$records-rejected.csv"
[ -s "$bad" ] || LC_ALL=C awk 'NR > 1 { q += gsub(/"/, "&"); if (q % 2 == 0 && ++r % 97 == 0) { print; print "bad" r ",x,fr"; next } } { print }' \
  "$data" >"$bad"
run_sb run --spec "$SPEC" --input "$bad" --strategy serial --no-baseline
want="rows=$(summary_value rows) rejected=$(summary_value rejected) checksum=$(summary_value checksum)"
[ "$(summary_value rejected)" -ge 1000 ] || fail "the input has too few rejected records: $want"
figures() { echo "rows=$(summary_value rows) rejected=$(summary_value rejected) checksum=$(summary_value checksum)"; }

# start_run DIR STRATEGY START FEED: start a run of the input with rejections in the
# background (its pid in $parent), stdout and stderr in DIR.
start_run() {
  "$SHAREBENCH" run --spec "$SPEC" --input "$bad" --strategy "$2" --workers 2 --feed "$4" \
    --chunk 16 --range-bytes 64K --no-baseline --start "$3" >"$1/out" 2>"$1/err" &
  parent=$!
}

# check_victim WHAT PID: an exec-started worker must be a fresh program, not a copy of the
# parent.
check_victim() {
  local cmdline
  [ "$start" = exec ] || return 0
  cmdline=$(tr '\0' ' ' <"/proc/$2/cmdline" 2>/dev/null || true)
  case "$cmdline" in
    "sharebench worker --strategy $strategy "*) ;;
    *) fail "$1: worker $2 runs '$cmdline', not 'sharebench worker'" ;;
  esac
}

# end_run WHAT DIR RESTARTS: the run must end well with the serial figures and RESTARTS
# restarts.
end_run() {
  wait_or_kill "$parent" 60
  [ "$rc" != timeout ] || { fail "$1: the run did not finish within 60 s"; return 0; }
  cp "$2/out" "$WORK/out"
  expect_eq "$1: exit (stderr: $(tail -n 2 "$2/err"))" 0 "$rc"
  expect_eq "$1: start" "$start" "$(summary_value start)"
  expect_eq "$1: figures" "$want" "$(figures)"
  expect_eq "$1: restarts" "$3" "$(summary_value worker_restarts)"
}

# Three kills a run, each of a worker stopped on its record: ids 1000, 40000 and 80000 (met in
# that order: a worker takes its tasks in order, and each range or chunk holds one of them).
stops="1000 40000 80000"
round=0
# strategy[:start][/feed]
for run in global_fork module_state registry shared_arrays mapped_file per_worker_copy \
  shared_arrays:exec mapped_file:exec per_worker_copy:exec \
  global_fork/records registry/records shared_arrays:exec/records; do
  feed=ranges
  case "$run" in */records) feed=records ;; esac
  strategy=${run%/*} strategy=${strategy%:*}
  start=fork
  case "$run" in *:exec*) start=exec ;; esac
  round=$((round + 1))
  dir="$WORK/round-$round"
  rm -rf "$dir"
  mkdir -p "$dir/stops"
  SHAREBENCH_TEST_STOP=${stops// /,} SHAREBENCH_TEST_STOP_DIR=$dir/stops start_run "$dir" "$strategy" "$start" "$feed"
  killed=0
  for id in $stops; do
    victim=$(wait_test_stop "$dir/stops" "$id" "$parent" 60) || { fail "$run: no worker stopped on record $id"; break; }
    check_victim "$run" "$victim"
    kill -9 "$victim"
    killed=$((killed + 1))
  done
  end_run "$run" "$dir" "$killed"
  for victim in $(cat "$dir"/stops/stop-*); do
    grep -Eq "\\(pid $victim\\) was killed by signal 9 .*; its [1-9][0-9]* chunks go to a new worker" "$dir/err" ||
      fail "$run: worker $victim, killed holding a task, was not replaced with its tasks"
  done
  echo "$run: $killed workers killed on their records, $(figures), $(summary_value worker_restarts) restarted"
done

# As the input ends. A worker killed holding the last task: the task is sent again.
last=$((records - 1))
for run in global_fork shared_arrays:exec/records; do
  feed=ranges
  case "$run" in */records) feed=records ;; esac
  strategy=${run%/*} strategy=${strategy%:*}
  start=fork
  case "$run" in *:exec*) start=exec ;; esac
  dir="$WORK/last-task-$strategy"
  rm -rf "$dir"
  mkdir -p "$dir/stops"
  SHAREBENCH_TEST_STOP=$last SHAREBENCH_TEST_STOP_DIR=$dir/stops start_run "$dir" "$strategy" "$start" "$feed"
  if victim=$(wait_test_stop "$dir/stops" "$last" "$parent" 60); then
    kill -9 "$victim"
  else
    fail "$run: no worker stopped on the last record"
  fi
  end_run "$run, killed holding the last task" "$dir" 1
  echo "$run: killed holding the last task, $(figures)"

  # A worker killed once every result is in (the parent stopped there): nothing is lost, the
  # run stands.
  dir="$WORK/last-result-$strategy"
  mkdir -p "$dir"
  SHAREBENCH_TEST_PAUSE=last_result start_run "$dir" "$strategy" "$start" "$feed"
  victim=
  if wait_state "$parent" T 60; then
    victim=$(pgrep -P "$parent" | head -n 1 || true)
    [ -z "$victim" ] || kill -9 "$victim"
    # Dead but not yet reaped: the parent, stopped, cannot have seen it.
    [ -n "$victim" ] && wait_state "$victim" Z 10 || fail "$run: no worker killed after the last result"
  else
    fail "$run: the run did not stop after its last result"
  fi
  kill -CONT "$parent" 2>/dev/null || true
  end_run "$run, killed after the last result" "$dir" 0
  expect_contains "$run, killed after the last result: said" "$(cat "$dir/err")" \
    "(pid $victim) was killed by signal 9 (Killed) after its last result: nothing to send again"
  echo "$run: killed after the last result, $(figures)"
done

# The poison record: id 100 kills every worker that classifies it.
SHAREBENCH_TEST_POISON=100 run_sb run --spec "$SPEC" --input "$data" --strategy global_fork \
  --workers 2 --feed records --chunk 16 --no-baseline --limit 5000
expect_eq "poison exit" 1 "$rc"
expect_eq "poison failed" 16 "$(summary_value failed)"
expect_eq "poison accounted" 5000 "$(( $(summary_value rows) + $(summary_value rejected) + $(summary_value failed) ))"
expect_contains "poison lines" "$err" "input-$records.csv:102: failed: its chunk of 16 records killed 3 workers"

# The same in the range feed: the range that holds it fails whole (the parent reads it for
# the failed records' lines), every other range is classified, and --limit still holds.
for limit in 5000 101; do # id 100 is the 101st record
  SHAREBENCH_TEST_POISON=100 run_sb run --spec "$SPEC" --input "$data" --strategy global_fork \
    --workers 2 --feed ranges --range-bytes 2K --no-baseline --limit "$limit"
  expect_eq "poison ranges, limit $limit: exit" 1 "$rc"
  failed=$(summary_value failed)
  [ "${failed:-0}" -ge 1 ] || fail "poison ranges, limit $limit: nothing failed"
  expect_eq "poison ranges, limit $limit: accounted" "$limit" "$(( $(summary_value rows) + $(summary_value rejected) + failed ))"
  expect_contains "poison ranges, limit $limit: lines" "$err" "input-$records.csv:102: failed: its range of bytes "
done
finish
