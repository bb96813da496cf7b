#!/usr/bin/env python3
"""Write REPORT.md and its figures from the results files of a sharebench run.

usage: plots/report.py RESULTS_DIR [--report REPORT.md] [--figures DIR] [--no-plots]

Reads what the main job wrote into RESULTS_DIR (every file is optional; a question whose file
is missing is reported as not measured):
  compare.csv            all strategies x workers x both feeds, workers started by fork
  compare-exec.csv       the strategies that can, workers started by exec (range feed)
  pinned.jsonl           runs pinned to 1 and 2 cores (taskset): the CPU projection's check
  mpi.jsonl              sharebench-mpi runs, one JSON summary per line
  mpi_nodes.jsonl        sharebench-mpi over simulated nodes (scripts/mpi-nodes-series)
  touch.csv, timelines/  4 workers with and without --touch, with memory timelines
  chunks.csv             per_task_serialize and global_fork over chunk sizes
  sizes-*.csv            the matrix at fixed workers for several model sizes
  bench_fork.json        fork latency vs heap (Google Benchmark JSON)
  python.csv             the Python idioms (py:NAME) beside their C counterparts, record feed
  python-idioms.tsv      `sharebench_py.py list --tsv`: each idiom's start methods, models, C side
  dataset.txt, spec path, the machine: read from the files and the system
Aggregates medians with min and max into RESULTS_DIR/agg-*.csv, draws every figure with the
gnuplot scripts beside this file, and writes the report. Every number in the report is read
from these files; the prose around them is written by hand.
"""
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["serial", "global_fork", "module_state", "registry", "shared_arrays", "mapped_file",
         "per_task_serialize", "per_worker_copy", "threads", "mpi_shared_window", "mpi_bcast_copy"]


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r.get("exit_status", "0") == "0"]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def spread(values):
    vals = [v for v in values if v == v]  # drop NaN
    if not vals:
        return (float("nan"),) * 3
    return statistics.median(vals), min(vals), max(vals)


def group(rows, *keys):
    out = defaultdict(list)
    for r in rows:
        out[tuple(r[k] for k in keys)].append(r)
    return out


def order_key(strategy):
    return ORDER.index(strategy) if strategy in ORDER else len(ORDER)


def drawn(rows):
    """The strategies in rows as gnuplot's list, serial first (the scripts skip word 1 where
    serial has no workers): a strategy unknown to ORDER and style.gp is drawn too."""
    return " ".join(["serial"] + sorted({r["strategy"] for r in rows} - {"serial"}, key=order_key))


def fmt(v, digits=0):
    if v != v:
        return "n/a"
    return f"{v:,.{digits}f}"


def cell(values, digits=0):
    med, lo, hi = spread(values)
    return f"{fmt(med, digits)} ({fmt(lo, digits)}-{fmt(hi, digits)})"


# The rule every "faster" or "slower" in this report follows (stated in the report too).
MIN_REPEATS = 3
RULE = (f"A is called faster (or slower) than B only when each has at least {MIN_REPEATS} runs "
        "and their ranges do not overlap: A's slowest run beats B's fastest (or the reverse). "
        "Otherwise they are equal within noise.")


def verdict(a, b):
    """'faster', 'slower', 'equal within noise' or 'too few runs', by RULE (a and b: values)."""
    a = [v for v in a if v == v]
    b = [v for v in b if v == v]
    if len(a) < MIN_REPEATS or len(b) < MIN_REPEATS:
        return "too few runs"
    if min(a) > max(b):
        return "faster"
    if max(a) < min(b):
        return "slower"
    return "equal within noise"


def values(rows, key, **where):
    return [num(r.get(key)) for r in rows if all(str(r.get(k)) == str(v) for k, v in where.items())]


# ---- aggregation ----------------------------------------------------------------------------

def aggregate_matrix(rows, path):
    """Medians, min, max per (strategy, workers, touch) into a CSV gnuplot reads."""
    groups = group(rows, "strategy", "workers", "touch")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "workers", "touch", "rows_med", "rows_min", "rows_max",
                    "copies_med", "copies_min", "copies_max", "pss_med", "model_mb", "runs"])
        for (s, wk, t), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), int(kv[0][1]), kv[0][2])):
            r = spread([num(x["rows_per_s"]) for x in rs])
            c = spread([num(x["model_copies"]) for x in rs])
            p = spread([num(x["pss_peak_mb"]) for x in rs])
            w.writerow([s, wk, t, *r, *c, p[0], rs[0]["model_mb"], len(rs)])
    return groups


def aggregate_setup(rows, workers, path):
    groups = group([r for r in rows if r["workers"] in (workers, "0") and r["touch"] == "0"], "strategy")
    parts = ["build_s", "prepare_s", "ready_s", "first_result_s"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy"] + parts + ["setup_seconds"])
        for (s,), rs in sorted(groups.items(), key=lambda kv: order_key(kv[0][0])):
            w.writerow([s] + [spread([num(x.get(p)) for x in rs])[0] for p in parts]
                       + [spread([num(x["setup_seconds"]) for x in rs])[0]])
    return groups


def aggregate_chunks(rows, path):
    groups = group(rows, "strategy", "chunk")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "chunk", "rows_med", "rows_min", "rows_max", "shipped_per_record",
                    "bytes_shipped_med"])
        for (s, c), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), int(kv[0][1]))):
            shipped = spread([num(x["bytes_shipped"]) for x in rs])[0]
            nrows = spread([num(x["rows"]) for x in rs])[0]
            w.writerow([s, c, *spread([num(x["rows_per_s"]) for x in rs]),
                        shipped / nrows if nrows else float("nan"), shipped])
    return groups


def aggregate_fork(path_json, path_csv):
    if not os.path.exists(path_json):
        return []
    data = json.load(open(path_json))
    runs = defaultdict(list)
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration" or not b["name"].startswith("BM_ForkExit"):
            continue
        heap = int(b["name"].split(":")[-1].split("/")[0])
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        runs[heap].append(b["real_time"] * scale)
    out = []
    with open(path_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["heap_mib", "ms_median", "ms_min", "ms_max", "runs"])
        for heap in sorted(runs):
            med, lo, hi = spread(runs[heap])
            w.writerow([heap, med, lo, hi, len(runs[heap])])
            out.append((heap, med, lo, hi))
    return out


# ---- figures --------------------------------------------------------------------------------

def gnuplot(script, out, **variables):
    args = ["gnuplot", "-e", f"out='{out}'"]
    for k, v in variables.items():
        args += ["-e", f"{k}='{v}'" if isinstance(v, str) else f"{k}={v}"]
    args.append(os.path.join(HERE, script))
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, cwd=os.path.dirname(HERE))
    return os.path.basename(out) + ".png"


