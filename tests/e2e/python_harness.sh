#!/usr/bin/env bash
# What the harness adds around a Python idiom (py:NAME): `list` shows the idioms; usage
# errors and refusals exit 2 before anything runs; bad input gives exactly the C run's
# messages and exit status; memory is measured over the whole process group, against a
# baseline measured the same way; a killed worker or a stalled pool (Python's Pool would wait
# for ever) ends the run with exit 1 and a message, and SIGINT or SIGTERM with 130 or 143,
# leaving no process, no /dev/shm entry and no file behind; compare runs py: idioms beside C.
# Exit 77 (skipped) without python3-numpy.
# usage: python_harness.sh SHAREBENCH CONFORMANCE_DIR MALFORMED_DIR WORK
set -eu
SHAREBENCH=$1 CONF=$2 MALFORMED=$3 WORK=$4
rm -rf "$WORK"
mkdir -p "$WORK/scratch"
. "$(dirname "$0")/lib.sh"
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "python3-numpy is not installed: skipped (scripts/install-deps installs it)"
  exit 77
fi
spec="$CONF/spec-small.csv" records="$CONF/records-small.csv"

# ---- list, usage errors, refusals -------------------------------------------------------
run_sb list
expect_eq "list exit" 0 "$rc"
expect_contains "list" "$out" "py:global_fork       a module global set before a fork Pool"
expect_contains "list fork only" "$(grep '^py:registry ' "$WORK/out")" "[fork only]"
case "$(grep '^py:shared_memory ' "$WORK/out")" in *"fork only"*) fail "py:shared_memory listed as fork only" ;; esac
SHAREBENCH_PYTHON=/nonexistent/python3 run_sb list
expect_eq "list without Python exit" 0 "$rc"
expect_contains "list without Python: C strategies" "$out" "shared_arrays"
expect_contains "list without Python: stderr" "$err" "no py: strategies"

refused() { # message args...
  local message=$1
  shift
  run_sb run --spec "$spec" --input "$records" "$@"
  expect_eq "$* exit" 2 "$rc"
  expect_eq "$* stdout" "" "$out"
  expect_contains "$* stderr" "$err" "$message"
  case "$err" in *"no baseline"*) fail "$*: a baseline was measured before the refusal" ;; esac
}
refused "no strategy 'py:nosuch'" --strategy py:nosuch
refused "objects, lists or numpy, not 'pickles'" --strategy py:global_fork:pickles
refused "--touch imitates in C" --strategy py:global_fork --touch
refused "--feed ranges is for C strategies" --strategy py:global_fork --feed ranges
refused "--start forkserver is a Python start method" --strategy global_fork --start forkserver
refused "py:global_fork cannot work with --start spawn" --strategy py:global_fork --start spawn
refused "py:registry cannot work with --start spawn" --strategy py:registry --start exec
refused "py:shared_memory cannot use --model objects" --strategy py:shared_memory:objects
SHAREBENCH_PY=/nonexistent.py refused "cannot list the Python idioms" --strategy py:serial

