"""The statistics behind every verdict in the report: paired ratios, their interval, the outcome.

Method (REPORT.md states it in these words, from METHOD below):
- Design. `sharebench compare` runs in rounds: each round runs every configuration once, in a
  fresh random order drawn from a recorded seed (randomized multiple interleaved trials). So
  every round holds one run of A and one of B, measured minutes apart on the same machine.
- Paired ratios. A against B is judged on the per-round ratios r_i = A_i / B_i (for records/s;
  for a cost such as CPU per record or model copies the ratio is turned so that above 1 still
  means "A better"). Pairing cancels what a round shares (the machine's state at that time).
- Estimate and interval. On the log ratios: the Hodges-Lehmann estimate (the median of the
  Walsh averages, (d_i + d_j) / 2 for i <= j) and the exact, distribution-free confidence
  interval that inverts the Wilcoxon signed-rank test at level 1 - ALPHA (99 %): the Walsh
  averages ranked c+1 and M-c, where c is the largest count with P(W+ <= c) <= ALPHA / 2 under
  the test's null distribution. It assumes only that the log ratios are independent and
  symmetric about their centre, which holds for identical configurations (their two runs in a
  round are exchangeable). With fewer than MIN_ROUNDS (8) rounds no 99 % interval excludes
  anything: such a comparison is inconclusive, whatever its numbers.
- Outcome. Better (faster, fewer) or worse where the interval excludes 1 and the estimate is
  beyond the noise floor; equivalent where the whole interval lies within +-MARGIN (3 %);
  otherwise inconclusive, with the rounds it had. Never "equal" from a failure to find a
  difference.
- Noise floor. Every sitting runs A/A pairs (`compare --aa`: the same configuration twice per
  round under two labels); the floor is the widest end of their intervals (at least
  MIN_FLOOR, 1 %, criterion.rs's noise threshold), and an effect must exceed it.
- Rate. On identical configurations the interval excludes 1 in at most ALPHA (1 %) of
  comparisons; the report counts the comparisons it draws, each against one declared baseline,
  and prints how many false verdicts that rate allows.
"""
import math
from functools import lru_cache

ALPHA = 0.01       # per comparison: the false-verdict rate on identical configurations
MARGIN = 0.03      # equivalent: the whole interval within +-3 %
MIN_FLOOR = 0.01   # the least noise floor: a 1 % effect is never called
MIN_ROUNDS = 8     # the fewest rounds whose 99 % interval can exclude 1 (2 / 2^8 < 0.01)
# The rounds scripts/main.sh gives the comparisons that bear verdicts: with them a true 10 %
# difference at 5 % noise per run is found in at least 90 % of comparisons
# (tests/stats/test_stats.py measures it by simulation).
VERDICT_ROUNDS = 14

METHOD = (
    "Runs go in rounds (each round runs every configuration once, in a fresh random order from "
    "a recorded seed). A against B is judged on the ratios of their runs in the same round: the "
    "report gives the Hodges-Lehmann estimate of the ratio with its exact 99 % confidence "
    "interval (the interval that inverts the Wilcoxon signed-rank test on the log ratios; "
    "distribution-free, assuming only that they are symmetric about their centre). A is "
    f"**faster** (or slower, fewer, more) when the interval excludes 1 and the estimate is beyond "
    f"the sitting's noise floor (the widest end of the A/A pairs' intervals, at least "
    f"{MIN_FLOOR:.0%}); **equivalent** when the whole interval lies within ±{MARGIN:.0%}; "
    f"otherwise **inconclusive** (n = rounds). With fewer than {MIN_ROUNDS} rounds no 99 % "
    "interval can exclude 1, so such comparisons are inconclusive by construction. On identical "
    f"configurations a verdict of faster or slower comes out in at most {ALPHA:.0%} of "
    "comparisons (tests/python/test_stats.py checks it, and the power, by simulation); each "
    "question is asked against one declared baseline, and the report counts the comparisons "
    "it draws.")


