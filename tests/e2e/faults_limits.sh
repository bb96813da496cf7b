#!/usr/bin/env bash
# Limits and signals end in a message, never a hang or a silent death:
#   - an input with no line end (an endless stream of NUL bytes on standard input, a file of
#     one long line): exit 2 at once, "no line end in the first 4096 bytes";
#   - a header, then an endless line: SIGINT stops the run (exit 130, a message);
#   - ulimit -f: gen and run --output exit 1 with "File too large" and leave no file (not
#     killed by SIGXFSZ, exit 153);
#   - SIGHUP stops a run like SIGTERM: exit 129, "interrupted by Hangup", FILE.partial kept;
#   - SIGINT before any result: exit 130, no FILE.partial holding only the header;
#   - a small stack (ulimit -s 64) is enough for a pooled run (it segfaulted: 32 KB of poll
#     arrays on the stack of the pool's wait);
#   - --baseline-mb inf: exit 2; a negative model_copies is explained in a note;
#   - --timeline onto a FIFO nobody reads: exit 2, "no process reads the FIFO" (no hang);
#   - `clean` removes the folder of a check killed by SIGKILL (sharebench-check-PID-XXXXXX)
#     and an image named after a PID that runs but started after the image was written
#     (PID 1), and keeps a live process's.
# Signals are sent once the run's handler is installed (/proc/PID/status SigCgt), never on
# a guess of time; a run that hangs is killed by `timeout` and the check fails.
# usage: faults_limits.sh SHAREBENCH SPECS WORK
set -eu
SHAREBENCH=$1 WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
spec="$WORK/spec.csv"
data="$WORK/input.csv"
run=(run --spec "$spec" --no-baseline --sample-ms 0)
cp "$2/tiny.csv" "$spec"
export LC_ALL=C
"$SHAREBENCH" gen --spec "$spec" --rows 5000 --seed 4 --quiet --output "$data"

