#!/usr/bin/env bash
# Files under faults: a full file system, an input that can be read only once, a parent
# killed with SIGKILL. One part per ctest entry:
#   fullfs  mapped_file's image on a file system too small for it (a 4 MB tmpfs; needs root
#           to mount it, else skipped with 77), and on one with no space at all, with and
#           without the baseline: a message naming the directory and the space needed, exit
#           1, nothing left in the directory, no process left. The same for py:memmap's
#           image (forked and spawned workers; skipped without the py: strategies), whose
#           message names the file.
#   fifo    a FIFO and standard input as --input, baseline on: the run finishes, with the
#           regular file's checksum, and says the baseline was measured on generated records.
#           While a run waits on a FIFO, mapped_file's image is mapped read-only (r--s) in the
#           parent and every worker, forked or exec'd, though the parent's descriptor could
#           write it.
#   kill    kill -9 of the parent mid-run (mapped_file forked and exec'd, baseline on) and
#           during the baseline: only what README says may be left is left (an exec run's
#           image), `sharebench clean` and the next run remove it, a live run's image is kept,
#           no empty-model spec is ever left in TMPDIR, no worker outlives the parent. The
#           runs killed mid-run read a FIFO that is held open: they wait for records, alive,
#           until they are killed, however fast the machine.
#   pyclean a live py:memmap run's image (the run waits on a held FIFO) is kept by `sharebench
#           clean` run in another PID namespace, where the PID in its name means nothing: the
#           run's lock on it says it is in use; the run then ends with the serial checksum.
#           Needs root for the namespace, and the py: strategies (else skipped with 77).
# usage: faults_files.sh SHAREBENCH SPECS WORK PART
set -eu
SHAREBENCH=$1 SPECS=$2 WORK=$3 PART=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

spec="$SPECS/default.csv" # its image is 34 MB
data="$WORK/input.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$spec" --rows 300000 --seed 5 --quiet --output "$data"
export TMPDIR="$WORK/tmp" # private: whatever a run leaves there is ours
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"

# Our processes still alive whose command line names the directory $1 (workers name the
# scratch directory or the image in it).
ours_alive() {
  pgrep -f -- "$1" || true
}

# Wait (up to 30 s) until no process of ours names $1; fail and kill them by PID otherwise.
expect_no_process() { # what dir
  for _ in $(seq 1 300); do
    [ -z "$(ours_alive "$2")" ] && return 0
    sleep 0.1
  done
  fail "$1: processes left: $(ours_alive "$2" | tr '\n' ' ')"
  for pid in $(ours_alive "$2"); do kill -9 "$pid" 2>/dev/null || true; done
}

expect_empty() { # what dir
  [ -z "$(ls -A "$2")" ] || fail "$1: left in $2: $(ls -A "$2" | tr '\n' ' ')"
}

