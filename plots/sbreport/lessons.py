"""The lessons: claims, each with the measured number behind it."""
import os
from collections import defaultdict

from .aggregate import aggregate_fork
from .explain import fork_starts, touch_lesson
from .load import median_of, order_key, parent_share, read_mpi, read_rows, spread, values
from .markdown import fmt
from .verdicts import by_round, verdict


def speed(rows, **where):
    """{round: streaming records/s} of the runs that match: what verdicts on speed compare."""
    return by_round(rows, "stream_rows_per_s", **where)


def lessons(rows, res, out, fork_rows=()):
    """Claims, each with the measured number behind it (computed here, never typed in); every
    "faster" or "slower" follows the method stated at the top of the report, on the rows of
    verdicts.csv (fork_rows: 2 workers, both feeds, many rounds)."""
    out.append("## Lessons: which strategy when\n")
    out.append("Every verdict below follows the method stated at the top; section 0.3 gives its "
               "ratio and 99 % interval, on records/s and on CPU per record.\n")
    items = []
    if rows:
        wmax = str(max(int(r["workers"]) for r in rows))
        serial = median_of(rows, "rows_per_s", strategy="serial")
        thr = median_of(rows, "rows_per_s", strategy="threads", workers=wmax)
        shared = ["global_fork", "module_state", "registry", "shared_arrays", "mapped_file"]
        best = {s: median_of(rows, "rows_per_s", strategy=s, workers=wmax) for s in shared}
        vr = [r for r in fork_rows if r.get("feed") == "ranges"]
        w2 = "2" if any(r["workers"] == "2" for r in vr) else wmax
        thr_vals = speed(vr, strategy="threads", workers=w2)
        by_verdict = defaultdict(list)
        for s in shared:
            by_verdict[verdict(speed(vr, strategy=s, workers=w2), thr_vals)].append(s)
        said = "; ".join(f"{', '.join(v)}: {k} than threads" if k in ("faster", "slower")
                         else f"{', '.join(v)}: {k}" for k, v in sorted(by_verdict.items()))
        items.append(
            f"**How a worker reaches a read-only model barely moves its speed.** With {wmax} "
            "workers (range feed), " + ", ".join(f"{s} {fmt(v)}" for s, v in best.items())
            + f" records/s against threads' {fmt(thr)} and serial's {fmt(serial)} (Figure 1). "
            f"Against threads with {w2} workers, by the method: {said}.")
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
            f"fewer than global_fork ({verdict(speed(vr, strategy='per_task_serialize', workers=w2), speed(vr, strategy='global_fork', workers=w2))} with {w2} workers, by the method), "
            "because every task carries and rebuilds the whole model (Figures 1 and 5).")
    touch = read_rows(os.path.join(res, "touch.csv"))
    if touch:
        g0 = median_of(touch, "model_copies", strategy="global_fork", touch=0)
        g1 = median_of(touch, "model_copies", strategy="global_fork", touch=1)
        s1 = median_of(touch, "model_copies", strategy="shared_arrays", touch=1)
        items.append(
            f"**Copy-on-write is only free while nobody writes.** global_fork held {fmt(g0, 2)} "
            f"copies; with --touch (a write per entry read, as reference counts do) it held "
            f"{fmt(g1, 2)}, {touch_lesson(touch)}. "
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
            f"with the range feed {fmt(spread(gf2)[0])}. No verdict: the two were not run in the "
            "same rounds, and they differ in more than how the model is shared: each rank reads one "
            "range planned up front and classifies it, rank 0 included, while the pool's parent "
            "hands out 1 MiB ranges as workers free up, collects a result per range through pipes "
            "and runs a memory sampler beside them. Read it as two designs, not as shared window "
            "against fork.")
    recs = [r for r in fork_rows if r.get("feed") == "records"]
    rngs = [r for r in fork_rows if r.get("feed") == "ranges"]
    if recs and rngs:
        w2 = "2" if any(r["workers"] == "2" for r in rngs) else rngs[0]["workers"]
        tally = defaultdict(list)
        for s in sorted({r["strategy"] for r in rngs}, key=order_key):
            tally[verdict(speed(rngs, strategy=s, workers=w2),
                          speed(recs, strategy=s, workers=w2))].append(s)
        share_rec = spread([parent_share(r) * 100 for r in recs if r["workers"] == w2])[0]
        share_rng = spread([parent_share(r) * 100 for r in rngs if r["workers"] == w2])[0]
        items.append(
            f"**Do not let the harness parse for the workers.** With {w2} workers the parent spent "
            f"a median {fmt(share_rec, 1)} % of the run's CPU in the record feed (it parses and "
            f"ships every record, as Python's Pool does) and {fmt(share_rng, 1)} % in the range "
            "feed (it only plans byte ranges). The range feed against the record feed, by the "
            "method: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(tally.items()))
            + " (section 10; section 10.2 projects both onto more cores).")
    fork = aggregate_fork(os.path.join(res, "bench_fork.json"), os.path.join(res, "fork.csv"))
    if fork:
        big = fork[-1]
        starts = fork_starts(rows)
        items.append(
            f"**fork() is not free for a big parent:** fork, the child's exit and its reaping took "
            f"{fmt(fork[0][1], 2)} ms at {fork[0][0]} MiB of heap, {fmt(big[1], 1)} ms at {big[0]} MiB "
            "(page tables are copied, pages are not), once per worker (Figure 7). A heap on "
            "transparent huge pages has 512 times fewer entries to copy, and a shared mapping "
            "has none copied" + (f": {starts}." if starts else "."))
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