# ---- the report -----------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "unknown"


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    libs = sh("dpkg-query -W -f='${Package} ${Version}, ' libcsv3 libbenchmark1debian libuuid1 "
              "libcmocka0 gnuplot-nox 2>/dev/null").rstrip(", ")
    return [("CPU", cpu), ("online CPUs", str(os.cpu_count())), ("memory", mem),
            ("kernel", platform.release()), ("compiler", sh("gcc --version | head -n 1")),
            ("flags", "release preset: -O2 -DNDEBUG -ffp-contract=off -Wall -Wextra -Werror"),
            ("libraries", libs)]


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def spread_of(rows, key, **where):
    """(min, max) of key over the rows that match."""
    vals = [num(r[key]) for r in rows if all(r.get(k) == str(v) for k, v in where.items())]
    _, lo, hi = spread(vals)
    return lo, hi


def median_of(rows, key, **where):
    vals = [num(r[key]) for r in rows if all(r.get(k) == str(v) for k, v in where.items())]
    return spread(vals)[0]


def section_throughput(rows, res, figdir, plots, out):
    if not rows:
        out.append("## 1. Throughput vs workers\n\nNot measured in this run (no compare.csv).\n")
        return
    aggregate_matrix(rows, os.path.join(res, "agg-main.csv"))
    serial = median_of(rows, "rows_per_s", strategy="serial")
    workers = sorted({int(r["workers"]) for r in rows if r["workers"] != "0"})
    body = []
    for s in sorted({r["strategy"] for r in rows}, key=order_key):
        cells = []
        for w in workers:
            vals = [num(r["rows_per_s"]) for r in rows
                    if r["strategy"] == s and (r["workers"] == str(w) or s == "serial")]
            cells.append(cell(vals))
        body.append([s] + cells)
    out.append("## 1. Throughput vs workers\n")
    out.append("Records per second, median (min-max) over the repeats; serial has no workers and "
               "is the same in every column. Source: `compare.csv`.\n")
    out.append(table(["strategy"] + [f"{w} workers" for w in workers], body) + "\n")
    if plots:
        gnuplot("throughput.gp", os.path.join(figdir, "throughput"),
                data=os.path.join(res, "agg-main.csv"), serial_rows=serial, strategies=drawn(rows))
        out.append("![Throughput vs workers](plots/figures/throughput.png)\n")


def section_memory(rows, res, figdir, plots, out):
    if not rows:
        return
    workers = sorted({int(r["workers"]) for r in rows if r["workers"] != "0"})
    body = []
    for s in sorted({r["strategy"] for r in rows if r["workers"] != "0"}, key=order_key):
        body.append([s] + [cell([num(r["model_copies"]) for r in rows
                                 if r["strategy"] == s and r["workers"] == str(w)], 2)
                           for w in workers])
    model_mb = median_of(rows, "model_mb", strategy="serial")
    out.append("## 2. Memory vs workers, in copies of the model\n")
    out.append(f"model_copies = (peak PSS summed over parent and workers - the same configuration "
               f"with a one-token model) / model size ({fmt(model_mb, 1)} MB). Median (min-max). "
               "Source: `compare.csv`.\n")
    out.append(table(["strategy"] + [f"{w} workers" for w in workers], body) + "\n")
    if plots:
        gnuplot("memory.gp", os.path.join(figdir, "memory"), data=os.path.join(res, "agg-main.csv"),
                strategies=drawn(rows))
        out.append("![Memory vs workers](plots/figures/memory.png)\n")


def section_sizes(res, figdir, plots, out):
    rows = []
    for name in sorted(os.listdir(res)):
        if name.startswith("sizes-") and name.endswith(".csv"):
            rows += read_rows(os.path.join(res, name))
    out.append("## 3. Throughput and memory vs model size\n")
    if not rows:
        out.append("Not measured in this run (no sizes-*.csv).\n")
        return
    groups = group(rows, "strategy", "model_mb")
    agg = os.path.join(res, "agg-sizes.csv")
    with open(agg, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "model_mb", "rows_med", "rows_min", "rows_max",
                    "copies_med", "copies_min", "copies_max"])
        for (s, mb), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), num(kv[0][1]))):
            w.writerow([s, mb, *spread([num(x["rows_per_s"]) for x in rs]),
                        *spread([num(x["model_copies"]) for x in rs])])
    sizes = sorted({r["model_mb"] for r in rows}, key=num)
    workers = sorted({r["workers"] for r in rows if r["workers"] != "0"})
    body = []
    for s in sorted({r["strategy"] for r in rows}, key=order_key):
        body.append([s] + [cell([num(r["rows_per_s"]) for r in groups.get((s, mb), [])]) + " / " +
                           cell([num(r["model_copies"]) for r in groups.get((s, mb), [])], 2)
                           for mb in sizes])
    note = ""
    if sizes and num(sizes[0]) < 1:
        note = (f" For the {fmt(num(sizes[0]), 2)} MB model, copies divide a few hundred kB of "
                "run-to-run noise by a tiny size: read them as noise, not as costs.")
    out.append(f"Records per second / model copies, median (min-max), {', '.join(workers)} workers. "
               f"Source: `sizes-*.csv`.{note}\n")
    out.append(table(["strategy"] + [f"{fmt(num(mb), 1)} MB model" for mb in sizes], body) + "\n")
    if plots:
        gnuplot("sizes.gp", os.path.join(figdir, "sizes"), data=agg, workers=int(workers[0]),
                strategies=drawn(rows))
        out.append("![Model size](plots/figures/sizes.png)\n")


def section_touch(res, figdir, plots, out):
    rows = read_rows(os.path.join(res, "touch.csv"))
    out.append("## 4. Copy-on-write: memory over a run, with and without --touch\n")
    if not rows:
        out.append("Not measured in this run (no touch.csv).\n")
        return
    body = []
    for (s, t), rs in sorted(group(rows, "strategy", "touch").items(), key=lambda kv: (kv[0][1], order_key(kv[0][0]))):
        body.append([s, "yes" if t == "1" else "no", cell([num(r["model_copies"]) for r in rs], 2),
                     cell([num(r["pss_peak_mb"]) for r in rs], 1), cell([num(r["minor_faults"]) for r in rs]),
                     cell([num(r["rows_per_s"]) for r in rs])])
    w = rows[0]["workers"]
    out.append(f"{w} workers. --touch makes classify write a visit counter into every model entry it "
               "reads, as CPython's reference counts do. Source: `touch.csv`, `timelines/`. In the "
               "timeline, shared memory that no process maps yet (the image just written, before "
               "workers read it) is in nobody's PSS: that is the short dip at the start.\n")
    out.append(table(["strategy", "touch", "model copies", "peak PSS MB", "workers' minor faults",
                      "records/s"], body) + "\n")
    tl = os.path.join(res, "timelines")
    feed = rows[0].get("feed", "ranges")
    files = {k: os.path.join(tl, f"{s}-{feed}-w{w}-c256-t{t}-r1.csv")
             for k, s, t in [("gf", "global_fork", 0), ("gft", "global_fork", 1),
                             ("sa", "shared_arrays", 0), ("sat", "shared_arrays", 1)]}
    if plots and all(os.path.exists(p) for p in files.values()):
        gnuplot("timeline.gp", os.path.join(figdir, "timeline"), **files)
        out.append("![Memory over time](plots/figures/timeline.png)\n")


