#!/usr/bin/env bash
# sharebench compare under faults a user can cause:
# - SIGINT or SIGTERM while a run is in progress (with its workers, forked or exec'd): compare
#   passes the signal on, the run stops as an interrupted run and ends its workers, compare
#   exits 130 or 143 saying so and naming OUT.partial; no process of that compare is left,
#   OUT.partial is the only file, and nothing is left in the private TMPDIR (its log lives there).
# - --start exec with strategies that need fork: a usage error naming why and which can,
#   when nothing is left to run; a note for each one left out otherwise.
# - two compares writing the same --out at once: each exits 0 with its own results whole (one
#   of them is OUT in the end), neither takes the other's rows or a cut line.
# - --out on a full file system (root mounts a small tmpfs; skipped otherwise): exit 1 with a
#   message, no OUT and no OUT.partial, never "results in OUT" over an empty file.
# Every process of these runs names $WORK (a private copy of the spec and the input) in its
# command line: that is how leftovers are found, never by name (other sharebench runs go on
# beside this test).
# usage: faults_compare.sh SHAREBENCH SPEC CONFORMANCE_DIR WORK
set -eu
SHAREBENCH=$1 CONF=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
SPEC="$WORK/spec.csv"
cp "$2" "$SPEC"
data="$WORK/input.csv"
[ -s "$data" ] || "$SHAREBENCH" gen --spec "$SPEC" --rows 300000 --seed 5 --quiet --output "$data"
export TMPDIR="$WORK/tmp"

# The pids of this test's processes that are a run of $SPEC (not a baseline: its spec is
# another) with workers of their own, if any.
runs_with_workers() {
  for pid in $(pgrep -f -- "--spec $SPEC" || true); do
    case "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" in
      *"sharebench run "*) [ -z "$(pgrep -P "$pid")" ] || echo "$pid" ;;
    esac
  done
}

# 1. Interrupted while a run and its workers are busy (mapped_file: its image is in TMPDIR).
for case in INT:global_fork:fork TERM:per_worker_copy:exec INT:mapped_file:exec; do
  IFS=: read -r sig strategy start <<<"$case"
  what="compare $strategy start=$start SIG$sig"
  out="$WORK/out-$sig-$strategy.csv"
  rm -rf "$TMPDIR" "$out" "$out.partial"
  mkdir -p "$TMPDIR"
  set +e
  "$SHAREBENCH" compare --spec "$SPEC" --input "$data" --strategies "$strategy" --start "$start" \
    --workers 2 --repeat 3 --out "$out" >"$WORK/out" 2>"$WORK/err" &
  compare=$!
  set -e
  busy=""
  for _ in $(seq 1 1200); do # up to 60 s for the first run to have its workers
    busy=$(runs_with_workers)
    [ -z "$busy" ] && kill -0 "$compare" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$busy" ] || fail "$what: never saw a run with workers"
  # compare holds its runs' log open, in TMPDIR, under no name or a name soon gone.
  logs=$(for fd in /proc/"$compare"/fd/*; do readlink "$fd"; done 2>/dev/null | grep -c "^$TMPDIR/" || true)
  expect_eq "$what: a log in TMPDIR" 1 "$logs"
  signal_and_wait "$compare" "$sig" "$what: compare"
  expect_eq "$what: exit" "$([ "$sig" = INT ] && echo 130 || echo 143)" "$rc"
  expect_contains "$what: says it was interrupted" "$(cat "$WORK/err")" "sharebench compare: interrupted by"
  expect_contains "$what: names the partial file" "$(cat "$WORK/err")" "$out.partial"
  sleep 0.2 # a process that is ending may still be listed for an instant
  left=$(pgrep -f -- "$WORK/" || true)
  [ -z "$left" ] || { fail "$what: processes left: $(ps -o pid,args -p "${left//$'\n'/,}")"; kill -9 $left; }
  [ -f "$out.partial" ] || fail "$what: no $out.partial"
  [ ! -e "$out" ] || fail "$what: $out exists, as if the comparison had completed"
  [ -z "$(ls -A "$TMPDIR")" ] || fail "$what: left in TMPDIR: $(ls -A "$TMPDIR")"
  [ -f "$out.partial" ] && echo "$what: exit $rc, $(($(wc -l <"$out.partial") - 1)) rows kept"
done

# 2. --start exec and strategies that need fork.
rm -f "$WORK/exec.csv" "$WORK/exec.csv.partial"
run_sb compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" \
  --strategies global_fork,registry --start exec --out "$WORK/exec.csv"
expect_eq "exec only, fork-only strategies: exit" 2 "$rc"
expect_contains "exec refusal: names the command" "$err" "sharebench compare: nothing to run"
expect_contains "exec refusal: names them" "$err" "global_fork, registry need fork"
expect_contains "exec refusal: says which can" "$err" "shared_arrays, mapped_file"
[ ! -e "$WORK/exec.csv" ] && [ ! -e "$WORK/exec.csv.partial" ] || fail "exec refusal wrote files"
run_sb compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" \
  --strategies global_fork,shared_arrays,threads --start exec --workers 2 --repeat 1 \
  --out "$WORK/exec.csv"
expect_eq "exec with one left out: exit" 0 "$rc"
expect_contains "exec: the one left out is named" "$err" "global_fork is not run with --start exec"
expect_eq "exec: the others run" "shared_arrays:exec threads:thread" \
  "$(python3 -c 'import csv, sys; print(" ".join(sorted(r["strategy"] + ":" + r["start"] for r in csv.DictReader(open(sys.argv[1])))))' "$WORK/exec.csv")"

# 3. Two compares with the same --out at once: each writes a file of its own until it is done.
shared_out="$WORK/shared-out.csv"
rm -f "$shared_out" "$shared_out.partial"
pids=""
for i in 1 2; do
  "$SHAREBENCH" compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" \
    --strategies serial,threads --workers 2 --repeat 6 --out "$shared_out" \
    >"$WORK/out-$i" 2>"$WORK/err-$i" &
  pids="$pids $!"
done
for pid in $pids; do
  reap "$pid"
  expect_eq "two compares, one --out: exit of $pid" 0 "$rc"
done
expect_eq "two compares, one --out: rows" 13 "$(wc -l <"$shared_out")"
expect_eq "two compares, one --out: one field count" 1 \
  "$(awk -F, '{print NF}' "$shared_out" | sort -u | wc -l)"
[ ! -e "$shared_out.partial" ] || fail "two compares, one --out: $shared_out.partial left"

# 4. --out on a full file system: the failed write is reported, nothing is committed.
if [ "$(id -u)" = 0 ]; then
  fs="$WORK/fullfs"
  mkdir -p "$fs"
  umount "$fs" 2>/dev/null || true
  if mount -t tmpfs -o size=64k tmpfs "$fs"; then
    trap 'umount "$fs" 2>/dev/null || true' EXIT
    head -c 1m /dev/zero >"$fs/filler" 2>/dev/null || true # fills it: no space left at all
    run_sb compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" \
      --strategies serial --repeat 1 --out "$fs/results.csv"
    expect_eq "compare --out on a full file system: exit" 1 "$rc"
    expect_contains "compare --out on a full file system: message" "$err" "$fs/results.csv: write failed"
    [ ! -e "$fs/results.csv" ] && [ ! -e "$fs/results.csv.partial" ] ||
      fail "compare --out on a full file system: left $(ls "$fs")"
    umount "$fs"
    trap - EXIT
  else
    echo "SKIP: compare --out on a full file system: cannot mount a tmpfs"
  fi
else
  echo "SKIP: compare --out on a full file system: mounting a tmpfs needs root"
fi
finish
