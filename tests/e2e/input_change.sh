#!/usr/bin/env bash
# The input changing under a run (truncated, appended to, replaced, rewritten in place with its
# modification time set back) is an error naming the
# file: exit 1, no results file, not a summary of figures that belong to no file. Each case
# changes the file while the run is certainly reading it: the run writes its results into a
# FIFO that this script reads only once the change is made, so it cannot finish meanwhile. A
# last case, with a regular results file, changes the input while the parent is stopped
# half-way through it (its read offset short of the end) and checks that no file is left.
# usage: input_change.sh SHAREBENCH SPEC WORK [SHAREBENCH_MPI]
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3 MPI=${4:-}
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" # Open MPI's own leaks

pristine="$WORK/pristine.csv"
[ -s "$pristine" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows 300000 --seed 3 --quiet --output "$pristine"
size=$(stat -c %s "$pristine")

# end_run PID WHAT: waits for the run PID (at most 120 s: then a failure and kill -9); sets rc.
end_run() {
  if ! wait_gone "$1" 120; then
    fail "$2: the run did not end within 120 s"
    kill -9 "$1" 2>/dev/null || true
  fi
  reap "$1"
}

# change HOW: changes $WORK/input.csv the way HOW says.
change() {
  case "$1" in
    truncate) truncate -s $((size / 3)) "$WORK/input.csv" ;;
    append) tail -n 1000 "$pristine" >>"$WORK/input.csv" ;;
    replace) cp "$pristine" "$WORK/other.csv" && mv "$WORK/other.csv" "$WORK/input.csv" ;;
    rewrite) # one byte changed in place, size kept, the modification time set back
      touch -r "$WORK/input.csv" "$WORK/mtime-ref"
      printf X | dd of="$WORK/input.csv" bs=1 seek=$((size / 2)) conv=notrunc status=none
      touch -r "$WORK/mtime-ref" "$WORK/input.csv" ;;
  esac
}

# try_held HOW CMD...: runs CMD --output FIFO on a fresh copy of the input; once the first
# results come out of the FIFO (the run is reading), changes the input, then lets the run
# write the rest. 300,000 results do not fit in a pipe: the run cannot have finished reading
# before the change. Sets rc and err.
try_held() {
  local how=$1 fifo="$WORK/results.fifo" got
  shift
  cp "$pristine" "$WORK/input.csv"
  rm -f "$fifo" && mkfifo "$fifo"
  exec {results}<>"$fifo" # a reader from the start: the run's open does not wait
  set +e
  "$@" --output "$fifo" >"$WORK/out" 2>"$WORK/err" {results}>&- &
  local pid=$!
  got=$(timeout 120 head -c 1 <&"$results" | wc -c) # the first result (or nothing: it failed)
  set -e
  [ "$got" = 1 ] || fail "$how: no result came out of the run (stderr: $(cat "$WORK/err"))"
  change "$how"
  local rest drain
  exec {rest}<"$fifo" # opens at once: this shell is a writer too, until the next line
  exec {results}>&-
  cat <&"$rest" >/dev/null {results}>&- & # the rest of the results, to the run's end
  drain=$!
  exec {rest}<&-
  end_run "$pid" "$how"
  wait "$drain" 2>/dev/null || true
  err=$(cat "$WORK/err")
}

cases="global_fork/ranges/truncate global_fork/records/truncate shared_arrays/ranges/append
  registry/records/replace serial/none/truncate serial/none/rewrite"
# py: runs: the harness opens the input for the Python program and checks it the same way.
if "$SHAREBENCH" list 2>/dev/null | grep -q "py:serial"; then
  cases="$cases py:serial/none/append py:global_fork/none/truncate py:serial/none/replace"
  cases="$cases py:threads/none/rewrite"
else
  echo "no py: strategies in this build: their cases are skipped"
fi
for case in $cases; do
  strategy=${case%%/*} rest=${case#*/} feed=${rest%/*} how=${rest#*/}
  feed_args=(--feed "$feed")
  [ "$feed" = none ] && feed_args=() # serial: no feed
  try_held "$how" "$SHAREBENCH" run --spec "$SPEC" --input "$WORK/input.csv" --strategy "$strategy" \
    --workers 2 "${feed_args[@]}" --range-bytes 64K --no-baseline
  expect_eq "$case: exit status" 1 "$rc"
  expect_contains "$case: stderr" "$err" "$WORK/input.csv"
  expect_contains "$case: stderr" "$err" "while it was being read"
  expect_eq "$case: no summary" "" "$(cat "$WORK/out")"