part_fullfs() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: mounting a small tmpfs needs root"
    exit 77
  fi
  fs="$WORK/fs"
  mkdir -p "$fs"
  umount "$fs" 2>/dev/null || true
  if ! mount -t tmpfs -o size=4m tmpfs "$fs"; then
    echo "SKIP: cannot mount a tmpfs on $fs (a container without CAP_SYS_ADMIN?)"
    exit 77
  fi
  trap 'umount "$fs" 2>/dev/null || true' EXIT
  for start in fork exec; do
    for baseline in --no-baseline --sample-ms=20; do # the second measures the baseline
      what="$start $baseline, 34 MB image on a 4 MB file system"
      run_sb run --spec "$spec" --input "$data" --strategy mapped_file --workers 2 \
        --start "$start" --scratch-dir "$fs" "$baseline"
      expect_eq "$what: exit" 1 "$rc"
      expect_contains "$what: message" "$err" "sharebench run: mapped_file: $fs: no space for the model's image: it needs 34.0 MB"
      expect_contains "$what: free space" "$err" "MB free"
      expect_eq "$what: one message" 1 "$(printf '%s\n' "$err" | wc -l)"
      expect_empty "$what" "$fs"
      expect_no_process "$what" "$fs"
    done
  done
  # The Python memmap idiom reserves its image's blocks too (it died of SIGBUS).
  if "$SHAREBENCH" list 2>/dev/null | grep -q '^py:memmap '; then
    for start in fork spawn; do
      what="py:memmap $start, 27 MB image on a 4 MB file system"
      run_sb run --spec "$spec" --input "$data" --strategy py:memmap --workers 2 \
        --start "$start" --scratch-dir "$fs" --no-baseline
      expect_eq "$what: exit" 1 "$rc"
      expect_contains "$what: message" "$err" "memmap: $fs/sharebench-py-"
      expect_contains "$what: reason" "$err" ".img.tmp: no space for the model's image (No space left on device): it needs 27.2 MB"
      expect_eq "$what: one message" 1 "$(printf '%s\n' "$err" | wc -l)"
      expect_empty "$what" "$fs"
      expect_no_process "$what" "$fs"
    done
  else
    echo "SKIP: py:memmap on a full file system: no py: strategies (/usr/bin/python3 without numpy?)"
  fi
  # No space at all: the baseline's one-token image fails too, and only the run's own error
  # is printed.
  dd if=/dev/zero of="$fs/filler" bs=64k 2>/dev/null || true
  for start in fork exec; do
    what="$start, baseline on, a full file system"
    run_sb run --spec "$spec" --input "$data" --strategy mapped_file --workers 2 \
      --start "$start" --scratch-dir "$fs"
    expect_eq "$what: exit" 1 "$rc"
    expect_contains "$what: message" "$err" "$fs: no space for the model's image"
    expect_eq "$what: one message" 1 "$(printf '%s\n' "$err" | wc -l)"
    expect_eq "$what: left" "filler" "$(ls -A "$fs")"
    expect_no_process "$what" "$fs"
  done
  expect_empty "TMPDIR after the full file system" "$TMPDIR"
}

# hold_fifo FIFO LINES: a new FIFO at FIFO holding the first LINES lines of the input (less
# than a pipe's 64 KiB), held open by this shell (descriptor $held) so that a run reading it
# waits for more, for as long as the test needs. release_fifo closes it: the run sees the end.
held=-1
hold_fifo() {
  rm -f "$1" && mkfifo "$1"
  exec {held}<>"$1"
  head -n "$2" "$data" >&"$held"
}
release_fifo() {
  exec {held}>&-
  held=-1
}

# sb_in_background ARGS...: sharebench ARGS in the background, its PID in $parent, its output
# in $WORK/out and err, without the held FIFO (a run holding it too would never see its end).
sb_in_background() {
  if [ "$held" -ge 0 ]; then
    "$SHAREBENCH" "$@" >"$WORK/out" 2>"$WORK/err" {held}>&- &
  else
    "$SHAREBENCH" "$@" >"$WORK/out" 2>"$WORK/err" &
  fi
  parent=$!
}

# Wait (up to 60 s) until the process $1 and its children (at least $2 of them) map a file
# under $3; their PIDs go to $mappers.
wait_for_mappers() { # pid children dir
  local pid
  for _ in $(seq 1 1200); do
    mappers=
    for pid in "$1" $(pgrep -P "$1" || true); do
      grep -qF " $3/" "/proc/$pid/maps" 2>/dev/null && mappers="$mappers $pid"
    done
    [ "$(wc -w <<<"$mappers")" -gt "$2" ] && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  fail "no $2 workers of $1 map a file under $3 (mapping it: [$mappers])"
}

