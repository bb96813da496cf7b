#!/usr/bin/env python3
"""Write REPORT.md and its figures from the results files of a sharebench run.

usage: plots/report.py RESULTS_DIR [--report REPORT.md] [--figures DIR] [--no-plots]

Reads what the main job wrote into RESULTS_DIR (every file is optional; a question whose file
is missing is reported as not measured):
  verdicts.csv           every strategy, 2 workers, both feeds, enough rounds for verdicts, with
                         A/A pairs (compare --aa): the source of every verdict (section 0)
  compare.csv            all strategies x workers 1, 2, 4, range feed, workers started by fork
  compare-exec.csv       the strategies that can, workers started by exec (range feed)
  pinned.jsonl           runs pinned to 1 and 2 cores (taskset): the CPU projection's check
  mpi.jsonl              sharebench-mpi runs, one JSON summary per line
  mpi_nodes.jsonl        sharebench-mpi over simulated nodes (scripts/mpi-nodes-series)
  touch.csv, timelines/  4 workers with and without --touch, with memory timelines
  chunks.csv             per_task_serialize and global_fork over chunk sizes
  sizes-*.csv            the matrix at fixed workers for several model sizes
  bench_fork.json        fork latency vs heap (Google Benchmark JSON)
  python.csv             the Python idioms (py:NAME) beside their C counterparts, record feed
  python-verdicts.csv    the pairs section 11.4 judges, with the rounds a verdict needs
  python-idioms.tsv      `sharebench_py.py list --tsv`: each idiom's start methods, models, C side
  python-series.jsonl    strategies/python/series.py: forkserver runs, workers running gc.collect(),
                         the whole dataset; python-timelines/ their memory timelines
  dataset.txt, spec path, the machine: read from the files and the system
Aggregates medians with min and max into RESULTS_DIR/agg-*.csv, draws every figure with the
gnuplot scripts beside this file, and writes the report. Every number in the report is read
from these files; the prose around them is written by hand.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # sbreport/, beside this file
from sbreport.cluster import section_mpi, section_mpi_nodes
from sbreport.feeds import section_feeds, section_projection, section_targets
from sbreport.figures import HERE
from sbreport.lessons import lessons
from sbreport.load import read_rows
from sbreport.markdown import machine, table
from sbreport.python import section_python
from sbreport.sections import (section_chunks, section_exec, section_fork, section_memory,
                               section_setup, section_sizes, section_throughput, section_touch)
from sbreport.sitting import section_sitting, tally_line, untwinned, with_cpu
from sbreport.verdicts import RULE


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    res = argv[1]
    report = argv[argv.index("--report") + 1] if "--report" in argv else "REPORT.md"
    figdir = argv[argv.index("--figures") + 1] if "--figures" in argv else os.path.join(HERE, "figures")
    plots = "--no-plots" not in argv
    os.makedirs(figdir, exist_ok=True)
    all_rows = read_rows(os.path.join(res, "compare.csv")) + read_rows(os.path.join(res, "compare-exec.csv"))
    fork_rows = [r for r in all_rows if r.get("start", "fork") != "exec"]
    # Sections 1-8: the range feed (the default for a file), workers started by fork.
    rows = [r for r in fork_rows if r.get("feed", "ranges") in ("ranges", "none")]
    exec_rows = [r for r in all_rows if r.get("start") == "exec"]
    # The verdicts: 2 workers, both feeds, enough rounds, A/A pairs (older results: compare.csv).
    vrows = with_cpu(read_rows(os.path.join(res, "verdicts.csv")))
    feed_rows = untwinned(vrows) if vrows else fork_rows
    out = ["# sharebench: measured results\n",
           "Produced by `bash scripts/main.sh` from the files in `results/`; every number below is "
           "read from them by `plots/report.py` (medians over repeated runs, with min and max). "
           "Each run is a fresh `sharebench run` process; runs go in rounds, each in a random order, "
           "so that a shared machine's drift spreads over all of them. Sections 1 to 8 measure the range "
           "feed (the default for a file: each worker reads and parses its own byte ranges); "
           "section 10 sets it against the record feed.\n",
           f"**How this report compares.** {RULE}\n", "TALLY",
           "## Machine\n", table(["", ""], machine()) + "\n"]
    dataset = os.path.join(res, "dataset.txt")
    if os.path.exists(dataset):
        out += ["## Dataset and spec\n", open(dataset).read().strip() + "\n"]
    section_sitting(vrows, all_rows, out)
    section_throughput(rows, res, figdir, plots, out)
    section_memory(rows, res, figdir, plots, out)
    section_sizes(res, figdir, plots, out)
    section_touch(res, figdir, plots, out)
    section_chunks(res, figdir, plots, out)
    section_setup(rows, res, figdir, plots, out)
    section_fork(res, figdir, plots, out)
    section_exec(rows, exec_rows, res, figdir, plots, out)
    section_mpi(res, out)
    section_mpi_nodes(res, out)
    section_feeds(feed_rows, out)
    section_targets(feed_rows, res, out)
    section_projection(feed_rows, res, out)
    section_python(res, out, figdir, plots)
    lessons(rows, res, out, feed_rows)
    out[out.index("TALLY")] = tally_line() + "\n"
    with open(report, "w") as f:
        f.write("\n".join(out))
    print(f"report: {report}; figures: {figdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
