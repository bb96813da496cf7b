#!/usr/bin/env bash
# The input changing under a run (truncated, appended to, replaced) is an error naming the
# file: exit 1, no results file, not a summary of figures that belong to no file. Each case
# changes the file while the run is reading it (a run that ended first is tried again).
# usage: input_change.sh SHAREBENCH SPEC WORK [SHAREBENCH_MPI]
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3 MPI=${4:-}
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" # Open MPI's own leaks

pristine="$WORK/pristine.csv"
[ -s "$pristine" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows 300000 --seed 3 --quiet --output "$pristine"
size=$(stat -c %s "$pristine")

# change HOW: changes $WORK/input.csv the way HOW says.
change() {
  case "$1" in
    truncate) truncate -s $((size / 3)) "$WORK/input.csv" ;;
    append) tail -n 1000 "$pristine" >>"$WORK/input.csv" ;;
    replace) cp "$pristine" "$WORK/other.csv" && mv "$WORK/other.csv" "$WORK/input.csv" ;;
  esac
}

# try HOW DELAY CMD...: runs CMD on a fresh copy of the input, changes it once the run is
# under way (its workers or ranks started, then DELAY seconds); sets rc, err and changed (0 if
# the run ended before the change).
try() {
  local how=$1 delay=$2
  shift 2
  cp "$pristine" "$WORK/input.csv"
  rm -f "$WORK/o.csv"
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err" &
  local pid=$!
  set -e
  for _ in $(seq 1 300); do # until the workers (or ranks) are at work; serial has none
    [ "${SERIAL:-0}" = 1 ] || [ -n "$(pgrep -P "$pid")" ] || ! kill -0 "$pid" 2>/dev/null && break
    sleep 0.1
  done
  sleep "$delay"
  changed=0
  if kill -0 "$pid" 2>/dev/null; then
    change "$how"
    changed=1
  fi
  reap "$pid"
  err=$(cat "$WORK/err")
}

for case in global_fork/ranges/truncate global_fork/records/truncate shared_arrays/ranges/append \
  registry/records/replace serial/none/truncate; do
  strategy=${case%%/*} rest=${case#*/} feed=${rest%/*} how=${rest#*/}
  feed_args=(--feed "$feed") delay=0.5
  [ "$feed" = none ] && feed_args=() # serial: no workers to wait for; the model takes a while
  for attempt in 1 2 3; do
    [ "$feed" = none ] && delay=$((attempt + 1))
    SERIAL=$([ "$feed" = none ] && echo 1 || echo 0) try "$how" "$delay" "$SHAREBENCH" run --spec "$SPEC" --input "$WORK/input.csv" --strategy "$strategy" \
      --workers 2 "${feed_args[@]}" --range-bytes 64K --no-baseline --output "$WORK/o.csv"
    [ $changed = 1 ] && [ $rc != 0 ] && break
    [ $changed = 1 ] && break
  done
  if [ $changed = 0 ]; then
    fail "$case: every run ended before the file could be changed"
    continue
  fi
  expect_eq "$case: exit status" 1 "$rc"
  expect_contains "$case: stderr" "$err" "$WORK/input.csv"
  expect_contains "$case: stderr" "$err" "while it was being read"
  [ -e "$WORK/o.csv" ] && fail "$case: the results file was written"
done

if [ -n "$MPI" ] && command -v mpirun >/dev/null; then
  for _ in 1 2 3; do
    try truncate 0.5 mpirun --allow-run-as-root --oversubscribe -np 2 "$MPI" --spec "$SPEC" \
      --input "$WORK/input.csv" --strategy mpi_shared_window
    [ $changed = 1 ] && break
  done
  if [ $changed = 1 ]; then
    [ "$rc" != 0 ] || fail "mpi: exit status 0 for a file truncated under the run"
    expect_contains "mpi: stderr" "$err" "while it was being read"
  else
    echo "mpi: every run ended before the file could be changed (not counted)"
  fi
fi

finish
