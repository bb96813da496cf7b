#!/usr/bin/python3
"""The report's statistics (plots/sbreport/stats.py), checked by simulation and against scipy.

- 10,000 seeded A/A comparisons (identical configurations, 5 % noise per run) with the rounds
  main.sh gives verdicts: faster or slower in at most ALPHA of them (the stated rate);
- a true 10 % difference at 5 % noise is found (faster) in at least 90 % of comparisons;
- equivalent appears where it must (identical, 0.5 % noise), inconclusive where it must (too
  few rounds; a 3 % difference in 5 % noise), and never "equivalent" for a 10 % difference;
- the noise floor holds back a verdict smaller than it;
- the interval inverts scipy's exact Wilcoxon signed-rank test: it excludes 0 exactly when
  scipy's two-sided p-value is at most ALPHA.
usage: test_stats.py PLOTS_DIR   (exit 77 when scipy is missing)
"""
import math
import random
import sys

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "plots")
from sbreport.stats import ALPHA, VERDICT_ROUNDS, compare, hodges_lehmann  # noqa: E402

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + (f": {detail}" if detail else ""))
    if not ok:
        failures.append(what)


def outcomes(n, effect, noise, trials, seed, floor=0.01):
    """Outcome counts of trials comparisons of A (effect x B) against B, n rounds, each run
    multiplied by lognormal noise of sigma noise."""
    rng = random.Random(seed)
    counts = {"better": 0, "worse": 0, "equivalent": 0, "inconclusive": 0}
    for _ in range(trials):
        a = {r: (1 + effect) * math.exp(rng.gauss(0, noise)) for r in range(n)}
        b = {r: math.exp(rng.gauss(0, noise)) for r in range(n)}
        counts[compare(a, b, floor).outcome] += 1
    return counts


aa = outcomes(VERDICT_ROUNDS, 0.0, 0.05, 10000, seed=1)
false_rate = (aa["better"] + aa["worse"]) / 10000
check(f"A/A, {VERDICT_ROUNDS} rounds, 5 % noise: false verdicts at most {ALPHA:.0%}",
      false_rate <= ALPHA, f"{false_rate:.2%} of 10,000 ({aa})")

power = outcomes(VERDICT_ROUNDS, 0.10, 0.05, 2000, seed=2)
check(f"a true 10 % difference at 5 % noise found in at least 90 % ({VERDICT_ROUNDS} rounds)",
      power["better"] / 2000 >= 0.90, f"{power['better'] / 2000:.1%} ({power})")
check("a true 10 % difference is never called worse or equivalent",
      power["worse"] == 0 and power["equivalent"] == 0, str(power))

quiet = outcomes(VERDICT_ROUNDS, 0.0, 0.005, 1000, seed=3)
check("identical configurations on a quiet machine (0.5 % noise): equivalent in at least 90 %",
      quiet["equivalent"] / 1000 >= 0.90, str(quiet))
few = outcomes(4, 0.10, 0.05, 500, seed=4)
check("4 rounds: always inconclusive, whatever the difference", few["inconclusive"] == 500, str(few))
small = outcomes(VERDICT_ROUNDS, 0.03, 0.05, 1000, seed=5)
check("a 3 % difference in 5 % noise: mostly inconclusive, never worse",
      small["inconclusive"] > 500 and small["worse"] == 0, str(small))
held = outcomes(VERDICT_ROUNDS, 0.04, 0.002, 500, seed=6, floor=0.06)
check("a 4 % difference under a 6 % noise floor: never faster", held["better"] == 0, str(held))

try:
    from scipy.stats import wilcoxon
except ImportError:
    print("SKIP: the scipy cross-check needs python3-scipy")
    sys.exit(77 if not failures else 1)
rng = random.Random(7)
mismatches = 0
for trial in range(3000):
    n = rng.randint(8, 20)
    d = [rng.gauss(rng.choice([0, 0.02, 0.05]), 0.03) for _ in range(n)]
    _, lo, hi = hodges_lehmann(d)
    excludes = lo > 0 or hi < 0
    p = wilcoxon(d, alternative="two-sided", method="exact").pvalue
    mismatches += excludes != (p <= ALPHA)
check("the interval excludes 0 exactly when scipy's exact Wilcoxon p <= ALPHA (3,000 samples)",
      mismatches == 0, f"{mismatches} mismatches")

print("all statistics checks passed" if not failures else f"{len(failures)} check(s) failed")
sys.exit(1 if failures else 0)
