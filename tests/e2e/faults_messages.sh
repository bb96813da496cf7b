#!/usr/bin/env bash
# Faults a user can cause end in one clear message that names the command (and the file where
# there is one), with the documented exit status:
# - a model too big for an address-space limit (ulimit -v), with every strategy: exit 1 and
#   a message saying memory ran out, never an abort (no core, no signal); every line, the
#   workers' included, names the command;
# - a bad spec or records file with the baseline on: the error once, no baseline failure;
# - a spec starting with a UTF-8 byte order mark: read as the same spec;
# - a number too large for 64 bits: "out of range" with the range, for several flags, and a
#   --field-limit under 7 bytes, the header's longest field; a --scratch-dir that is none;
# - compare --out where no file can be created: the command named;
# - sharebench-mpi (when built) on a directory: the file named; its hints point to
#   'sharebench-mpi --help', which exists.
# usage: faults_messages.sh SHAREBENCH SHAREBENCH_MPI|none CONFORMANCE_DIR WORK
set -eu
SHAREBENCH=$1 MPI_BIN=$2 CONF=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
SPEC="$CONF/spec-tiny.csv" RECORDS="$CONF/records-tiny.csv"

# 1. Out of memory under ulimit -v. A sanitizer reserves terabytes of address space at start,
# so the limit is what the binary needs to start (found by bisection) plus a headroom that a
# small run fits in; the model's bucket table alone (2^25 pointers, 268 MB) is over it, and so
# is its flat image. The sanitizers' allocators must return NULL as malloc does, not report.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}allocator_may_return_null=1"
starts_within() { (ulimit -v "$1" && "$SHAREBENCH" list) >/dev/null 2>&1; }
low=1024 high=$((1 << 40)) # kB
starts_within "$high" || fail "sharebench does not start even with a 1 PB address-space limit"
while [ $((high - low)) -gt 1024 ]; do
  mid=$(((low + high) / 2))
  if starts_within "$mid"; then high=$mid; else low=$mid; fi
done
limit=$((high + 100 * 1024))
printf 'seed,7\nvocab,16777217\nclasses,16\n' >"$WORK/big-spec.csv"
for run in serial global_fork module_state registry shared_arrays mapped_file per_task_serialize \
  per_worker_copy threads per_worker_copy:exec; do
  strategy=${run%:*} start=fork
  [ "$run" = "$strategy" ] || start=${run#*:}
  set +e
  (
    ulimit -v "$limit"
    exec timeout 120 "$SHAREBENCH" run --spec "$WORK/big-spec.csv" --input "$RECORDS" \
      --strategy "$strategy" --start "$start" --workers 2 --no-baseline --scratch-dir "$WORK"
  ) >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  what="ulimit -v, $strategy start=$start"
  expect_eq "$what: exit" 1 "$rc"
  grep -Eq '^sharebench run: .*(out of memory|Cannot allocate memory)' "$WORK/err" ||
    fail "$what: no message saying memory ran out: $(head -c 600 "$WORK/err")"
  ! grep -q Sanitizer "$WORK/err" || fail "$what: a sanitizer report: $(head -c 600 "$WORK/err")"
  ! grep -q '^sharebench: ' "$WORK/err" || fail "$what: a message without its command: $(grep '^sharebench: ' "$WORK/err")"
  echo "$what: exit $rc: $(head -n 1 "$WORK/err")"
done
left=$(ls "$WORK" | grep '^sharebench-' || true)
[ -z "$left" ] || fail "ulimit -v: left in the scratch directory: $left"

# 2. The baseline runs only on inputs that passed the checks: the error once, nothing else.
printf 'seed,1\nvocab,many\nclasses,2\n' >"$WORK/bad-spec.csv"
printf 'not,a,header\n' >"$WORK/bad-records.csv"
for bad in "spec:$WORK/bad-spec.csv:$RECORDS:bad-spec.csv:2: vocab: 'many' is not an unsigned integer" \
  "records:$SPEC:$WORK/bad-records.csv:bad-records.csv:1: not a sharebench records file" \
  "missing records:$SPEC:$WORK/none.csv:none.csv: cannot open"; do
  IFS=: read -r what spec records message <<<"$bad"
  run_sb run --spec "$spec" --input "$records" --strategy global_fork --workers 2
  expect_eq "bad $what with the baseline on: exit" 2 "$rc"
  expect_eq "bad $what with the baseline on: one line" 1 "$(wc -l <"$WORK/err")"
  expect_contains "bad $what with the baseline on: the error" "$err" "$message"
done

# 3. A byte order mark before the spec changes nothing.
run_sb run --spec "$SPEC" --input "$RECORDS" --no-baseline
plain=$(summary_value checksum)
{ printf '\xef\xbb\xbf'; cat "$SPEC"; } >"$WORK/bom-spec.csv"
run_sb run --spec "$WORK/bom-spec.csv" --input "$RECORDS" --no-baseline
expect_eq "spec with a BOM: exit" 0 "$rc"
expect_eq "spec with a BOM: checksum" "$plain" "$(summary_value checksum)"

# 4. Numbers too large for 64 bits are out of range, and the message gives the range; so is a
# field limit below the header's longest field (it rejected the header: 'the first line must be
# exactly id,user,...', which it was).
huge=99999999999999999999999
for flags in "run limit $huge 1 .. 18446744073709551615" "run workers $huge 1 .. " \
  "run field-limit ${huge}K 7 .. 1073741824" "run field-limit 6 7 .. 1073741824" "run range-bytes $huge 1 .. " \
  "gen rows $huge 0 .. " "compare repeat $huge 1 .. 64" "compare workers 2,$huge 1 .. "; do
  read -r cmd flag value range <<<"$flags"
  case $cmd in
    run) run_sb run --spec "$SPEC" --input "$RECORDS" --"$flag" "$value" ;;
    gen) run_sb gen --spec "$SPEC" --output "$WORK/gen.csv" --"$flag" "$value" ;;
    compare) run_sb compare --spec "$SPEC" --input "$RECORDS" --out "$WORK/c.csv" --"$flag" "$value" ;;
  esac
  expect_eq "$cmd --$flag $value: exit" 2 "$rc"
  expect_contains "$cmd --$flag $value: message" "$err" "sharebench $cmd: --$flag ${value##*,} is out of range ($range"