# While a mapped_file run waits on a held FIFO: every mapping of the image is read-only.
image_mapped_read_only() {
  local fifo="$WORK/held.fifo" dir="$WORK/scratch-ro" start pid
  head -n 200 "$data" >"$WORK/held.csv"
  run_sb run --spec "$spec" --input "$WORK/held.csv" --strategy serial --no-baseline
  local want
  want=$(summary_value checksum)
  for start in fork exec; do
    rm -rf "$dir" && mkdir -p "$dir"
    hold_fifo "$fifo" 200
    sb_in_background run --spec "$spec" --input "$fifo" --strategy mapped_file --workers 2 \
      --start "$start" --chunk 16 --no-baseline --scratch-dir "$dir"
    wait_for_mappers "$parent" 2 "$dir"
    for pid in $mappers; do
      grep -F " $dir/" "/proc/$pid/maps" >"$WORK/maps" || true
      echo "$start: process $pid maps the image: $(awk '{ print $2 }' "$WORK/maps" | sort -u | tr '\n' ' ')"
      # shellcheck disable=SC2016 # awk's own $2
      awk '$2 != "r--s" { bad = 1 } END { exit bad }' "$WORK/maps" ||
        fail "$start: process $pid maps the image other than read-only: $(cat "$WORK/maps")"
    done
    release_fifo
    if ! wait_gone "$parent" 60; then
      fail "$start: the run did not end once the FIFO was closed"
      kill -9 "$parent" 2>/dev/null || true
    fi
    reap "$parent"
    expect_eq "$start, a held FIFO: exit ($(cat "$WORK/err"))" 0 "$rc"
    expect_eq "$start, a held FIFO: checksum" "$want" "$(summary_value checksum)"
  done
}

part_fifo() {
  image_mapped_read_only
  head -c 6000000 "$data" >"$WORK/head.csv" # about 36,000 records
  run_sb run --spec "$spec" --input "$WORK/head.csv" --strategy serial --no-baseline
  want=$(summary_value checksum) rows=$(summary_value rows)
  fifo="$WORK/records.fifo"
  for run in mapped_file:fork shared_arrays:exec; do
    strategy=${run%:*} start=${run#*:}
    rm -f "$fifo" && mkfifo "$fifo"
    cat "$WORK/head.csv" >"$fifo" &
    writer=$!
    set +e
    timeout 120 "$SHAREBENCH" run --spec "$spec" --input "$fifo" --strategy "$strategy" \
      --workers 2 --start "$start" --scratch-dir "$WORK" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    err=$(cat "$WORK/err")
    kill "$writer" 2>/dev/null || true # still blocked opening the FIFO if nobody read it
    wait "$writer" 2>/dev/null || true
    expect_eq "FIFO $run: exit (124: it hung)" 0 "$rc"
    expect_eq "FIFO $run: checksum" "$want" "$(summary_value checksum)"
    expect_eq "FIFO $run: rows" "$rows" "$(summary_value rows)"
    expect_eq "FIFO $run: feed" records "$(summary_value feed)"
    expect_contains "FIFO $run: note" "$err" "note: the input is a pipe (FIFO), which only the run itself can read: baseline_mb was measured on 20000 generated records"
    case "$(summary_value baseline_mb)" in
      "" | nan) fail "FIFO $run: no baseline_mb" ;;
    esac
  done
  set +e
  timeout 120 "$SHAREBENCH" run --spec "$spec" --input - --strategy mapped_file --workers 2 \
    --limit 30000 <"$WORK/head.csv" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  expect_eq "stdin: exit" 0 "$rc"
  expect_contains "stdin: note" "$(cat "$WORK/err")" "the input is standard input, which only the run itself can read: baseline_mb was measured on 20000 generated records"
  expect_eq "stdin: rows" 30000 "$(summary_value rows)"
  expect_empty "TMPDIR after the FIFO runs" "$TMPDIR"
}

# The command line of process $1, spaces between arguments.
cmdline_of() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# Start a mapped_file run in the background (PID in $parent) and wait (up to 60 s) until a
# child of it is in the phase $1: "run" (a worker of the run itself) or "baseline" (the
# baseline's child run); the child's command line goes to $child. The run reads $input.
start_and_wait_for() { # phase start extra-args...
  local phase=$1 start=$2
  shift 2
  sb_in_background run --spec "$spec" --input "$input" --strategy mapped_file --start "$start" \
    --scratch-dir "$scratch" "$@"
  child=""
  for _ in $(seq 1 600); do
    kill -0 "$parent" 2>/dev/null || break
    for pid in $(pgrep -P "$parent" || true); do
      line=$(cmdline_of "$pid")
      case "$phase:$line" in
        baseline:*--no-baseline*) child=$line ;;
        run:*--no-baseline*) ;;
        run:*"sharebench run "* | run:"sharebench worker "*) child=$line ;;
      esac
    done
    [ -n "$child" ] && break
    sleep 0.05
  done
  [ -n "$child" ] || fail "$start: no $phase child of $parent seen (it ended first?)"
}

