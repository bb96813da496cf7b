#!/usr/bin/env bash
# Where results go when --output is not a plain new file, when a run stops early, and when
# standard output cannot be written. Each part runs twice: with unnamed temporaries
# (O_TMPFILE) and with the named-temporary fallback (SHAREBENCH_TEST_NO_TMPFILE=1).
#   - a symbolic link is followed (run and gen): the file it names is replaced, the link stays;
#   - a character device (made with mknod when root, never the real /dev/null), a FIFO and
#     /dev/stdout (a link of its own to /proc/self/fd/1) are written directly and stay what
#     they were;
#   - SIGINT/SIGTERM mid-run: exit 130/143, FILE absent or as it was, FILE.partial named in the
#     message and holding whole lines only, as many as reported, a subset of a full run's (its
#     prefix where results are committed in input order); gen leaves FILE as it was;
#   - a failed run (exit 1 or 2) leaves FILE as it was; kill -9 leaves nothing beside FILE
#     (the fallback leaves FILE.tmpPID, and the next run writing FILE removes it);
#   - an output that cannot be created: exit 2 from run and gen, naming the command and file;
#   - standard output that cannot be written (>/dev/full): exit 1 and a message.
# Interrupted runs read a FIFO this script holds open: they cannot finish before the signal.
# usage: faults_output.sh SHAREBENCH SPECS WORK
set -eu
SHAREBENCH=$1 WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
SPEC="$WORK/spec.csv" # a private copy: every process of these runs names $WORK
cp "$2/tiny.csv" "$SPEC"
export LC_ALL=C

data="$WORK/input.csv"
"$SHAREBENCH" gen --spec "$SPEC" --rows 200000 --seed 3 --quiet --output "$data"
full="$WORK/full.csv" # what a complete run writes
run_sb run --spec "$SPEC" --input "$data" --no-baseline --sample-ms 0 --output "$full"
expect_eq "reference run" 0 "$rc"
tail -n +2 "$full" | sort >"$WORK/full.sorted"
head -n 1001 "$full" >"$WORK/first-1000.csv"
"$SHAREBENCH" gen --spec "$SPEC" --rows 1000 --seed 3 --quiet --output "$WORK/gen-1000.csv"

# Named temporaries left in a folder (FILE.tmpPID, FILE.partial.tmpPID).
temporaries() {
  ls -A "$1" | grep -E '\.tmp[0-9]+$' || true
}

# run_small OUTPUT: the first 1000 records, results to OUTPUT.
run_small() {
  run_sb run --spec "$SPEC" --input "$data" --limit 1000 --no-baseline --sample-ms 0 --output "$1"
}

# output_bytes PID: what the process has written so far to its results file (unnamed or not).
output_bytes() {
  local fd
  for fd in /proc/"$1"/fd/*; do
    case "$(readlink "$fd" 2>/dev/null)" in
      "$WORK"/*" (deleted)" | "$WORK"/*.tmp[0-9]*)
        stat -L -c %s "$fd" 2>/dev/null && return ;;
    esac
  done
  echo 0
}

# wait_for_output PID BYTES: until the process has written BYTES (60 s at most); fails if it
# ended or never got there.
wait_for_output() {
  for _ in $(seq 1 600); do
    kill -0 "$1" 2>/dev/null || return 1
    [ "$(output_bytes "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# start_fed_run OUTPUT STRATEGY: a run reading a FIFO held open here, fed the input's first
# 20000 records; returns once results reach the results file. The run cannot finish: its
# input has not ended.
start_fed_run() {
  rm -f "$WORK/feed"
  mkfifo "$WORK/feed"
  exec 3<>"$WORK/feed" # read-write: opening never blocks, even if the run is gone
  "$SHAREBENCH" run --spec "$SPEC" --input "$WORK/feed" --strategy "$2" --workers 2 \
    --no-baseline --sample-ms 0 --output "$1" >"$WORK/out" 2>"$WORK/err" &
  parent=$!
  timeout 120 head -n 20001 "$data" >&3 || fail "$2: could not feed the run"
  wait_for_output "$parent" 4096 || fail "$2: no results reached $1: $(cat "$WORK/err")"
}

# end_run SIG: send SIG to the run, wait for it (kill -9 after 30 s), close its input; sets rc
# and err, and kills what outlived it.
end_run() {
  signal_and_wait "$parent" "$1" "the run"
  exec 3>&-
  err=$(cat "$WORK/err")
  for _ in $(seq 1 600); do [ -z "$(pgrep -f -- "$WORK/" || true)" ] && break; sleep 0.05; done
  local left
  left=$(pgrep -f -- "$WORK/" || true)
  [ -z "$left" ] || { fail "processes left: $left"; kill -9 $left; }
}

# check_interrupted WHAT SIG: the run ended by SIG, and said so.
check_interrupted() {
  local want=143
  [ "$2" = INT ] && want=130
  expect_eq "$1: exit (interrupted, not finished)" "$want" "$rc"
  expect_contains "$1: message" "$err" "interrupted by"
}

# check_partial WHAT OUTPUT ORDERED: OUTPUT.partial, named in the message, holds the header
# and as many whole result lines as the message reports, each one a full run's; with ORDERED
# (results committed in input order) they are the full run's first lines.
check_partial() {
  local partial="$2.partial" reported
  expect_contains "$1: message names the partial file" "$err" "results so far in $partial"
  [ -s "$partial" ] || { fail "$1: no $partial"; return; }
  [ -z "$(tail -c 1 "$partial")" ] || fail "$1: the last line of $partial is cut"
  reported=$(sed -n 's/.*after \([0-9]*\) results.*/\1/p' <<<"$err")
  [ "${reported:-0}" -gt 0 ] || fail "$1: no results reported kept"
  expect_eq "$1: partial lines" "$((reported + 1))" "$(wc -l <"$partial")"
  expect_eq "$1: partial header" "id,class,score" "$(head -n 1 "$partial")"
  if [ "$3" = ordered ]; then
    head -n "$((reported + 1))" "$full" | cmp -s - "$partial" || fail "$1: not a full run's prefix"
  else
    expect_eq "$1: lines a full run does not have" 0 \
      "$(tail -n +2 "$partial" | sort | comm -23 - "$WORK/full.sorted" | wc -l)"
    expect_eq "$1: lines kept twice" 0 "$(tail -n +2 "$partial" | sort | uniq -d | wc -l)"
  fi
}