done
run_sb run --spec "$SPEC" --input "$RECORDS" --limit 12x
expect_contains "--limit 12x" "$err" "'12x' is not a whole number"

# A --scratch-dir that is missing or a file: bad usage before the build (exit 2, the flag and
# the reason), for mapped_file as for any strategy (it was exit 1 once the model was built).
for scratch in "$WORK/no-such-dir:No such file or directory" "$RECORDS:not a directory"; do
  run_sb run --spec "$SPEC" --input "$RECORDS" --strategy mapped_file --scratch-dir "${scratch%%:*}"
  expect_eq "--scratch-dir ${scratch%%:*}: exit" 2 "$rc"
  expect_contains "--scratch-dir ${scratch%%:*}: message" "$err" "sharebench run: --scratch-dir ${scratch%%:*}: ${scratch#*:}"
done

# 5. compare --out where nothing can be created: the command, the file, the reason.
run_sb compare --spec "$SPEC" --input "$RECORDS" --strategies serial --repeat 1 \
  --out "$WORK/no-such-dir/c.csv"
expect_eq "compare --out in a missing folder: exit" 2 "$rc"
expect_contains "compare --out in a missing folder" "$err" \
  "sharebench compare: $WORK/no-such-dir/c.csv: cannot create"
if [ "$(id -u)" != 0 ]; then # root writes anywhere
  mkdir -p "$WORK/read-only" && chmod 555 "$WORK/read-only"
  run_sb compare --spec "$SPEC" --input "$RECORDS" --strategies serial --repeat 1 \
    --out "$WORK/read-only/c.csv"
  expect_eq "compare --out in a read-only folder: exit" 2 "$rc"
  expect_contains "compare --out in a read-only folder" "$err" "sharebench compare: $WORK/read-only/"
fi

# 6. sharebench-mpi: the file named, and the help its hints point to.
if [ "$MPI_BIN" != none ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # CI runs as root
  export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" # Open MPI's plugins leak at exit
  run_mpi() {
    set +e
    timeout 120 "$MPI_BIN" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    out=$(cat "$WORK/out") err=$(cat "$WORK/err")
  }
  run_mpi --spec "$SPEC" --input "$WORK" --strategy mpi_bcast_copy
  expect_eq "sharebench-mpi on a directory: exit" 2 "$rc"
  expect_contains "sharebench-mpi on a directory" "$err" "sharebench-mpi: $WORK: not a regular file"
  run_mpi --spec "$SPEC" --input "$RECORDS" --strategy mpi_bcast_copy --field-limit "$huge"
  expect_eq "sharebench-mpi --field-limit $huge: exit" 2 "$rc"
  expect_contains "sharebench-mpi --field-limit $huge" "$err" "sharebench-mpi: --field-limit $huge is out of range"
  expect_contains "sharebench-mpi: the hint" "$err" "(see 'sharebench-mpi --help')"
  run_mpi --help
  expect_eq "sharebench-mpi --help: exit" 0 "$rc"
  expect_contains "sharebench-mpi --help" "$out" "usage: mpirun -np N sharebench-mpi"
fi
finish
