#!/usr/bin/env bash
# The command line: help for every command, clear errors and exit 2 for bad flags, missing
# or unusable files; exit 0 and a summary for good runs; results file written whole or not
# at all.
# usage: cli.sh SHAREBENCH SPECS_DIR CONFORMANCE_DIR WORK
set -eu
SHAREBENCH=$1 SPECS=$2 CONF=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"
tiny_spec="$CONF/spec-tiny.csv" tiny_records="$CONF/records-tiny.csv"

for cmd in gen run list compare; do
  run_sb "$cmd" --help
  expect_eq "$cmd --help exit" 0 "$rc"
  expect_contains "$cmd --help" "$out" "usage: sharebench $cmd"
done
run_sb --help
expect_eq "--help exit" 0 "$rc"
expect_contains "--help" "$out" "commands:"
run_sb
expect_eq "no command" 2 "$rc"
run_sb frobnicate
expect_eq "unknown command" 2 "$rc"
expect_contains "unknown command" "$err" "unknown command 'frobnicate'"

run_sb list
expect_eq "list exit" 0 "$rc"
for s in serial global_fork module_state registry shared_arrays mapped_file per_task_serialize \
  per_worker_copy threads; do
  expect_contains "list" "$out" "$s "
done
# The strategy for the tests only is found by name, never listed.
[[ "$out" != *test_known* ]] || fail "list shows the test strategy"

# Bad flags: exit 2 and a message that names the problem.
check_usage() { # expected-message args...
  local message=$1
  shift
  run_sb "$@"
  expect_eq "$* exit" 2 "$rc"
  expect_contains "$* stderr" "$err" "$message"
  expect_eq "$* stdout" "" "$out"
}
check_usage "--spec and --input are required" run --spec "$tiny_spec"
check_usage "unknown option '--bogus'" run --bogus
check_usage "needs a value" run --spec
check_usage "no strategy 'nope'" run --spec "$tiny_spec" --input "$tiny_records" --strategy nope
check_usage "'abc' is not a whole number" run --spec "$tiny_spec" --input "$tiny_records" --limit abc
check_usage "out of range" run --spec "$tiny_spec" --input "$tiny_records" --limit 0
check_usage "is not a size" run --spec "$tiny_spec" --input "$tiny_records" --field-limit 1X
check_usage "unexpected argument 'extra'" run --spec "$tiny_spec" --input "$tiny_records" extra
check_usage "--workers 0 is out of range" run --spec "$tiny_spec" --input "$tiny_records" --strategy threads --workers 0
check_usage "--workers 100000 is out of range" run --spec "$tiny_spec" --input "$tiny_records" --workers 100000
check_usage "--chunk 0 is out of range" run --spec "$tiny_spec" --input "$tiny_records" --chunk 0
check_usage "--chunk: 'x' is not a whole number" run --spec "$tiny_spec" --input "$tiny_records" --chunk x
check_usage "--spec and --output are required" gen --rows 5
check_usage "'-3' is not a whole number" gen --spec "$tiny_spec" --output "$WORK/x" --rows -3

# Missing and unusable files name the file.
check_usage "$WORK/missing.csv: cannot open" run --spec "$tiny_spec" --input "$WORK/missing.csv"
check_usage "$WORK/missing-spec.csv: cannot open spec" run --spec "$WORK/missing-spec.csv" --input "$tiny_records"
check_usage "read failed: Is a directory" run --spec "$tiny_spec" --input "$WORK"
printf 'seed,1\nvocab,10\nclasses,2\nrule,user,5,x\n' >"$WORK/bad-spec.csv"
check_usage "bad-spec.csv:4: rule class 5 is not below classes (2)" run --spec "$WORK/bad-spec.csv" --input "$tiny_records"
check_usage "cannot open spec" gen --spec "$WORK/missing-spec.csv" --output "$WORK/x"

# A model that cannot fit in memory is refused before anything is built.
printf 'seed,1\nvocab,4294967295\nclasses,256\n' >"$WORK/huge-spec.csv"
check_usage "more than the" run --spec "$WORK/huge-spec.csv" --input "$tiny_records" --no-baseline
printf 'seed,1\nvocab,40000000\nclasses,256\n' >"$WORK/big-spec.csv"
check_usage "(one per worker)" run --spec "$WORK/big-spec.csv" --input "$tiny_records" \
  --strategy per_worker_copy --workers 1000 --no-baseline

# A good run: the summary is the last line, in both forms.
run_sb run --spec "$tiny_spec" --input "$tiny_records"
expect_eq "run exit" 0 "$rc"
for key in strategy workers rows rejected checksum seconds rows_per_s; do
  [ -n "$(summary_value "$key")" ] || fail "summary lacks $key="
done
run_sb run --spec "$tiny_spec" --input "$tiny_records" --json
expect_eq "json exit" 0 "$rc"
python3 - "$WORK/out" <<'PY' || fail "--json summary is not the expected JSON object"
import json, sys
obj = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert obj["strategy"] == "serial" and obj["rows"] == 2000 and obj["rejected"] == 0, obj
assert obj["checksum"] == "bf882334fc882df9", obj
PY

# Pool runs report their workers, chunk size, setup time and bytes shipped.
run_sb run --spec "$tiny_spec" --input "$tiny_records" --strategy registry --workers 3 --chunk 100 \
  --feed records
