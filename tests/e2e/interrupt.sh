#!/usr/bin/env bash
# SIGINT or SIGTERM at a random moment stops a run of every strategy cleanly: exit 130 or
# 143 (or 0 if the run had already finished), the file the message names (FILE.partial, never
# FILE) holds exactly the results it reports, no temporary file is left (results,
# mapped_file's image), and no process survives the run (forked or exec'd workers).
# usage: interrupt.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 WORK=$3
mkdir -p "$WORK" "$WORK/scratch"
. "$(dirname "$0")/lib.sh"
SPEC="$WORK/spec.csv" # a private copy: every process of these runs names $WORK
cp "$2" "$SPEC"

data="$WORK/input.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows 300000 --seed 4 --quiet --output "$data"
seed=${INTERRUPT_SEED:-$$}
RANDOM=$seed
echo "random moments from seed $seed"

shm_before=$(ls /dev/shm 2>/dev/null | sort)
round=0
for run in serial global_fork module_state registry shared_arrays mapped_file \
  per_task_serialize per_worker_copy threads shared_arrays:exec mapped_file:exec \
  per_worker_copy:exec; do
  strategy=${run%:*}
  start=fork
  [ "$run" = "$strategy" ] || start=${run#*:}
  for sig in INT TERM; do
    round=$((round + 1))
    results="$WORK/results-$round.csv"
    rm -f "$results" "$results".tmp* "$results.partial"
    set +e
    "$SHAREBENCH" run --spec "$SPEC" --input "$data" --strategy "$strategy" --workers 2 \
      --start "$start" --scratch-dir "$WORK/scratch" --output "$results" \
      >"$WORK/out" 2>"$WORK/err" &
    parent=$!
    sleep "0.$(printf '%03d' $((RANDOM % 400)))"
    kill -"$sig" "$parent" 2>/dev/null
    for _ in $(seq 1 200); do kill -0 "$parent" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$parent" 2>/dev/null; then
      fail "$strategy SIG$sig: still running 10 s after the signal"
      kill -9 "$parent"
    fi
    wait "$parent"
    rc=$?
    set -e
    what="$strategy start=$start SIG$sig"
    want=$([ "$sig" = INT ] && echo 130 || echo 143)
    if [ "$rc" = 0 ]; then
      echo "$what: finished before the signal"
      continue
    fi
    expect_eq "$what exit" "$want" "$rc"
    message=$(grep 'interrupted by' "$WORK/err" || true)
    if [ -z "$message" ]; then
      # The signal came before the handlers were installed, at start-up: the default action
      # ended the process before it created anything. Check that it created nothing.
      [ ! -e "$results" ] || fail "$what: killed at start-up but a results file exists"
      ls "$WORK" | grep -q '\.tmp' && fail "$what: a temporary file was left"
      [ -z "$(ls "$WORK/scratch")" ] || fail "$what: left in the scratch directory"
      echo "$what: ended by the signal at start-up, nothing created"
      continue
    fi
    reported=$(sed -n 's/.*after \([0-9]*\) results.*/\1/p' <<<"$message")
    kept=$(sed -n 's/.*results so far in \(.*\)$/\1/p' <<<"$message")
    if [ -n "$kept" ]; then
      # FILE.partial; FILE itself only when the signal came after the run had completed.
      [ "$kept" = "$results.partial" ] || [ "$kept" = "$results" ] || fail "$what: kept in '$kept'"
      [ "$kept" = "$results" ] || [ ! -e "$results" ] || fail "$what: interrupted, yet $results exists"
      expect_eq "$what results file lines" "$((reported + 1))" "$(wc -l <"$kept")"
    else
      expect_eq "$what results with no file" 0 "$reported"
    fi
    ls "$WORK" | grep -q '\.tmp' && fail "$what: a temporary file was left"
    [ -z "$(ls "$WORK/scratch")" ] || fail "$what: left in the scratch directory: $(ls "$WORK/scratch")"
    left=$(pgrep -f -- "$WORK/" || true)
    [ -z "$left" ] || { fail "$what: processes left: $left"; kill -9 $left; }
    echo "$what: exit $rc after $reported results"
  done
done
# shared_arrays uses an anonymous memfd: nothing may appear in /dev/shm, interrupted or not.
expect_eq "/dev/shm after every interrupted run" "$shm_before" "$(ls /dev/shm 2>/dev/null | sort)"
finish
