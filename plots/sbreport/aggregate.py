"""Aggregates of the runs (median, min, max per configuration) into the CSVs the figures read."""
import csv
import json
import os
from collections import defaultdict

from .load import group, num, order_key, spread


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
    parts = ["build_s", "prepare_s", "start_s", "ready_s", "first_result_s"]
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
