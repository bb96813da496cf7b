#!/usr/bin/env bash
# The generator: the same options give the same bytes; another seed gives other bytes; what it
# writes is valid input (every record a result), with quoted fields, line breaks inside them
# and records that trigger the spec's rules.
# usage: gen.sh SHAREBENCH SPEC WORK
set -eu
SHAREBENCH=$1 SPEC=$2 WORK=$3
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

rows=20000
run_sb gen --spec "$SPEC" --rows $rows --seed 5 --output "$WORK/a.csv"
expect_eq "gen exit" 0 "$rc"
run_sb gen --spec "$SPEC" --rows $rows --seed 5 --output "$WORK/b.csv"
cmp -s "$WORK/a.csv" "$WORK/b.csv" || fail "same options gave different files"
run_sb gen --spec "$SPEC" --rows $rows --seed 6 --output "$WORK/c.csv"
cmp -s "$WORK/a.csv" "$WORK/c.csv" && fail "another seed gave the same file"
run_sb gen --spec "$SPEC" --rows $rows --seed 5 --output - --quiet
cmp -s "$WORK/a.csv" "$WORK/out" || fail "stdout output differs from file output"
ls "$WORK" | grep -q '\.tmp' && fail "a temporary file was left behind"

run_sb run --spec "$SPEC" --input "$WORK/a.csv" --output "$WORK/results.csv"
expect_eq "run exit" 0 "$rc"
expect_eq "every generated record is valid" $rows "$(summary_value rows)"
expect_eq "no rejections" 0 "$(summary_value rejected)"

# The variety the workload asks for (docs/WORKLOAD.md section 3).
grep -q '""' "$WORK/a.csv" || fail "no doubled quotes"
grep -q ',"' "$WORK/a.csv" || fail "no quoted fields"
python3 - "$WORK/a.csv" "$WORK/results.csv" <<'PY' || fail "generated data lacks variety"
import csv, io, sys
data = open(sys.argv[1], "rb").read()
records = list(csv.reader(io.StringIO(data.decode("latin-1"), newline="")))
assert records[0] == ["id", "user", "country", "amount", "text"]
body = records[1:]
assert any("\n" in r[4] for r in body), "no line break inside a field"
assert any("," in r[4] for r in body), "no comma inside a field"
assert any(r[1].startswith("bot") for r in body), "no bot users"
assert any("zzqx" in r[4].split(" ") for r in body), "no rule word"
try:
    data.decode("utf-8")
    raise AssertionError("all bytes are UTF-8")
except UnicodeDecodeError:
    pass
ids = [int(r[0]) for r in body]
assert len(set(ids)) == len(ids), "ids are not unique"
classes = {line.split(b",")[1] for line in open(sys.argv[2], "rb").read().split(b"\n")[1:-1]}
assert b"0" in classes and b"1" in classes, "rules never fired: %r" % classes
assert len(classes) > 4, "too few classes: %r" % classes
PY
finish