@lru_cache(maxsize=None)
def signed_rank_counts(n):
    """counts[w] = how many of the 2^n sign patterns give W+ = w (ranks 1..n)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    top = 0
    for rank in range(1, n + 1):
        top += rank
        for w in range(top, rank - 1, -1):
            counts[w] += counts[w - rank]
    return tuple(counts)


def critical_count(n, alpha=ALPHA):
    """The largest c with P(W+ <= c) <= alpha / 2, or -1 when even c = 0 is too likely."""
    counts, total, cum, c = signed_rank_counts(n), 2 ** n, 0, -1
    for w, k in enumerate(counts):
        cum += k
        if cum / total > alpha / 2:
            break
        c = w
    return c


def hodges_lehmann(d, alpha=ALPHA):
    """(estimate, low, high) of the centre of d, with the signed-rank interval at 1 - alpha
    (-inf, inf when d is too short for one)."""
    n = len(d)
    if n == 0:
        return (math.nan, -math.inf, math.inf)
    walsh = sorted((d[i] + d[j]) / 2 for i in range(n) for j in range(i, n))
    m = len(walsh)
    mid = (walsh[(m - 1) // 2] + walsh[m // 2]) / 2
    c = critical_count(n, alpha)
    if c < 0:
        return (mid, -math.inf, math.inf)
    return (mid, walsh[c], walsh[m - 1 - c])


class Comparison:
    """A against B over paired rounds: ratio estimate, interval, outcome."""

    def __init__(self, log_ratios, floor=MIN_FLOOR, alpha=ALPHA, margin=MARGIN):
        self.n = len(log_ratios)
        est, lo, hi = hodges_lehmann(log_ratios, alpha)
        self.ratio, self.low, self.high = math.exp(est), math.exp(lo), math.exp(hi)
        floor = max(floor, MIN_FLOOR)
        if lo > 0 and est > math.log1p(floor):
            self.outcome = "better"
        elif hi < 0 and est < -math.log1p(floor):
            self.outcome = "worse"
        elif lo >= math.log1p(-margin) and hi <= math.log1p(margin):
            self.outcome = "equivalent"
        else:
            self.outcome = "inconclusive"

    def interval(self, digits=2):
        if self.n == 0:
            return "no paired runs"
        if math.isinf(self.low) or math.isinf(self.high):
            return f"{self.ratio:.{digits}f}x (no 99 % interval with {self.n} rounds)"
        return f"{self.ratio:.{digits}f}x [{self.low:.{digits}f}-{self.high:.{digits}f}]"

    def word(self, better="faster", worse="slower"):
        """The outcome in the words of the measure ('faster'/'slower', 'fewer'/'more', ...)."""
        if self.outcome == "better":
            return better
        if self.outcome == "worse":
            return worse
        if self.outcome == "equivalent":
            return f"equivalent (within ±{MARGIN:.0%})"
        return f"inconclusive (n = {self.n})"


def pair_log_ratios(a, b, higher_is_better=True):
    """a, b: {round: value}. The log ratios of the rounds both have, oriented so that > 0
    means A better."""
    out = []
    for r in sorted(set(a) & set(b)):
        x, y = a[r], b[r]
        if x > 0 and y > 0 and x == x and y == y:
            d = math.log(x / y)
            out.append(d if higher_is_better else -d)
    return out


def compare(a, b, floor=MIN_FLOOR, higher_is_better=True):
    """A against B ({round: value} each): a Comparison."""
    return Comparison(pair_log_ratios(a, b, higher_is_better), floor)


def noise_floor(aa_pairs):
    """The widest end of the A/A pairs' intervals, as a fraction (at least MIN_FLOOR).
    aa_pairs: [({round: value}, {round: value})] for twins a and b."""
    floor = MIN_FLOOR
    for a, b in aa_pairs:
        c = compare(a, b)
        if c.n and not (math.isinf(c.low) or math.isinf(c.high)):
            floor = max(floor, abs(c.low - 1), abs(c.high - 1))
    return floor


def coefficient_of_variation(values):
    vals = [v for v in values if v == v]
    if len(vals) < 2:
        return math.nan
    mean = sum(vals) / len(vals)
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)
    return math.sqrt(var) / mean if mean else math.nan