done

# A regular results file: none is left. The parent reads the input itself (the record feed);
# it is stopped, once its workers are up, while its read offset is short of the end, so the
# change comes before the run can have finished reading (a run that got to the end first is
# tried again).
changed=0
for attempt in 1 2 3 4 5; do
  cp "$pristine" "$WORK/input.csv"
  rm -f "$WORK/o.csv"
  set +e
  "$SHAREBENCH" run --spec "$SPEC" --input "$WORK/input.csv" --strategy global_fork --workers 2 \
    --feed records --no-baseline --output "$WORK/o.csv" >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  set -e
  offset=
  # Until the workers are up (the run took the input's identity before it built anything: a
  # change before that is no change to the run, which reads the file as it then is) and the
  # parent has read some of the input.
  for _ in $(seq 1 1200); do
    kill -0 "$pid" 2>/dev/null || break
    fd=
    [ -z "$(pgrep -P "$pid")" ] ||
      fd=$(find "/proc/$pid/fd" -lname "$WORK/input.csv" -printf '%f\n' 2>/dev/null | head -n 1)
    if [ -n "$fd" ]; then
      kill -STOP "$pid"
      offset=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$pid/fdinfo/$fd" 2>/dev/null || true)
      [ -n "$offset" ] && [ "$offset" -gt 0 ] && break
      kill -CONT "$pid"
      offset=
    fi
    sleep 0.05
  done
  if [ -n "$offset" ] && [ "$offset" -lt "$size" ]; then
    change truncate
    changed=1
  fi
  kill -CONT "$pid" 2>/dev/null || true
  end_run "$pid" "results file"
  [ "$changed" = 1 ] && break
done
if [ "$changed" = 1 ]; then
  expect_eq "results file: exit status" 1 "$rc"
  expect_contains "results file: stderr" "$(cat "$WORK/err")" "while it was being read"
  [ -e "$WORK/o.csv" ] && fail "results file: the results file was written"
else
  fail "results file: the parent had read the whole input every time it was stopped"
fi

# sharebench-mpi: every rank reads its own byte range through a reader of its own, closed
# once the range is read, before the rank checks the file. The ranks are stopped while one of
# them still holds its reader (two descriptors of the input: the shared one and the reader's),
# so that rank is still reading when the file is truncated.
mpi_ranks_reading() { # any rank holds a reader: exit 0
  local pid
  for pid in $(pgrep -f -- "$MPI --spec" || true); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$MPI")" ] || continue
    [ "$(find "/proc/$pid/fd" -lname "$WORK/input.csv" 2>/dev/null | wc -l)" -ge 2 ] && return 0
  done
  return 1
}
signal_ranks() { # SIG
  local pid
  for pid in $(pgrep -f -- "$MPI --spec" || true); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$MPI")" ] && kill -"$1" "$pid" 2>/dev/null
  done
  true
}
if [ -n "$MPI" ] && command -v mpirun >/dev/null; then
  changed=0
  for _ in 1 2 3 4 5; do
    cp "$pristine" "$WORK/input.csv"
    set +e
    mpirun --allow-run-as-root --oversubscribe -np 2 "$MPI" --spec "$SPEC" \
      --input "$WORK/input.csv" --strategy mpi_shared_window >"$WORK/out" 2>"$WORK/err" &
    pid=$!
    set -e
    for _ in $(seq 1 1200); do
      kill -0 "$pid" 2>/dev/null || break
      if mpi_ranks_reading; then
        signal_ranks STOP
        if mpi_ranks_reading; then
          change truncate
          changed=1
        fi
        signal_ranks CONT
        [ "$changed" = 1 ] && break
      fi
      sleep 0.05
    done
    end_run "$pid" "mpi"
    [ "$changed" = 1 ] && break
  done
  if [ "$changed" = 1 ]; then
    [ "$rc" != 0 ] || fail "mpi: exit status 0 for a file truncated under the run"
    expect_contains "mpi: stderr" "$(cat "$WORK/err")" "while it was being read"
  else
    fail "mpi: no rank was seen reading in 5 runs"
  fi
fi

finish
