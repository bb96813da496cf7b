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
  --strategies serial,global_fork,per_worker_copy,per_task_serialize --workers 1,2 --repeat 3 \
  --feed records,ranges --out "$WORK/res/compare.csv"
expect_eq "compare exit" 0 "$rc"
# Copy-on-write with and without --touch, as the main job measures it (section 4, lesson 4).
run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
  --strategies global_fork,shared_arrays --workers 2 --repeat 1 --touch-both --out "$WORK/res/touch.csv"
expect_eq "touch compare exit" 0 "$rc"
# Runs pinned to 1 and 2 cores, as the main job makes them, for the projection's check.
for cores in 0 0,1; do
  for feed in records ranges; do
    taskset -c "$cores" "$SHAREBENCH" run --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
      --strategy global_fork --workers 2 --feed "$feed" --no-baseline --json 2>/dev/null |
      tail -n 1 | sed "s/^{/{\"cores\":$(( ${#cores} / 2 + 1 )),/" >>"$WORK/res/pinned.jsonl"
  done
done
# The Python idioms beside their C counterparts (section 11), when python3-numpy is there.
python_measured=0
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  python_measured=1
  /usr/bin/python3 "$(dirname "$REPORT")/../strategies/python/sharebench_py.py" list --tsv \
    >"$WORK/res/python-idioms.tsv"
  run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" --feed records \
    --strategies global_fork,shared_arrays,py:global_fork,py:shared_memory --workers 1,2 \
    --repeat 2 --touch-both --out "$WORK/res/python.csv"
  expect_eq "python compare exit" 0 "$rc"
  # strategies/python/series.py's lines (section 11.5-11.8), made up: a forkserver run, one
  # whose workers found no model, one with collections.
  cat >"$WORK/res/python-series.jsonl" <<'EOF'
{"set": "forkserver", "strategy": "py:forkserver_preload", "start": "forkserver", "workers": 2, "gc_collect": 0, "limit": 0, "exit_status": 0, "message": "", "timeline": null, "summary": {"rows_per_s": 1234.4, "model_copies": 1.234, "rows": 5001, "rejected": 3}}
{"set": "forkserver", "strategy": "py:global_fork", "start": "forkserver", "workers": 2, "gc_collect": 0, "limit": 0, "exit_status": 1, "message": "sharebench run: RuntimeError: worker setup failed: RuntimeError: the model global sbpy.idioms.global_fork.MODEL is None in this worker (pid 7): it was forked from the forkserver; build it elsewhere", "timeline": null, "summary": {}}
{"set": "collect", "strategy": "py:gc_freeze:lists", "start": "fork", "workers": 2, "gc_collect": 16, "limit": 0, "exit_status": 0, "message": "", "timeline": null, "summary": {"rows_per_s": 3000, "model_copies": 2.5, "rows": 5001, "rejected": 3}}
EOF
fi
# The verdicts' runs: 2 workers, both feeds, 8 rounds (the fewest that can decide), A/A pairs.
run_sb compare --spec "$CONF/spec-small.csv" --input "$CONF/records-small.csv" \
  --strategies serial,global_fork,threads --workers 2 --repeat 8 --feed records,ranges \
  --aa serial,global_fork --out "$WORK/res/verdicts.csv"
expect_eq "verdicts compare exit" 0 "$rc"
/usr/bin/python3 "$REPORT" "$WORK/res" --report "$WORK/REPORT.md" --figures "$WORK/fig" >/dev/null ||
  fail "the report generator failed"
for f in throughput memory setup; do
  [ -s "$WORK/fig/$f.png" ] && [ -s "$WORK/fig/$f.svg" ] || fail "figure $f not drawn"
done
/usr/bin/python3 - "$WORK/res/compare.csv" "$WORK/REPORT.md" "$WORK/res/touch.csv" "$WORK/res/verdicts.csv" <<'PY' || fail "report tables"
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
report = open(sys.argv[2]).read()
def cell(vals, digits):
    f = lambda v: f"{v:,.{digits}f}"
    return f"{f(statistics.median(vals))} ({f(min(vals))}-{f(max(vals))})"
