"""Section 10: the harness's share, record feed against range feed, and the CPU projection."""

from .load import median_of, order_key, parent_share, per_record, read_jsonl, spread, values
from .markdown import cell, fmt, table
from .verdicts import by_round, verdict


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
        "records/s = rows_per_s (from the workers' start); the verdict compares "
        "stream_rows_per_s round by round, by the method stated at the top (section 0.3 gives "
        "its interval and the CPU verdict beside it). Source: `verdicts.csv` (or `compare.csv` "
        "in results from before it).\n")
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
            v = verdict(by_round(rngs, "stream_rows_per_s", strategy=s, workers=w),
                        by_round(recs, "stream_rows_per_s", strategy=s, workers=w))
            body.append([s, w, cell(b), cell(a), v,
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