# wait_handler PID SIGNUM: until PID has a handler for SIGNUM (60 s at most).
wait_handler() {
  local mask
  for _ in $(seq 1 1200); do
    mask=$(sed -n 's/^SigCgt:\s*//p' /proc/"$1"/status 2>/dev/null || true)
    [ -n "$mask" ] && (((16#$mask >> ($2 - 1)) & 1)) && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# 1. No line end.
set +e
cat /dev/zero | timeout -s KILL 60 "$SHAREBENCH" "${run[@]}" --input - >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "endless NUL bytes on stdin: exit" 2 "$rc"
expect_contains "endless NUL bytes: message" "$(cat "$WORK/err")" "<stdin>:1: no line end in the first 4096 bytes"
head -c 3000000 /dev/zero | tr '\0' x >"$WORK/one-line.csv"
run_sb "${run[@]}" --input "$WORK/one-line.csv"
expect_eq "one long line: exit" 2 "$rc"
expect_contains "one long line: message" "$err" "one-line.csv:1: no line end"

# 2. A header, then an endless line: SIGINT is heard.
{ head -n 1 "$data"; cat /dev/zero; } | "$SHAREBENCH" "${run[@]}" --input - >"$WORK/out" 2>"$WORK/err" &
pid=$!
wait_handler "$pid" 2 || fail "endless line: the run never installed its handler"
signal_and_wait "$pid" INT "endless line"
expect_eq "endless line, SIGINT: exit" 130 "$rc"
expect_contains "endless line, SIGINT: message" "$(cat "$WORK/err")" "interrupted by Interrupt"

# 3. ulimit -f (in KiB blocks): past it, a write fails with a message and leaves no file.
# past_file_limit WHAT FILE ARGS...
past_file_limit() {
  local what=$1 file=$2
  shift 2
  set +e
  (ulimit -f 64 && exec "$SHAREBENCH" "$@") >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  expect_eq "$what past ulimit -f: exit" 1 "$rc"
  expect_contains "$what past ulimit -f: message" "$(cat "$WORK/err")" "write failed: File too large"
  [ ! -e "$file" ] || fail "$what past ulimit -f: left $file"
}
past_file_limit gen "$WORK/big.csv" gen --spec "$spec" --rows 5000 --quiet --output "$WORK/big.csv"
past_file_limit "run --output" "$WORK/results.csv" "${run[@]}" --input "$data" --output "$WORK/results.csv"

# 4. SIGHUP, and SIGINT before any result: a run reading a FIFO held open here.
for case in HUP:1:129:some INT:2:130:none; do
  IFS=: read -r sig num want rows <<<"$case"
  out="$WORK/fed-$sig.csv"
  rm -f "$WORK/feed" "$out" "$out.partial"
  mkfifo "$WORK/feed"
  exec 3<>"$WORK/feed"
  "$SHAREBENCH" "${run[@]}" --input "$WORK/feed" --output "$out" >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  wait_handler "$pid" "$num" || fail "SIG$sig: the run never installed its handler"
  if [ "$rows" = some ]; then
    head -n 1001 "$data" >&3
    for _ in $(seq 1 1200); do # until results reach its file
      size=0
      for fd in /proc/$pid/fd/*; do
        case "$(readlink "$fd" 2>/dev/null)" in # unnamed (O_TMPFILE) or named
          "$WORK"/*" (deleted)" | "$WORK"/fed-*) size=$(stat -L -c %s "$fd") ;;
        esac
      done
      [ "$size" -gt 100 ] && break
      sleep 0.05
    done
  fi
  signal_and_wait "$pid" "$sig" "SIG$sig"
  exec 3>&-
  expect_eq "SIG$sig: exit" "$want" "$rc"
  expect_contains "SIG$sig: message" "$(cat "$WORK/err")" "interrupted by"
  if [ "$rows" = some ]; then
    [ -s "$out.partial" ] || fail "SIG$sig: no $out.partial"
  else
    [ ! -e "$out.partial" ] || fail "SIG$sig before any result: left $out.partial ($(wc -l <"$out.partial") lines)"
  fi
  [ ! -e "$out" ] || fail "SIG$sig: $out exists"
done

# 4b. A small stack: 64 KB. A sanitizer's runtime and its padded frames need more than that
# for ordinary code (ASan overflowed in vfprintf, 2 runs in 12): under one, 256 KB, which
# still fails a frame of hundreds of KB but not the 32 KB one a release build is held to.
stack=64
grep -q -a -e __asan_init -e __tsan_init "$SHAREBENCH" && stack=256
set +e
(ulimit -s $stack && exec "$SHAREBENCH" "${run[@]}" --input "$data" --strategy global_fork --workers 4) \
  >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "ulimit -s $stack, global_fork with 4 workers: exit ($(tail -n 1 "$WORK/err"))" 0 "$rc"

# 5. Numbers: --baseline-mb inf, a negative model_copies.
run_sb run --spec "$spec" --input "$data" --baseline-mb inf
expect_eq "--baseline-mb inf: exit" 2 "$rc"
run_sb run --spec "$spec" --input "$data" --baseline-mb 100000
expect_eq "a baseline above the peak: exit" 0 "$rc"
expect_contains "a baseline above the peak: note" "$err" "model_copies is negative"

# 6. --timeline onto a FIFO that nobody reads.
rm -f "$WORK/timeline.fifo"
mkfifo "$WORK/timeline.fifo"
set +e
timeout -s KILL 60 "$SHAREBENCH" run --spec "$spec" --input "$data" --no-baseline --sample-ms 5 \
  --timeline "$WORK/timeline.fifo" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "--timeline onto a FIFO nobody reads: exit" 2 "$rc"
expect_contains "--timeline FIFO: message" "$(cat "$WORK/err")" "no process reads the FIFO"

# 7. clean: a killed check's folder, an image of "PID 1", a live process's folder.
scratch="$WORK/scratch"
mkdir -p "$scratch/sharebench-check-999999-AbCdEf" "$scratch/sharebench-check-$$-XyZabc"
echo left >"$scratch/sharebench-check-999999-AbCdEf/out"
head -c 4096 /dev/zero >"$scratch/sharebench-1-0.img"
touch -d '1 minute ago' "$scratch/sharebench-1-0.img" # unlocked for a minute: no owner's
run_sb clean --scratch-dir "$scratch"
expect_eq "clean: exit" 0 "$rc"
[ ! -e "$scratch/sharebench-check-999999-AbCdEf" ] || fail "clean kept a killed check's folder"
[ ! -e "$scratch/sharebench-1-0.img" ] || fail "clean kept sharebench-1-0.img (unlocked, a minute old)"
expect_contains "clean: why it removed PID 1's image" "$out" "process 1 runs but is not its owner"
[ -d "$scratch/sharebench-check-$$-XyZabc" ] || fail "clean removed the folder of a live process"
finish
