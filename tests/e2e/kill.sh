#!/usr/bin/env bash
# Workers killed from outside (kill -9 by pid, several times in one run) are replaced and
# their tasks sent again: every process strategy still prints the exact serial checksum, in
# both feeds, and reports one restart per live worker killed. A poison record (test-only SHAREBENCH_TEST_POISON)
# that kills every worker it meets is given up after three attempts: its chunk's (or range's)
# records are reported failed with their lines, records read = results + rejected + failed,
# exit status 1. With --start exec the victims are `sharebench worker` processes and so are
# their replacements.
# usage: kill.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

data="$WORK/input.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows 400000 --seed 9 --quiet --output "$data"
run_sb run --spec "$SPEC" --input "$data" --strategy serial --no-baseline
want=$(summary_value checksum)
rows=$(summary_value rows)

# kill_workers PARENT RUN: kill -9 a random worker of the run three times, 0.3 s apart once
# workers are up; the victims' pids go to $victims.
kill_workers() {
  local parent=$1 run=$2 victim cmdline
  victims=""
  for _ in 1 2 3; do
    # A loaded machine may take a while to build the model and start the workers: wait for
    # them (up to 20 s), then let them work a little before the kill.
    for _ in $(seq 1 200); do
      [ -n "$(pgrep -P "$parent")" ] || ! kill -0 "$parent" 2>/dev/null && break
      sleep 0.1
    done
    sleep 0.3
    victim=$(pgrep -P "$parent" | shuf -n 1 || true)
    [ -n "$victim" ] || continue
    if [ "$start" = exec ]; then # it must be a fresh program, not a copy of the parent
      cmdline=$(tr '\0' ' ' <"/proc/$victim/cmdline" 2>/dev/null || true)
      case "$cmdline" in
        *"sharebench run "*) # caught between fork and exec: look again
          sleep 0.2
          cmdline=$(tr '\0' ' ' <"/proc/$victim/cmdline" 2>/dev/null || true) ;;
      esac
      case "$cmdline" in
        "sharebench worker --strategy $strategy "*) ;;
        "") ;; # it ended between pgrep and here
        *) fail "$run: worker $victim runs '$cmdline', not 'sharebench worker'" ;;
      esac
    fi
    kill -9 "$victim" 2>/dev/null && victims="$victims $victim"
  done
}

# Every round must kill live workers: a kill counts when the pool reports that worker killed
# by signal 9 (a worker that had already exited, or was ending with the input, does not). A
# round without such a kill, or whose kill fell on a worker ending with the input ("failed at
# the end of input"), is run again (3 attempts); one that never kills a live worker counts as
# not tested, and more than MAX_UNTESTED (default 1) such rounds fail the test. Restarts must
# equal the live kills.
MAX_UNTESTED=${MAX_UNTESTED:-1}
round=0 real=0 untested=0
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
  mkdir -p "$dir"
  live=0
  for attempt in 1 2 3; do
    "$SHAREBENCH" run --spec "$SPEC" --input "$data" --strategy "$strategy" --workers 2 \
      --feed "$feed" --chunk 16 --range-bytes 64K --no-baseline --start "$start" \
      >"$dir/out" 2>"$dir/err" &
    parent=$!
    kill_workers "$parent" "$run"
    wait_or_kill "$parent" 60
    [ "$rc" != timeout ] || { fail "$run: the run did not finish within 60 s"; break; }
    live=0 late=false
    for victim in $victims; do
      grep -q "(pid $victim) was killed by signal 9" "$dir/err" && live=$((live + 1))
      grep -q "(pid $victim) failed at the end of input" "$dir/err" && late=true
    done
    [ "$live" -gt 0 ] && ! $late && break
    echo "$run: attempt $attempt killed no live worker (victims:${victims:- none}; exit $rc): again"
    live=0
  done
  if [ "$live" -eq 0 ]; then
    untested=$((untested + 1))
    echo "$run: NOT TESTED: no live worker killed in 3 attempts"
    [ "$untested" -le "$MAX_UNTESTED" ] ||
      fail "$untested rounds killed no live worker (at most $MAX_UNTESTED may)"
    continue
  fi
  real=$((real + 1))
  cp "$dir/out" "$WORK/out"
  expect_eq "$run exit" 0 "$rc"
  expect_eq "$run start" "$start" "$(summary_value start)"
  expect_eq "$run checksum after $live kills" "$want" "$(summary_value checksum)"
  expect_eq "$run rows" "$rows" "$(summary_value rows)"
  expect_eq "$run restarts, one per live worker killed" "$live" "$(summary_value worker_restarts)"
  echo "$run: $live live workers killed, $(summary_value worker_restarts) restarted, checksum exact"
done
echo "$real of $round rounds killed live workers"

# The poison record: id 100 kills every worker that classifies it.
SHAREBENCH_TEST_POISON=100 run_sb run --spec "$SPEC" --input "$data" --strategy global_fork \
  --workers 2 --feed records --chunk 16 --no-baseline --limit 5000
expect_eq "poison exit" 1 "$rc"
expect_eq "poison failed" 16 "$(summary_value failed)"
expect_eq "poison accounted" 5000 "$(( $(summary_value rows) + $(summary_value rejected) + $(summary_value failed) ))"
expect_contains "poison lines" "$err" "input.csv:102: failed: its chunk of 16 records killed 3 workers"

# The same in the range feed: the range that holds it fails whole (the parent reads it for
# the failed records' lines), every other range is classified, and --limit still holds.
for limit in 5000 101; do # id 100 is the 101st record
  SHAREBENCH_TEST_POISON=100 run_sb run --spec "$SPEC" --input "$data" --strategy global_fork \
    --workers 2 --feed ranges --range-bytes 2K --no-baseline --limit "$limit"
  expect_eq "poison ranges, limit $limit: exit" 1 "$rc"
  failed=$(summary_value failed)
  [ "${failed:-0}" -ge 1 ] || fail "poison ranges, limit $limit: nothing failed"
  expect_eq "poison ranges, limit $limit: accounted" "$limit" "$(( $(summary_value rows) + $(summary_value rejected) + failed ))"
  expect_contains "poison ranges, limit $limit: lines" "$err" "input.csv:102: failed: its range of bytes "
done
finish
