"""Reading results/: the CSV and JSON files, filters and medians of their columns."""
import csv
import json
import os
import statistics
from collections import defaultdict



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


def values(rows, key, **where):
    return [num(r.get(key)) for r in rows if all(str(r.get(k)) == str(v) for k, v in where.items())]


def spread_of(rows, key, **where):
    """(min, max) of key over the rows that match."""
    vals = [num(r[key]) for r in rows if all(r.get(k) == str(v) for k, v in where.items())]
    _, lo, hi = spread(vals)
    return lo, hi


def median_of(rows, key, **where):
    vals = [num(r[key]) for r in rows if all(r.get(k) == str(v) for k, v in where.items())]
    return spread(vals)[0]


def read_mpi(res):
    path = os.path.join(res, "mpi.jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


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
