"""Section 0: how sure the report is. The sitting's noise (A/A pairs, the noise gauge) and every
verdict the report draws, with its ratio and interval, on both measures."""
import math

from .load import order_key, per_record, spread
from .markdown import fmt, table
from .stats import ALPHA, MARGIN, coefficient_of_variation
from .verdicts import DRAWN, by_round, floor_of, judge, set_noise_floor

SHARING = ["global_fork", "module_state", "registry", "shared_arrays", "mapped_file",
           "per_worker_copy"]
# The two measures every verdict is drawn on: streaming records/s (higher is better) and CPU
# per record (parent + workers, lower is better: the steadier one on a shared machine).
MEASURES = [("speed", "stream_rows_per_s", True), ("cpu", "cpu_us_per_record", False)]


def with_cpu(rows):
    """The rows, each with cpu_us_per_record recomputed from its parts (older results lack it)."""
    for r in rows:
        if not r.get("cpu_us_per_record"):
            r["cpu_us_per_record"] = str((per_record(r, "parent_cpu_s")
                                          + per_record(r, "worker_cpu_s")) * 1e6)
        if not r.get("stream_rows_per_s"):
            r["stream_rows_per_s"] = r.get("rows_per_s", "")
    return rows


def twins(rows, measure_key):
    """The A/A pairs in rows: [(label, {round: a}, {round: b})]."""
    pairs = []
    keys = sorted({(r["strategy"], r["feed"], r["workers"]) for r in rows if r.get("twin") == "a"},
                  key=lambda k: (order_key(k[0]), k[1]))
    for s, feed, w in keys:
        where = dict(strategy=s, feed=feed, workers=w)
        pairs.append((f"{s} ({feed})" if feed != "none" else s,
                      by_round(rows, measure_key, twin="a", **where),
                      by_round(rows, measure_key, twin="b", **where)))
    return pairs


def untwinned(rows):
    """The rows with the A/A pairs' second twin left out (twin a stands for its configuration)."""
    return [r for r in rows if r.get("twin") != "b"]


def questions(rows):
    """[(question, A label, B label, {measure: (a_rows_where, b_rows_where)})] that the report
    answers with verdicts, each against one declared baseline."""
    w = "2" if any(r["workers"] == "2" for r in rows) else max((r["workers"] for r in rows), default="0")
    have = {(r["strategy"], r["feed"]) for r in rows}
    out = []
    for s in SHARING:
        if (s, "ranges") in have and ("threads", "ranges") in have:
            out.append(("against threads (one address space, no copy, no transport)", s, "threads",
                        dict(strategy=s, feed="ranges", workers=w),
                        dict(strategy="threads", feed="ranges", workers=w)))
    if ("per_task_serialize", "ranges") in have and ("global_fork", "ranges") in have:
        out.append(("shipping the model with every task", "per_task_serialize", "global_fork",
                    dict(strategy="per_task_serialize", feed="ranges", workers=w),
                    dict(strategy="global_fork", feed="ranges", workers=w)))
    for s in sorted({r["strategy"] for r in rows if r["feed"] == "ranges"}, key=order_key):
        if (s, "records") in have:
            out.append(("range feed against record feed", f"{s} ranges", f"{s} records",
                        dict(strategy=s, feed="ranges", workers=w),
                        dict(strategy=s, feed="records", workers=w)))
    return w, out


def verdict_table(rows):
    """Every question on both measures: the table rows and the outcomes."""
    w, qs = questions(rows)
    body, moved = [], 0
    for q, a, b, wa, wb in qs:
        cells, outcomes = [], []
        for name, key, higher in MEASURES:
            c = judge(by_round(rows, key, **wa), by_round(rows, key, **wb), higher, name)
            words = ("faster", "slower") if name == "speed" else ("less CPU", "more CPU")
            cells += [c.interval(), c.word(*words)]
            outcomes.append(c.outcome)
        disagree = {"better", "worse"} <= set(outcomes)
        partly = len({o in ("better", "worse") for o in outcomes}) == 2
        moved += partly
        cells.append("**disagree**" if disagree else "one decisive" if partly else "agree")
        body.append([q, a, b] + cells)
    return w, body, moved


def noisy_configurations(rows):
    """Configurations whose figures should not be trusted: records/s CV >= 10 % or steal >= 5 %."""
    out = []
    keys = {(r["strategy"], r.get("feed", ""), r["workers"], r.get("chunk", ""), r.get("touch", ""),
             r.get("twin", "")) for r in rows}
    for k in sorted(keys, key=lambda k: (order_key(k[0]),) + k[1:]):
        rs = [r for r in rows if (r["strategy"], r.get("feed", ""), r["workers"], r.get("chunk", ""),
                                  r.get("touch", ""), r.get("twin", "")) == k]
        cv = coefficient_of_variation([float(r["rows_per_s"]) for r in rs if r.get("rows_per_s")])
        steal = max((float(r["steal_pct"]) for r in rs if r.get("steal_pct") not in (None, "", "nan")),
                    default=math.nan)
        if (cv == cv and cv >= 0.10) or (steal == steal and steal >= 5):
            out.append([k[0] + (f" (twin {k[5]})" if k[5] else ""), k[1], k[2],
                        f"{cv * 100:.1f} %" if cv == cv else "n/a",
                        f"{steal:.1f} %" if steal == steal else "n/a", len(rs)])
    return out


