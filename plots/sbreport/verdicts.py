"""The rule behind every "faster" and "slower" in the report."""



# The rule every "faster" or "slower" in this report follows (stated in the report too).
MIN_REPEATS = 3


RULE = (f"A is called faster (or slower) than B only when each has at least {MIN_REPEATS} runs "
        "and their ranges do not overlap: A's slowest run beats B's fastest (or the reverse). "
        "Otherwise they are equal within noise.")


def verdict(a, b):
    """'faster', 'slower', 'equal within noise' or 'too few runs', by RULE (a and b: values)."""
    a = [v for v in a if v == v]
    b = [v for v in b if v == v]
    if len(a) < MIN_REPEATS or len(b) < MIN_REPEATS:
        return "too few runs"
    if min(a) > max(b):
        return "faster"
    if max(a) < min(b):
        return "slower"
    return "equal within noise"