ranges = [r for r in rows if r["feed"] in ("ranges", "none")]
for s in ["global_fork", "per_worker_copy"]:
    speed = [cell([float(r["rows_per_s"]) for r in ranges if r["strategy"] == s and r["workers"] == w], 0)
             for w in ["1", "2"]]
    line = f"| {s} | {speed[0]} | {speed[1]} |"
    assert line in report, line
    copies = [cell([float(r["model_copies"]) for r in ranges if r["strategy"] == s and r["workers"] == w], 2)
              for w in ["1", "2"]]
    line = f"| {s} | {copies[0]} | {copies[1]} |"
    assert line in report, line
assert "## 3. Throughput and memory vs model size\n\nNot measured in this run" in report
# Where per_task_serialize's copies are: the sentence adds up the processes' own memory.
for w in ["1", "2"]:
    rs = [r for r in ranges if r["strategy"] == "per_task_serialize" and r["workers"] == w]
    model = float(rs[0]["model_mb"])
    copies = statistics.median(float(r["model_copies"]) for r in rs)
    parent = statistics.median(float(r["uss_parent_mb"]) for r in rs) / model
    workers = statistics.median(sum(map(float, r["uss_workers_mb"].split("/"))) for r in rs) / model
    part = (f"{copies:,.2f} = parent {parent:,.2f} + workers {workers:,.2f} "
            f"({workers / int(w):,.2f} each) + {copies - parent - workers:,.2f} shared")
    assert part in report, part
assert "## 7. What fork() costs" in report and "no bench_fork.json" in report
assert "![Throughput vs workers](plots/figures/throughput.png)" in report
assert "**per_worker_copy pays memory linearly:**" in report
# Section 4 and lesson 4 read the faults they cite: --touch's extra faults, not all of them.
touch = [r for r in csv.DictReader(open(sys.argv[3]))]
def tmed(s, t, key):
    return statistics.median(float(r[key]) for r in touch if r["strategy"] == s and r["touch"] == t)
gf0, gf1 = tmed("global_fork", "0", "minor_faults"), tmed("global_fork", "1", "minor_faults")
sa0 = tmed("shared_arrays", "0", "minor_faults")
said = f"against {gf0:,.0f} without --touch: {gf1 - gf0:,.0f} more, each a copied 4 KiB page"
assert said in report, said
said = f"shared_arrays took {sa0:,.0f} without --touch, {sa0 / gf0:,.1f}x global_fork's"
assert said in report, said
# The rule for "faster" is stated, and section 10's verdicts follow it (recomputed here).
assert "Hodges-Lehmann" in report and "99 % confidence" in report
def vals(feed, s, w, key="rows_per_s"):
    return [float(r[key]) for r in rows if r["feed"] == feed and r["strategy"] == s and r["workers"] == w]
# Section 10's verdict, recomputed independently: scipy's exact Wilcoxon signed-rank test on the
# per-round log ratios of verdicts.csv (a verdict of faster or slower only where p <= 0.01).
import math
from scipy.stats import wilcoxon
vrows = [r for r in csv.DictReader(open(sys.argv[4])) if r["twin"] != "b"]
def by_round(feed):
    return {r["round"]: float(r["stream_rows_per_s"]) for r in vrows
            if r["feed"] == feed and r["strategy"] == "global_fork"}
va, vb = by_round("ranges"), by_round("records")
d = [math.log(va[k] / vb[k]) for k in sorted(va)]
p = wilcoxon(d, alternative="two-sided", method="exact").pvalue
said = [l for l in report.splitlines() if l.startswith("| global_fork | 2 |")]
assert len(said) == 1, said
word = said[0].split(" | ")[4]
if p > 0.01:
    assert word not in ("faster", "slower"), (word, p)