# Start a mapped_file run (baseline on) that reads a newly held FIFO, and wait until a worker
# of the run itself is up: the run then waits for records, alive until it is killed.
start_mid_run() { # start
  [ "$held" -lt 0 ] || release_fifo
  hold_fifo "$WORK/kill.fifo" 200
  input="$WORK/kill.fifo"
  start_and_wait_for run "$1" --workers 2 --chunk 16
}

kill_parent() {
  kill -9 "$parent" 2>/dev/null || true
  wait "$parent" 2>/dev/null || true # reaped: a zombie still counts as running
}

part_kill() {
  scratch="$WORK/scratch"
  rm -rf "$scratch" && mkdir -p "$scratch"

  # Forked workers: the image never has a name, so nothing is left.
  start_mid_run fork
  kill_parent
  expect_no_process "fork: workers after kill -9 of the parent" "$scratch"
  echo "left after kill -9 of a forked mapped_file run: [$(ls -A "$scratch" "$TMPDIR" | tr '\n' ' ')]"
  expect_empty "fork: scratch after kill -9" "$scratch"

  # Exec'd workers: the image has a name while the run lives. `clean` keeps it while the run
  # lives and removes it once the run is killed.
  start_mid_run exec
  image=$(ls -A "$scratch")
  case "$image" in
    "sharebench-$parent-"*.img) ;;
    *) fail "exec: the image while the run lives is '$image', not sharebench-$parent-N.img" ;;
  esac
  run_sb clean --scratch-dir "$scratch"
  expect_eq "clean of a live run: exit" 0 "$rc"
  expect_contains "clean of a live run" "$out" "kept $scratch/$image"
  expect_contains "clean of a live run: total" "$out" "nothing to remove in $scratch"
  [ -e "$scratch/$image" ] || fail "clean removed the image of a live run"
  kill_parent
  expect_no_process "exec: workers after kill -9 of the parent" "$scratch"
  echo "left after kill -9 of an exec'd mapped_file run: [$(ls -A "$scratch" "$TMPDIR" | tr '\n' ' ')]"
  expect_eq "exec: left after kill -9" "$image" "$(ls -A "$scratch")"
  run_sb clean --scratch-dir "$scratch"
  expect_eq "clean: exit" 0 "$rc"
  expect_contains "clean: what it removed" "$out" "removed $scratch/$image (34.0 MB): process $parent no longer runs"
  expect_contains "clean: total" "$out" "removed 1 file (34.0 MB) from $scratch"
  expect_empty "exec: scratch after clean" "$scratch"

  # The Python memmap idiom's images follow the same naming, with py- before the PID, and the
  # same rules: a dead run's goes, a live one's (this shell's, written just now) stays, an
  # unlocked one older than 10 s goes even if its PID runs (PID 1: it would stay for ever), a
  # name that is not ours is not touched.
  touch "$scratch/sharebench-py-999999999-1.img" "$scratch/sharebench-py-$$-1.img" \
    "$scratch/sharebench-py-x-1.img"
  touch -d '1 minute ago' "$scratch/sharebench-py-1-1.img"
  run_sb clean --scratch-dir "$scratch"
  expect_contains "clean: a dead Python run's image" "$out" "removed $scratch/sharebench-py-999999999-1.img"
  expect_contains "clean: PID 1's old unlocked Python image" "$out" "removed $scratch/sharebench-py-1-1.img"
  expect_eq "clean: what stays" "sharebench-py-$$-1.img sharebench-py-x-1.img" \
    "$(ls -A "$scratch" | tr '\n' ' ' | sed 's/ $//')"
  rm -f "$scratch"/sharebench-py-*

  # The next run in the same directory removes what a killed one left.
  start_mid_run exec
  kill_parent
  release_fifo
  input=$data
  expect_no_process "exec again: workers" "$scratch"
  [ -n "$(ls -A "$scratch")" ] || fail "exec again: no image left to remove (test broken?)"
  run_sb run --spec "$SPECS/tiny.csv" --input "$data" --strategy mapped_file --workers 1 \
    --limit 100 --no-baseline --scratch-dir "$scratch"
  expect_eq "next run: exit" 0 "$rc"
  expect_empty "scratch after the next run" "$scratch"

  # Killed during the baseline: its spec lives in memory, so nothing is left on disk once
  # the baseline's run (it finishes on its own) has ended.
  for start in fork exec; do
    start_and_wait_for baseline "$start" --workers 1 --feed records --chunk 1
    baseline_spec=$(printf '%s\n' "$child" | sed -n 's/.* --spec \([^ ]*\) .*/\1/p')
    kill_parent
    expect_no_process "$start: the baseline's run after kill -9 of the parent" "$scratch"
    echo "$start: the baseline's spec was $baseline_spec; left: [$(ls -A "$scratch" "$TMPDIR" | tr '\n' ' ')]"
    [ -n "$baseline_spec" ] && [ ! -e "$baseline_spec" ] ||
      fail "$start: the baseline's spec '$baseline_spec' is left"
    expect_empty "$start: scratch after kill -9 during the baseline" "$scratch"
  done
  expect_empty "TMPDIR after the kills" "$TMPDIR"
}