# interrupt_ranges DIR SIG: the range feed on a regular file, interrupted once results flow;
# started again on a run that finished first (it must not count as interrupted).
interrupt_ranges() {
  local dir=$1 out="$1/ranges.csv"
  for attempt in 1 2 3; do
    rm -f "$out" "$out.partial"
    "$SHAREBENCH" run --spec "$SPEC" --input "$data" --strategy global_fork --workers 2 \
      --range-bytes 64K --no-baseline --sample-ms 0 --output "$out" >"$WORK/out" 2>"$WORK/err" &
    parent=$!
    wait_for_output "$parent" 4096 || true
    end_run "$2"
    [ "$rc" = 0 ] || break
    echo "ranges SIG$2: finished before the signal (attempt $attempt), again"
  done
  check_interrupted "ranges SIG$2 ($mode)" "$2"
  [ ! -e "$out" ] || fail "ranges SIG$2 ($mode): $out exists"
  check_partial "ranges SIG$2 ($mode)" "$out" ordered
}

for mode in tmpfile named; do
  if [ "$mode" = named ]; then export SHAREBENCH_TEST_NO_TMPFILE=1; fi
  dir="$WORK/$mode"
  mkdir -p "$dir/links" "$dir/real"

  # 1. A symbolic link (relative, to another folder) is followed: the file it names is
  #    replaced, keeping its permissions, and the link stays; a dangling one is created.
  echo old >"$dir/real/r.csv"
  chmod 600 "$dir/real/r.csv"
  ln -s ../real/r.csv "$dir/links/r.csv"
  run_small "$dir/links/r.csv"
  expect_eq "run through a link ($mode): exit" 0 "$rc"
  [ -L "$dir/links/r.csv" ] || fail "run through a link ($mode): the link was replaced"
  cmp -s "$dir/real/r.csv" "$WORK/first-1000.csv" || fail "run through a link ($mode): wrong file"
  expect_eq "run through a link ($mode): permissions" 600 "$(stat -c %a "$dir/real/r.csv")"
  ln -s ../real/g.csv "$dir/links/g.csv" # dangling
  run_sb gen --spec "$SPEC" --rows 1000 --seed 3 --quiet --output "$dir/links/g.csv"
  expect_eq "gen through a link ($mode): exit" 0 "$rc"
  [ -L "$dir/links/g.csv" ] || fail "gen through a link ($mode): the link was replaced"
  cmp -s "$dir/real/g.csv" "$WORK/gen-1000.csv" || fail "gen through a link ($mode): wrong file"
  run_sb gen --spec "$SPEC" --rows 1000 --seed 3 --quiet --output "$dir/links/g.csv"
  cmp -s "$dir/real/g.csv" "$WORK/gen-1000.csv" || fail "gen through a link ($mode): not replaced"
  expect_eq "links ($mode): temporaries" "" "$(temporaries "$dir/links")$(temporaries "$dir/real")"

  # 2. Written directly: a character device, a FIFO, /dev/stdout.
  if [ "$(id -u)" = 0 ]; then
    mknod "$dir/null" c 1 3 && mknod "$dir/full" c 1 7
    null="$dir/null" devfull="$dir/full"
  else
    null=/dev/null devfull=/dev/full # without root they cannot be replaced anyway
  fi
  for cmd in run gen; do
    if [ $cmd = run ]; then run_small "$null"; else
      run_sb gen --spec "$SPEC" --rows 1000 --quiet --output "$null"
    fi
    expect_eq "$cmd --output $null ($mode): exit" 0 "$rc"
    [ -c "$null" ] || fail "$cmd --output $null ($mode): no longer a character device"
    if [ $cmd = run ]; then run_small "$devfull"; else
      run_sb gen --spec "$SPEC" --rows 1000 --quiet --output "$devfull"
    fi
    expect_eq "$cmd --output $devfull ($mode): exit" 1 "$rc"
    expect_contains "$cmd --output $devfull ($mode): message" "$err" "sharebench $cmd: $devfull: write failed"
    [ -c "$devfull" ] || fail "$cmd --output $devfull ($mode): no longer a character device"
  done
  mkfifo "$dir/fifo"
  for cmd in run gen; do
    timeout 60 cat "$dir/fifo" >"$dir/fifo-copy" &
    reader=$!
    if [ $cmd = run ]; then run_small "$dir/fifo"; want="$WORK/first-1000.csv"; else
      run_sb gen --spec "$SPEC" --rows 1000 --seed 3 --quiet --output "$dir/fifo"
      want="$WORK/gen-1000.csv"
    fi
    wait "$reader" || fail "$cmd --output FIFO ($mode): the reader failed"
    expect_eq "$cmd --output FIFO ($mode): exit" 0 "$rc"
    [ -p "$dir/fifo" ] || fail "$cmd --output FIFO ($mode): no longer a FIFO"
    cmp -s "$dir/fifo-copy" "$want" || fail "$cmd --output FIFO ($mode): wrong lines"
  done
  # /dev/stdout is this very link. The real one is never named: as root, a sharebench that
  # replaced it would break the machine's /dev/stdout for everyone.
  ln -s /proc/self/fd/1 "$dir/stdout"
  run_small "$dir/stdout"
  expect_eq "run --output /dev/stdout ($mode): exit" 0 "$rc"
  head -n 1001 "$WORK/out" | cmp -s - "$WORK/first-1000.csv" || fail "run --output /dev/stdout ($mode): wrong lines"
  expect_contains "run --output /dev/stdout ($mode): summary after" "$(tail -n 1 "$WORK/out")" "rows=1000 "
  run_sb gen --spec "$SPEC" --rows 1000 --seed 3 --quiet --output "$dir/stdout"
  cmp -s "$WORK/out" "$WORK/gen-1000.csv" || fail "gen --output /dev/stdout ($mode): wrong bytes"
  [ -L "$dir/stdout" ] || fail "--output /dev/stdout ($mode): the link was replaced"

  # 3. SIGINT and SIGTERM mid-run: FILE as it was (or absent), FILE.partial.
  rm -f "$dir/a.csv"
  start_fed_run "$dir/a.csv" serial
  end_run INT
  check_interrupted "serial SIGINT ($mode)" INT
  [ ! -e "$dir/a.csv" ] || fail "serial SIGINT ($mode): a.csv exists"
  check_partial "serial SIGINT ($mode)" "$dir/a.csv" ordered
  echo "old results" >"$dir/b.csv"
  start_fed_run "$dir/b.csv" global_fork
  end_run TERM
  check_interrupted "global_fork SIGTERM ($mode)" TERM
  expect_eq "global_fork SIGTERM ($mode): the old file" "old results" "$(cat "$dir/b.csv")"
  check_partial "global_fork SIGTERM ($mode)" "$dir/b.csv" any-order
  interrupt_ranges "$dir" INT
  expect_eq "interrupted runs ($mode): temporaries" "" "$(temporaries "$dir")"

  # gen, interrupted: the file stays as it was.
  echo "old records" >"$dir/g.csv"
  "$SHAREBENCH" gen --spec "$SPEC" --rows 100000000 --quiet --output "$dir/g.csv" \
    >"$WORK/out" 2>"$WORK/err" &
  parent=$!
  wait_for_output "$parent" 1 || fail "gen ($mode): nothing written"
  end_run INT
  check_interrupted "gen SIGINT ($mode)" INT
  expect_eq "gen SIGINT ($mode): the old file" "old records" "$(cat "$dir/g.csv")"
  expect_eq "gen SIGINT ($mode): temporaries" "" "$(temporaries "$dir")"

  # 4. A failed run leaves FILE as it was: records that kill every worker (exit 1; the others'
  #    results in FILE.partial), an input that cannot be read (exit 2).
  echo "old results" >"$dir/f.csv"
  SHAREBENCH_TEST_POISON=100 run_sb run --spec "$SPEC" --input "$data" --strategy global_fork \
    --workers 2 --feed records --chunk 16 --no-baseline --sample-ms 0 --limit 5000 --output "$dir/f.csv"
  expect_eq "failed run ($mode): exit" 1 "$rc"
  expect_eq "failed run ($mode): the old file" "old results" "$(cat "$dir/f.csv")"
  expect_contains "failed run ($mode): message" "$err" "results so far in $dir/f.csv.partial"
  expect_eq "failed run ($mode): failed" 16 "$(summary_value failed)"
  expect_eq "failed run ($mode): partial lines" "$(($(summary_value rows) + 1))" "$(wc -l <"$dir/f.csv.partial")"
  run_sb run --spec "$SPEC" --input "$dir/missing.csv" --no-baseline --output "$dir/f.csv"
  expect_eq "unreadable input ($mode): exit" 2 "$rc"
  expect_eq "unreadable input ($mode): the old file" "old results" "$(cat "$dir/f.csv")"
  expect_eq "failed runs ($mode): temporaries" "" "$(temporaries "$dir")"

  # 5. kill -9 of the parent: nothing beside FILE with O_TMPFILE; the fallback's temporary is
  #    removed by the next run writing FILE.
  mkdir "$dir/k9"
  start_fed_run "$dir/k9/o.csv" global_fork
  killed=$parent
  end_run KILL
  if [ "$mode" = tmpfile ]; then
    expect_eq "kill -9 ($mode): left beside the results file" "" "$(ls -A "$dir/k9")"
  else
    expect_eq "kill -9 ($mode): left beside the results file" "o.csv.tmp$killed" "$(ls -A "$dir/k9")"
    run_small "$dir/k9/o.csv"
    expect_eq "the run after kill -9 ($mode): exit" 0 "$rc"
    expect_eq "the run after kill -9 ($mode): left" "o.csv" "$(ls -A "$dir/k9")"
  fi

  # 6. An output that cannot be created is a usage error (2) for run and gen alike.
  for cmd in run gen; do
    for bad in "$dir/missing/o.csv" "$dir/links"; do
      if [ $cmd = run ]; then run_small "$bad"; else
        run_sb gen --spec "$SPEC" --rows 10 --quiet --output "$bad"
      fi
      expect_eq "$cmd --output $bad ($mode): exit" 2 "$rc"
      expect_contains "$cmd --output $bad ($mode): message" "$err" "sharebench $cmd: $bad: cannot create"
    done
  done
  # ... and run says so before it measures a baseline or builds a model: its one message,
  # and no timeline (the sampler starting with the run would have made one).
  run_sb run --spec "$SPEC" --input "$data" --limit 1000 --timeline "$dir/early-timeline.csv" \
    --output "$dir/missing/o.csv"
  expect_eq "run --output in a missing folder ($mode): exit" 2 "$rc"
  expect_eq "run --output in a missing folder ($mode): one message line" 1 "$(printf '%s\n' "$err" | wc -l)"
  expect_eq "run --output in a missing folder ($mode): no timeline, nothing ran" no \
    "$([ -e "$dir/early-timeline.csv" ] && echo yes || echo no)"
  unset SHAREBENCH_TEST_NO_TMPFILE
