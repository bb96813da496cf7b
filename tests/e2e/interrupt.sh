#!/usr/bin/env bash
# SIGINT or SIGTERM in the middle of a run stops it cleanly, for every strategy, both start
# methods and both feeds: exit 130 or 143, the file the message names (FILE.partial, never
# FILE) holds exactly the results it reports, no temporary file is left (results,
# mapped_file's image), and no process survives the run (forked or exec'd workers).
#
# Every round must really interrupt a run: the signal is sent while it streams (its results
# file has been opened), a random moment later. A round whose run finished first, or that
# ended without the message, is tried again with an earlier signal (3 attempts); one never
# interrupted counts as not tested, and more than MAX_UNTESTED such rounds (default 2) fail
# the test. Each round has its own files (spec copy, results, output, scratch directory), so a
# failed round cannot fail the ones after it.
# usage: interrupt.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
MAX_UNTESTED=${MAX_UNTESTED:-2}

data="$WORK/input.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$2" --rows 300000 --seed 4 --quiet --output "$data"
seed=${INTERRUPT_SEED:-$$}
RANDOM=$seed
echo "random moments from seed $seed"

# wait_streaming PID RESULTS: wait (up to 60 s) until the run has opened its results file,
# which it does once the model is built and its signal handlers are installed: an unnamed
# file in the results' folder (O_TMPFILE: /proc shows it as "DIR/#INODE (deleted)"), or
# FILE.tmpPID where the file system has no O_TMPFILE.
wait_streaming() {
  local i fd
  for ((i = 0; i < 3000; i++)); do
    compgen -G "$2.tmp*" >/dev/null && return 0
    for fd in /proc/"$1"/fd/*; do
      case "$(readlink "$fd" 2>/dev/null)" in "$(dirname "$2")/#"*) return 0 ;; esac
    done
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}

# check_round WHAT DIR RESULTS RC: what an interrupted run must leave (and not leave).
check_round() {
  local what=$1 dir=$2 results=$3 rc=$4 want reported
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  expect_eq "$what exit" "$want" "$rc"
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
round=0 real=0 untested=0
# strategy[:start][/feed]
for run in serial global_fork module_state registry shared_arrays mapped_file \
  per_task_serialize per_worker_copy threads shared_arrays:exec mapped_file:exec \
  per_worker_copy:exec global_fork/records shared_arrays:exec/records; do
  feed=ranges
  case "$run" in */records) feed=records ;; esac
  strategy=${run%/*} strategy=${strategy%:*}
  start=fork
  case "$run" in *:exec*) start=exec ;; esac
  for sig in INT TERM; do
    round=$((round + 1))
    dir="$WORK/round-$round"
    rm -rf "$dir"
    mkdir -p "$dir/scratch"
    cp "$2" "$dir/spec.csv" # every process of this round, exec'd workers too, names it
    results="$dir/results.csv" what="$run SIG$sig"
    delay=$((50 + RANDOM % 300)) interrupted=false
    for attempt in 1 2 3; do
      rm -f "$results" "$results".tmp* "$results.partial"
      "$SHAREBENCH" run --spec "$dir/spec.csv" --input "$data" --strategy "$strategy" --workers 2 \
        --start "$start" --feed "$feed" --scratch-dir "$dir/scratch" --output "$results" \
        --no-baseline >"$dir/out" 2>"$dir/err" &
      parent=$!
      if wait_streaming "$parent" "$results"; then
        sleep "$(printf '0.%03d' "$delay")"
        kill -"$sig" "$parent" 2>/dev/null || true
      fi
      wait_or_kill "$parent" 60
      if [ "$rc" = timeout ]; then
        fail "$what: still running 60 s after the signal"
        break
      fi
      if grep -q 'interrupted by' "$dir/err" && [ "$rc" != 0 ]; then
        interrupted=true
        break
      fi
      echo "$what: attempt $attempt not interrupted (exit $rc after ${delay} ms): again, earlier"
      delay=$((delay / 4))
    done
    left=$(pgrep -f -- "$dir/" || true)
    [ -z "$left" ] || { kill -9 $left 2>/dev/null || true; fail "$what: processes left: $left"; }
    if ! $interrupted; then
      untested=$((untested + 1))
      echo "$what: NOT TESTED: never interrupted in 3 attempts"
      [ "$untested" -le "$MAX_UNTESTED" ] ||
        fail "$untested rounds were never interrupted (at most $MAX_UNTESTED may be): does the signal stop a run?"
      continue
    fi
    real=$((real + 1))
    check_round "$what" "$dir" "$results" "$rc"
  done
done
echo "$real of $round rounds interrupted a running run"
# shared_arrays uses an anonymous memfd: nothing may appear in /dev/shm, interrupted or not.
expect_eq "/dev/shm after every interrupted run" "$shm_before" "$(shm_ours)"
finish
