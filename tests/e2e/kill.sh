#!/usr/bin/env bash
# Workers killed from outside (kill -9 by pid, several times in one run) are replaced and
# their tasks sent again: every process strategy still prints the exact serial checksum, in
# both feeds, and reports its restarts. A poison record (test-only SHAREBENCH_TEST_POISON)
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

# strategy[:start][/feed]
for run in global_fork module_state registry shared_arrays mapped_file per_worker_copy \
  shared_arrays:exec mapped_file:exec per_worker_copy:exec \
  global_fork/records registry/records shared_arrays:exec/records; do
  feed=ranges
  case "$run" in */records) feed=records ;; esac
  strategy=${run%/*} strategy=${strategy%:*}
  start=fork
  case "$run" in *:exec*) start=exec ;; esac
  set +e
  "$SHAREBENCH" run --spec "$SPEC" --input "$data" --strategy "$strategy" --workers 2 \
    --feed "$feed" --chunk 16 --range-bytes 64K --no-baseline --start "$start" \
    >"$WORK/out" 2>"$WORK/err" &
  parent=$!
  set -e
  kills=0
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
    kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
  done
  set +e
  for _ in $(seq 1 600); do kill -0 "$parent" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$parent" 2>/dev/null; then
    fail "$run: the run did not finish within 30 s"
    kill -9 "$parent"
  fi
  wait "$parent"
  rc=$?
  set -e
  expect_eq "$run exit" 0 "$rc"
  expect_eq "$run start" "$start" "$(summary_value start)"
  expect_eq "$run checksum after $kills kills" "$want" "$(summary_value checksum)"
  expect_eq "$run rows" "$rows" "$(summary_value rows)"
  restarts=$(summary_value worker_restarts)
  [ "${restarts:-0}" -ge "$kills" ] || fail "$run: $kills kills but $restarts restarts"
  [ "$kills" -gt 0 ] || fail "$run: no worker was killed (run too short?)"
  echo "$run: $kills workers killed, $restarts restarted, checksum exact"
done

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
