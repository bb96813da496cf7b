#!/usr/bin/env python3
"""An independent implementation of the sharebench workload (docs/WORKLOAD.md), as a test oracle.

It shares no code and no method with the C harness: records are read with Python's csv
module, rules run on Python's re (translated to POSIX semantics), and a word is mapped to its
token index by inverting the spelling arithmetic instead of looking it up in a hash table.
Weights are computed on demand. Slow (pure Python), so meant for files of thousands of records.

usage: workload.py SPEC RECORDS     prints "rows=N rejected=N checksum=HEX"
"""
import csv
import io
import re
import sys

M64 = 2**64 - 1
INV = pow(2654435761, -1, 2**32)  # the spelling multiplies by this constant's inverse


def mix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def unit(h):
    return float(h >> 11) * 2.0**-53


def spell(i):
    x = (i * 2654435761) % 2**32
    out = []
    while True:
        out.append(chr(ord("a") + x % 26))
        x //= 26
        if x == 0:
            return "".join(out)


def token_index(word, vocab):
    """The index whose spelling is word, if it is in the vocabulary; else None."""
    if not word or len(word) > 7 or not all("a" <= c <= "z" for c in word):
        return None
    x = 0
    for c in reversed(word):
        x = x * 26 + (ord(c) - ord("a"))
    if x >= 2**32:
        return None
    i = (x * INV) % 2**32
    return i if i < vocab and spell(i) == word else None


def posix_ere(pattern):
    """POSIX ERE semantics in Python's re: '.' matches a newline, '$' only at the very end."""
    out, i, in_bracket = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if in_bracket:
            out.append("\\\\" if c == "\\" else c)
            if c == "]" and not pattern[i - 1] in "[^":
                in_bracket = False
        elif c == "\\":
            out.append(pattern[i : i + 2])
            i += 1
        elif c == "[":
            in_bracket = True
            out.append(c)
        elif c == "$":
            out.append(r"\Z")
        else:
            out.append(c)
        i += 1
    return re.compile("".join(out).encode("latin-1"), re.DOTALL)


def load_spec(path):
    spec = {"rules": []}
    with open(path, newline="", encoding="latin-1") as f:
        for row in csv.reader(f):
            if not row:
                continue
            if row[0] == "rule":
                field = 1 if row[1] == "user" else 4
                spec["rules"].append((field, int(row[2]), posix_ere(row[3])))
            else:
                spec[row[0]] = int(row[1])
    return spec


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def classify(spec, fields):
    for field, cls, regex in spec["rules"]:
        if regex.search(fields[field]):
            return cls, 0.0
    seed, k_count, vocab = spec["seed"], spec["classes"], spec["vocab"]
    score = [-1.0 - unit(mix64(seed ^ mix64(0xFFFFFFFF00000000 + k))) for k in range(k_count)]
    for word in fields[4].split(b" "):
        i = token_index(word.decode("latin-1"), vocab) if word else None
        if i is None:
            continue
        for k in range(k_count):
            score[k] += -1.0 - 9.0 * unit(mix64(seed ^ mix64((i * k_count + k) & M64)))
    best = max(range(k_count), key=lambda k: (score[k], -k))
    return best, score[best]


def valid_id(text):
    if not re.fullmatch(rb"-?[0-9]+", text):
        return None
    v = int(text)
    return v if -(2**63) <= v < 2**63 else None


def main(spec_path, records_path):
    spec = load_spec(spec_path)
    with open(records_path, "rb") as f:
        text = f.read().decode("latin-1")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows)
    assert header == ["id", "user", "country", "amount", "text"], header
    results = rejected = total = 0
    for row in rows:
        if not row:
            continue  # an empty line is not a record
        fields = [x.encode("latin-1") for x in row]
        rid = valid_id(fields[0]) if len(fields) == 5 else None
        if rid is None or any(len(x) > 1 << 20 or b"\0" in x for x in fields):
            rejected += 1
            continue
        cls, score = classify(spec, fields)
        line = b"%d,%d,%s" % (rid, cls, ("%.17g" % score).encode())
        total = (total + fnv1a64(line)) & M64
        results += 1
    print("rows=%d rejected=%d checksum=%016x" % (results, rejected, total))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