def section_chunks(res, figdir, plots, out):
    rows = read_rows(os.path.join(res, "chunks.csv"))
    out.append("## 5. per_task_serialize: bytes shipped and speed vs chunk size\n")
    if not rows:
        out.append("Not measured in this run (no chunks.csv).\n")
        return
    agg = os.path.join(res, "agg-chunks.csv")
    groups = aggregate_chunks(rows, agg)
    body = []
    for (s, c), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), int(kv[0][1]))):
        shipped = spread([num(x["bytes_shipped"]) for x in rs])[0]
        body.append([s, c, cell([num(x["rows_per_s"]) for x in rs]), fmt(shipped / 1e6, 1),
                     fmt(shipped / max(1.0, spread([num(x["rows"]) for x in rs])[0]))])
    out.append(f"{rows[0]['workers']} workers; per_task_serialize on its first "
               f"{rows[0]['limit']} records. Source: `chunks.csv`.\n")
    out.append(table(["strategy", "chunk", "records/s", "MB shipped", "bytes shipped per record"], body) + "\n")
    if plots:
        gnuplot("chunks.gp", os.path.join(figdir, "chunks"), data=agg)
        out.append("![Chunk size](plots/figures/chunks.png)\n")


def section_setup(rows, res, figdir, plots, out):
    if not rows:
        return
    workers = "2" if any(r["workers"] == "2" for r in rows) else rows[-1]["workers"]
    agg = os.path.join(res, "agg-setup.csv")
    groups = aggregate_setup(rows, workers, agg)
    body = []
    for (s,), rs in sorted(groups.items(), key=lambda kv: order_key(kv[0][0])):
        body.append([s] + [fmt(spread([num(x.get(p)) for x in rs])[0] * 1000, 1)
                           for p in ["build_s", "prepare_s", "start_s", "ready_s", "first_result_s",
                                     "setup_seconds"]])
    out.append("## 6. Setup: what each strategy pays before results flow\n")
    out.append(f"Milliseconds, medians, {workers} workers started by fork (serial: none). setup = "
               "model build + prepare + workers ready (from the first fork until every worker has "
               "finished its own setup: per_worker_copy's builds count here). Source: `compare.csv`.\n")
    out.append(table(["strategy", "model build", "prepare", "workers started", "workers ready",
                      "first result", "setup"], body) + "\n")
    if plots:
        gnuplot("setup.gp", os.path.join(figdir, "setup"), data=agg, workers=int(workers))
        out.append("![Setup time](plots/figures/setup.png)\n")


def section_fork(res, figdir, plots, out):
    out.append("## 7. What fork() costs a parent with a large heap\n")
    fork = aggregate_fork(os.path.join(res, "bench_fork.json"), os.path.join(res, "fork.csv"))
    if not fork:
        out.append("Not measured in this run (no bench_fork.json).\n")
        return
    out.append("fork() plus child exit, milliseconds, median (min-max) over the benchmark's runs. "
               "Source: `bench_fork.json`.\n")
    out.append(table(["parent heap (MiB)", "fork + exit (ms)"],
                     [[h, f"{fmt(m, 2)} ({fmt(lo, 2)}-{fmt(hi, 2)})"] for h, m, lo, hi in fork]) + "\n")
    if plots:
        gnuplot("fork.gp", os.path.join(figdir, "fork"), data=os.path.join(res, "fork.csv"))
        out.append("![fork latency](plots/figures/fork.png)\n")


def section_exec(fork_rows, exec_rows, res, figdir, plots, out):
    out.append("## 8. Without fork: workers started by exec\n")
    if not exec_rows:
        out.append("Not measured in this run (no `--start exec` rows in compare.csv).\n")
        return
    workers = str(max(int(r["workers"]) for r in exec_rows))
    survivors = sorted({r["strategy"] for r in exec_rows}, key=order_key)
    refused = sorted({r["strategy"] for r in fork_rows if r["start"] == "fork"} - set(survivors),
                     key=order_key)
    out.append(
        "`--start exec` starts every worker as a fresh `sharebench worker` process (fork, then "
        "exec of the binary: Python's *spawn*): it inherits nothing but its arguments, its "
        "environment and the descriptors it is handed. Strategies whose model is reachable only "
        "through memory copied by fork refuse such a run at once, before building anything, "
        "and say why (tested in `tests/e2e/start_exec.sh`): "
        + ", ".join(f"`{s}`" for s in refused) + ". The others are measured below with "
        f"{workers} workers, medians (min-max); serial and threads start no processes. setup = "
        "model build + prepare + every worker started and set up. Source: `compare.csv`.\n")
    body, agg = [], []
    for s in survivors:
        def vals(rows, key):
            return [num(r[key]) for r in rows if r["strategy"] == s and r["workers"] == workers]
        f_setup, e_setup = vals(fork_rows, "setup_seconds"), vals(exec_rows, "setup_seconds")
        f_cop, e_cop = vals(fork_rows, "model_copies"), vals(exec_rows, "model_copies")
        body.append([s, cell(vals(fork_rows, "rows_per_s")), cell(vals(exec_rows, "rows_per_s")),
                     cell([v * 1000 for v in f_setup], 1), cell([v * 1000 for v in e_setup], 1),
                     cell(f_cop, 2), cell(e_cop, 2)])
        agg.append([s, spread(f_setup)[0] * 1000, spread(e_setup)[0] * 1000, spread(f_cop)[0],
                    spread(e_cop)[0]])
    for s in refused:
        fork_vals = [r for r in fork_rows if r["strategy"] == s and r["workers"] == workers]
        body.append([s, cell([num(r["rows_per_s"]) for r in fork_vals]), "refused: needs fork",
                     cell([num(r["setup_seconds"]) * 1000 for r in fork_vals], 1), "-",
                     cell([num(r["model_copies"]) for r in fork_vals], 2), "-"])
    out.append(table(["strategy", "records/s fork", "records/s exec", "setup ms fork",
                      "setup ms exec", "model copies fork", "model copies exec"], body) + "\n")
    path = os.path.join(res, "agg-exec.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "setup_fork_ms", "setup_exec_ms", "copies_fork", "copies_exec"])
        w.writerows(agg)
    if plots:
        gnuplot("exec.gp", os.path.join(figdir, "exec"), data=path, workers=int(workers))
        out.append("![fork vs exec](plots/figures/exec.png)\n")


def read_mpi(res):
    path = os.path.join(res, "mpi.jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def section_mpi(res, out):
    runs = read_mpi(res)
    out.append("## 9. Across nodes: sharebench-mpi\n")
    if not runs:
        out.append("Not measured in this run (no mpi.jsonl: sharebench-mpi is built only where "
                   "Open MPI is installed).\n")
        return
    nodes = sorted({r["nodes"] for r in runs})
    out.append(
        "`mpirun -np N sharebench-mpi --strategy S`: every rank reads and classifies its own byte "
        "range of the input (rank 0 plans the ranges with the range feed's exact planner and "
        "scatters them), and the counts and "
        "checksums are reduced to rank 0. Memory per node = the ranks' PSS growth over the step "
        "that shares the model, summed per node, in copies of the flat image; node PSS = all the "
        f"ranks' PSS on the node. Measured on {', '.join(str(n) for n in nodes)} node(s) (this "
        "machine; ranks beyond its cores are oversubscribed, so records/s there measures "
        "contention, not scaling). Medians (min-max). Source: `mpi.jsonl`.\n")
    body = []
    groups = defaultdict(list)
    for r in runs:
        groups[(r["strategy"], r["workers"])].append(r)
    for (s, n), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), kv[0][1])):
        body.append([s, n, cell([r["rows_per_s"] for r in rs]),
                     cell([r["model_copies_per_node"] for r in rs], 2),
                     cell([r["node_pss_mb"] for r in rs], 1),
                     cell([r["setup_seconds"] * 1000 for r in rs], 1),
                     ", ".join(sorted({r["checksum"] for r in rs}))])
    out.append(table(["strategy", "ranks", "records/s", "model copies per node", "node PSS MB",
                      "setup ms", "checksum"], body) + "\n")