expect_eq "registry exit" 0 "$rc"
expect_eq "registry workers" 3 "$(summary_value workers)"
expect_eq "registry chunk" 100 "$(summary_value chunk)"
expect_eq "registry chunks" 20 "$(summary_value chunks)"
expect_eq "registry bytes_shipped (16-byte handles)" 320 "$(summary_value bytes_shipped)"
# In the range feed a task is a range of about --range-bytes: the handle goes with each.
run_sb run --spec "$tiny_spec" --input "$tiny_records" --strategy registry --workers 3 \
  --range-bytes 4K
expect_eq "registry ranges: exit" 0 "$rc"
size=$(stat -c %s "$tiny_records")
expect_eq "registry ranges: feed" ranges "$(summary_value feed)"
expect_eq "registry ranges: range_bytes" 4096 "$(summary_value range_bytes)"
expect_eq "registry ranges: chunk" 0 "$(summary_value chunk)"
chunks=$(summary_value chunks)
[ "$chunks" -ge $((size / 4096 - size / 4096 / 10)) ] && [ "$chunks" -le $((size / 4096 + 1)) ] ||
  fail "registry ranges: $chunks ranges of about 4096 bytes over $size bytes"
expect_eq "registry ranges: bytes_shipped (16-byte handles)" $((16 * chunks)) "$(summary_value bytes_shipped)"
[ -n "$(summary_value setup_seconds)" ] || fail "summary lacks setup_seconds="
run_sb run --spec "$tiny_spec" --input "$tiny_records" --output "$WORK/serial-results.csv"
expect_eq "serial results exit" 0 "$rc"
run_sb run --spec "$tiny_spec" --input "$tiny_records" --strategy global_fork --workers 2 --output "$WORK/pool-results.csv"
expect_eq "pool results exit" 0 "$rc"
expect_eq "pool results file lines" 2001 "$(wc -l <"$WORK/pool-results.csv")"
cmp -s <(sort "$WORK/pool-results.csv") <(sort "$WORK/serial-results.csv") ||
  fail "pool results differ from serial results (as sets of lines)"

# --limit processes only the first N records.
run_sb run --spec "$tiny_spec" --input "$tiny_records" --limit 10
expect_eq "limit exit" 0 "$rc"
expect_eq "limit rows" 10 "$(summary_value rows)"

# Standard input works as input.
set +e
"$SHAREBENCH" run --spec "$tiny_spec" --input - <"$tiny_records" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "stdin exit" 0 "$rc"
expect_eq "stdin checksum" bf882334fc882df9 "$(summary_value checksum)"

# The results file: header plus one line per result, and its lines give the checksum.
run_sb run --spec "$tiny_spec" --input "$tiny_records" --output "$WORK/results.csv"
expect_eq "results exit" 0 "$rc"
expect_eq "results lines" 2001 "$(wc -l <"$WORK/results.csv")"
python3 - "$WORK/results.csv" bf882334fc882df9 <<'PY' || fail "results file does not give the checksum"
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[0] == b"id,class,score" and lines[-1] == b""
total = 0
for line in lines[1:-1]:
    h = 0xcbf29ce484222325
    for b in line:
        h = ((h ^ b) * 0x100000001b3) % 2**64
    total = (total + h) % 2**64
assert "%016x" % total == sys.argv[2], "%016x" % total
PY
# A run that cannot start leaves no results file behind.
run_sb run --spec "$tiny_spec" --input "$WORK/missing.csv" --output "$WORK/never.csv"
expect_eq "missing input with --output: exit" 2 "$rc"
[ ! -e "$WORK/never.csv" ] || fail "a failed run left a results file"
ls "$WORK" | grep -q '\.tmp' && fail "a temporary file was left behind"
# Nor does a run that fails half-way, after results were written: the test strategy's second
# task fails on purpose (SHAREBENCH_TEST_KNOWN=fail=2), the first one's results are in hand.
rm -f "$WORK/half.csv"
SHAREBENCH_TEST_KNOWN=fail=2 run_sb run --spec "$tiny_spec" --input "$tiny_records" \
  --strategy test_known --workers 1 --range-bytes 4K --no-baseline --output "$WORK/half.csv"
expect_eq "failed half-way: exit" 1 "$rc"
expect_contains "failed half-way: says why" "$err" "fails on purpose"
expect_eq "failed half-way: no summary" "" "$out"
[ ! -e "$WORK/half.csv" ] || fail "a run that failed half-way left its results file"
ls "$WORK" | grep -q '\.tmp' && fail "a run that failed half-way left a temporary file"

# Rejections: the first 20 one by one, then a count.
{
  echo id,user,country,amount,text
  for i in $(seq 1 25); do echo "x$i,u,de,1,a"; done
} >"$WORK/many-bad.csv"
run_sb run --spec "$tiny_spec" --input "$WORK/many-bad.csv"
expect_eq "many-bad exit" 0 "$rc"
expect_eq "many-bad rejected" 25 "$(summary_value rejected)"
expect_eq "many-bad shown" 20 "$(grep -c ': rejected: ' <<<"$err")"
expect_contains "many-bad count" "$err" "and 5 more rejected records"
finish
