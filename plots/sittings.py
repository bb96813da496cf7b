#!/usr/bin/python3
"""Do the report's verdicts survive a second sitting? Every verdict of two results folders,
side by side.

usage: plots/sittings.py RESULTS_A RESULTS_B

Draws every comparison section 0.3 of the report draws (verdicts.csv) and the Python
comparisons of section 11.4 (python-verdicts.csv), by the same method (sbreport/stats.py),
in each folder, and prints one table row per comparison and measure: the ratio with its 99 %
interval and the outcome in each sitting, and whether it moved. A flip (better in one sitting,
worse in the other) is what the method must never produce; a move between decisive and
inconclusive is what a rate of 1 % false verdicts and a finite power allow. Exit 1 if any
comparison flipped.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # sbreport/, beside this file
from sbreport.load import read_rows  # noqa: E402
from sbreport.sitting import MEASURES, questions, twins, untwinned, with_cpu  # noqa: E402
from sbreport.verdicts import by_round, floor_of, judge, set_noise_floor  # noqa: E402

PY_PAIRS = [  # (what, A, B, key, higher is better, touch of B)
    ("C against Python", "global_fork", "py:global_fork", "rows_per_s", True, "0"),
    ("C against Python", "shared_arrays", "py:shared_memory", "rows_per_s", True, "0"),
    ("C against Python", "shared_arrays", "py:sharedctypes", "rows_per_s", True, "0"),
    ("copies: CPython against C --touch", "py:global_fork", "global_fork", "model_copies", False, "1"),
    ("copies: CPython against C", "py:global_fork", "global_fork", "model_copies", False, "0"),
    ("copies: numpy against objects", "py:global_fork:numpy", "py:global_fork", "model_copies",
     False, "0"),
    ("copies: gc_freeze against global_fork", "py:gc_freeze", "py:global_fork", "model_copies",
     False, "0"),
    ("pickling the model per task", "py:per_task_pickle", "py:global_fork", "rows_per_s", True, "0"),
]


def sitting(res):
    """{(question, A, B, measure): Comparison} of one results folder."""
    out = {}
    vrows = with_cpu(read_rows(os.path.join(res, "verdicts.csv")))
    for name, key, higher in MEASURES:
        set_noise_floor(name, [(a, b) for _, a, b in twins(vrows, key)])
    _, qs = questions(untwinned(vrows))
    for q, a, b, wa, wb in qs:
        for name, key, higher in MEASURES:
            out[(q, a, b, name)] = judge(by_round(vrows, key, **wa), by_round(vrows, key, **wb),
                                         higher, name)
    prows = read_rows(os.path.join(res, "python-verdicts.csv"))
    if prows:
        w = str(max(int(r["workers"]) for r in prows))
        for what, a, b, key, higher, touch in PY_PAIRS:
            pa = by_round([r for r in prows if r["touch"] == "0"], key, strategy=a, workers=w)
            pb = by_round([r for r in prows if r["touch"] == touch], key, strategy=b, workers=w)
            measure = "speed" if key == "rows_per_s" else "copies"
            out[(what, a, b + (" --touch" if touch == "1" else ""), measure)] = judge(
                pa, pb, higher, "speed" if measure == "speed" else "copies")
    return out, floor_of("speed"), floor_of("cpu")


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    (one, f1s, f1c), (two, f2s, f2c) = sitting(argv[1]), sitting(argv[2])
    print(f"noise floor (A/A): records/s ±{f1s:.1%} and ±{f2s:.1%}, CPU per record ±{f1c:.1%} "
          f"and ±{f2c:.1%}\n")
    print("| question | A | B | measure | sitting 1 | sitting 2 | moved |")
    print("|---|---|---|---|---|---|---|")
    flips = moves = same = 0
    for k in list(one) + [k for k in two if k not in one]:
        c1, c2 = one.get(k), two.get(k)
        o1 = c1.outcome if c1 else "absent"
        o2 = c2.outcome if c2 else "absent"
        if {o1, o2} == {"better", "worse"}:
            moved, flips = "**FLIPPED**", flips + 1
        elif o1 != o2:
            moved, moves = "decisive <-> not", moves + 1
        else:
            moved, same = "-", same + 1
        cell = lambda c, o: f"{c.interval()} {o}" if c else "absent"
        print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {cell(c1, o1)} | {cell(c2, o2)} | {moved} |")
    print(f"\n{same + moves + flips} comparisons: {same} the same in both sittings, {moves} moved "
          f"between decisive and not, {flips} flipped")
    return 1 if flips else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