elif word in ("faster", "slower"):
    assert (word == "faster") == (sorted(d)[len(d) // 2] > 0), (word, d)
# The report counts its comparisons, prints the A/A pairs' noise floor and section 0.3.
assert "This report draws" in report and "### 0.1 The noise floor: A/A pairs" in report
assert "| global_fork (ranges) | records/s |" in report, "no A/A pair"
assert "### 0.3 Every verdict" in report
assert line in report, line
# The projection: min(1/p, N/(p + w + m)) from the unpinned 2-worker runs' CPU per record.
def per_record(r, key):
    return float(r[key]) / (int(r["rows"]) + int(r["rejected"]) + int(r["failed"]))
for feed in ["records", "ranges"]:
    rs = [r for r in vrows if r["feed"] == feed and r["strategy"] == "global_fork" and r["workers"] == "2"]
    p = statistics.median(per_record(r, "parent_cpu_s") for r in rs)
    w = statistics.median(per_record(r, "worker_cpu_s") for r in rs)
    m = statistics.median(per_record(r, "sampler_cpu_s") for r in rs)
    one, four = min(1 / p, 1 / (p + w + m)), min(1 / p, 4 / (p + w + m))
    head = f"| global_fork | {feed} | {p * 1e6:,.2f} | {w * 1e6:,.2f} | {one:,.0f} |"
    assert head in report, head
    assert f"| {four:,.0f} |" in report, four
PY
[ $python_measured = 0 ] || python3 - "$WORK/res/python.csv" "$WORK/REPORT.md" <<'PY' || fail "report: the Python section"
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
report = open(sys.argv[2]).read()
def cell(vals, digits=0):
    f = lambda v: f"{v:,.{digits}f}"
    return f"{f(statistics.median(vals))} ({f(min(vals))}-{f(max(vals))})"
def vals(s, w, key="rows_per_s", touch="0"):
    return [float(r[key]) for r in rows if r["strategy"] == s and r["workers"] == w and r["touch"] == touch]
assert "## 11. The Python idioms beside their C counterparts" in report
py, c = vals("py:global_fork", "2"), vals("global_fork", "2")
ratio = statistics.median(c) / statistics.median(py)
line = f"| py:global_fork | objects | fork | {cell(vals('py:global_fork', '1'))} | {cell(py)} | {ratio:,.1f}x |"
assert line in report, line
line = f"| C global_fork | - | fork | {cell(vals('global_fork', '1'))} | {cell(c)} | - |"
assert line in report, line
line = (f"| global_fork | C, --touch | {cell(vals('global_fork', '1', 'model_copies', '1'), 2)} | "
        f"{cell(vals('global_fork', '2', 'model_copies', '1'), 2)} |")
assert line in report, line
line = (f"| py:shared_memory | numpy | fork, spawn, forkserver | "
        f"{cell(vals('py:shared_memory', '1', 'model_copies'), 2)} | "
        f"{cell(vals('py:shared_memory', '2', 'model_copies'), 2)} | - |")
assert line in report, line
line = (f"| C shared_arrays | - | fork | {cell(vals('shared_arrays', '1', 'model_copies'), 2)} | "
        f"{cell(vals('shared_arrays', '2', 'model_copies'), 2)} | "
        f"{cell(vals('shared_arrays', '2', 'model_copies', '1'), 2)} |")
assert line in report, line
# Two rounds: too few for a 99 % interval, and the lessons say so rather than judge.
assert "**Does --touch predict CPython?**" in report
assert "inconclusive (n = 2) against C with --touch" in report
# The series' runs, where they belong; a configuration not run is "-", never a number.
for line in ("| py:forkserver_preload | forkserver | objects | - | 1,234 | - | - | 1.23 | - |",
             "| py:global_fork | forkserver | objects | exit 1: the model global "
             "sbpy.idioms.global_fork.MODEL is None in this worker: it was forked from the forkserver |",
             "| gc_freeze | fork | - | 2.50 | - | 3,000 |",
             "Not measured in this run (no whole-dataset runs in python-series.jsonl)."):
    assert line in report, line
PY
finish