# ---- bad input: the C run's messages and exit status, byte for byte ---------------------
bad_spec="$WORK/bad-spec.csv"
printf 'seed,1\nvocab,0\nclasses,4\n' >"$bad_spec"
for input in missing-header.csv empty.csv bom.csv wrong-field-count.csv bad-id.csv /no/such.csv; do
  case "$input" in /*) ;; *) input="$MALFORMED/$input" ;; esac
  for s in "$spec" "$bad_spec"; do
    run_sb run --spec "$s" --input "$input" --strategy global_fork --workers 2
    c_rc=$rc c_err=$err c_figures="$(summary_value rows) $(summary_value rejected) $(summary_value checksum)"
    run_sb run --spec "$s" --input "$input" --strategy py:global_fork --workers 2
    what="py:global_fork $(basename "$s") $(basename "$input")"
    expect_eq "$what exit" "$c_rc" "$rc"
    expect_eq "$what stderr" "$c_err" "$err"
    expect_eq "$what figures" "$c_figures" "$(summary_value rows) $(summary_value rejected) $(summary_value checksum)"
  done
done

# ---- memory over the process group, against a measured baseline --------------------------
# Three runs, and the median of their model copies: on this small model (a few MB beside
# interpreters of tens) one peak read on a loaded machine can be a copy high. The bound
# catches a baseline left out (over 10 copies) and a group sampled twice over.
copies=()
for _ in 1 2 3; do
  run_sb run --spec "$spec" --input "$records" --strategy py:shared_memory --workers 2 --start exec
  expect_eq "measured run exit" 0 "$rc"
  expect_eq "exec means spawn" spawn "$(summary_value start)"
  expect_eq "model" numpy "$(summary_value model)"
  copies+=("$(summary_value model_copies)")
  python3 - "$WORK/out" <<'PY' || fail "measured figures: $(tail -n 1 "$WORK/out")"
import sys
s = dict(kv.split("=", 1) for kv in open(sys.argv[1]).read().split("\n")[-2].split())
f = lambda k: float(s[k])
assert f("baseline_mb") > 10 and f("pss_peak_mb") > f("baseline_mb"), (s["baseline_mb"], s["pss_peak_mb"])
assert f("pss_shmem_mb") > 0.5 * f("model_mb"), (s["pss_shmem_mb"], s["model_mb"])
# two workers and the resource tracker: every process of the group is sampled
assert len(s["uss_workers_mb"].split("/")) >= 3, s["uss_workers_mb"]
assert int(s["minor_faults"]) > 0 and f("worker_cpu_s") > 0 and f("cpu_us_per_record") > 0
PY
done
median=$(median "${copies[@]}")
awk -v c="$median" 'BEGIN { exit !(c > 0.3 && c < 3) }' ||
  fail "py:shared_memory: model_copies ${copies[*]}, median $median: expected one shared block (0.3-3)"
echo "py:shared_memory, 2 workers, spawn: model_copies ${copies[*]}"
run_sb run --spec "$spec" --input "$records" --strategy py:threads:numpy --workers 2 --json --no-baseline
python3 -c 'import json, sys; s = json.loads(sys.stdin.read().splitlines()[-1]);
assert s["strategy"] == "py:threads:numpy" and s["model"] == "numpy" and s["start"] == "thread", s' \
  <"$WORK/out" || fail "--json summary: $out"

# ---- stalls and signals: nothing may be left ---------------------------------------------
big="$WORK/big.csv"
"$SHAREBENCH" gen --spec "$spec" --rows 300000 --seed 3 --output "$big" --quiet
# The runs below get a /dev/shm of their own when this can mount one (root, mount
# namespaces): what is left there after a run is that run's alone (others' programs use the
# machine's /dev/shm at the same time). Otherwise that one check is skipped.
private_shm=0
if unshare -m sh -c 'mount -t tmpfs tmpfs /dev/shm' 2>/dev/null; then private_shm=1; fi
[ $private_shm = 1 ] || echo "no private /dev/shm (needs root and mount namespaces): not checked"

# The pool's workers in the Python program's process group: not the program itself, not
# multiprocessing's resource tracker, not the forkserver (a child of the program; its workers
# are its children, with the same command line).
pool_workers() { # program-pid
  local group
  group=$(pgrep -g "$1" | paste -sd, -)
  [ -n "$group" ] || return 0
  ps -o pid=,ppid=,args= -p "$group" | awk -v py="$1" '$1 != py && !/resource_tracker/ &&
    !($2 == py && /forkserver/) {print $1}'
}

# run_bg ARGS...: sharebench run in the background (in its private /dev/shm); sets sb (its
# pid), wrapper (what to wait for), py (the Python program's pid, its process group) and
# workers, once the pool is up.
run_bg() {
  rm -f "$WORK/sb.pid" "$WORK/shm-left"
  local cmd=("$SHAREBENCH" run --spec "$spec" --input "$big" --no-baseline --scratch-dir
    "$WORK/scratch" --output "$WORK/results.csv" "$@")
  if [ $private_shm = 1 ]; then
    unshare -m sh -c 'mount -t tmpfs tmpfs /dev/shm || exit 97
      "$@" & echo $! >"$0/sb.pid"; wait $!; rc=$?; ls -A /dev/shm >"$0/shm-left"; exit $rc' \
      "$WORK" "${cmd[@]}" >"$WORK/out" 2>"$WORK/err" &
  else
    "${cmd[@]}" >"$WORK/out" 2>"$WORK/err" &
    echo $! >"$WORK/sb.pid"
  fi
  wrapper=$! sb='' py='' workers=''
  for _ in $(seq 1 600); do
    [ -n "$sb" ] || sb=$(cat "$WORK/sb.pid" 2>/dev/null || true)
    [ -z "$sb" ] || py=$(pgrep -P "$sb" -f 'sharebench_py.py run' || true)
    [ -z "$py" ] || workers=$(pool_workers "$py")
    [ -n "$workers" ] && break
    sleep 0.1
  done
  [ -n "$workers" ] || fail "$*: no workers seen"
  sleep 0.5 # a few results
}

# finished WHAT EXIT MESSAGE: the run ends (within 60 s) with EXIT and MESSAGE, leaving nothing.
finished() {
  if ! wait_gone "$wrapper" 60; then
    fail "$1: still running 60 s later"
    kill -9 "$sb"
  fi
  reap "$wrapper"
  expect_eq "$1 exit" "$2" "$rc"
  expect_contains "$1 stderr" "$(cat "$WORK/err")" "$3"
  left=$(pgrep -g "$py" || true)
  [ -z "$left" ] || { fail "$1: processes left: $(ps -o pid,args -p "$(echo $left | tr " " ,)")"; kill -9 $left; }
  [ $private_shm = 0 ] || expect_eq "$1 /dev/shm entries left" "" "$(cat "$WORK/shm-left")"
  [ -z "$(ls "$WORK/scratch")" ] || fail "$1: left in the scratch directory: $(ls "$WORK/scratch")"
  ! ls "$WORK" | grep -q 'results.csv' || fail "$1: a results file was left: $(ls "$WORK" | grep results)"
  rm -f "$WORK"/scratch/* "$WORK"/results.csv*
  echo "$1: exit $rc"
}

run_bg --strategy py:global_fork --workers 2
kill -9 $(head -n 1 <<<"$workers")
finished "killed worker" 1 "of the Python run ended before the run was done"
run_bg --strategy py:shared_memory --workers 2 --start spawn
kill -9 $(head -n 1 <<<"$workers")
finished "killed spawned worker" 1 "of the Python run ended before the run was done"
run_bg --strategy py:memmap --workers 1 --start forkserver --task-timeout 2
kill -STOP $workers
finished "stopped worker" 1 "no result for 2 s (--task-timeout)"
# The program itself stopped: it cannot remove its image, and ends by SIGKILL; the run removes
# the image for it (named after it, and it has ended).
run_bg --strategy py:memmap --workers 1 --start forkserver --task-timeout 2
kill -STOP "$py"
finished "stopped program" 1 "no result for 2 s (--task-timeout)"
for sig in INT TERM; do
  want=$([ $sig = INT ] && echo 130 || echo 143)
  run_bg --strategy py:shared_memory --workers 2 --start spawn
  kill -$sig "$sb"
  finished "SIG$sig, spawn" "$want" "interrupted by"
  run_bg --strategy py:memmap --workers 2 --start forkserver
  kill -$sig "$sb"
  finished "SIG$sig, forkserver" "$want" "interrupted by"
done

# ---- compare: py: idioms beside C, in one matrix -------------------------------------------
run_sb compare --spec "$spec" --input "$records" --out "$WORK/compare.csv" --repeat 1 --workers 2 \
  --strategies serial,py:serial,py:global_fork,py:shared_memory --start fork,exec --touch-both \
  --feed records,ranges
expect_eq "compare exit" 0 "$rc"
expect_contains "compare: fork-only idiom left out of exec" "$err" "py:global_fork is not run with --start exec"
python3 - "$WORK/compare.csv" <<'PY' || fail "compare results: $(cat "$WORK/compare.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["strategy"], r["start"], r["feed"], r["touch"], r["model"]) for r in rows)
# C serial with and without --touch; each py: idiom once per start it takes, record feed, no touch
want = sorted([("serial", "none", "none", "0", ""), ("serial", "none", "none", "1", ""),
               ("py:serial", "none", "none", "0", "objects"),
               ("py:global_fork", "fork", "records", "0", "objects"),
               ("py:shared_memory", "fork", "records", "0", "numpy"),
               ("py:shared_memory", "spawn", "records", "0", "numpy")])
assert got == want, got
assert {r["checksum"] for r in rows} == {"ab820bfec220a09b"}
assert all(r["python"] for r in rows if r["strategy"].startswith("py:"))
assert all(float(r["model_copies"]) == float(r["model_copies"]) for r in rows)  # measured
PY
finish
