"""Every "faster", "slower", "fewer", "more", "equivalent" and "inconclusive" in the report:
the comparisons of stats.py applied to runs paired by round, with the sitting's noise floor,
and the tally of every comparison drawn (the report prints how many)."""
from .load import num
from .stats import METHOD, MIN_FLOOR, compare, noise_floor

RULE = METHOD

# The sitting's noise floor per measure (set once from its A/A pairs) and every comparison
# drawn.
_floor = {}
DRAWN = []


def by_round(rows, key, **where):
    """{round: value} of key over the rows that match (the mean where a round has several;
    results from before rounds were recorded pair by their repeat number)."""
    acc = {}
    for r in rows:
        if all(str(r.get(k)) == str(v) for k, v in where.items()):
            rnd = r.get("round") or r.get("repeat") or "1"
            acc.setdefault(rnd, []).append(num(r.get(key)))
    return {k: sum(v) / len(v) for k, v in acc.items() if all(x == x for x in v)}


def set_noise_floor(measure, aa_pairs):
    """Set the floor of a measure from its A/A pairs [({round: value}, {round: value})];
    returns it."""
    _floor[measure] = noise_floor(aa_pairs)
    return _floor[measure]


def floor_of(measure):
    return _floor.get(measure, MIN_FLOOR)


def judge(a, b, higher_is_better=True, measure="speed"):
    """A against B, {round: value} each (a plain list has no rounds: nothing to pair)."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        a, b = {}, {}
    c = compare(a, b, floor_of(measure), higher_is_better)
    DRAWN.append(c)
    return c


def verdict(a, b, better="faster", worse="slower", higher_is_better=True, measure="speed"):
    """The outcome of A against B in words: better, worse, 'equivalent (within ±3%)' or
    'inconclusive (n = rounds)'."""
    return judge(a, b, higher_is_better, measure).word(better, worse)