def gauge_line(rows):
    load = spread([float(r["load_avg_1m"]) for r in rows if r.get("load_avg_1m") not in (None, "", "nan")])
    steal = [float(r["steal_pct"]) for r in rows if r.get("steal_pct") not in (None, "", "nan")]
    niv = spread([float(r["nivcsw_workers"]) for r in rows if r.get("nivcsw_workers") not in (None, "", "nan")])
    if load[0] != load[0]:
        return "No noise gauge in these results (they predate it)."
    return (f"Noise gauge over the {len(rows)} runs: load average at the start of a run "
            f"{fmt(load[0], 2)} (median; {fmt(load[1], 2)}-{fmt(load[2], 2)}), CPU steal at most "
            f"{fmt(max(steal), 1)} %, workers' involuntary context switches {fmt(niv[0])} per run "
            "(median).")


def section_sitting(vrows, all_rows, out):
    """The noise floor, the gauge, and the verdicts of the report, from verdicts.csv."""
    out.append("## 0. How sure: the noise of this sitting and every verdict\n")
    if not vrows:
        out.append("Not measured in this run (no verdicts.csv): the report draws no verdicts.\n")
        return
    vrows = with_cpu(vrows)
    rounds = len({r.get("round") for r in vrows})
    seed = sorted({r.get("seed", "") for r in vrows})
    floors = []
    for name, key, _ in MEASURES:
        pairs = twins(vrows, key)
        set_noise_floor(name, [(a, b) for _, a, b in pairs])
        floors.append((name, key, pairs))
    out.append(
        f"Source: `verdicts.csv`: every strategy with 2 workers in both feeds, {rounds} rounds, "
        f"each in a random order (seed {', '.join(seed)}); serial and global_fork ran twice per "
        "round under two labels (A/A pairs). Speed is `stream_rows_per_s` (records/s from every "
        "worker ready to the last result); CPU is `cpu_us_per_record` (parent and workers, user "
        "and system, per record read).\n")
    body = []
    for name, key, pairs in floors:
        for label, a, b in pairs:
            c = judge(a, b, True, name)
            DRAWN.pop()  # the floor's own comparisons are not verdicts of the report
            apart = c.low > 1 or c.high < 1
            body.append([label, "records/s" if name == "speed" else "CPU per record",
                         c.interval(3), "yes: the twins drifted apart" if apart else "no"])
    out.append("### 0.1 The noise floor: A/A pairs\n")
    out.append(
        "Each pair is one configuration run twice per round; the ratio of twin a to twin b and "
        "its 99 % interval show how far two identical configurations drift apart in this "
        f"sitting. The floor a verdict must beat: records/s ±{floor_of('speed') * 100:.1f} %, "
        f"CPU per record ±{floor_of('cpu') * 100:.1f} % (the widest end of these intervals, at "
        "least 1 %).\n")
    out.append(table(["A/A pair", "measure", "a / b [99 % interval]", "interval excludes 1"], body)
               + "\n")
    out.append("### 0.2 The noise gauge\n")
    out.append(gauge_line(vrows + all_rows) + " Configurations whose records/s vary by 10 % or "
               "more (coefficient of variation) or that saw 5 % or more CPU steal are listed "
               "here; their figures are not to be trusted:\n")
    noisy = ([["verdicts.csv"] + r for r in noisy_configurations(vrows)]
             + [["compare.csv"] + r for r in noisy_configurations(all_rows)])
    out.append(table(["source", "configuration", "feed", "workers", "CV of records/s", "most steal",
                      "runs"], noisy) + "\n" if noisy else "None.\n")
    w, vbody, moved = verdict_table(untwinned(vrows))
    out.append("### 0.3 Every verdict\n")
    out.append(
        f"{w} workers. Ratio = A / B for records/s and B / A for CPU per record (above 1: A is "
        "better), Hodges-Lehmann estimate [exact 99 % interval]. The last column says whether the "
        "two measures agree: **disagree** where one calls A better and the other worse, "
        f"\"one decisive\" where only one decides ({moved} of {len(vbody)}).\n")
    out.append(table(["question", "A", "B", "records/s: A/B", "records/s verdict",
                      "CPU/record: B/A", "CPU verdict", "measures"], vbody) + "\n")


def tally_line():
    """How many comparisons the report drew, and the false verdicts its rate allows."""
    n = len(DRAWN)
    decisive = sum(c.outcome in ("better", "worse") for c in DRAWN)
    return (f"This report draws {n} comparisons ({decisive} decisive, "
            f"{sum(c.outcome == 'equivalent' for c in DRAWN)} equivalent, "
            f"{sum(c.outcome == 'inconclusive' for c in DRAWN)} inconclusive). At {ALPHA:.0%} per "
            f"comparison, identical configurations would give about {n * ALPHA:.1f} false "
            f"verdicts among them; equivalence is claimed only within ±{MARGIN:.0%}.")
