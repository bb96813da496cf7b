#!/usr/bin/env bash
# sharebench compare: the matrix runs, every run is a row with every column (round, position,
# seed, twin, exit_status, limit, then the run summary's keys in its order), runs go in rounds
# (every configuration once per round, in a random order from the seed: the same seed gives
# the same orders), --aa runs twins, all runs agree on the checksum and a run that
# disagrees fails compare, naming it; the table's medians, minima and maxima are the file's
# (three repeats); gnuplot reads the file as it is, and per_task_serialize on a large input is
# refused unless --serialize-limit or --limit bounds it.
# usage: compare.sh SHAREBENCH CONFORMANCE_DIR SPECS_DIR WORK
set -eu
SHAREBENCH=$1 CONF=$2 SPECS=$3 WORK=$4
mkdir -p "$WORK"
. "$(dirname "$0")/lib.sh"

results="$WORK/results.csv"
rm -f "$results"
run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
  --strategies serial,global_fork,shared_arrays,per_worker_copy --workers 1,2 --chunk 7,256 \
  --feed records,ranges --repeat 2 --touch-both --timelines "$WORK/timelines" --seed 7 \
  --out "$results"
expect_eq "compare exit" 0 "$rc"
[ -f "$results" ] || fail "no results file"
[ ! -e "$results.partial" ] || fail "the partial file was left"
# serial: 1 config; 3 others x 2 workers x (2 chunks in the record feed + the range feed) = 18;
# x2 touch = 38; x2 repeats = 76 rows.
expect_eq "rows" 77 "$(wc -l <"$results")"
expect_contains "table" "$(cat "$WORK/out")" "rows/s median"
python3 - "$results" <<'PY' || fail "results file content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for key in ["round", "position", "seed", "twin", "exit_status", "strategy", "workers", "chunk", "touch", "rows_per_s",
            "pss_peak_mb", "model_copies", "minor_faults", "setup_seconds", "bytes_shipped"]:
    assert key in rows[0], key
assert all(r["exit_status"] == "0" for r in rows)
assert {r["checksum"] for r in rows} == {"ab820bfec220a09b"}, {r["checksum"] for r in rows}
assert {r["rows"] for r in rows} == {"5001"} and {r["rejected"] for r in rows} == {"3"}
assert {r["touch"] for r in rows} == {"0", "1"}
assert {r["feed"] for r in rows} == {"none", "records", "ranges"}
assert all((r["chunk"] == "0") == (r["feed"] != "records") for r in rows)
assert all(float(r["model_copies"]) > 0.5 for r in rows), [r["model_copies"] for r in rows]
PY
# Columns: round, position, seed, twin, exit_status, limit, then the run summary's keys.
run_sb run --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" --no-baseline
expect_eq "columns" "round,position,seed,twin,exit_status,limit,$(tail -n 1 "$WORK/out" | tr ' ' '\n' | cut -d= -f1 | paste -sd,)" \
  "$(head -n 1 "$results")"
# Rounds: every configuration once per round, positions 1..n, each round in its own order.
python3 - "$results" <<'PY' || fail "runs are not in random rounds"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
config = lambda r: tuple(r[k] for k in ("strategy", "start", "feed", "workers", "chunk", "touch"))
half = len(rows) // 2
first, second = [config(r) for r in rows[:half]], [config(r) for r in rows[half:]]
assert [r["round"] for r in rows] == ["1"] * half + ["2"] * half, [r["round"] for r in rows]
assert [r["position"] for r in rows] == [str(i) for i in range(1, half + 1)] * 2
assert {r["seed"] for r in rows} == {"7"}
assert len(set(first)) == half and set(first) == set(second), (first, second)
assert first != second, "two rounds of 38 configurations in the same order: not shuffled"
PY
# The same seed gives the same orders; another seed, others (on a smaller matrix: 5
# configurations, 120 orders per round). --aa runs twins a and b.
for run in 7 7again 8; do
  run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
    --strategies serial,global_fork,shared_arrays --workers 1,2 --repeat 2 --seed "${run%again}" \
    --out "$WORK/seed$run.csv"
  expect_eq "compare --seed ${run%again} exit" 0 "$rc"