done

# run --output - is refused: standard output carries the summary line (gen takes it).
run_small -
expect_eq "run --output -: exit" 2 "$rc"
expect_contains "run --output -: message" "$err" "--output -: standard output carries the summary"
expect_eq "run --output -: no file named '-'" no "$([ -e ./- ] && echo yes || echo no)"

# 7. Standard output that cannot be written: exit 1 and a message, for every command.
check_full_stdout() { # what expected-message command...
  local what=$1 want=$2
  shift 2
  set +e
  "$SHAREBENCH" "$@" >/dev/full 2>"$WORK/err"
  rc=$?
  set -e
  expect_eq "$what >/dev/full: exit" 1 "$rc"
  expect_contains "$what >/dev/full: message" "$(cat "$WORK/err")" "$want"
}
check_full_stdout "run" "sharebench run: cannot write standard output: No space left on device" \
  run --spec "$SPEC" --input "$data" --limit 100 --no-baseline
check_full_stdout "gen --output -" "sharebench gen: standard output: write failed: No space left" \
  gen --spec "$SPEC" --rows 100 --quiet --output -
check_full_stdout "gen --help" "sharebench gen: cannot write standard output" gen --help
check_full_stdout "list" "sharebench list: cannot write standard output" list
check_full_stdout "--help" "sharebench: cannot write standard output" --help
finish
