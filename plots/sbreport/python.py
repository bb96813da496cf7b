"""Section 11: the Python idioms beside their C counterparts."""
import os

from .load import median_of, num, read_idioms, read_rows, spread
from .markdown import cell, fmt, table
from .python_series import section_python_series
from .verdicts import by_round, verdict


def python_variants(rows):
    """[(strategy, idiom, model)] of the py: rows, in the Python program's listing order."""
    seen = {(r["strategy"], r["strategy"].split(":")[1], r["model"]) for r in rows
            if r["strategy"].startswith("py:")}
    return sorted(seen, key=lambda v: (PY_ORDER.get(v[1], len(PY_ORDER)), v[2] != "objects"))


PY_ORDER = {n: i for i, n in enumerate(["serial", "global_fork", "gc_freeze", "forkserver_preload",
                                         "forkserver_freeze", "module_state", "registry",
                                         "sharedctypes", "shared_memory", "flat_pickle", "memmap",
                                         "initializer", "per_task_pickle", "threads"])}


def py_rounds(rows, key, strategy, workers, touch="0"):
    """{round: key} of strategy with workers workers (any, for serial), as py_values."""
    return by_round([r for r in rows if r["strategy"] == strategy and r["touch"] == touch
                     and (r["workers"] == str(workers) or r["workers"] == "0")], key)


def py_values(rows, key, strategy, workers, touch="0"):
    """key over the runs of strategy with workers workers (any, for serial), without --touch."""
    return [num(r[key]) for r in rows if r["strategy"] == strategy and r["touch"] == touch
            and (r["workers"] == str(workers) or r["workers"] == "0")]


def workers_label(w):
    return f"{w} worker" + ("" if str(w) == "1" else "s")


def copies_than(a, b, what):
    """How copies a compare with copies b, by the report's method, as a phrase ending with what b is."""
    word = verdict(a, b, better="more", worse="fewer")
    if word in ("more", "fewer"):
        return f"{word} than {what}"
    return f"{word} against {what}"


def section_python(res, out, figdir=None, plots=False):
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
    # The lessons' comparisons come from their own runs, with the rounds verdicts need, where
    # main.sh made them (python-verdicts.csv); else from python.csv, whose few rounds decide
    # nothing.
    vrows = read_rows(os.path.join(res, "python-verdicts.csv"))
    if vrows:
        vmax = str(max(int(r["workers"]) for r in vrows))
        python_lessons(vrows, idioms, vmax, out, "python-verdicts.csv")
    else:
        python_lessons(rows, idioms, wmax, out, "python.csv")
    section_python_series(res, rows, figdir, plots, out)


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
             ("py:global_fork:lists", "Python, lists", "0"),
             ("py:gc_freeze", "Python gc_freeze, objects", "0"),
             ("py:gc_freeze:lists", "Python gc_freeze, lists", "0"),
             ("py:gc_freeze:numpy", "Python gc_freeze, numpy", "0")]
    body = [[s, what] + [cell(py_values(rows, "model_copies", s, w, touch=t), 2) for w in workers]
            + [cell(py_values(rows, "minor_faults", s, wmax, touch=t))]
            for s, what, t in cases if py_values(rows, "model_copies", s, wmax, touch=t)]
    out.append(table(["strategy", "what"] + [f"copies, {workers_label(w)}" for w in workers]
                     + [f"workers' minor faults, {wmax} workers"], body) + "\n")