def read_jsonl(res, name):
    path = os.path.join(res, name)
    if not os.path.exists(path):
        return []
    return [{k: str(v) for k, v in json.loads(line).items()} for line in open(path) if line.strip()]


def per_record(r, key):
    records = num(r.get("rows")) + num(r.get("rejected")) + num(r.get("failed", 0))
    return num(r.get(key)) / records if records else float("nan")


def parent_share(r):
    parent, workers = num(r.get("parent_cpu_s")), num(r.get("worker_cpu_s"))
    return parent / (parent + workers) if parent + workers > 0 else float("nan")


def section_feeds(fork_rows, out):
    """Records vs ranges: throughput, CPU per record and the parent's share, per strategy."""
    out.append("## 10. The harness's share: record feed vs range feed\n")
    recs = [r for r in fork_rows if r.get("feed") == "records"]
    rngs = [r for r in fork_rows if r.get("feed") == "ranges"]
    if not recs or not rngs:
        out.append("Not measured in this run (compare.csv holds one feed only).\n")
        return
    out.append(
        "In the record feed the parent parses every record and ships it (Python's Pool); in the "
        "range feed it only plans record-aligned byte ranges and each worker reads and parses "
        "its own. CPU per record = (parent + workers, user + system) / records read; the parent's "
        "share = parent CPU / (parent + workers) CPU, the parent's own thread while streaming "
        "(the memory sampler's thread is reported apart, `sampler_cpu_s`). Medians (min-max). "
        f"Verdicts follow the report's rule: {RULE} Source: `compare.csv`.\n")
    out.append(
        "Where the input's pages go: both feeds read the file with read or pread into small "
        "buffers (the parent's planner too), never through a mapping. The file's pages then sit "
        "in the kernel's page cache, which belongs to no process and so is in nobody's PSS; "
        "`pss_file_mb` holds only what processes map (the binary, libraries, mapped_file's "
        "image). So model_copies compare across feeds: no input page is counted as model.\n")
    workers = sorted({int(r["workers"]) for r in rngs})
    body = []
    for s in sorted({r["strategy"] for r in rngs}, key=order_key):
        for w in workers:
            a = values(rngs, "rows_per_s", strategy=s, workers=w)
            b = values(recs, "rows_per_s", strategy=s, workers=w)
            ra = [r for r in rngs if r["strategy"] == s and r["workers"] == str(w)]
            rb = [r for r in recs if r["strategy"] == s and r["workers"] == str(w)]
            body.append([s, w, cell(b), cell(a), verdict(a, b),
                         cell([per_record(r, "parent_cpu_s") * 1e6 + per_record(r, "worker_cpu_s") * 1e6 for r in rb], 2),
                         cell([per_record(r, "parent_cpu_s") * 1e6 + per_record(r, "worker_cpu_s") * 1e6 for r in ra], 2),
                         cell([parent_share(r) * 100 for r in rb], 1),
                         cell([parent_share(r) * 100 for r in ra], 1)])
    out.append(table(["strategy", "workers", "records/s, records", "records/s, ranges",
                      "ranges vs records", "CPU µs/record, records", "CPU µs/record, ranges",
                      "parent % of CPU, records", "parent % of CPU, ranges"], body) + "\n")


def section_targets(fork_rows, res, out):
    """2 workers, range feed: each fork-sharing strategy against serial, threads and MPI."""
    rngs = [r for r in fork_rows if r.get("feed") in ("ranges", "none")]
    mpi = [r for r in read_jsonl(res, "mpi.jsonl") if r.get("launcher", "") != "mpi-nodes"]
    if not any(r.get("feed") == "ranges" and r["workers"] == "2" for r in rngs):
        return
    serial = median_of(rngs, "rows_per_s", strategy="serial")
    threads = median_of(rngs, "rows_per_s", strategy="threads", workers=2)
    mpi2 = median_of(mpi, "rows_per_s", strategy="mpi_shared_window", workers=2) if mpi else float("nan")
    out.append("### 10.1 Two workers, range feed, against serial, threads and sharebench-mpi\n")
    out.append(
        "Ratios of medians (records/s) from the same interleaved runs; MPI from `mpi.jsonl` "
        "(mpi_shared_window, 2 ranks, the same input). The parent's share of the run's CPU is "
        "the median over the repeats.\n")
    body = []
    for s in ["global_fork", "module_state", "registry", "shared_arrays", "mapped_file",
              "per_worker_copy", "threads"]:
        med = median_of(rngs, "rows_per_s", strategy=s, workers=2)
        if med != med:
            continue
        share = spread([parent_share(r) * 100 for r in rngs
                        if r["strategy"] == s and r["workers"] == "2"])[0]
        body.append([s, fmt(med), fmt(med / serial, 2) + "x", fmt(med / threads, 2) + "x",
                     fmt(med / mpi2, 2) + "x", fmt(share, 1) + " %",
                     len(values(rngs, "rows_per_s", strategy=s, workers=2))])
    out.append(table(["strategy", "records/s", "vs serial", "vs threads", "vs MPI 2 ranks",
                      "parent % of CPU", "runs"], body) + "\n")


