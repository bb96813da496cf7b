#!/usr/bin/python3
"""series.py - the Python runs `sharebench compare` cannot make, one `sharebench run` each.

    series.py SHAREBENCH SPEC INPUT LIMIT OUT.jsonl TIMELINE_DIR

compare starts workers by fork or exec only, and sets no environment; these runs need
Python's forkserver, workers that collect (SHAREBENCH_PY_GC_COLLECT) and the whole input.
Three sets, each run measured as `sharebench run --json` measures it:
- forkserver: the first LIMIT records with --start forkserver: forkserver_preload and
  forkserver_freeze (objects model with 1, 2 and 4 workers; lists with 2), and global_fork
  and gc_freeze, whose workers find no model there (expected: exit 1 and the reason).
- collect: the first LIMIT records, 2 workers, the lists model, each worker running
  gc.collect() after every COLLECT_EVERY-th chunk, with and without gc.freeze, by fork and
  by forkserver (the same without collections: compare's rows and the forkserver set's).
- full: the whole INPUT, 2 workers, a memory timeline each (TIMELINE_DIR/NAME.csv):
  global_fork on the objects model, and global_fork and gc_freeze on the lists model with
  collections: configurations the collect set and compare's rows have on LIMIT records.
Each line of OUT.jsonl: {"set", "strategy", "start", "workers", "gc_collect", "limit" (0:
all), "exit_status",
"message" (a failed run's last message, its reason), "timeline", "summary" (the JSON
summary, {} for a failed run)}. Exit 1 if a run that should succeed failed (after all ran).
"""
import json
import os
import subprocess
import sys

COLLECT_EVERY = 16  # chunks of 256: about 2 collections per worker in 20,000 records
EXPECTED_FAILURES = ("py:global_fork", "py:gc_freeze:lists")  # with forkserver: no model there


def plan(limit):
    """(set, strategy, start, workers, gc_collect, limit) for every run."""
    runs = []
    for idiom in ("py:forkserver_preload", "py:forkserver_freeze"):
        runs += [("forkserver", idiom, "forkserver", w, 0, limit) for w in (1, 2, 4)]
        runs.append(("forkserver", idiom + ":lists", "forkserver", 2, 0, limit))
    runs += [("forkserver", s, "forkserver", 2, 0, limit) for s in EXPECTED_FAILURES]
    for idiom, start in (("py:global_fork", "fork"), ("py:gc_freeze", "fork"),
                         ("py:forkserver_preload", "forkserver"),
                         ("py:forkserver_freeze", "forkserver")):
        runs.append(("collect", idiom + ":lists", start, 2, COLLECT_EVERY, limit))
    runs += [("full", "py:global_fork", "fork", 2, 0, 0)]
    runs += [("full", s, "fork", 2, COLLECT_EVERY, 0) for s in ("py:global_fork:lists", "py:gc_freeze:lists")]
    return runs


def run_one(sb, spec, data, timeline_dir, which):
    kind, strategy, start, workers, collect, limit = which
    argv = [sb, "run", "--spec", spec, "--input", data, "--strategy", strategy, "--start", start,
            "--workers", str(workers), "--json"]
    if limit:
        argv += ["--limit", str(limit)]
    timeline = None
    if kind == "full":
        timeline = os.path.join(timeline_dir, "%s-gc%d.csv" % (strategy.replace(":", "_"), collect))
        argv += ["--timeline", timeline]
    env = dict(os.environ, SHAREBENCH_PY_GC_COLLECT=str(collect))
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    out = p.stdout.strip().splitlines()
    said = [line for line in p.stderr.splitlines() if line.startswith("sharebench run: ")]
    return {"set": kind, "strategy": strategy, "start": start, "workers": workers,
            "gc_collect": collect, "limit": limit, "exit_status": p.returncode,
            "message": said[-1] if p.returncode and said else "", "timeline": timeline,
            "summary": json.loads(out[-1]) if p.returncode == 0 and out else {}}


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    sb, spec, data, limit, out_path, timeline_dir = argv
    os.makedirs(timeline_dir, exist_ok=True)
    unexpected = []
    with open(out_path, "w") as out:
        for which in plan(int(limit)):
            line = run_one(sb, spec, data, timeline_dir, which)
            out.write(json.dumps(line) + "\n")
            out.flush()
            expected_failure = which[0] == "forkserver" and which[1] in EXPECTED_FAILURES
            shown = line["message"] or "rows=%s model_copies=%s" % (
                line["summary"].get("rows"), line["summary"].get("model_copies"))
            print("%-10s %-28s %-10s workers=%d gc_collect=%-3d exit=%d %s"
                  % (which[0], which[1], which[2], which[3], which[4], line["exit_status"], shown),
                  flush=True)
            if (line["exit_status"] != 0) != expected_failure:
                unexpected.append(which)
    if unexpected:
        sys.stderr.write("series.py: %d run(s) ended otherwise than expected: %s\n"
                         % (len(unexpected), unexpected))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
