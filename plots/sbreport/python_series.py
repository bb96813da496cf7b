"""Section 11, continued: start methods and models (forkserver beside fork, the lists model the
collector tracks), the collector's writes (workers running gc.collect()) and the whole dataset
with its memory timeline. Sources: python.csv (compare: fork, workers 1, 2, 4) and
python-series.jsonl (strategies/python/series.py: one `sharebench run` each)."""
import json
import os

from .figures import gnuplot
from .load import num, spread
from .markdown import cell, fmt, table


def read_series(res):
    path = os.path.join(res, "python-series.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def pick(series, kind, strategy, workers=2, gc=0):
    """The series run of set kind with this strategy, workers and gc_collect, or None."""
    for line in series:
        if (line["set"] == kind and line["gc_collect"] == gc and line["strategy"] == strategy
                and line["workers"] == workers):
            return line
    return None


def failed(series, strategy):
    """The forkserver run of strategy that ended in failure (its reason), or None."""
    for line in series:
        if (line["set"] == "forkserver" and line["strategy"] == strategy
                and line["exit_status"] != 0 and line["message"]):
            return line
    return None


def records(limit):
    return f"the first {fmt(limit)} records" if limit else "all the records"


def reason(line):
    """What a failed run's workers said, without the wrappers and the pid: 'the model global
    X is None in this worker: it was forked from ...'."""
    said = line["message"].split("RuntimeError: ")[-1]
    head, _, rest = said.partition(" (pid ")
    why = rest.partition("): ")[2].partition(";")[0]
    return head + (": " + why if why else "")


def value(line, key):
    return num(line["summary"].get(key)) if line and line["exit_status"] == 0 else float("nan")


def compare_values(rows, strategy, workers, key):
    return [num(r[key]) for r in rows if r["strategy"] == strategy and r["touch"] == "0"
            and r["workers"] == str(workers)]


def fork_or_series(rows, series, kind, strategy, workers, key, gc=0):
    """A compare cell (median, min-max) for fork runs at gc 0; else the one series run."""
    if gc == 0 and kind == "fork":
        vals = compare_values(rows, strategy, workers, key)
        return cell(vals, 2 if key == "model_copies" else 0) if vals else "-"
    line = pick(series, kind, strategy, workers, gc)
    v = value(line, key)
    return fmt(v, 2 if key == "model_copies" else 0) if v == v else "-"


START_ROWS = [  # (strategy, start, model), the order of the table
    ("py:global_fork", "fork", "objects"), ("py:global_fork:lists", "fork", "lists"),
    ("py:global_fork:numpy", "fork", "numpy"), ("py:gc_freeze", "fork", "objects"),
    ("py:gc_freeze:lists", "fork", "lists"),
    ("py:global_fork", "forkserver", "objects"), ("py:gc_freeze:lists", "forkserver", "lists"),
    ("py:forkserver_preload", "forkserver", "objects"),
    ("py:forkserver_preload:lists", "forkserver", "lists"),
    ("py:forkserver_freeze", "forkserver", "objects"),
    ("py:forkserver_freeze:lists", "forkserver", "lists"),
    ("py:flat_pickle", "fork", "objects"), ("py:shared_memory", "fork", "numpy"),
    ("py:sharedctypes", "fork", "numpy"), ("py:memmap", "fork", "numpy")]


def start_table(rows, series, limit, out):
    out.append("### 11.5 Start methods and models: forkserver beside fork\n")
    out.append(
        "Python 3.14 made forkserver the default start method on Linux; the Python measured here "
        "defaults to fork, so these runs ask for it (`--start forkserver`). A forkserver worker "
        "is forked from a server process started clean, not from the parent: a model the parent "
        "built in `main()` is not in it. `py:forkserver_preload` builds the model at the import "
        "of a module preloaded into the server (`multiprocessing.set_forkserver_preload`), "
        "`py:forkserver_freeze` also calls `gc.freeze()` there before the server forks a worker "
        "(Python 3.11's forkserver ignores the parent's sys.path and passes over a preload that "
        "fails to import: the idiom puts its package on PYTHONPATH, and each worker checks that "
        "the server built the model, not the worker itself). "
        "The `lists` model is the same dict with a list of floats per token, objects the cyclic "
        "collector tracks (it untracks tuples of floats). `py:flat_pickle` pickles each entry "
        f"once into one shared block and unpickles it on each look-up. {records(limit).capitalize()}"
        "; fork rows from `python.csv` (medians, min-max, of its repeats), forkserver "
        "rows one run each from `python-series.jsonl`; - where a configuration was not run.\n")
    body = []
    for strategy, start, model in START_ROWS:
        refused = failed(series, strategy) if start == "forkserver" else None
        name = strategy.split(":")[0] + ":" + strategy.split(":")[1]
        if refused:
            body.append([name, start, model, "exit 1: " + reason(refused), "", "", "", "", ""])
            continue
        kind = "fork" if start == "fork" else "forkserver"
        cells = [fork_or_series(rows, series, kind, strategy, w, "rows_per_s") for w in (1, 2, 4)]
        cells += [fork_or_series(rows, series, kind, strategy, w, "model_copies") for w in (1, 2, 4)]
        if any(c != "-" for c in cells):
            body.append([name, start, model] + cells)
    out.append(table(["idiom", "start", "model"] + [f"records/s, {w} worker" + ("s" if w > 1 else "")
                                                    for w in (1, 2, 4)]
                     + [f"copies, {w} worker" + ("s" if w > 1 else "") for w in (1, 2, 4)], body)
               + "\n")


COLLECT_ROWS = [("py:global_fork:lists", "fork"), ("py:gc_freeze:lists", "fork"),
                ("py:forkserver_preload:lists", "forkserver"),
                ("py:forkserver_freeze:lists", "forkserver")]


def collect_every(series):
    return max((line["gc_collect"] for line in series), default=0)


def collect_table(rows, series, limit, out):
    every = collect_every(series)
    out.append("### 11.6 The collector's writes: workers running gc.collect()\n")
    out.append(
        f"The lists model, 2 workers, {records(limit)}; each worker runs a full "
        f"collection (`gc.collect()`) after every {every}th chunk of 256 records (`--gc-collect "
        f"{every}`), as the collector does on its own in a long-running worker that allocates. A "
        "full collection visits every object it tracks and writes into its header: in a forked "
        "worker, a write into every page holding one. gc_freeze and forkserver_freeze moved the "
        "model to the permanent generation before the workers were forked. One run each "
        "(`python-series.jsonl`) but the fork runs without collections (`python.csv`).\n")
    body = []
    for strategy, start in COLLECT_ROWS:
        kind = "fork" if start == "fork" else "forkserver"
        plain_copies = fork_or_series(rows, series, kind, strategy, 2, "model_copies")
        plain_speed = fork_or_series(rows, series, kind, strategy, 2, "rows_per_s")
        line = pick(series, "collect", strategy, 2, every)
        body.append([strategy.split(":")[1], start, plain_copies, fmt(value(line, "model_copies"), 2),
                     plain_speed, fmt(value(line, "rows_per_s"))])
    out.append(table(["idiom (lists model)", "start", "copies, no collection",
                      f"copies, gc.collect() every {every} chunks", "records/s, no collection",
                      "records/s, with collections"], body) + "\n")


FULL_ROWS = [("py:global_fork", 0, "objects"), ("py:global_fork:lists", None, "lists"),
             ("py:gc_freeze:lists", None, "lists")]


def full_table(res, rows, series, limit, figdir, plots, out):
    every = collect_every(series)
    full = [line for line in series if line["set"] == "full" and line["exit_status"] == 0]
    out.append("### 11.7 Over the whole dataset\n")
    if not full:
        out.append("Not measured in this run (no whole-dataset runs in python-series.jsonl).\n")
        return
    read = int(value(full[0], "rows") + value(full[0], "rejected"))
    out.append(
        f"2 workers, all {fmt(read)} records of the dataset, one run each, against the same "
        f"configuration on {records(limit)} (for the objects model, compare's "
        "median; for the lists model, the collect runs of 11.6). Copies at the end of the run "
        "are the peak of the whole run (the sampler keeps the highest total PSS).\n")
    body = []
    for strategy, gc, model in FULL_ROWS:
        gc = every if gc is None else gc
        line = pick(series, "full", strategy, 2, gc)
        early = (fork_or_series(rows, series, "fork", strategy, 2, "model_copies") if gc == 0
                 else fmt(value(pick(series, "collect", strategy, 2, gc), "model_copies"), 2))
        body.append([strategy.split(":")[1], model, f"every {gc} chunks" if gc else "none",
                     early, fmt(value(line, "model_copies"), 2), fmt(value(line, "pss_peak_mb"), 1),
                     fmt(value(line, "rows_per_s"))])
    out.append(table(["idiom", "model", "gc.collect()", f"copies, {records(limit)}",
                      "copies, whole dataset", "peak PSS MB, whole dataset",
                      "records/s, whole dataset"], body) + "\n")
    files = {}
    for key, strategy, gc in (("go", "py:global_fork", 0), ("gl", "py:global_fork:lists", every),
                              ("fl", "py:gc_freeze:lists", every)):
        line = pick(series, "full", strategy, 2, gc)
        if line and line.get("timeline"):  # series.py wrote it into RESULTS/python-timelines/
            path = os.path.join(res, "python-timelines", os.path.basename(line["timeline"]))
            if os.path.exists(path):
                files[key] = path
    if plots and len(files) == 3:
        gnuplot("python-timeline.gp", os.path.join(figdir, "python-timeline"), every=str(every), **files)
        out.append("![Python memory over the whole dataset](plots/figures/python-timeline.png)\n")
        out.append(timeline_words(files) + "\n")


def read_timeline(path):
    """[(t_s, total_pss_mb)] of a timeline file."""
    points = []
    with open(path) as f:
        next(f, None)
        for line in f:
            t, total = line.split(",")[:2]
            points.append((num(t), num(total)))
    return [p for p in points if p[0] == p[0] and p[1] == p[1]]


def timeline_words(files):
    """One sentence per line of the figure: where total PSS stood at a tenth of the run, at
    the half, and at the end, read from the timeline files."""
    names = {"go": "global_fork (objects)", "gl": "global_fork (lists, collecting)",
             "fl": "gc_freeze (lists, collecting)"}
    parts = []
    for key in ("go", "gl", "fl"):
        points = read_timeline(files[key])
        if not points:
            continue
        end = points[-1][0]
        at = lambda frac: next((mb for t, mb in points if t >= frac * end), points[-1][1])
        parts.append(f"{names[key]}: {fmt(at(0.1))} MB at a tenth of its {fmt(end)} s, "
                     f"{fmt(at(0.5))} MB at the half, {fmt(max(mb for _, mb in points))} MB at its peak")
    return "Total PSS in the figure, read from its files: " + "; ".join(parts) + "."


def series_lessons(rows, series, limit, out):
    """Claims from the runs of 11.5-11.7, each naming its model and record count; single runs
    are described, not judged by the method of section 0 (they have one round)."""
    every = collect_every(series)
    median2 = lambda strategy, key: spread(compare_values(rows, strategy, 2, key))[0]
    items = []
    for strategy in ("py:global_fork", "py:gc_freeze:lists"):
        refused = failed(series, strategy)
        if refused:
            items.append(
                f"**A model built in main() does not reach forkserver workers:** "
                f"`{strategy} --start forkserver` ({strategy.split(':')[-1] if strategy.count(':') > 1 else 'objects'} "
                f"model, {records(limit)}) ended with exit 1: its workers found "
                "the global None, as a program moved to Python 3.14's default would. Its workers "
                "said: \"" + reason(refused) + "\".")
            break
    pre = pick(series, "forkserver", "py:forkserver_preload", 2)
    gf = compare_values(rows, "py:global_fork", 2, "model_copies")
    if pre and gf:
        items.append(
            f"**A model preloaded into the forkserver is shared again:** forkserver_preload held "
            f"{fmt(value(pre, 'model_copies'), 2)} copies with 2 workers (objects model, "
            f"{records(limit)}, one run), global_fork by fork {fmt(spread(gf)[0], 2)} "
            "(median): one build, in the server, read copy-on-write by the workers.")
    gl = value(pick(series, "collect", "py:global_fork:lists", 2, every), "model_copies")
    fl = value(pick(series, "collect", "py:gc_freeze:lists", 2, every), "model_copies")
    gl0, fl0 = median2("py:global_fork:lists", "model_copies"), median2("py:gc_freeze:lists", "model_copies")
    if all(x == x for x in (gl, fl, gl0, fl0)):
        items.append(
            f"**gc.freeze() with the collector at work, lists model:** with 2 workers each "
            f"running gc.collect() every {every} chunks ({records(limit)}, one run "
            f"each), global_fork held {fmt(gl, 2)} copies and gc_freeze {fmt(fl, 2)}: the "
            f"freeze {'saved' if fl < gl else 'cost'} {fmt(abs(gl - fl), 2)} of a copy. Without "
            f"the collections (compare's medians) they held {fmt(gl0, 2)} and {fmt(fl0, 2)}: "
            f"the collections added {fmt(gl - gl0, 2)} to global_fork and {fmt(fl - fl0, 2)} to "
            "gc_freeze (one run against a median: not judged by section 0's method).")
    full = pick(series, "full", "py:global_fork", 2, 0)
    touched = [num(r["model_copies"]) for r in rows if r["strategy"] == "global_fork"
               and r["touch"] == "1" and r["workers"] == "2"]
    if full and gf:
        read = int(value(full, "rows") + value(full, "rejected"))
        tail = ""
        if touched:
            tail = (f"; C global_fork with --touch held {fmt(spread(touched)[0], 2)} on "
                    f"{records(limit)}")
        whole = value(full, "model_copies")
        bound = ""
        if touched:
            bound = (": Python's whole run stayed below C's --touch figure, which is for "
                     f"{records(limit)} only" if whole < spread(touched)[0] else
                     ": Python's whole run went above C's --touch figure (for "
                     f"{records(limit)} only): there --touch was no upper bound")
        lists = []
        for strategy in ("py:global_fork:lists", "py:gc_freeze:lists"):
            end = value(pick(series, "full", strategy, 2, every), "model_copies")
            early = value(pick(series, "collect", strategy, 2, every), "model_copies")
            if end == end and early == early:
                lists.append(f"{strategy.split(':')[1]} {fmt(early, 2)} -> {fmt(end, 2)}")
        items.append(
            f"**Over the whole dataset:** global_fork (objects model, 2 workers) held "
            f"{fmt(whole, 2)} copies after all {fmt(read)} records, "
            f"{fmt(spread(gf)[0], 2)} on {records(limit)}{tail}{bound}. The lists model with "
            f"workers collecting every {every} chunks, from {records(limit)} to all of them: "
            + ("; ".join(lists) or "not measured") + " (one run each).")
    fp, sm = median2("py:flat_pickle", "model_copies"), median2("py:shared_memory", "model_copies")
    fps, gfs = median2("py:flat_pickle", "rows_per_s"), median2("py:global_fork", "rows_per_s")
    if all(x == x for x in (fp, sm, fps, gfs)):
        items.append(
            f"**The flat shared buffer:** flat_pickle (objects pickled once into one shared "
            f"block, {records(limit)}, 2 workers) held {fmt(fp, 2)} copies of its "
            f"block, shared_memory {fmt(sm, 2)} of the flat numpy model; it classified "
            f"{fmt(fps)} records/s, global_fork (objects model) {fmt(gfs)} ({fmt(fps / gfs, 2)}x), "
            "though each of its look-ups unpickles a tuple.")
    if items:
        out.append("### 11.8 What the start methods, the lists model and the long runs show\n")
        out.append("\n".join(f"{i + 1}. {t}" for i, t in enumerate(items)) + "\n")


def section_python_series(res, rows, figdir, plots, out):
    series = read_series(res)
    limits = sorted({num(r["limit"]) for r in rows if r["strategy"].startswith("py:")})
    limit = limits[-1] if limits else float("nan")
    if not series:
        out.append("### 11.5 Start methods, the lists model, the collector and long runs\n")
        out.append("Not measured in this run (no python-series.jsonl: strategies/python/series.py "
                   "makes it).\n")
        return
    start_table(rows, series, limit, out)
    collect_table(rows, series, limit, out)
    full_table(res, rows, series, limit, figdir, plots, out)
    series_lessons(rows, series, limit, out)