def cpu_model(rows, strategy, feed, workers="2"):
    """Parent, worker and sampler CPU per record (medians), from unpinned runs."""
    rs = [r for r in rows if r["strategy"] == strategy and r["workers"] in (workers, "0")
          and r.get("feed") in (feed, "none")]
    if not rs:
        return None
    p = spread([per_record(r, "parent_cpu_s") for r in rs])[0]
    w = spread([per_record(r, "worker_cpu_s") for r in rs])[0]
    smp = spread([per_record(r, "sampler_cpu_s") for r in rs])[0]
    return p, w, smp if smp == smp else 0.0


def projected(model, cores):
    """Records/s on this many cores (as many workers): the parent is one thread, so it caps
    the run at 1 / its cost per record (Amdahl); the rest divides over the cores."""
    p, w, smp = model
    cap = 1 / p if p > 0 else float("inf")
    return min(cap, cores / (p + w + smp))


def section_projection(fork_rows, res, out):
    out.append("### 10.2 Projected throughput on N cores, and its check on 1 and 2 cores\n")
    pinned = read_jsonl(res, "pinned.jsonl")
    models = []
    for s in ["serial", "global_fork", "shared_arrays", "threads", "registry", "mapped_file"]:
        for feed in (["none"] if s == "serial" else ["records", "ranges"]):
            m = cpu_model(fork_rows, s, feed)
            if m and all(v == v for v in m):
                models.append((s, feed, m))
    if not models:
        out.append("Not measured in this run.\n")
        return
    out.append(
        "From the CPU each side spends per record in the unpinned 2-worker runs above (parent p, "
        "workers w, memory sampler m), records/s on N cores is projected as "
        "min(1/p, N/(p + w + m)). Assumptions: the parent is one thread and must touch every "
        "record (its cost per record caps the run whatever the cores: Amdahl's law); the "
        "workers' work divides evenly over the cores left; the CPU per record does not change "
        "with the number of cores (no contention for memory bandwidth or caches, no extra "
        "cost of coordinating more workers); there are at least as many workers as cores. "
        "Serial is one process: 1/p on any number of cores. The check: the same runs pinned "
        "with `taskset` to 1 core and to 2 cores (2 workers, the first "
        + (pinned[0]["rows"] if pinned else "n/a") + " records; source `pinned.jsonl`), "
        "error = measured / projected - 1.\n")
    body = []
    for s, feed, m in models:
        row = [s, feed, fmt(m[0] * 1e6, 2), fmt(m[1] * 1e6, 2)]
        for cores in (1, 2):
            meas = median_of(pinned, "rows_per_s", strategy=s, cores=cores,
                             **({} if s == "serial" else {"feed": feed}))
            proj = projected(m, cores)
            row += [fmt(proj), fmt(meas), (f"{(meas / proj - 1) * 100:+.0f} %" if meas == meas else "n/a")]
        row += [fmt(projected(m, n)) for n in (4, 8, 16)]
        body.append(row)
    out.append(table(["strategy", "feed", "parent µs/rec", "workers µs/rec", "1 core projected",
                      "1 core measured", "error", "2 cores projected", "2 cores measured",
                      "error", "4 cores", "8 cores", "16 cores"], body) + "\n")


def section_mpi_nodes(res, out):
    runs = read_jsonl(res, "mpi_nodes.jsonl")
    out.append("### 9.1 Simulated nodes on this machine\n")
    if not runs:
        out.append("Not measured in this run (no mpi_nodes.jsonl: `scripts/mpi-nodes` needs root "
                   "and namespaces; the quick main job skips it).\n")
        return
    out.append(
        "`scripts/mpi-nodes-series`: sharebench-mpi over N simulated nodes (each node's Open MPI "
        "daemon in its own UTS namespace, ranks talking TCP over loopback) x R ranks per node. "
        "The nodes share this machine's cores and memory, so records/s measures the transport "
        "and the split, not a cluster's speed; memory is per simulated node (each node's ranks "
        "summed). Source: `mpi_nodes.jsonl`.\n")
    body = []
    groups = group(runs, "strategy", "nodes", "ranks_per_node")
    for (s, n, rpn), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), int(kv[0][1]), int(kv[0][2]))):
        body.append([s, n, rpn, cell([num(r["rows_per_s"]) for r in rs]),
                     " / ".join(sorted({r.get("model_copies_by_node", "") for r in rs})),
                     " / ".join(sorted({r.get("node_pss_by_node_mb", "") for r in rs})),
                     cell([num(r.get("pss_total_mb")) for r in rs], 1),
                     ", ".join(sorted({r["checksum"] for r in rs}))])
    out.append(table(["strategy", "nodes", "ranks per node", "records/s", "model copies by node",
                      "node PSS MB by node", "total PSS MB", "checksum"], body) + "\n")


# ---- the Python idioms ------------------------------------------------------------------------

def read_idioms(res):
    """{idiom: {"starts", "models", "counterpart"}} from python-idioms.tsv (list --tsv)."""
    path = os.path.join(res, "python-idioms.tsv")
    if not os.path.exists(path):
        return {}
    idioms = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 5:
            idioms[f[0]] = {"kind": f[1], "starts": f[2].replace(",", ", ") or
                            ("none" if f[1] == "serial" else "thread"),
                            "models": f[3], "counterpart": f[4]}
    return idioms


def python_variants(rows):
    """[(strategy, idiom, model)] of the py: rows, in the Python program's listing order."""
    seen = {(r["strategy"], r["strategy"].split(":")[1], r["model"]) for r in rows
            if r["strategy"].startswith("py:")}
    return sorted(seen, key=lambda v: (PY_ORDER.get(v[1], len(PY_ORDER)), v[2] != "objects"))


PY_ORDER = {n: i for i, n in enumerate(["serial", "global_fork", "gc_freeze", "module_state",
                                         "registry", "sharedctypes", "shared_memory", "memmap",
                                         "initializer", "per_task_pickle", "threads"])}


def py_values(rows, key, strategy, workers, touch="0"):
    """key over the runs of strategy with workers workers (any, for serial), without --touch."""
    return [num(r[key]) for r in rows if r["strategy"] == strategy and r["touch"] == touch
            and (r["workers"] == str(workers) or r["workers"] == "0")]


def workers_label(w):
    return f"{w} worker" + ("" if str(w) == "1" else "s")


def copies_than(a, b, what):
    """How copies a compare with copies b, by RULE, as a phrase ending with what b is."""
    word = verdict(a, b)
    return {"faster": f"more than {what}", "slower": f"fewer than {what}",
            "equal within noise": f"as many as {what}, within noise"}.get(
                word, f"not comparable with {what} ({word})")


