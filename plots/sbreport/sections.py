"""Sections 1 to 8: throughput, memory, model size, copy-on-write, chunk size, setup, fork, exec."""
import csv
import os

from .aggregate import aggregate_chunks, aggregate_fork, aggregate_matrix, aggregate_setup
from .explain import fault_counts, per_task_copies
from .figures import gnuplot
from .load import drawn, group, median_of, num, order_key, read_rows, spread
from .markdown import cell, fmt, table


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
    out.append("Records per second (`rows_per_s`: records / the time from the workers' start to the "
               "last result), median (min-max) over the rounds; serial has no workers and "
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
    where = per_task_copies(rows)
    if where:
        out.append(where + "\n")
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
    out.append(f"Records per second (`rows_per_s`) / model copies, median (min-max), "
               f"{', '.join(workers)} workers. "
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
    out.append(fault_counts(rows) + "\n")
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
    out.append("fork(), the child's exit and the parent's waitpid, timed together (the child exits "
               "at once; its exit frees the page tables fork copied), milliseconds, median (min-max) "
               "over the benchmark's runs. The parent's heap is malloc'd and written, on 4 KiB pages "
               "unless transparent huge pages back it: a 2 MiB page is one entry, 512 times fewer "
               "to copy. fork copies no entries of shared mappings at all (a memfd, a mapped file): "
               "the children fill them by faults (section 4). Source: `bench_fork.json`.\n")
    out.append(table(["parent heap (MiB)", "fork + exit + waitpid (ms)"],
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
