#!/usr/bin/env bash
# Limits and signals end in a message, never a hang or a silent death:
#   - an input with no line end (an endless stream of NUL bytes on standard input, a file of
#     one long line): exit 2 at once, "no line end in the first 4096 bytes";
#   - a header, then an endless line: SIGINT stops the run (exit 130, a message);
#   - ulimit -f: gen, run --output and the model's image (mapped_file, shared_arrays) exit 1
#     with "File too large" and the limit, and leave no file (not killed by SIGXFSZ, exit 153);
#   - SIGHUP stops a run like SIGTERM: exit 129, "interrupted by Hangup", FILE.partial kept;
#   - SIGINT before any result: exit 130, no FILE.partial holding only the header;
#   - a small stack (ulimit -s 64) is enough for a pooled run (it segfaulted: 32 KB of poll
#     arrays on the stack of the pool's wait);
#   - --baseline-mb inf: exit 2; a negative model_copies is explained in a note;
#   - --timeline onto a FIFO nobody reads: exit 2, "no process reads the FIFO" (no hang);
#   - `clean` removes the folder of a check killed by SIGKILL (sharebench-check-PID-XXXXXX)
#     and an image named after a PID that runs but started after the image was written
#     (PID 1), and keeps a live process's;
#   - ulimit -u: a worker or the memory sampler's thread that cannot start ends the run with
#     exit 1 (not 2, bad usage), the limit named, nothing left; check says it is incomplete.
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

# run_limited FLAG VALUE COMMAND...: COMMAND under `ulimit FLAG VALUE`, its output in
# $WORK/out and $WORK/err; sets rc.
run_limited() {
  set +e
  bash -c 'ulimit "$1" "$2" && shift 2 && exec "$@"' _ "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
}

# 3. ulimit -f (in KiB blocks): past it, a write fails with a message and leaves no file.
# past_file_limit WHAT FILE ARGS...
past_file_limit() {
  local what=$1 file=$2
  shift 2
  run_limited -f 64 "$SHAREBENCH" "$@"
  expect_eq "$what past ulimit -f: exit" 1 "$rc"
  expect_contains "$what past ulimit -f: message" "$(cat "$WORK/err")" "write failed: File too large"
  [ ! -e "$file" ] || fail "$what past ulimit -f: left $file"
}
past_file_limit gen "$WORK/big.csv" gen --spec "$spec" --rows 5000 --quiet --output "$WORK/big.csv"
past_file_limit "run --output" "$WORK/results.csv" "${run[@]}" --input "$data" --output "$WORK/results.csv"

# 3b. The model's image past ulimit -f: the tiny spec's is 64960 bytes, over 32 KB, which the
# summary on standard output stays under. Exit 1, a message naming the image and the limit,
# nothing left in the scratch dir, no process left (every one of the run names image-spec.csv).
cp "$spec" "$WORK/image-spec.csv"
for strategy in "mapped_file --start exec" mapped_file "shared_arrays --start exec"; do
  rm -rf "$WORK/image-scratch"
  mkdir "$WORK/image-scratch"
  # shellcheck disable=SC2086 # the strategy's words are separate flags
  run_limited -f 32 "$SHAREBENCH" run --spec "$WORK/image-spec.csv" --input "$data" --no-baseline \
    --sample-ms 0 --strategy $strategy --workers 2 --scratch-dir "$WORK/image-scratch"
  what="$strategy, its image past ulimit -f 32"
  expect_eq "$what: exit" 1 "$rc"
  expect_contains "$what: message" "$(cat "$WORK/err")" "model's image"
  expect_contains "$what: the limit" "$(cat "$WORK/err")" \
    "File too large (ulimit -f, the limit on the size of a file written, is 32768 bytes)"
  expect_eq "$what: left in the scratch dir" "" "$(ls -A "$WORK/image-scratch")"
  expect_eq "$what: processes left" "" "$(pgrep -f -- "$WORK/image-spec.csv" || true)"
done

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