done
order() { python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(r["round"], r["position"], r["strategy"], r["feed"], r["workers"], r["chunk"], r["touch"])' "$1"; }
expect_eq "the same seed, the same order" "$(order "$WORK/seed7.csv")" "$(order "$WORK/seed7again.csv")"
[ "$(order "$WORK/seed7.csv")" != "$(order "$WORK/seed8.csv")" ] || fail "seeds 7 and 8 gave one order"
run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
  --strategies serial,global_fork --workers 2 --repeat 3 --aa serial --out "$WORK/aa.csv"
expect_eq "compare --aa exit" 0 "$rc"
expect_eq "twins: a and b run once per round each, the others untwinned" \
  "$(printf '%s\n' "3 global_fork " "3 serial a" "3 serial b")" \
  "$(python3 -c 'import csv, sys, collections
c = collections.Counter((r["strategy"], r["twin"]) for r in csv.DictReader(open(sys.argv[1])))
print("\n".join(f"{n} {s} {t}" for (s, t), n in sorted(c.items())))' "$WORK/aa.csv")"
ls "$WORK/timelines" | grep -q 'shared_arrays-records-w2-c7-t1-r2.csv' || fail "timelines not kept"
gnuplot >/dev/null 2>"$WORK/gp.err" <<GP ||
set terminal dumb
set datafile separator ','
plot '$results' using (column('workers')):(column('rows_per_s')) notitle
GP
  fail "gnuplot cannot read the results: $(cat "$WORK/gp.err")"
[ -s "$WORK/gp.err" ] && fail "gnuplot complained: $(cat "$WORK/gp.err")"

# The table's medians, minima and maxima are those of the rows in the file. Three repeats: with
# two, a median and a mean are the same number.
run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
  --strategies serial,shared_arrays,per_worker_copy --workers 2 --repeat 3 --out "$WORK/three.csv"
expect_eq "three repeats: exit" 0 "$rc"
python3 - "$WORK/three.csv" "$WORK/out" <<'PY' || fail "the table's medians are not the file's"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
table = {}
for line in open(sys.argv[2]):
    w = line.replace("[", " ").replace("]", " ").replace("-", " ").split()
    if len(w) == 14 and w[0] in ("serial", "shared_arrays", "per_worker_copy"):
        table[w[0]] = [float(x) for x in w[6:13]]
assert len(table) == 3, table
for name, printed in table.items():
    runs = [r for r in rows if r["strategy"] == name]
    assert len(runs) == 3, (name, len(runs))
    col = lambda k: [float(r[k]) for r in runs]
    want = [statistics.median(col("rows_per_s")), min(col("rows_per_s")), max(col("rows_per_s")),
            statistics.median(col("pss_peak_mb")), statistics.median(col("model_copies")),
            min(col("model_copies")), max(col("model_copies"))]
    # printed to 0 or 1 or 2 decimals: within one unit of the last printed digit
    for what, got, exp, unit in zip(["rows/s median", "rows/s min", "rows/s max", "pss MB",
                                     "copies median", "copies min", "copies max"],
                                    printed, want, [1, 1, 1, 0.1, 0.01, 0.01, 0.01]):
        assert abs(got - exp) <= unit, (name, what, "printed", got, "file", exp, col("rows_per_s"))
PY

# per_task_serialize over a large input would ship gigabytes: refused, with the way out.
"$SHAREBENCH" gen --spec "$SPECS/default.csv" --rows 200000 --quiet --output "$WORK/big.csv"
rm -f "$WORK/refused.csv" "$WORK/refused.csv.partial"
for feed in "records" "ranges --range-bytes 64K"; do
  # shellcheck disable=SC2086 # the feed and its size are two words
  run_sb compare --spec "$SPECS/default.csv" --input "$WORK/big.csv" --strategies per_task_serialize \
    --workers 1 --repeat 1 --feed $feed --out "$WORK/refused.csv"
  expect_eq "refused exit ($feed)" 2 "$rc"
  expect_contains "refusal ($feed)" "$err" "--serialize-limit"
  [ ! -e "$WORK/refused.csv" ] && [ ! -e "$WORK/refused.csv.partial" ] || fail "refused run wrote files"
done
run_sb compare --spec "$SPECS/default.csv" --input "$WORK/big.csv" --strategies per_task_serialize \
  --workers 1 --repeat 1 --serialize-limit 300 --sample-ms 50 --out "$WORK/limited.csv"
expect_eq "limited exit" 0 "$rc"
expect_eq "limited rows" 300 "$(python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))['rows'])" "$WORK/limited.csv")"
run_sb compare --spec "$SPECS/default.csv" --input "$WORK/big.csv" --strategies per_task_serialize \
  --workers 1 --repeat 1 --feed records --limit 300 --sample-ms 50 --out "$WORK/limited.csv"
expect_eq "--limit lifts the refusal: exit" 0 "$rc"
expect_eq "--limit rows" 300 "$(python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))['rows'])" "$WORK/limited.csv")"

# One configuration gives another answer (the test strategy shifts a prior): compare fails,
# names it, and still keeps every row.
SHAREBENCH_TEST_KNOWN=wrong run_sb compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" \
  --strategies serial,shared_arrays,test_known --workers 2 --repeat 1 --out "$WORK/wrong.csv"
expect_eq "a wrong answer: exit" 1 "$rc"
# (Rounds are in random order: whichever ran first set the answer; the complaint names both.)
expect_contains "a wrong answer: names it" "$(grep 'WRONG ANSWER' <<<"$err")" "test_known"
expect_eq "a wrong answer: one complaint" 1 "$(grep -c 'WRONG ANSWER' <<<"$err")"
expect_eq "a wrong answer: rows kept" 4 "$(wc -l <"$WORK/wrong.csv")"

# --start fork,exec: exec rows for the strategies that can, the others named as left out.
run_sb compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" \
  --strategies serial,global_fork,mapped_file,per_worker_copy,threads --workers 2 --repeat 1 \
  --start fork,exec --out "$WORK/starts.csv"
expect_eq "starts exit" 0 "$rc"
expect_contains "starts: global_fork left out" "$err" "global_fork is not run with --start exec"
python3 - "$WORK/starts.csv" <<'PY' || fail "starts results"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["strategy"], r["start"]) for r in rows)
assert got == sorted([("serial", "none"), ("global_fork", "fork"), ("mapped_file", "fork"),
                      ("per_worker_copy", "fork"), ("threads", "thread"),
                      ("mapped_file", "exec"), ("per_worker_copy", "exec")]), got
assert {r["checksum"] for r in rows} == {"bf882334fc882df9"}
PY
run_sb compare --spec "$CONF/spec-tiny.csv" --input "$CONF/records-tiny.csv" --start spawn --out x
expect_eq "bad start" 2 "$rc"

run_sb compare --spec "$SPECS/default.csv" --input "$WORK/big.csv" --strategies nope --out x
expect_eq "bad strategy" 2 "$rc"
run_sb compare --spec "$SPECS/default.csv" --input "$WORK/big.csv" --workers 0 --out x
expect_eq "bad workers" 2 "$rc"
finish