def section_python(res, out):
    rows = read_rows(os.path.join(res, "python.csv"))
    out.append("## 11. The Python idioms beside their C counterparts\n")
    if not rows or not any(r["strategy"].startswith("py:") for r in rows):
        out.append("Not measured in this run (no python.csv: the step needs /usr/bin/python3 with "
                   "numpy).\n")
        return
    idioms = read_idioms(res)
    workers = sorted({int(r["workers"]) for r in rows if r["workers"] != "0"})
    wmax = str(workers[-1])
    variants = python_variants(rows)
    limit = sorted({r["limit"] for r in rows}, key=num)
    sizes = {v[2]: median_of(rows, "model_mb", strategy=v[0]) for v in variants}
    version = sorted({r["python"] for r in rows if r.get("python")})
    out.append(
        "The question sharebench started from, answered in its own language: "
        "`sharebench run --strategy py:NAME` runs each idiom of `strategies/python` (CPython "
        + ", ".join(version) + ", multiprocessing, numpy) under the same harness as the C "
        "strategies: the same records, the same checksum (compare checks every run against the "
        "others), memory sampled over the program's whole process group (workers, forkserver, "
        "resource tracker) by the same sampler, model copies against a baseline measured the same "
        "way (the idiom with a one-token model). Both languages read "
        + ("all the records" if limit == ["0"] else "the first " + " and ".join(
            fmt(num(x)) for x in limit) + " records (the per-task idioms the fewer)") + "; "
        "C runs use the record feed, the shape of Python's Pool (the parent parses every record "
        "and ships chunks of 256). A copy is each implementation's own model: C "
        f"{fmt(median_of(rows, 'model_mb', strategy='global_fork'), 1)} MB; Python "
        + ", ".join(f"{m} {fmt(mb, 1)} MB" for m, mb in sorted(sizes.items()) if mb == mb)
        + " (the objects model is a dict of tuples: what building it added to the process). "
        "Start methods are those each idiom declares (`sharebench list`); the tests run every "
        "one of them. Medians (min-max). Source: `python.csv`, `python-idioms.tsv`.\n")
    c_starts = {r["strategy"] for r in read_rows(os.path.join(res, "compare-exec.csv"))}
    python_speed_table(rows, idioms, variants, workers, wmax, c_starts, out)
    python_memory_table(rows, idioms, variants, workers, wmax, c_starts, out)
    python_touch_table(rows, workers, wmax, out)
    python_lessons(rows, idioms, wmax, out)


def counterpart_of(idioms, idiom):
    return idioms.get(idiom, {}).get("counterpart", idiom)


def python_groups(rows, idioms, variants):
    """[(C strategy, [(py strategy, idiom, model), ...])]: each C counterpart measured, followed
    by the Python idioms that mirror it, in the Python program's order."""
    groups = []
    for v in variants:
        c = counterpart_of(idioms, v[1])
        if not groups or groups[-1][0] != c:
            groups.append((c, []))
        groups[-1][1].append(v)
    return groups


def python_rows(rows, idioms, variants, key, digits, extra, c_starts):
    """Table rows: per group the C row, then a row per Python idiom; key at each worker count
    (C without --touch), then extra(strategy, C counterpart or None for the C row) cells.
    c_starts: the C strategies measured with --start exec too (section 8)."""
    workers = sorted({int(r["workers"]) for r in rows if r["workers"] != "0"})
    body = []
    for c, pys in python_groups(rows, idioms, variants):
        starts = sorted({r["start"] for r in rows if r["strategy"] == c}) or ["?"]
        body.append([f"C {c}", "-", ", ".join(starts + (["exec"] if c in c_starts else []))]
                    + [cell(py_values(rows, key, c, w), digits) for w in workers] + extra(c, None))
        for strategy, idiom, model in pys:
            body.append([strategy.split(":")[0] + ":" + idiom, model,
                         idioms.get(idiom, {}).get("starts", "?")]
                        + [cell(py_values(rows, key, strategy, w), digits) for w in workers]
                        + extra(strategy, c))
    return body


def python_speed_table(rows, idioms, variants, workers, wmax, c_starts, out):
    out.append("### 11.1 Records per second, and C / Python\n")
    out.append(f"Each C counterpart, then the Python idioms that mirror it. C / Python: the C "
               f"counterpart's median records/s over the idiom's, with {wmax} workers.\n")

    def ratio(strategy, c):
        if c is None:
            return ["-"]
        py, cv = py_values(rows, "rows_per_s", strategy, wmax), py_values(rows, "rows_per_s", c, wmax)
        return [f"{fmt(spread(cv)[0] / spread(py)[0], 1)}x" if py and cv else "n/a"]
    out.append(table(["strategy", "model", "start methods"] + [workers_label(w) for w in workers]
                     + [f"C / Python, {wmax} workers"],
                     python_rows(rows, idioms, variants, "rows_per_s", 0, ratio, c_starts)) + "\n")


def python_memory_table(rows, idioms, variants, workers, wmax, c_starts, out):
    out.append("### 11.2 Memory (model copies) and setup\n")
    out.append(f"Model copies without --touch, then the C counterpart's with --touch at {wmax} "
               f"workers; setup at {wmax} workers: model build + prepare + every worker up and "
               "set up (setup_seconds).\n")

    def extra(strategy, c):
        touched = cell(py_values(rows, "model_copies", strategy, wmax, touch="1"), 2)
        return [touched if c is None else "-",
                cell(py_values(rows, "setup_seconds", strategy, wmax), 2)]
    out.append(table(["strategy", "model", "start methods"]
                     + [f"copies, {workers_label(w)}" for w in workers]
                     + [f"C with --touch, {wmax} workers", f"setup s, {wmax} workers"],
                     python_rows(rows, idioms, variants, "model_copies", 2, extra, c_starts))
               + "\n")


def python_touch_table(rows, workers, wmax, out):
    out.append("### 11.3 `--touch` against the real thing\n")
    out.append(
        "`--touch` makes C's classify write a visit counter into every model entry it reads, "
        "to imitate what CPython does on every look-up: reference counts written into the "
        "objects themselves (and the cyclic collector writing into their headers). Here is the "
        "imitation beside the real thing: C global_fork with and without --touch, Python's "
        "global_fork with the pure-object model (a dict of tuples) and the numpy model, and "
        "gc_freeze (the collector kept off the model with gc.freeze() before the fork). Model "
        f"copies, and the workers' minor faults at {wmax} workers (each a page copied or first "
        "touched).\n")
    cases = [("global_fork", "C, no --touch", "0"), ("global_fork", "C, --touch", "1"),
             ("py:global_fork", "Python, objects", "0"), ("py:global_fork:numpy", "Python, numpy", "0"),
             ("py:gc_freeze", "Python gc_freeze, objects", "0"),
             ("py:gc_freeze:numpy", "Python gc_freeze, numpy", "0")]
    body = [[s, what] + [cell(py_values(rows, "model_copies", s, w, touch=t), 2) for w in workers]
            + [cell(py_values(rows, "minor_faults", s, wmax, touch=t))]
            for s, what, t in cases if py_values(rows, "model_copies", s, wmax, touch=t)]
    out.append(table(["strategy", "what"] + [f"copies, {workers_label(w)}" for w in workers]
                     + [f"workers' minor faults, {wmax} workers"], body) + "\n")