# 8. ulimit -u: a worker that cannot start. Root is exempt from the limit, so the run goes as
# nobody, on copies of the binary and files in a folder of its own that nobody can read. The
# limit counts nobody's processes and threads already running plus 4: the run and 3 workers
# start, worker 3 cannot. After: exit 1, the limit named, and nothing left (no process of
# nobody's beyond those before, no output, no .partial, no image, no shared memory).
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "SKIP ulimit -u: only root can run the check as another user, whom the limit binds"
else
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  nproc_dir=$(mktemp -d /tmp/sharebench-nproc-XXXXXX)
  trap 'rm -rf "$nproc_dir"' EXIT
  cp "$SHAREBENCH" "$spec" "$data" "$nproc_dir/"
  mkdir "$nproc_dir/scratch"
  chmod 755 "$nproc_dir" "$nproc_dir/sharebench"
  chmod 644 "$nproc_dir/spec.csv" "$nproc_dir/input.csv"
  chmod 1777 "$nproc_dir/scratch"
  for strategy in threads global_fork "mapped_file --start exec" "shared_arrays --start exec"; do
    shm_before=$(find /dev/shm -user nobody 2>/dev/null | wc -l)
    before=$(ps -L -u nobody -o lwp= | wc -l)
    limit=$((before + 4))
    # shellcheck disable=SC2086 # the strategy's words are separate flags
    run_limited -u "$limit" "${as_nobody[@]}" "$nproc_dir/sharebench" run --spec "$nproc_dir/spec.csv" \
      --input "$nproc_dir/input.csv" --no-baseline --sample-ms 0 --strategy $strategy --workers 8 \
      --scratch-dir "$nproc_dir/scratch" --output "$nproc_dir/scratch/results.csv"
    what="ulimit -u $limit, $strategy"
    expect_eq "$what: exit" 1 "$rc"
    expect_contains "$what: message" "$(cat "$WORK/err")" "3 of 8 workers started, then: cannot start worker 3: "
    expect_contains "$what: the limit" "$(cat "$WORK/err")" \
      "Resource temporarily unavailable (ulimit -u, the per-user limit on processes and threads, is $limit)"
    expect_eq "$what: nobody's processes after" "$before" "$(ps -L -u nobody -o lwp= | wc -l)"
    expect_eq "$what: scratch dir (output, .partial, image)" "" "$(ls -A "$nproc_dir/scratch")"
    expect_eq "$what: shared memory of nobody's" "$shm_before" "$(find /dev/shm -user nobody 2>/dev/null | wc -l)"
  done
  # py: runs: the Python program (limit +1: it cannot start), its Pool's processes or its
  # ThreadPool's threads (+4: some start, then one cannot): exit 1, the limit named, nothing
  # left (a Pool that failed half-way used to leave the program waiting for ever, and a
  # ThreadPool's failure was reported as an AttributeError).
  if "$SHAREBENCH" list 2>/dev/null | grep -q "py:serial"; then
    cp -r "$(dirname "$0")/../../strategies/python" "$nproc_dir/python"
    chmod -R a+rX "$nproc_dir/python"
    for case in 1:py:global_fork 4:py:global_fork 4:py:threads 4:py:memmap; do
      before=$(ps -L -u nobody -o lwp= | wc -l)
      limit=$((before + ${case%%:*})) strategy=${case#*:}
      SHAREBENCH_PY="$nproc_dir/python/sharebench_py.py" run_limited -u "$limit" "${as_nobody[@]}" \
        "$nproc_dir/sharebench" run --spec "$nproc_dir/spec.csv" --input "$nproc_dir/input.csv" \
        --no-baseline --sample-ms 0 --strategy "$strategy" --workers 8 \
        --scratch-dir "$nproc_dir/scratch" --output "$nproc_dir/scratch/results.csv"
      what="ulimit -u $limit, $strategy"
      expect_eq "$what: exit (stderr: $(tail -n 1 "$WORK/err"))" 1 "$rc"
      expect_contains "$what: the limit" "$(cat "$WORK/err")" \
        "Resource temporarily unavailable (ulimit -u, the per-user limit on processes and threads, is $limit)"
      expect_eq "$what: nobody's processes after" "$before" "$(ps -L -u nobody -o lwp= | wc -l)"
      expect_eq "$what: scratch dir (output, image)" "" "$(ls -A "$nproc_dir/scratch")"
    done
  else
    echo "SKIP ulimit -u, py: runs: no py: strategies in this build"
  fi
  # The memory sampler's thread: the run's failure (exit 1), not bad usage.
  limit=$(($(ps -L -u nobody -o lwp= | wc -l) + 1))
  run_limited -u "$limit" "${as_nobody[@]}" "$nproc_dir/sharebench" run --spec "$nproc_dir/spec.csv" \
    --input "$nproc_dir/input.csv" --no-baseline --sample-ms 5
  expect_eq "ulimit -u $limit, the sampler's thread: exit" 1 "$rc"
  expect_contains "ulimit -u $limit, the sampler's thread: message" "$(cat "$WORK/err")" \
    "cannot start the memory sampler's thread: pthread_create: Resource temporarily unavailable (ulimit -u"
  # check: a run it cannot start makes the check incomplete (exit 1), never "every check passes".
  cp -r "$(dirname "$0")/../conformance" "$nproc_dir/cases"
  chmod -R a+rX "$nproc_dir/cases"
  limit=$(($(ps -L -u nobody -o lwp= | wc -l) + 1))
  run_limited -u "$limit" "${as_nobody[@]}" "$nproc_dir/sharebench" check --strategy serial \
    --cases "$nproc_dir/cases"
  expect_eq "ulimit -u $limit, check: exit" 1 "$rc"
  expect_contains "ulimit -u $limit, check: message" "$(cat "$WORK/err")" "could not start (see above): the check is incomplete"
  rm -rf "$nproc_dir"
fi
finish