part_pyclean() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: a PID namespace of its own (unshare --pid) needs root"
    exit 77
  fi
  if ! "$SHAREBENCH" list 2>/dev/null | grep -q '^py:memmap '; then
    echo "SKIP: no py: strategies in this build (/usr/bin/python3 without numpy?)"
    exit 77
  fi
  if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
    echo "SKIP: cannot make a PID namespace (unshare --pid --fork --mount-proc)"
    exit 77
  fi
  scratch="$WORK/scratch"
  rm -rf "$scratch" && mkdir -p "$scratch"
  head -n 200 "$data" >"$WORK/head.csv"
  run_sb run --spec "$spec" --input "$WORK/head.csv" --strategy serial --no-baseline
  want=$(summary_value checksum)
  # A py:memmap run whose image is in place, waiting for records on a held FIFO.
  hold_fifo "$WORK/py.fifo" 200
  sb_in_background run --spec "$spec" --input "$WORK/py.fifo" --strategy py:memmap --workers 2 \
    --scratch-dir "$scratch" --no-baseline
  image=""
  for _ in $(seq 1 1200); do # 60 s at most
    image=$(cd "$scratch" && ls -A | grep '^sharebench-py-[0-9]*-[0-9]*\.img$' || true)
    [ -n "$image" ] || ! kill -0 "$parent" 2>/dev/null || { sleep 0.05 && continue; }
    break
  done
  [ -n "$image" ] || fail "py:memmap: no image seen in $scratch ($(cat "$WORK/err"))"
  # `clean` from another PID namespace, where the PID in the image's name is nobody: the lock
  # the run holds is what keeps the image.
  set +e
  unshare --pid --fork --mount-proc "$SHAREBENCH" clean --scratch-dir "$scratch" >"$WORK/clean" 2>&1
  rc=$?
  set -e
  expect_eq "clean in another PID namespace: exit" 0 "$rc"
  expect_contains "clean in another PID namespace" "$(cat "$WORK/clean")" "kept $scratch/$image"
  [ -e "$scratch/$image" ] || fail "clean in another PID namespace removed the live py:memmap image"
  release_fifo
  wait "$parent" && rc=0 || rc=$?
  expect_eq "py:memmap after the clean: exit ($(cat "$WORK/err"))" 0 "$rc"
  expect_eq "py:memmap after the clean: checksum" "$want" "$(summary_value checksum)"
  expect_empty "py:memmap: scratch after the run" "$scratch"
}

"part_$PART"
finish