def python_lessons(rows, idioms, wmax, out):
    """Claims with the numbers behind them, computed here; comparisons follow RULE."""
    out.append("### 11.4 What the Python runs show\n")
    out.append(f"By the rule of this report: {RULE} For memory, \"more\" and \"fewer\" copies "
               "follow the same rule.\n")
    v = lambda s, key="rows_per_s", touch="0": py_values(rows, key, s, wmax, touch)
    med = lambda vals: spread(vals)[0]
    items = []
    for py, c in [("py:global_fork", "global_fork"), ("py:shared_memory", "shared_arrays"),
                  ("py:sharedctypes", "shared_arrays")]:
        if v(py) and v(c):
            items.append(
                f"**C against Python, {py[3:]} against {c}:** with {wmax} workers C classified "
                f"{fmt(med(v(c)))} records/s, Python {fmt(med(v(py)))}: C is "
                f"{fmt(med(v(c)) / med(v(py)), 1)}x as fast ({verdict(v(c), v(py))} by the rule).")
    gt, g0 = v("global_fork", "model_copies", "1"), v("global_fork", "model_copies")
    po, pn = v("py:global_fork", "model_copies"), v("py:global_fork:numpy", "model_copies")
    if gt and po:
        reading = {"slower": "So --touch overstated what CPython copied here (an upper bound)",
                   "faster": "So --touch understated what CPython copied here",
                   "equal within noise": "So --touch imitated CPython within noise"}.get(
                       verdict(po, gt), "Too few runs to say how well --touch imitates CPython")
        items.append(
            f"**Does --touch predict CPython?** With {wmax} workers C global_fork held "
            f"{fmt(med(g0), 2)} copies of its model, {fmt(med(gt), 2)} with --touch; Python's "
            f"global_fork with the pure-object model held {fmt(med(po), 2)} of its own: "
            f"{copies_than(po, gt, 'C with --touch')} and {copies_than(po, g0, 'C without')}, "
            f"by the rule. {reading}.")
    if po and pn:
        title = ("The representation decides copy-on-write in CPython" if verdict(pn, po) == "slower"
                 else "The representation did not change copy-on-write measurably here")
        items.append(
            f"**{title}:** the numpy model (one weight matrix no reference count touches) held "
            f"{fmt(med(pn), 2)} copies with {wmax} workers where the pure-object model held "
            f"{fmt(med(po), 2)}: {copies_than(pn, po, 'the objects model')}, by the rule.")
    fo = v("py:gc_freeze", "model_copies")
    if fo and po:
        title = ("gc.freeze() saved copies" if verdict(fo, po) == "slower" else
                 "gc.freeze() saved no copies: it keeps the collector off the model, not the "
                 "reference counts")
        items.append(
            f"**{title}:** gc_freeze held {fmt(med(fo), 2)} copies with the pure-object model, "
            f"global_fork {fmt(med(po), 2)} ({copies_than(fo, po, 'global_fork')}, by the rule); "
            "every look-up still writes reference counts into the objects it reads.")
    t1 = py_values(rows, "rows_per_s", "py:threads", 1)
    if t1 and v("py:threads"):
        items.append(
            f"**Threads under the GIL:** Python's thread pool classified {fmt(med(t1))} records/s "
            f"with 1 thread and {fmt(med(v('py:threads')))} with {wmax} "
            f"({verdict(v('py:threads'), t1)} by the rule; only one thread runs Python at a time, "
            f"while another may read the input), where C threads reached "
            f"{fmt(med(v('threads')))}.")
    pt, gf = v("py:per_task_pickle"), v("py:global_fork")
    if pt and gf:
        items.append(
            f"**pool.map(obj.method, ...) ships obj with every task:** per_task_pickle classified "
            f"{fmt(med(pt))} records/s with {wmax} workers, global_fork {fmt(med(gf))} "
            f"({verdict(pt, gf)} by the rule), because every chunk pickles, sends and unpickles "
            "the whole model.")
    out.append("\n".join(f"{i + 1}. {t}" for i, t in enumerate(items)) + "\n")