def python_lessons(rows, idioms, wmax, out, source):
    """Claims with the numbers behind them, computed here; comparisons follow the report's method."""
    out.append("### 11.4 What the Python runs show\n")
    rounds = len({r.get("round", r.get("repeat")) for r in rows})
    limits = sorted({num(r["limit"]) for r in rows if r["strategy"].startswith("py:")})
    fewer = f" (per_task_pickle's: the first {fmt(limits[0])})" if len(limits) > 1 else ""
    out.append(f"Every claim here rests on the first {fmt(limits[-1]) if limits else 'n/a'} "
               f"records of the dataset{fewer}, with {wmax} workers, {rounds} round"
               f"{'' if rounds == 1 else 's'} (source: `{source}`). Verdicts follow the method stated at "
               "the top of the report (paired rounds, a 99 % interval; fewer than 8 rounds decide "
               "nothing); for memory, \"more\" and \"fewer\" copies follow the same method.\n")
    v = lambda s, key="rows_per_s", touch="0": py_values(rows, key, s, wmax, touch)
    p = lambda s, key="rows_per_s", touch="0": py_rounds(rows, key, s, wmax, touch)
    med = lambda vals: spread(vals)[0]
    items = []
    for py, c in [("py:global_fork", "global_fork"), ("py:shared_memory", "shared_arrays"),
                  ("py:sharedctypes", "shared_arrays")]:
        if v(py) and v(c):
            items.append(
                f"**C against Python, {py[3:]} against {c}:** with {wmax} workers C classified "
                f"{fmt(med(v(c)))} records/s, Python {fmt(med(v(py)))}: C is "
                f"{fmt(med(v(c)) / med(v(py)), 1)}x as fast ({verdict(p(c), p(py))} by the method).")
    gt, g0 = v("global_fork", "model_copies", "1"), v("global_fork", "model_copies")
    po, pn = v("py:global_fork", "model_copies"), v("py:global_fork:numpy", "model_copies")
    pgt, pg0 = p("global_fork", "model_copies", "1"), p("global_fork", "model_copies")
    ppo, ppn = p("py:global_fork", "model_copies"), p("py:global_fork:numpy", "model_copies")
    if gt and po:
        word = verdict(ppo, pgt, better="more", worse="fewer")
        reading = {"fewer": "So --touch overstated what CPython copied here (an upper bound)",
                   "more": "So --touch understated what CPython copied here"}.get(
                       word, f"How well --touch imitates CPython is {word} here")
        items.append(
            f"**Does --touch predict CPython?** With {wmax} workers C global_fork held "
            f"{fmt(med(g0), 2)} copies of its model, {fmt(med(gt), 2)} with --touch; Python's "
            f"global_fork with the pure-object model held {fmt(med(po), 2)} of its own: "
            f"{copies_than(ppo, pgt, 'C with --touch')} and {copies_than(ppo, pg0, 'C without')}, "
            f"by the method. {reading}.")
    if po and pn:
        word = verdict(ppn, ppo, "more", "fewer")
        title = {"fewer": "The representation decides copy-on-write in CPython",
                 "more": "The numpy model held more copies than the objects model here"}.get(
                     word, "The representation did not change copy-on-write measurably here")
        items.append(
            f"**{title}:** the numpy model (one weight matrix no reference count touches) held "
            f"{fmt(med(pn), 2)} copies with {wmax} workers where the pure-object model held "
            f"{fmt(med(po), 2)}: {copies_than(ppn, ppo, 'the objects model')}, by the method.")
    fo = v("py:gc_freeze", "model_copies")
    if fo and po:
        title = ("gc.freeze() saved copies"
                 if verdict(p("py:gc_freeze", "model_copies"), ppo, "more", "fewer") == "fewer" else
                 "gc.freeze() saved no copies: it keeps the collector off the model, not the "
                 "reference counts")
        items.append(
            f"**{title}:** gc_freeze held {fmt(med(fo), 2)} copies with the pure-object model, "
            f"global_fork {fmt(med(po), 2)} ({copies_than(p('py:gc_freeze', 'model_copies'), ppo, 'global_fork')}, by the method); "
            "every look-up still writes reference counts into the objects it reads.")
    t1 = py_values(rows, "rows_per_s", "py:threads", 1)
    if t1 and v("py:threads"):
        items.append(
            f"**Threads under the GIL:** Python's thread pool classified {fmt(med(t1))} records/s "
            f"with 1 thread and {fmt(med(v('py:threads')))} with {wmax} "
            f"({verdict(p('py:threads'), py_rounds(rows, 'rows_per_s', 'py:threads', 1))} by the method; only one thread runs Python at a time, "
            f"while another may read the input), where C threads reached "
            f"{fmt(med(v('threads')))}.")
    pt, gf = v("py:per_task_pickle"), v("py:global_fork")
    if pt and gf:
        items.append(
            f"**pool.map(obj.method, ...) ships obj with every task:** per_task_pickle classified "
            f"{fmt(med(pt))} records/s with {wmax} workers, global_fork {fmt(med(gf))} "
            f"({verdict(p('py:per_task_pickle'), p('py:global_fork'))} by the method), because every chunk pickles, sends and unpickles "
            "the whole model.")
    out.append("\n".join(f"{i + 1}. {t}" for i, t in enumerate(items)) + "\n")
