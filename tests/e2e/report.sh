#!/usr/bin/env bash
# The report generator on a small results file: the tables it writes hold the medians, min
# and max of the runs (recomputed here independently), figures are drawn, and questions with
# no results file say so instead of inventing numbers.
# usage: report.sh SHAREBENCH CONFORMANCE_DIR REPORT_PY WORK
set -eu
SHAREBENCH=$1 CONF=$2 REPORT=$3 WORK=$4
rm -rf "$WORK"
mkdir -p "$WORK/res"
. "$(dirname "$0")/lib.sh"

run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
  --strategies serial,global_fork,per_worker_copy --workers 1,2 --repeat 3 \
  --out "$WORK/res/compare.csv"
expect_eq "compare exit" 0 "$rc"
python3 "$REPORT" "$WORK/res" --report "$WORK/REPORT.md" --figures "$WORK/fig" >/dev/null ||
  fail "the report generator failed"
for f in throughput memory setup; do
  [ -s "$WORK/fig/$f.png" ] && [ -s "$WORK/fig/$f.svg" ] || fail "figure $f not drawn"
done
python3 - "$WORK/res/compare.csv" "$WORK/REPORT.md" <<'PY' || fail "report tables"
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
report = open(sys.argv[2]).read()
def cell(vals, digits):
    f = lambda v: f"{v:,.{digits}f}"
    return f"{f(statistics.median(vals))} ({f(min(vals))}-{f(max(vals))})"
for s in ["global_fork", "per_worker_copy"]:
    speed = [cell([float(r["rows_per_s"]) for r in rows if r["strategy"] == s and r["workers"] == w], 0)
             for w in ["1", "2"]]
    line = f"| {s} | {speed[0]} | {speed[1]} |"
    assert line in report, line
    copies = [cell([float(r["model_copies"]) for r in rows if r["strategy"] == s and r["workers"] == w], 2)
              for w in ["1", "2"]]
    line = f"| {s} | {copies[0]} | {copies[1]} |"
    assert line in report, line
assert "## 3. Throughput and memory vs model size\n\nNot measured in this run" in report
assert "## 7. What fork() costs" in report and "no bench_fork.json" in report
assert "![Throughput vs workers](plots/figures/throughput.png)" in report
assert "**per_worker_copy pays memory linearly:**" in report
PY
finish