def lessons(rows, res, out, fork_rows=()):
    """Claims, each with the measured number behind it (computed here, never typed in); every
    "faster" or "slower" follows RULE."""
    out.append("## Lessons: which strategy when\n")
    out.append(f"Comparisons follow the rule stated above: {RULE}\n")
    items = []
    if rows:
        wmax = str(max(int(r["workers"]) for r in rows))
        serial = median_of(rows, "rows_per_s", strategy="serial")
        thr = median_of(rows, "rows_per_s", strategy="threads", workers=wmax)
        shared = ["global_fork", "module_state", "registry", "shared_arrays", "mapped_file"]
        best = {s: median_of(rows, "rows_per_s", strategy=s, workers=wmax) for s in shared}
        thr_vals = values(rows, "rows_per_s", strategy="threads", workers=wmax)
        by_verdict = defaultdict(list)
        for s in shared:
            by_verdict[verdict(values(rows, "rows_per_s", strategy=s, workers=wmax), thr_vals)].append(s)
        said = "; ".join(f"{', '.join(v)}: {k} than threads" if k in ("faster", "slower")
                         else f"{', '.join(v)}: {k}" for k, v in sorted(by_verdict.items()))
        items.append(
            f"**How a worker reaches a read-only model barely moves its speed.** With {wmax} "
            "workers (range feed), " + ", ".join(f"{s} {fmt(v)}" for s, v in best.items())
            + f" records/s against threads' {fmt(thr)} and serial's {fmt(serial)} (Figure 1). "
            f"By the rule: {said}.")
        c1 = median_of(rows, "model_copies", strategy="per_worker_copy", workers="1")
        cN = median_of(rows, "model_copies", strategy="per_worker_copy", workers=wmax)
        sa = median_of(rows, "model_copies", strategy="shared_arrays", workers=wmax)
        gf = median_of(rows, "model_copies", strategy="global_fork", workers=wmax)
        items.append(
            f"**per_worker_copy pays memory linearly:** {fmt(c1, 2)} model copies with 1 worker, "
            f"{fmt(cN, 2)} with {wmax}, where global_fork holds {fmt(gf, 2)} and shared_arrays "
            f"{fmt(sa, 2)} (Figure 2). Use it when the model is small or workers must share nothing.")
        pts = median_of(rows, "rows_per_s", strategy="per_task_serialize", workers=wmax)
        items.append(
            f"**Never ship the model with the task.** per_task_serialize classified {fmt(pts)} "
            f"records/s with {wmax} workers, {fmt(best['global_fork'] / pts if pts else float('nan'), 0)}x "
            f"fewer than global_fork ({verdict(values(rows, 'rows_per_s', strategy='per_task_serialize', workers=wmax), values(rows, 'rows_per_s', strategy='global_fork', workers=wmax))} by the rule), "
            "because every task carries and rebuilds the whole model (Figures 1 and 5).")
    touch = read_rows(os.path.join(res, "touch.csv"))
    if touch:
        g0 = median_of(touch, "model_copies", strategy="global_fork", touch=0)
        g1 = median_of(touch, "model_copies", strategy="global_fork", touch=1)
        s1 = median_of(touch, "model_copies", strategy="shared_arrays", touch=1)
        f1 = median_of(touch, "minor_faults", strategy="global_fork", touch=1)
        items.append(
            f"**Copy-on-write is only free while nobody writes.** global_fork held {fmt(g0, 2)} "
            f"copies; with --touch (a write per entry read, as reference counts do) it held "
            f"{fmt(g1, 2)}, after {fmt(f1)} minor faults in its workers, each a copied page. "
            f"shared_arrays stayed at {fmt(s1, 2)}: its image is read-only, so its workers keep "
            "such counters privately (Figure 4).")
    exec_rows = [r for r in read_rows(os.path.join(res, "compare.csv")) if r.get("start") == "exec"]
    if exec_rows and rows:
        wmax = str(max(int(r["workers"]) for r in exec_rows))
        mf = median_of(exec_rows, "model_copies", strategy="mapped_file", workers=wmax)
        sa = median_of(exec_rows, "model_copies", strategy="shared_arrays", workers=wmax)
        pw = median_of(exec_rows, "model_copies", strategy="per_worker_copy", workers=wmax)
        sf = median_of(rows, "setup_seconds", strategy="mapped_file", workers=wmax)
        se = median_of(exec_rows, "setup_seconds", strategy="mapped_file", workers=wmax)
        items.append(
            f"**Without fork, only what is handed over survives.** With workers started by exec, "
            "global_fork, module_state and registry cannot work at all (their model is parent "
            f"memory); mapped_file (a path) held {fmt(mf, 2)} copies and shared_arrays (a memfd "
            f"descriptor) {fmt(sa, 2)} with {wmax} workers, while per_worker_copy held {fmt(pw, 2)}. "
            f"exec costs setup, not steady-state speed: mapped_file's setup went from "
            f"{fmt(sf * 1000, 1)} ms (fork) to {fmt(se * 1000, 1)} ms (exec) (Figure 8). Design "
            "the model as a flat, position-independent image and every start method works.")
    mpi = read_mpi(res)
    if mpi:
        nmax = max(r["workers"] for r in mpi)
        sw = median_of([{k: str(v) for k, v in r.items()} for r in mpi], "model_copies_per_node",
                       strategy="mpi_shared_window", workers=nmax)
        bc = median_of([{k: str(v) for k, v in r.items()} for r in mpi], "model_copies_per_node",
                       strategy="mpi_bcast_copy", workers=nmax)
        strs = [{k: str(v) for k, v in r.items()} for r in mpi]
        m2 = values(strs, "rows_per_s", strategy="mpi_shared_window", workers=2)
        gf2 = values(rows, "rows_per_s", strategy="global_fork", workers=2)
        items.append(
            f"**On a cluster, share per node.** With {nmax} ranks on a node, mpi_shared_window held "
            f"{fmt(sw, 2)} copies of the model per node (one MPI-3 shared window per node) and "
            f"mpi_bcast_copy {fmt(bc, 2)} (one per rank), for the same checksum (section 9). "
            f"2 ranks classified {fmt(spread(m2)[0])} records/s, the 2-worker global_fork pool "
            f"with the range feed {fmt(spread(gf2)[0])}: MPI is {verdict(m2, gf2)} by the rule.")
    recs = [r for r in fork_rows if r.get("feed") == "records"]
    rngs = [r for r in fork_rows if r.get("feed") == "ranges"]
    if recs and rngs:
        w2 = "2" if any(r["workers"] == "2" for r in rngs) else rngs[0]["workers"]
        tally = defaultdict(list)
        for s in sorted({r["strategy"] for r in rngs}, key=order_key):
            tally[verdict(values(rngs, "rows_per_s", strategy=s, workers=w2),
                          values(recs, "rows_per_s", strategy=s, workers=w2))].append(s)
        share_rec = spread([parent_share(r) * 100 for r in recs if r["workers"] == w2])[0]
        share_rng = spread([parent_share(r) * 100 for r in rngs if r["workers"] == w2])[0]
        items.append(
            f"**Do not let the harness parse for the workers.** With {w2} workers the parent spent "
            f"a median {fmt(share_rec, 1)} % of the run's CPU in the record feed (it parses and "
            f"ships every record, as Python's Pool does) and {fmt(share_rng, 1)} % in the range "
            "feed (it only plans byte ranges). The range feed against the record feed, by the "
            "rule: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(tally.items()))
            + " (section 10; section 10.2 projects both onto more cores).")
    fork = aggregate_fork(os.path.join(res, "bench_fork.json"), os.path.join(res, "fork.csv"))
    if fork:
        big = fork[-1]
        items.append(
            f"**fork() is not free for a big parent:** {fmt(fork[0][1], 2)} ms at {fork[0][0]} MiB of "
            f"heap, {fmt(big[1], 1)} ms at {big[0]} MiB (page tables are copied, pages are not), once "
            "per worker (Figure 7).")
    items.append(
        "**When to use which:** threads where the language allows (no GIL); global_fork or "
        "module_state for a read-only model in a forked pool (module_state when the coupling "
        "should be an interface); registry when tasks must name one of several models; "
        "shared_arrays when memory decides, when anything writes near the model, or when workers "
        "are not forked from the builder; mapped_file when workers are started by exec or by "
        "anyone else (a path is all they need); "
        "per_worker_copy for small models or isolation; mpi_shared_window across nodes; never "
        "per_task_serialize for a large model.")
    out.append("\n".join(f"{i + 1}. {t}" for i, t in enumerate(items)) + "\n")


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
    out = ["# sharebench: measured results\n",
           "Produced by `bash scripts/main.sh` from the files in `results/`; every number below is "
           "read from them by `plots/report.py` (medians over repeated runs, with min and max). "
           "Each run is a fresh `sharebench run` process; configurations are interleaved so that a "
           "shared machine's drift spreads over all of them. Sections 1 to 8 measure the range "
           "feed (the default for a file: each worker reads and parses its own byte ranges); "
           "section 10 sets it against the record feed.\n",
           f"**How this report compares.** {RULE}\n",
           "## Machine\n", table(["", ""], machine()) + "\n"]
    dataset = os.path.join(res, "dataset.txt")
    if os.path.exists(dataset):
        out += ["## Dataset and spec\n", open(dataset).read().strip() + "\n"]
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
    section_feeds(fork_rows, out)
    section_targets(fork_rows, res, out)
    section_projection(fork_rows, res, out)
    section_python(res, out)
    lessons(rows, res, out, fork_rows)
    with open(report, "w") as f:
        f.write("\n".join(out))
    print(f"report: {report}; figures: {figdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
